"""Working-day arithmetic on the Chinese calendar (holidays and make-up working days).

The table `CalendarDay` holds exceptions to Monday-Friday for the years in `CalendarYear`, loaded
from `chinesecalendar` (`load_chinese_calendar`) or from a State Council schedule file
(`kernel.holiday_schedule`), and editable in the admin. A year not loaded falls back to Monday-Friday
with a warning (logged and returned), never an error.

Wherever a count in working days, or a date computed in working days, is shown, the page says so when the
count touches a year not loaded: `weekday_count_note(start, end, loaded_years())` is the one sentence
(“按周一至周五推算…”), and the `{% counted_weekdays start end %}` tag of `kernel.templatetags.portal` shows
it (the loaded years read once per request). `missing_schedules(today)` is the staff home page's warning:
from 1 November while next year's schedule is missing, and whenever this year's is.
"""

import datetime
import logging
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import ngettext

from . import models
from .formatting import format_list
from .models import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkingDayResult:
    date: datetime.date
    uncovered_years: tuple  # years counted as plain Monday-Friday


def load_chinese_calendar(calendar_day_model=None, calendar_year_model=None):
    """(Re)load every year chinesecalendar covers. Safe to run again (admin edits of covered days win
    only until the next load, which is run by the migration and `manage.py load_calendar`)."""
    import chinese_calendar

    CalendarDay = calendar_day_model or models.CalendarDay
    CalendarYear = calendar_year_model or models.CalendarYear
    days = {}
    for date, name in chinese_calendar.holidays.items():
        if date.weekday() < 5:
            days[date] = (False, str(name))
    for date, name in chinese_calendar.workdays.items():
        if date.weekday() >= 5:
            days[date] = (True, str(name))
    years = sorted({d.year for d in chinese_calendar.holidays})
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_working_day=w, name=n) for d, (w, n) in days.items()],
        update_conflicts=True, update_fields=["is_working_day", "name"], unique_fields=["date"],
    )
    CalendarYear.objects.bulk_create([CalendarYear(year=y) for y in years], ignore_conflicts=True)
    return len(days), years


WARN_FROM_MONTH = 11  # from 1 November the staff are warned while next year's schedule is not loaded


def loaded_years():
    """The years whose holidays are loaded (one query)."""
    return frozenset(CalendarYear.objects.values_list("year", flat=True))


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def unloaded_years(start, end, loaded):
    """The years from `start` to `end` (dates or datetimes, either order; None ignored) not in `loaded`."""
    dates = [_as_date(d) for d in (start, end) if d]
    if not dates:
        return ()
    return tuple(y for y in range(min(dates).year, max(dates).year + 1) if y not in loaded)


def weekday_count_note(start, end, loaded):
    """The flag of a count from `start` to `end` that touches a year not loaded, or "" (in the reader's language)."""
    years = unloaded_years(start, end, loaded)
    if not years:
        return ""
    return ngettext(
        "counted Monday to Friday: the %(years)s holiday schedule is not loaded",
        "counted Monday to Friday: the %(years)s holiday schedules are not loaded",
        len(years),
    ) % {"years": format_list(years)}


def missing_schedules(today=None, loaded=None):
    """The years whose schedule the staff should load now: this year if it is not loaded, and from 1 November
    next year while it is not."""
    today = today or timezone.localdate()
    loaded = loaded_years() if loaded is None else loaded
    wanted = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    return [y for y in wanted if y not in loaded]


def _exceptions(start, end):
    return dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working_day"))


def _covered_years(start, end):
    return set(CalendarYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True))


def is_working_day(date):
    exceptions = _exceptions(date, date)
    return exceptions.get(date, date.weekday() < 5)


def add_working_days(start, days):
    """The date `days` working days after `start` (start itself not counted). Two queries."""
    if days < 0:
        raise ValueError("days must not be negative")
    horizon = start + datetime.timedelta(days=days * 3 + 30)  # enough for any Golden Week
    exceptions = _exceptions(start, horizon)
    covered = _covered_years(start, horizon)
    current, counted, uncovered = start, 0, set()
    while counted < days:
        current += datetime.timedelta(days=1)
        if current.year not in covered:
            uncovered.add(current.year)
        if exceptions.get(current, current.weekday() < 5):
            counted += 1
    if uncovered:
        logger.warning("Working days for %s counted Monday-Friday: no holiday data loaded", sorted(uncovered))
    return WorkingDayResult(current, tuple(sorted(uncovered)))


def working_days_between(start, ends):
    """{end: working days after `start` up to and including `end`} for each date in `ends` (negative when
    `end` is before `start`): how many working days remain until a due date. One query for all of them."""
    ends = set(ends)
    if not ends:
        return {}
    low, high = min(ends | {start}), max(ends | {start})
    exceptions = _exceptions(low, high)
    counts, running, current = {}, 0, low
    running_at = {low: 0}  # working days in (low, day]
    while current < high:
        current += datetime.timedelta(days=1)
        if exceptions.get(current, current.weekday() < 5):
            running += 1
        running_at[current] = running
    for end in ends:
        counts[end] = running_at[end] - running_at[start]
    return counts
