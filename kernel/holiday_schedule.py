"""One year's State Council holiday schedule (国务院办公厅关于××年部分节假日安排的通知) as plain text: read,
checked strictly and loaded into the working-day calendar (`CalendarDay`, `CalendarYear`).

The format (UTF-8; one statement a line; `#` starts a comment; blank lines are ignored)::

    # 2027 国务院办公厅关于2027年部分节假日安排的通知
    year 2027
    holiday 2027-01-01..2027-01-03 元旦
    holiday 2027-02-06..2027-02-13 春节
    workday 2027-02-14 春节补班
    holiday 2027-04-05 清明节

* ``year YYYY``: the year the notice is for; exactly one such line.
* ``holiday FROM[..TO] NAME``: a holiday period, both ends included (ISO dates, ``..`` between them; one date
  for a single day), at most 14 days long. Every day of it is a rest day; its weekdays are the calendar's
  exceptions. The name is the festival's (元旦, 春节, …).
* ``workday DATE NAME``: a make-up working day (调休上班), which is always a Saturday or a Sunday.

Every date lies in the declared year, except that the New Year holiday of a notice may begin, and its make-up
day fall, in the last week of December of the year before (the 2023 notice: 2022-12-31..2023-01-02). A day is
named once: no two holiday periods overlap and a make-up day is never inside a holiday period. A schedule with
no holiday is refused. `parse` reports every error with its line number (`ScheduleInvalid.errors`), and
`load_schedule` replaces, in one transaction, the calendar's exceptions of the period the notice governs (the
last week of December before it and the whole year) and marks the year loaded, by whom and when: on an error
nothing is saved. `manage.py load_calendar --schedule FILE` and the admin's calendar years load a file. An
example: `kernel/calendars/2027.example.txt`.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarYear

MAX_HOLIDAY_DAYS = 14  # the longest State Council holiday (Spring Festival, National Day) is 8 or 9 days
MAX_NAME_LENGTH = CalendarDay._meta.get_field("name").max_length
MAX_BYTES = 64 * 1024
EARLY_START = (12, 25)  # a New Year holiday may begin on or after 25 December of the year before
SOURCE = "schedule"  # CalendarYear.source of a year loaded from a schedule file

EXAMPLE = Path(__file__).parent / "calendars" / "2027.example.txt"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class ScheduleError:
    line: int  # 1-based; 0 for the file as a whole
    message: str

    def __str__(self):
        if not self.line:
            return self.message
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class ScheduleInvalid(ValueError):
    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass
class Schedule:
    year: int
    holidays: list = field(default_factory=list)  # (first, last, name, line)
    workdays: list = field(default_factory=list)  # (date, name, line)

    def exceptions(self):
        """{date: (is_working_day, name)}: the holiday weekdays and the make-up weekend days."""
        days = {}
        for first, last, name, _line in self.holidays:
            for day in _days(first, last):
                if day.weekday() < 5:
                    days[day] = (False, name)
        for day, name, _line in self.workdays:
            days[day] = (True, name)
        return days

    @property
    def governed(self):
        """(first, last): the days whose exceptions this schedule replaces."""
        return datetime.date(self.year - 1, *EARLY_START), datetime.date(self.year, 12, 31)


def _days(first, last):
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _date(text, line, errors):
    if not _DATE.match(text):
        errors.append(ScheduleError(line, _("“%(text)s” is not a date written YYYY-MM-DD.") % {"text": text}))
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(ScheduleError(line, _("%(text)s is not a date of the calendar.") % {"text": text}))
        return None


def example_text():
    """The example file shown beside the upload form (the format, not a real notice)."""
    return EXAMPLE.read_text(encoding="utf-8")


def decode(data):
    """The text of an uploaded or read file (UTF-8, a byte-order mark allowed), or ScheduleInvalid."""
    if len(data) > MAX_BYTES:
        raise ScheduleInvalid([ScheduleError(0, _("The file is larger than %(kb)s KB: it is not a holiday schedule.")
                                             % {"kb": MAX_BYTES // 1024})])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScheduleInvalid([ScheduleError(0, _("The file is not UTF-8 text."))]) from None


def parse(text):
    """A Schedule, or ScheduleInvalid listing every error with its line number."""
    errors, years, holidays, workdays = [], [], [], []
    year_lines = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        keyword, _sep, rest = line.partition(" ")
        keyword, rest = keyword.strip(), rest.strip()
        if keyword == "year":
            year_lines += 1
            if not _YEAR.match(rest) or not 2000 <= int(rest) <= 2100:
                errors.append(ScheduleError(number, _("“year” takes a year of four digits, e.g. year 2027.")))
            elif years:
                errors.append(ScheduleError(number, _("A second “year” line (the first is line %(line)s): a file "
                                                      "holds one year's schedule.") % {"line": years[0][1]}))
            else:
                years.append((int(rest), number))
        elif keyword in ("holiday", "workday"):
            when, _sep, name = rest.partition(" ")
            name = name.strip()
            if not when:
                errors.append(ScheduleError(number, _("“%(keyword)s” takes a date and a name.") % {"keyword": keyword}))
                continue
            if not name:
                errors.append(ScheduleError(number, _("The day has no name (e.g. 春节 or 春节补班).")))
            elif len(name) > MAX_NAME_LENGTH:
                errors.append(ScheduleError(number, _("The name is longer than %(n)s characters.") % {"n": MAX_NAME_LENGTH}))
            if keyword == "holiday":
                first_text, dots, last_text = when.partition("..")
                first = _date(first_text, number, errors)
                last = _date(last_text, number, errors) if dots else first
                if first and last:
                    if last < first:
                        errors.append(ScheduleError(number, _("The period ends before it begins.")))
                    elif (last - first).days + 1 > MAX_HOLIDAY_DAYS:
                        errors.append(ScheduleError(number, _("A holiday period of more than %(n)s days: check the "
                                                              "dates.") % {"n": MAX_HOLIDAY_DAYS}))
                    else:
                        holidays.append((first, last, name, number))
            else:
                if ".." in when:
                    errors.append(ScheduleError(number, _("A make-up working day is one date, not a period.")))
                    continue
                day = _date(when, number, errors)
                if day:
                    workdays.append((day, name, number))
        else:
            errors.append(ScheduleError(number, _("Unknown keyword “%(keyword)s”: a line begins with year, holiday "
                                                  "or workday.") % {"keyword": keyword}))
    if not years:
        if not year_lines:
            errors.append(ScheduleError(0, _("The schedule has no “year” line.")))
        raise ScheduleInvalid(sorted(errors, key=lambda e: e.line))
    year = years[0][0]
    _check(year, holidays, workdays, errors)
    if not holidays and not any(e.line for e in errors):
        errors.append(ScheduleError(0, _("The schedule lists no holiday.")))
    if errors:
        raise ScheduleInvalid(sorted(errors, key=lambda e: e.line))
    return Schedule(year, holidays, workdays)


def _in_year(day, year):
    return day.year == year or (day.year == year - 1 and (day.month, day.day) >= EARLY_START)


def _check(year, holidays, workdays, errors):
    named = {}  # date: line that names it
    for first, last, _name, line in holidays:
        outside = [d for d in (first, last) if not _in_year(d, year)]
        if outside:
            errors.append(ScheduleError(line, _("%(date)s is outside %(year)s (only the New Year holiday may begin "
                                                "in the last week of December before).")
                                        % {"date": outside[0].isoformat(), "year": year}))
            continue
        for day in _days(first, last):
            if day in named:
                errors.append(ScheduleError(line, _("%(date)s is already named on line %(line)s.")
                                            % {"date": day.isoformat(), "line": named[day]}))
                break
        for day in _days(first, last):
            named.setdefault(day, line)
    for day, _name, line in workdays:
        if not _in_year(day, year):
            errors.append(ScheduleError(line, _("%(date)s is outside %(year)s (only the New Year holiday may begin "
                                                "in the last week of December before).")
                                        % {"date": day.isoformat(), "year": year}))
        elif day.weekday() < 5:
            errors.append(ScheduleError(line, _("%(date)s is a weekday: a make-up working day is a Saturday or a "
                                                "Sunday.") % {"date": day.isoformat()}))
        elif day in named:
            errors.append(ScheduleError(line, _("%(date)s is already named on line %(line)s.")
                                        % {"date": day.isoformat(), "line": named[day]}))
        else:
            named[day] = line


@dataclass(frozen=True)
class Loaded:
    year: int
    holidays: int  # weekdays off
    workdays: int  # make-up weekend days
    replaced: bool  # the year was loaded before


def load_schedule(schedule, by=None, text=""):
    """Replace the exceptions of the period `schedule` governs and mark its year loaded (by `by`, now), in one
    transaction. `text` is the file as read, kept with the year."""
    first, last = schedule.governed
    days = schedule.exceptions()
    with transaction.atomic():
        replaced = CalendarYear.objects.filter(year=schedule.year).exists()
        CalendarDay.objects.filter(date__range=(first, last)).delete()
        CalendarDay.objects.bulk_create([CalendarDay(date=d, is_working_day=w, name=n) for d, (w, n) in sorted(days.items())])
        CalendarYear.objects.update_or_create(
            year=schedule.year,
            defaults={"source": SOURCE, "loaded_at": timezone.now(), "loaded_by": by, "schedule": text},
        )
    return Loaded(schedule.year, sum(not w for w, _n in days.values()), sum(w for w, _n in days.values()), replaced)


def load_text(text, by=None):
    """Parse and load a schedule's text: Loaded, or ScheduleInvalid with nothing saved."""
    return load_schedule(parse(text), by=by, text=text)
