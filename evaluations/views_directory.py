"""The public directory of laboratories (实验室名录, namespace "directory", no login).

What the public may read is `Laboratory.objects.public()`: labs in construction or in operation.
Terminated (Art. 18-19) and delisted (Art. 25, 27) labs leave the directory but stay in the records
(staff still see them under `labs:`). Only public facts are shown: names, host, consortium members,
field, province, research directions, status, dates and the latest evaluation result (an "excellent"
lab is publicised, Art. 28). Never the people, their contacts, reports or opinions. Visitors without a session read
them from the cache (`kernel.shared_pages`).
"""

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import CharField, F, Value
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.provinces import Province
from applications.choices import Field, ResearchDirection
from kernel import exports
from kernel.exports import Column
from kernel.paging import query_without_page
from kernel.shared_pages import shared_with_visitors

from .models import AdverseProposal, Evaluation, Laboratory
from .public_pages import DIRECTORY
from .states import IN_CONSTRUCTION_STATES, OPERATION_STATES, PUBLIC_LAB_STATES, EvaluationResult, LabStatus, ProposalOutcome

PAGE_SIZE = 20
STAGES = {"construction": IN_CONSTRUCTION_STATES, "operation": OPERATION_STATES}
PROVINCE_LABELS = dict(Province.choices)
DIRECTION_LABELS = dict(ResearchDirection.choices)
SORTS = {  # names in pinyin order (`kernel.sorting`)
    "name": ("name_sort", "pk"),
    "newest": ("-approved_on", "name_sort", "pk"),
    "oldest": ("approved_on", "name_sort", "pk"),
    "field": ("field", "name_sort", "pk"),
}


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select", **attrs})


class DirectoryFilter(django_filters.FilterSet):
    """The directory's GET form: free text, stage or status, field, province, excellent only, sort."""

    q = django_filters.CharFilter(
        label=_("Search"), method="search",
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search",
                                      "placeholder": _("Name, English name or host institution")}),
    )
    stage = django_filters.ChoiceFilter(
        label=_("Stage"), method="in_stage", empty_label=_("All stages"), widget=_select(),
        choices=[("construction", _("Construction stage (Art. 18-19)")), ("operation", _("Operation stage (Art. 19-27)"))],
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=_("All statuses"), widget=_select(),
        choices=[(value, label) for value, label in LabStatus.choices if value in PUBLIC_LAB_STATES],
    )
    field = django_filters.ChoiceFilter(label=_("Field"), choices=Field.choices, empty_label=_("All fields"), widget=_select())
    province = django_filters.ChoiceFilter(
        label=_("Province"), choices=Province.choices, empty_label=_("All provinces"), widget=_select(),
    )
    excellent = django_filters.BooleanFilter(
        label=_("Rated excellent (优秀) only"), method="only_excellent",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), method="sorted", empty_label=None, widget=_select(),
        choices=[("name", _("Name")), ("newest", _("Most recently approved")),
                 ("oldest", _("Earliest approved")), ("field", _("Field"))],
    )

    class Meta:
        model = Laboratory
        fields = ["q", "stage", "status", "field", "province", "excellent", "sort"]

    def search(self, queryset, name, value):
        return queryset.search(value)

    def in_stage(self, queryset, name, value):
        return queryset.filter(status__in=STAGES[value])

    def only_excellent(self, queryset, name, value):
        return queryset.filter(latest_result=EvaluationResult.EXCELLENT) if value else queryset

    def sorted(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["name"]))


def _public_labs():
    return Laboratory.objects.public().select_related("host").order_by(*SORTS["name"])


def _with_labels(labs):
    """The province as a name (a central host's lab has none: its level instead), without a query."""
    for lab in labs:
        lab.province_label = _province_label(lab)
    return labs


def _province_label(lab):
    return PROVINCE_LABELS.get(lab.province) or lab.host.get_level_display()


EXPORT_COLUMNS = exports.columns(__name__, "EXPORT_COLUMNS", [
    Column(_("Laboratory"), lambda lab: lab.name_zh),
    Column(_("English name"), lambda lab: lab.name_en),
    Column(_("Host institution"), lambda lab: lab.host.name),
    Column(_("Field"), lambda lab: lab.get_field_display()),
    Column(_("Province"), _province_label),
    Column(_("Status"), lambda lab: lab.get_status_display()),
    Column(_("Latest evaluation result"), lambda lab: lab.get_latest_result_display()),
    Column(_("Construction start"), lambda lab: lab.construction_start),
    Column(_("Construction end"), lambda lab: lab.construction_end),
    Column(_("In operation since"), lambda lab: lab.operation_started_on),
])


@require_GET
@shared_with_visitors(DIRECTORY)
def directory(request):
    filterset = DirectoryFilter(request.GET or None, queryset=_public_labs())
    if exports.requested(request):
        return exports.export(request, filterset.qs, EXPORT_COLUMNS, gettext("Laboratory directory"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_labels(page.object_list)
    return render(request, "directory/list.html", {
        "filter": filterset,
        "page_obj": page,
        "query": query_without_page(request),
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "sort")),
    })


@require_GET
@shared_with_visitors(DIRECTORY)
def detail(request, pk):
    """One public lab; a terminated or delisted one is gone from the directory (404)."""
    lab = get_object_or_404(_public_labs().select_related("application"), pk=pk)
    _with_labels([lab])
    members = list(lab.application.consortium_members.select_related("organisation").order_by("pk"))
    return render(request, "directory/detail.html", {
        "lab": lab,
        "members": members,
        "directions": [DIRECTION_LABELS.get(code, code) for code in lab.research_directions or []],
        "in_operation": lab.status in OPERATION_STATES,
    })


@require_GET
@shared_with_visitors(DIRECTORY)
def decisions(request):
    """The announcements (通报) of what SAMR and MIIT decided about laboratories, newest first: terminations (Art.
    18, 19), removals from the list (Art. 25, 27) and unqualified evaluation results (Art. 27). What the host wrote
    to the ministries stays with them. One page of one merged list, then the records of that page."""
    decided = (AdverseProposal.objects.filter(outcome=ProposalOutcome.DECIDED)
               .annotate(at=F("closed_at"), record=Value("proposal", output_field=CharField()))
               .order_by().values("at", "record", "pk"))
    unqualified = (Evaluation.objects.filter(result=EvaluationResult.UNQUALIFIED, decided_at__isnull=False)
                   .annotate(at=F("decided_at"), record=Value("evaluation", output_field=CharField()))
                   .order_by().values("at", "record", "pk"))  # no ordering inside a union (SQLite refuses it)
    page = Paginator(decided.union(unqualified, all=True).order_by("-at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    records = {
        kind: model.objects.select_related("laboratory__host").in_bulk([row["pk"] for row in rows if row["record"] == kind])
        for kind, model in (("proposal", AdverseProposal), ("evaluation", Evaluation))
    }
    announcements = [(row["record"], records[row["record"]][row["pk"]]) for row in rows]
    return render(request, "directory/decisions.html", {"page_obj": page, "announcements": announcements,
                                                        "query": query_without_page(request)})
