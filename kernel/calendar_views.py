"""Visible clocks: a user's deadline calendar and their private iCalendar feed."""

import datetime
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from . import exports
from .citations import cite, with_citation
from .deadlines import time_left
from .exports import Column
from .models import CalendarFeedToken, Deadline


def _upcoming(user, limit):
    return Deadline.objects.upcoming_for(user, limit).prefetch_related("subject")


CALENDAR_LIMIT = 500
DEADLINE_COLUMNS = exports.columns(__name__, "DEADLINE_COLUMNS", [
    Column(gettext_lazy("Due"), lambda d: d.due_date),
    Column(gettext_lazy("Days left"), lambda d: d.days_left()),
    Column(gettext_lazy("Obligation"), lambda d: d.kind_label),
    Column(gettext_lazy("Concerns"), lambda d: d.subject),
    Column(gettext_lazy("Article"), lambda d: cite(d.article) if d.article else ""),
])


@login_required
def calendar_page(request):
    if exports.requested(request):
        return exports.export(request, _upcoming(request.user, CALENDAR_LIMIT), DEADLINE_COLUMNS, _("My deadlines"))
    deadlines = list(_upcoming(request.user, CALENDAR_LIMIT))
    today = timezone.localdate()
    token = CalendarFeedToken.objects.filter(user=request.user).first()
    feed_url = request.build_absolute_uri(reverse("calendar:feed", args=[token.token])) if token else ""
    rows = [(d, left, d.definition.url(d.subject) if d.definition and d.subject else "")
            for d, left in zip(deadlines, time_left(deadlines, today))]
    return render(request, "calendar/calendar.html", {
        "rows": rows, "feed_url": feed_url, "today": today,
    })


@login_required
@require_POST
def regenerate_feed_token(request):
    """Create the private feed URL, or replace it (the old URL stops working at once)."""
    CalendarFeedToken.objects.update_or_create(user=request.user, defaults={"token": secrets.token_urlsafe(32)})
    messages.success(request, _("Your calendar feed address was (re)created; any old address no longer works."))
    return redirect("calendar:page")


def feed(request, token):
    """iCalendar feed for Outlook or a phone: no login, the token is the secret."""
    owner = CalendarFeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if owner is None:
        raise Http404
    cal = Calendar()
    cal.add("prodid", "-//labportal//deadlines//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("labportal deadlines"))
    for deadline in _upcoming(owner.user, 1000):
        event = Event()
        event.add("uid", f"deadline-{deadline.pk}@labportal")
        event.add("summary", with_citation(deadline.kind_label, deadline.article))
        event.add("dtstart", deadline.due_date)
        event.add("dtend", deadline.due_date + datetime.timedelta(days=1))
        event.add("dtstamp", deadline.created_at)
        cal.add_component(event)
    return HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
