import datetime

from django.core.management.base import BaseCommand

from kernel.deadlines import sweep


class Command(BaseCommand):
    help = "Run the deadline sweep once (reminders and consequences), optionally as of another date."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, as_of=None, batch_size=500, **options):
        result = sweep(as_of=as_of, batch_size=batch_size)
        self.stdout.write(f"reminders={result.reminders} missed={result.missed} fired={result.fired} batches={result.batches}")
