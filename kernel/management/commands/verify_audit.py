from django.core.management.base import BaseCommand, CommandError

from kernel.audit import check


class Command(BaseCommand):
    help = ("Verify the audit chain (sequence, previous digest and keyed digest of every record since the last "
            "purge checkpoint); report the first broken link, or that it is intact, and record the outcome in the "
            "chain. Exits 1 when broken.")

    def handle(self, *args, **options):
        result = check()
        if not result.intact:
            raise CommandError(str(result))
        self.stdout.write(str(result))
