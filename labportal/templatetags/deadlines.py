from django import template
from django.utils import timezone

from labportal.models import Deadline, CalendarYear

register = template.Library()


@register.inclusion_tag("includes/deadlines_panel.html")
def deadlines_panel(obj):
    """The object's clocks with days left (open ones first), and a warning when a due date falls
    in a year whose public holidays are not loaded (counted Monday-Friday)."""
    today = timezone.localdate()
    deadlines = list(Deadline.objects.for_object(obj).order_by("-state", "due_date")[:50])
    deadlines.sort(key=lambda d: (d.state != Deadline.State.OPEN, d.due_date))
    covered = set(CalendarYear.objects.values_list("year", flat=True)) if deadlines else set()
    return {
        "rows": [(d, d.days_left(today)) for d in deadlines],
        "uncovered": sorted({d.due_date.year for d in deadlines if d.state == Deadline.State.OPEN} - covered),
    }
