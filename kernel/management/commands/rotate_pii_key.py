"""Rewrite every encrypted value not written with the current PII key and cipher (`kernel.crypto`), and its
blind index. Run it after moving the old secret to PII_ENCRYPTION_OLD_KEYS and setting a new PII_ENCRYPTION_KEY
(or after changing PII_CIPHER); once it reports nothing left, the old secret may be removed."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from kernel import crypto


class Command(BaseCommand):
    help = "Re-encrypt personal information written with an old PII key or another cipher."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the values to rewrite; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        total = 0
        for model, field, indexes in crypto.encrypted_fields():
            # The stored text as it is (the field itself would decrypt it).
            rows = (model._default_manager.exclude(**{f"{field.name}__isnull": True})
                    .annotate(stored=Cast(field.name, output_field=TextField()))
                    .exclude(stored="").values_list("pk", "stored"))
            stale = [pk for pk, stored in rows.iterator() if not crypto.is_current(stored)]
            for pk in [] if dry_run else stale:
                with transaction.atomic():
                    row = model._default_manager.select_for_update().only(field.name).get(pk=pk)
                    plain = getattr(row, field.name)
                    model._default_manager.filter(pk=pk).update(
                        **{field.name: plain}, **{index.name: crypto.blind_index(plain, index.domain()) for index in indexes})
            total += len(stale)
            self.stdout.write(f"{model._meta.label}.{field.name}: {len(stale)} {'to rewrite' if dry_run else 'rewritten'}")
        self.stdout.write(self.style.SUCCESS(f"{total} value(s) {'to rewrite' if dry_run else 'rewritten'}."))
