from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kernel.holiday_schedule import ScheduleInvalid, decode, load_text
from kernel.workdays import load_chinese_calendar


class Command(BaseCommand):
    help = ("Load holidays and make-up working days from the chinesecalendar package (after upgrading it), or, with "
            "--schedule FILE, one year's State Council holiday schedule from a text file (format: "
            "kernel/holiday_schedule.py, example kernel/calendars/2027.example.txt). A file with an error saves nothing.")

    def add_arguments(self, parser):
        parser.add_argument("--schedule", metavar="FILE", help="a State Council holiday schedule file (UTF-8)")
        parser.add_argument("--by", metavar="USERNAME", help="the account recorded as having loaded the schedule")

    def handle(self, *args, **options):
        if not options["schedule"]:
            count, years = load_chinese_calendar()
            self.stdout.write(f"{count} exceptions for {years[0]}-{years[-1]}")
            return
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"No account named {options['by']}.")
        path = Path(options["schedule"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            loaded = load_text(decode(data), by=by)
        except ScheduleInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(f"{path}: not loaded ({len(invalid.errors)} errors); nothing was saved.") from None
        verb = "replaced" if loaded.replaced else "loaded"
        self.stdout.write(f"{loaded.year} {verb}: {loaded.holidays} weekdays off, {loaded.workdays} make-up working days")
