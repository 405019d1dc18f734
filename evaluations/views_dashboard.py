"""The staff dashboard of the laboratories (namespace "dashboard"): SAMR/MIIT staff and administrators; and the
charts page (`analytics_page`), for them and for recommenders.

Counts of labs by status (and so by stage), by field and by province, drawn as server-rendered CSS bars
with their numbers in text, and the labs' open deadlines of the next 90 days (and overdue ones, which
the sweep has not yet marked missed). Every figure is an aggregate query: the number of queries does
not depend on the number of labs or deadlines.
"""

import datetime

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.decorators import staff_required
from accounts.provinces import Province
from accounts.rules import is_staff_reader
from applications.choices import Field
from kernel.models import Deadline

from . import analytics
from .models import Laboratory
from .states import IN_CONSTRUCTION_STATES, OPERATION_STATES, PUBLIC_LAB_STATES, EvaluationResult, LabStatus

UPCOMING_DAYS = 90
DEADLINE_ROWS = 30  # the most urgent first; the counts above the table give the whole number
ENDED_STATES = (LabStatus.TERMINATED, LabStatus.DELISTED)
PROVINCE_LABELS = dict(Province.choices)


def _bars(rows):
    """[(label, count, url)] → rows with the bar's width in whole percent of the largest count."""
    top = max((row[1] for row in rows), default=0)
    out = []
    for label, count, url in rows:
        width = round(count * 100 / top) if top else 0
        out.append({"label": label, "count": count, "width": max(width, 1) if count else 0, "url": url})
    return out


def _labs_url(**params):
    return f"{reverse('labs:list')}?{urlencode(params)}"


def _counts(queryset, field):
    return dict(queryset.order_by().values_list(field).annotate(n=Count("pk")))


def _active_counts(labs):
    """Active labs (in construction or operation) by field and by province, and the excellent ones: one
    grouped query."""
    groups = (labs.filter(status__in=PUBLIC_LAB_STATES).order_by().values_list("field", "province")
              .annotate(n=Count("pk"), excellent=Count("pk", filter=Q(latest_result=EvaluationResult.EXCELLENT))))
    by_field, by_province, excellent = {}, {}, 0
    for field, province, n, n_excellent in groups:
        by_field[field] = by_field.get(field, 0) + n
        by_province[province] = by_province.get(province, 0) + n
        excellent += n_excellent
    return by_field, by_province, excellent


def _status_chart(by_status):
    return _bars([(label, by_status.get(value, 0), _labs_url(status=value)) for value, label in LabStatus.choices])


def _field_chart(by_field):
    return _bars([(label, by_field.get(value, 0), "") for value, label in Field.choices])


def _province_chart(by_province):
    """Provinces that have active labs, most first; labs of central hosts (no province) last."""
    rows = sorted(((code, n) for code, n in by_province.items() if code), key=lambda item: (-item[1], item[0]))
    chart = [(PROVINCE_LABELS.get(code, code), n, "") for code, n in rows]
    if by_province.get(""):
        chart.append((_("Central hosts (no province)"), by_province[""], ""))
    return _bars(chart)


def _upcoming_deadlines(labs, today):
    """Open lab deadlines due by today + 90 days, overdue first; each with its lab (one query for all)."""
    horizon = today + datetime.timedelta(days=UPCOMING_DAYS)
    deadlines = Deadline.objects.open().filter(
        content_type=ContentType.objects.get_for_model(Laboratory), due_date__lte=horizon,
    )
    totals = deadlines.aggregate(overdue=Count("pk", filter=Q(due_date__lt=today)),
                                 upcoming=Count("pk", filter=Q(due_date__gte=today)))
    rows = list(deadlines.order_by("due_date", "pk")[:DEADLINE_ROWS])
    labs = labs.select_related("host").in_bulk({d.object_id for d in rows}) if rows else {}
    table = []
    for deadline in rows:
        lab = labs.get(deadline.object_id)
        if lab is None:
            continue
        days_left = deadline.days_left(today)
        table.append({"deadline": deadline, "lab": lab, "days_left": days_left, "days_late": -days_left})
    return table, totals


@staff_required
def dashboard(request):
    today = timezone.localdate()
    labs = Laboratory.objects.visible_to(request.user)
    by_status = _counts(labs, "status")
    by_field, by_province, excellent = _active_counts(labs)
    deadlines, deadline_totals = _upcoming_deadlines(labs, today)

    def total(states):
        return sum(by_status.get(s, 0) for s in states)

    return render(request, "dashboard/index.html", {
        "today": today,
        "upcoming_days": UPCOMING_DAYS,
        "summary": {
            "total": sum(by_status.values()),
            "construction": total(IN_CONSTRUCTION_STATES),
            "operation": total(OPERATION_STATES),
            "ended": total(ENDED_STATES),
            "excellent": excellent,
        },
        "status_chart": _status_chart(by_status),
        "field_chart": _field_chart(by_field),
        "province_chart": _province_chart(by_province),
        "deadlines": deadlines,
        "deadline_totals": deadline_totals,
        "deadlines_capped": deadline_totals["overdue"] + deadline_totals["upcoming"] > len(deadlines),
    })


@login_required
def analytics_page(request):
    """The charts (`evaluations.analytics`): ministry staff and administrators see every figure, a recommender those of
    the applications routed to it and the laboratories it recommended. Each chart's numbers are embedded for
    js/dashboard-charts.js and written out as a table below it, so the page reads and prints without script."""
    if not analytics.may_read(request.user):
        raise PermissionDenied(_("The dashboards are for SAMR and MIIT staff and for recommenders."))
    calls = analytics.calls_for(request.user)
    call_id = analytics.chosen_call(request.user, request.GET.get("call"), calls)
    breakdowns = analytics.breakdowns(request.user)
    charts = [
        ("pipeline", analytics.pipeline(request.user, call_id)),
        ("years", breakdowns["years"]),
        ("provinces", breakdowns["provinces"]),
        ("fields", breakdowns["fields"]),
        ("directions", breakdowns["directions"]),
        ("deadlines", analytics.deadlines(request.user)),
    ]
    if is_staff_reader(request.user):  # scores are blind to everyone else (`Score.objects.visible_to`)
        charts.insert(5, ("scores", analytics.scores(request.user)))
    return render(request, "dashboard/analytics.html", {
        "charts": [{"id": f"chart-{name}", "data_id": f"chart-{name}-data", "name": name, **chart} for name, chart in charts],
        "calls": calls, "call_id": call_id,
        "is_staff_reader": is_staff_reader(request.user),
        "today": timezone.localdate(),
    })
