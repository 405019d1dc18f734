from django import template
from django.utils import timezone

from kernel.deadlines import time_left
from kernel.models import Deadline

register = template.Library()


@register.inclusion_tag("includes/deadlines_panel.html")
def deadlines_panel(obj):
    """The object's clocks with the time left (open ones first; in working days where the rule counts
    them, flagged when counted Monday to Friday: `includes/time_left.html`)."""
    today = timezone.localdate()
    deadlines = list(Deadline.objects.for_object(obj).order_by("-state", "due_date")[:50])
    deadlines.sort(key=lambda d: (d.state != Deadline.State.OPEN, d.due_date))
    return {"rows": list(zip(deadlines, time_left(deadlines, today)))}
