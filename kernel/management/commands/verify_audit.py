from django.core.management.base import BaseCommand, CommandError

from kernel.audit import verify


class Command(BaseCommand):
    help = ("Verify the audit chain (sequence, previous digest and keyed digest of every record since the last "
            "purge checkpoint); report the first broken link, or that it is intact. Exits 1 when broken.")

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=2000, help="records read per query")

    def handle(self, *args, chunk=2000, **options):
        result = verify(chunk=chunk)
        if not result.intact:
            raise CommandError(str(result))
        self.stdout.write(str(result))
