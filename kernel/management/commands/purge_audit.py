import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kernel.audit import purge


class Command(BaseCommand):
    help = "Delete audit records older than AUDIT_RETENTION_DAYS, keeping a checkpoint so the chain still verifies."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, as_of=None, **options):
        if as_of and as_of > timezone.localdate():
            raise CommandError("--as-of may not be later than today: records within the retention period are kept.")
        now = timezone.make_aware(datetime.datetime.combine(as_of, datetime.time.max)) if as_of else None
        self.stdout.write(f"purged={purge(now=now)}")
