from django.core.management.base import BaseCommand

from kernel.workdays import load_chinese_calendar


class Command(BaseCommand):
    help = "Load holidays and make-up working days from the chinesecalendar package (after upgrading it)."

    def handle(self, *args, **options):
        count, years = load_chinese_calendar()
        self.stdout.write(f"{count} exceptions for {years[0]}-{years[-1]}")
