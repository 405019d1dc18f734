"""The big files of the ministry stage, rendered once by a worker and then only served (`kernel.documents`): the
public approved construction list (批准建设名单, all of it or a call's, a year's, a field's, a province's) and a round's
summary (ministry staff only).

Each file is keyed on what it shows: the filters and a digest of the rows' displayed values (the list), the round
and a digest of its entries, assignments, weighted totals and criteria (the summary). The digest costs one small
query per table; a changed list gets a new file, an unchanged one is the stored file, and however many people ask
at once the first creates the row and the others find it (`prepare`)."""

import hashlib

from django.conf import settings
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.provinces import Province
from accounts.rules import is_ministry_staff
from applications.choices import Field
from applications.hooks import hooks
from applications.models import Application, Call, Status
from kernel import documents
from kernel.pdf import render_pdf

from .models import Assignment, ReviewRound
from .services import DEVIATION_POINTS, round_results

APPROVED_LIST = documents.register_kind(documents.DocumentKind(
    "approved_list", _("Approved construction list"), public=True))
ROUND_SUMMARY = documents.register_kind(documents.DocumentKind(
    "round_summary", _("Expert review summary"), may_read=lambda user, document: is_ministry_staff(user)))

APPROVED_PDF_NAME = "国家质量标准实验室批准建设名单"
FILTERS = ("call", "field", "province", "year")


def _digest(*parts):
    """A short SHA-256 of `parts`, lists of database values (numbers, text, dates): equal data, equal key. Their
    `repr` is exact and stable, and twice as fast as JSON for the 2,000 rows of a whole list."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


# --- the approved construction list ----------------------------------------------------------------------

def approved_applications():
    """Approved applications whose laboratory is still on the list: a terminated or removed one leaves it here as in
    the directory and `/api/public/approved/` (Art. 18, 19, 25, 27). In the laboratories' order, latest approved first,
    then by the laboratory's name as the list shows it (a renamed one by its new name), which their index holds."""
    return (
        Application.objects.public().filter(status=Status.APPROVED).filter(hooks.on_the_list or Q())
        .select_related("laboratory", "host")
        .order_by("-laboratory__approved_on", "laboratory__name_sort", "laboratory__pk")
    )


def filter_approved(queryset, call=None, field=None, province=None, year=None):
    if call:
        queryset = queryset.filter(call_id=call)
    if field:
        queryset = queryset.filter(field=field)
    if province:
        queryset = queryset.filter(laboratory__province=province)
    if year:
        queryset = queryset.filter(laboratory__approved_on__year=year)
    return queryset


# What a row of the PDF shows (approved_pdf.html), in its order: a change to any of them is a new file.
APPROVED_SHOWN = ("pk", "laboratory__pk", "laboratory__name_zh", "laboratory__name_en_subject", "laboratory__field",
                  "laboratory__approved_on", "laboratory__construction_end", "host__name", "host__province",
                  "host__level")


def approved_list(call=None, field=None, province=None, year=None):
    """The stored approved list for these filters (each optional), or the one being prepared."""
    chosen = {name: value for name, value in zip(FILTERS, (call, field, province, year), strict=True) if value}
    rows = list(filter_approved(approved_applications(), **chosen).values_list(*APPROVED_SHOWN))
    named = list(Call.objects.filter(pk=call).values_list("number", "title")) if call else []  # its name heads the list
    digest = _digest(sorted(chosen.items()), named, rows)
    label = "-".join(str(chosen[name]) for name in FILTERS if name in chosen) or "all"
    name = f"{APPROVED_PDF_NAME}（{year}）.pdf" if year else f"{APPROVED_PDF_NAME}.pdf"
    return documents.prepare(
        kind=APPROVED_LIST.code, key=f"approved-list:{label}:{digest}", title=name.removesuffix(".pdf"),
        build="reviews.prepared.build_approved_list", filename=name, params=chosen)


def build_approved_list(document, progress, call=None, field=None, province=None, year=None):
    """In the worker: the list as it is now, in Chinese (the portal's language), A4 landscape."""
    rows = list(filter_approved(approved_applications(), call=call, field=field, province=province, year=year))
    progress(10)
    calls = {call: str(Call.objects.get(pk=call))} if call else {}
    applied = [(label, choices[value]) for label, choices, value in (
        (_("Call"), calls, call), (_("Field"), dict(Field.choices), field),
        (_("Province"), dict(Province.choices), province)) if value]
    return render_pdf("public/approved_pdf.html", {
        "applications": rows, "applied_filters": applied, "year": year, "generated_on": timezone.localdate(),
    }, progress=progress)


# --- a round's summary -----------------------------------------------------------------------------------

def round_summary(review_round):
    """The stored summary of `review_round` as its entries and scores stand, or the one being prepared."""
    entries = list(review_round.entries.order_by("pk").values_list(
        "pk", "outcome", "reason", "application_id", "application__name_zh", "application__host__name"))
    assignments = list(
        Assignment.objects.filter(round=review_round).order_by("pk")
        .annotate(weighted=Sum(F("scores__value") * F("scores__criterion__weight")))
        .values_list("pk", "status", "application_id", "expert__full_name", "expert__username", "weighted"))
    criteria = list(review_round.criteria_set.criteria.order_by("pk").values_list("pk", "title", "article", "weight"))
    heading = [review_round.title, review_round.status, review_round.opened_at, review_round.concluded_at,
               review_round.committee.name, review_round.criteria_set.name]
    digest = _digest(heading, criteria, entries, assignments)
    with translation.override(settings.LANGUAGE_CODE):  # the document's language: Chinese
        name = gettext("Expert review summary-%(round)s.pdf") % {"round": review_round}
    return documents.prepare(
        kind=ROUND_SUMMARY.code, key=f"round-summary:{review_round.pk}:{digest}", title=name.removesuffix(".pdf"),
        build="reviews.prepared.build_round_summary", filename=name, subject=review_round,
        params={"round_id": review_round.pk})


def build_round_summary(document, progress, round_id):
    """In the worker: the ranking and the criteria of the round."""
    review_round = ReviewRound.objects.select_related("committee", "criteria_set", "opened_by").get(pk=round_id)
    results = round_results(review_round)
    progress(10)
    return render_pdf("pdf/round_summary.html", {
        "round": review_round, "criteria": list(review_round.criteria_set.criteria.all()), "results": results,
        "deviation_points": DEVIATION_POINTS, "printed_at": timezone.now(),
    }, progress=progress)
