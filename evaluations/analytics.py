"""The numbers of the dashboards' charts (`dashboard:analytics`, `/api/analytics/`): the application pipeline per
call, applications and laboratories by year, field, direction and province, score distributions per round and
deadlines per month.

Each figure starts from what the reader may see (`Application.objects.visible_to`, `Laboratory.objects.visible_to`,
`Score.objects.visible_to`) and is a grouped aggregate query: the number of queries does not depend on the number of
rows. Every application figure counts submitted applications only (a draft is its host's business). A chart is a
plain dict (its translated labels, its series and the rows of its table), kept in the cache per scope (`scope_of`:
everyone who sees the same rows shares one copy), language, day and call, for `ANALYTICS_CACHE_SECONDS` at most and dropped at once
when an application, a laboratory, a deadline or a score is saved or deleted (`bump_version`, connected in
`apps.py`; a bulk `update()` is seen when the copy expires).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, F, Q, Subquery, Sum
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Role
from accounts.provinces import SHORT_NAMES, Province
from applications.choices import Field, ResearchDirection
from applications.models import Application, Call
from applications.states import Status
from kernel.models import AuditEntry, Deadline
from reviews.models import AssignmentStatus, ReviewRound, Score

from .models import Laboratory

VERSION_KEY = "analytics:version"
ROUNDS_SHOWN = 6
MONTHS_BEFORE, MONTHS_AFTER = 11, 6

# --- who sees which rows ------------------------------------------------------------------------------------------


def may_read(user):
    """Ministry staff and administrators see everything they may see; a recommender the applications routed to it
    and the laboratories it recommended (Art. 10)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return True
    return user.role in (Role.MINISTRY_STAFF, Role.RECOMMENDER) and bool(user.organisation_id)


def scope_of(user):
    """The cache's name for the rows `visible_to` gives this user: the same for every user who sees the same rows."""
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return "all"
    if user.role == Role.MINISTRY_STAFF:
        return "ministries"
    return f"recommender-{user.organisation_id}"


def submitted_applications(user):
    return Application.objects.visible_to(user).exclude(status=Status.DRAFT).exclude(submitted_at__isnull=True)


def pipeline_applications(user):
    """What the pipeline counts: the submitted applications the reader sees and, for ministry staff, also those
    withdrawn after submission. `visible_to` keeps a withdrawn dossier out of the ministries' lists (it is the host's
    again), but a national programme's drop-outs include withdrawals: the ministries count them, as numbers only
    (Art. 13)."""
    applications = submitted_applications(user)
    if scope_of(user) == "ministries":
        applications = applications | Application.objects.filter(status=Status.WITHDRAWN, submitted_at__isnull=False)
    return applications


# --- the cache ----------------------------------------------------------------------------------------------------


def _version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, None)
        version = cache.get(VERSION_KEY, 1)
    return version


def bump_version(**kwargs):
    """Receiver of the saves and deletions that change a figure: every kept chart is stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 1, None)


def cached(name, user, compute, *parts):
    """`compute()`'s chart for the user's scope and language, from the cache when it is there."""
    key = ":".join(str(p) for p in ("analytics", _version(), name, scope_of(user), translation.get_language(),
                                    timezone.localdate().isoformat(), *parts))
    chart = cache.get(key)
    if chart is None:
        chart = compute()
        cache.set(key, chart, settings.ANALYTICS_CACHE_SECONDS)
    return chart


# --- the pipeline -------------------------------------------------------------------------------------------------

STAGES = ("submitted", "recommended", "formal_review", "expert_review", "inspection", "publicity", "approved")
# The furthest stage a status has reached.
STAGE_OF = {
    Status.SUBMITTED: 0, Status.RETURNED: 0, Status.NOT_RECOMMENDED: 0,
    Status.RECOMMENDED: 1, Status.SUPPLEMENT_REQUESTED: 1, Status.FORMAL_REJECTED: 1,
    Status.FORMAL_REVIEW_PASSED: 2,
    Status.EXPERT_REVIEW: 3,
    Status.SITE_INSPECTION: 4, Status.INSPECTED: 4,
    Status.PUBLICITY: 5, Status.AWAITING_APPROVAL: 5,
    Status.APPROVED: 6,
}
# The ends whose stage is the state they left (read from the audit record of that transition), and the earliest
# stage each may leave from, where the record is gone (purged after `AUDIT_RETENTION_DAYS`).
LEFT_FROM_AUDIT = {Status.WITHDRAWN: 0, Status.REJECTED: 2}
DROP_OUTS = (Status.WITHDRAWN, Status.NOT_RECOMMENDED, Status.FORMAL_REJECTED, Status.REJECTED)


def stage_labels():
    return [_("Submitted"), _("Recommended"), _("Formal review passed"), _("Expert review"), _("Site inspection"),
            _("Publicity"), _("Approved")]


def pipeline_counts(applications):
    """Per stage: how many applications reached it, are at it now, went further, and left there (by how they ended).

    The rule: an application has reached every stage up to that of its status (`STAGE_OF`: returned and supplement
    requested count at the stage they go back to; not recommended left at submission, rejected at formal review
    after the recommendation). A withdrawn or rejected application reached the stage of the state it left, read
    from the audit record of its withdrawal or rejection (one per application: both are final); without the record
    it counts at the earliest stage it could have left (`LEFT_FROM_AUDIT`). Two queries."""
    by_status = dict(applications.order_by().values_list("status").annotate(n=Count("pk")))
    left = {status: [0] * len(STAGES) for status in DROP_OUTS}
    at = [0] * len(STAGES)
    for status, n in by_status.items():
        if status in STAGE_OF and status not in DROP_OUTS:
            at[STAGE_OF[status]] += n
        elif status in (Status.NOT_RECOMMENDED, Status.FORMAL_REJECTED):
            left[status][STAGE_OF[status]] += n
    ended = [s for s in LEFT_FROM_AUDIT if by_status.get(s)]
    if ended:
        records = (AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Application), target_state__in=ended,
            object_id__in=Subquery(applications.filter(status__in=ended).values("pk")),
        ).order_by().values_list("target_state", "source_state").annotate(n=Count("pk")))
        found = dict.fromkeys(ended, 0)
        for target, source, n in records:
            left[target][STAGE_OF.get(source, LEFT_FROM_AUDIT[target])] += n
            found[target] += n
        for status in ended:
            left[status][LEFT_FROM_AUDIT[status]] += max(by_status[status] - found[status], 0)
    rows = []
    for stage in range(len(STAGES)):
        dropped = {status: left[status][stage] for status in DROP_OUTS}
        rows.append({"at": at[stage], "left": dropped})
    further = 0
    for row in reversed(rows):  # who went beyond a stage reached it and every stage before it
        row["further"] = further
        row["reached"] = row["at"] + sum(row["left"].values()) + further
        further = row["reached"]
    return rows


def pipeline(user, call_id=None):
    def compute():
        applications = pipeline_applications(user)
        if call_id:
            applications = applications.filter(call_id=call_id)
        rows = pipeline_counts(applications)
        names = stage_labels()
        series = [("further", _("Went further")), ("at", _("At this stage now"))] + [
            (status.value, _("Left here: %(how)s") % {"how": status.label}) for status in DROP_OUTS]
        values = {key: [row[key] if key in ("further", "at") else row["left"][key] for row in rows]
                  for key, _label in series}
        return {
            "kind": "bars", "horizontal": True, "stacked": True,
            "title": _("Application pipeline"),
            "categories": names,
            "series": [{"name": label, "data": values[key]} for key, label in series],
            "table": {
                "caption": _("Applications by the furthest stage reached, and where they left"),
                "columns": [_("Stage"), _("Reached"), _("Went further"), _("At this stage now")]
                + [str(s.label) for s in DROP_OUTS],
                "rows": [[names[i], row["reached"], row["further"], row["at"]] + [row["left"][s] for s in DROP_OUTS]
                         for i, row in enumerate(rows)],
            },
        }
    return cached("pipeline", user, compute, call_id or "all")


def chosen_call(user, value, calls=None):
    """The call a pipeline is asked for (`?call=`), if it is one of the reader's calls; anything else is all calls
    (a stranger's call id, or text, never makes a chart or a cache entry of its own)."""
    value = str(value or "")
    if not value.isdecimal():
        return None
    return int(value) if any(pk == int(value) for pk, *_rest in (calls if calls is not None else calls_for(user))) else None


def calls_for(user):
    """The calls the reader's visible applications were submitted in, newest first: the pipeline's choice."""
    ids = submitted_applications(user).order_by().values("call_id")
    return list(Call.objects.filter(pk__in=ids).order_by("-opens_on", "-pk").values_list("pk", "number", "title"))


# --- by year, field, direction and province -----------------------------------------------------------------------

# Each province a tile at (row, column) roughly where it lies: a grid cartogram of the mainland, XPCC beside Xinjiang.
TILES = {
    "23": (0, 7),
    "15": (1, 4), "11": (1, 5), "21": (1, 6), "22": (1, 7),
    "65": (2, 0), "64": (2, 3), "14": (2, 4), "13": (2, 5), "12": (2, 6),
    "66": (3, 0), "63": (3, 1), "62": (3, 2), "61": (3, 3), "41": (3, 4), "37": (3, 5),
    "54": (4, 1), "51": (4, 2), "50": (4, 3), "42": (4, 4), "34": (4, 5), "32": (4, 6), "31": (4, 7),
    "53": (5, 2), "52": (5, 3), "43": (5, 4), "36": (5, 5), "33": (5, 6),
    "45": (6, 3), "44": (6, 4), "35": (6, 5),
    "46": (7, 4),
}
TILE_ROWS, TILE_COLUMNS = 8, 8
# ISO 3166-2:CN, the English tiles' short names.
ISO_CODES = {
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL", "31": "SH",
    "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA", "42": "HB", "43": "HN",
    "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ", "53": "YN", "54": "XZ", "61": "SN",
    "62": "GS", "63": "QH", "64": "NX", "65": "XJ", "66": "XPCC",
}


def _grouped(queryset, year, province):
    """(year, field, province) → count: one query."""
    rows = (queryset.order_by().annotate(year=year).values_list("year", "field", province).annotate(n=Count("pk")))
    return list(rows)


def _directions(queryset):
    """Art. 3 direction → count (a dossier names several): one query of one filtered count per direction."""
    counts = queryset.order_by().aggregate(**{
        code: Count("pk", filter=Q(research_directions__icontains=f'"{code}"')) for code in ResearchDirection.values})
    return counts


def _fold(rows, index):
    out = {}
    for row in rows:
        out[row[index]] = out.get(row[index], 0) + row[3]
    return out


def breakdowns(user):
    """Applications (by the year of their latest submission, in Beijing time) and laboratories (by the year they were
    approved) by year, Art. 4 field, Art. 3 direction and province (a central host's have none): four queries."""
    def compute():
        applications = submitted_applications(user)
        labs = Laboratory.objects.visible_to(user)
        app_rows = _grouped(applications, ExtractYear("submitted_at"), "host__province")
        lab_rows = _grouped(labs, ExtractYear("approved_on"), "province")
        app_dirs, lab_dirs = _directions(applications), _directions(labs)
        apps_label, labs_label = _("Applications"), _("Laboratories")

        def pair(title, caption, category, keys, labels, apps, labs, horizontal=False):
            return {
                "kind": "bars", "horizontal": horizontal, "stacked": False, "title": title,
                "categories": labels,
                "series": [{"name": apps_label, "data": [apps.get(k, 0) for k in keys]},
                           {"name": labs_label, "data": [labs.get(k, 0) for k in keys]}],
                "table": {"caption": caption, "columns": [category, apps_label, labs_label],
                          "rows": [[label, apps.get(k, 0), labs.get(k, 0)] for k, label in zip(keys, labels, strict=True)]},
            }

        by_year_apps, by_year_labs = _fold(app_rows, 0), _fold(lab_rows, 0)
        years = sorted(y for y in set(by_year_apps) | set(by_year_labs) if y is not None)
        by_field_apps, by_field_labs = _fold(app_rows, 1), _fold(lab_rows, 1)
        by_province_apps, by_province_labs = _fold(app_rows, 2), _fold(lab_rows, 2)
        return {
            "years": pair(_("Applications and laboratories by year"),
                          _("Applications by the year of submission, laboratories by the year of approval"),
                          _("Year"), years, [str(y) for y in years], by_year_apps, by_year_labs),
            "fields": pair(_("By field (Art. 4)"), _("Applications and laboratories by Art. 4 field"), _("Field"),
                           Field.values, [str(label) for label in Field.labels], by_field_apps, by_field_labs,
                           horizontal=True),
            "directions": pair(_("By research direction (Art. 3)"),
                               _("Applications and laboratories naming each Art. 3 direction (one may name several)"),
                               _("Direction"), ResearchDirection.values, [str(label) for label in ResearchDirection.labels],
                               app_dirs, lab_dirs, horizontal=True),
            "provinces": _provinces(by_province_apps, by_province_labs, apps_label, labs_label),
        }
    return cached("breakdowns", user, compute)


def _provinces(apps, labs, apps_label, labs_label):
    chinese = (translation.get_language() or "").startswith("zh")
    names = dict(Province.choices)

    def tiles(counts):
        return [{"row": TILES[code][0], "column": TILES[code][1], "value": counts.get(code, 0),
                 "short": SHORT_NAMES[code] if chinese else ISO_CODES[code], "name": str(names[code])}
                for code in Province.values]

    rows = [[str(names[code]), apps.get(code, 0), labs.get(code, 0)] for code in Province.values]
    if apps.get("") or labs.get(""):
        rows.append([_("Central hosts (no province)"), apps.get("", 0), labs.get("", 0)])
    return {
        "kind": "tiles", "title": _("By province"), "rows": TILE_ROWS, "columns": TILE_COLUMNS,
        "maps": [{"name": apps_label, "tiles": tiles(apps)}, {"name": labs_label, "tiles": tiles(labs)}],
        "table": {"caption": _("Applications and laboratories by the province of their host"),
                  "columns": [_("Province"), apps_label, labs_label], "rows": rows},
    }


# --- scores -------------------------------------------------------------------------------------------------------

BIN_EDGES = (0, 60, 65, 70, 75, 80, 85, 90, 95)


def bin_labels():
    labels = [_("under 60")]
    labels += [f"{low}–{high}" for low, high in zip(BIN_EDGES[1:], BIN_EDGES[2:], strict=False)] + ["95–100"]
    return labels


def bin_of(total):
    return max(i for i, edge in enumerate(BIN_EDGES) if total >= edge)


def scores(user):
    """The weighted totals (Σ score × weight / 100) of the submitted assignments of the last `ROUNDS_SHOWN` rounds, as
    a histogram per round: one query (the totals, grouped by assignment) and one for the rounds' names. Scores are
    blind (`Score.objects.visible_to`): a recommender sees none."""
    def compute():
        visible = Score.objects.visible_to(user).filter(assignment__status=AssignmentStatus.SUBMITTED)
        rounds = list(ReviewRound.objects.filter(pk__in=visible.order_by().values("assignment__round_id"))
                      .order_by("-opened_at", "-pk").values_list("pk", "title")[:ROUNDS_SHOWN])[::-1]
        totals = (visible.filter(assignment__round_id__in=[pk for pk, _t in rounds]).order_by()
                  .values_list("assignment__round_id", "assignment_id")
                  .annotate(total=Sum(F("value") * F("criterion__weight"))))
        bins = {pk: [0] * len(BIN_EDGES) for pk, _t in rounds}
        for round_id, _assignment, total in totals:
            bins[round_id][bin_of(Decimal(total) / 100)] += 1
        labels = bin_labels()
        return {
            "kind": "bars", "horizontal": False, "stacked": False, "title": _("Score distributions per round"),
            "categories": labels,
            "series": [{"name": title, "data": bins[pk]} for pk, title in rounds],
            "table": {"caption": _("Experts' weighted totals per round (submitted scores)"),
                      "columns": [_("Round"), *labels, _("Total")],
                      "rows": [[title, *bins[pk], sum(bins[pk])] for pk, title in rounds]},
        }
    return cached("scores", user, compute)


# --- deadlines ----------------------------------------------------------------------------------------------------


def visible_deadlines(user):
    """Staff and administrators: every deadline; a recommender those of the applications and laboratories it sees."""
    if scope_of(user) in ("all", "ministries"):
        return Deadline.objects.all()
    types = ContentType.objects.get_for_models(Application, Laboratory)
    return Deadline.objects.filter(
        Q(content_type=types[Application], object_id__in=Subquery(Application.objects.visible_to(user).values("pk")))
        | Q(content_type=types[Laboratory], object_id__in=Subquery(Laboratory.objects.visible_to(user).values("pk"))))


def _month(day, offset):
    index = day.year * 12 + day.month - 1 + offset
    return datetime.date(index // 12, index % 12 + 1, 1)


def deadlines(user):
    """Deadlines by the month they fall due, from `MONTHS_BEFORE` months ago to `MONTHS_AFTER` ahead: met, missed,
    open and overdue (past due, not yet swept), open and not yet due; cancelled ones left out. One query."""
    def compute():
        today = timezone.localdate()
        first, last = _month(today, -MONTHS_BEFORE), _month(today, MONTHS_AFTER + 1)
        rows = (visible_deadlines(user).filter(due_date__gte=first, due_date__lt=last)
                .exclude(state=Deadline.State.CANCELLED).order_by()
                .annotate(month=TruncMonth("due_date")).values("month").annotate(
                    met=Count("pk", filter=Q(state=Deadline.State.MET)),
                    missed=Count("pk", filter=Q(state=Deadline.State.MISSED)),
                    overdue=Count("pk", filter=Q(state=Deadline.State.OPEN, due_date__lt=today)),
                    upcoming=Count("pk", filter=Q(state=Deadline.State.OPEN, due_date__gte=today))))
        by_month = {(row["month"].year, row["month"].month): row for row in rows}
        months = [_month(today, offset) for offset in range(-MONTHS_BEFORE, MONTHS_AFTER + 1)]
        keys = ("met", "missed", "overdue", "upcoming")
        labels = [_("Met"), _("Missed"), _("Overdue"), pgettext("deadline", "Open")]
        names = [f"{m.year}-{m.month:02d}" for m in months]
        values = {k: [by_month.get((m.year, m.month), {}).get(k, 0) for m in months] for k in keys}
        return {
            "kind": "bars", "horizontal": False, "stacked": True, "title": _("Deadlines per month"),
            "categories": names,
            "series": [{"name": label, "data": values[k], "tone": k} for k, label in zip(keys, labels, strict=True)],
            "table": {"caption": _("Deadlines by the month they fall due"),
                      "columns": [_("Month"), *labels],
                      "rows": [[name, *(values[k][i] for k in keys)] for i, name in enumerate(names)]},
        }
    return cached("deadlines", user, compute)


CHARTS = {"pipeline": pipeline, "breakdowns": breakdowns, "scores": scores, "deadlines": deadlines}
