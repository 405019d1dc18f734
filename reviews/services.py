"""The ministry stage's rules, called by the transitions, views and API alike."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.rules import is_ministry_staff
from applications.models import DOSSIER_LONG_TEXTS, Application, Revision, Status
from kernel import audit
from kernel.deadlines import open_deadline
from kernel.formatting import format_date, format_list
from kernel.notifications import notify
from kernel.rules import RuleViolation
from kernel.transitions import run_transition
from kernel.workdays import add_working_days

from . import conflicts
from .deadlines import PUBLICITY_START, ministries
from .documents import applications_wording
from .models import (
    Assignment,
    AssignmentStatus,
    CommitteeMember,
    CriteriaSet,
    Criterion,
    FormalReview,
    FormalReviewItem,
    NoticeStatus,
    PublicityNotice,
    ReviewRound,
    RoundEntry,
    RoundStatus,
    Score,
    SiteInspection,
)
from .rules import may_reveal_id_number
from .subjects import NoticeSubject, RoundPurpose, notice_subject, register_notice_subject, register_round_purpose

# An expert whose weighted total is this many points from the mean of the others is flagged.
DEVIATION_POINTS = Decimal(15)


def _require_staff(user):
    if not is_ministry_staff(user):
        raise PermissionDenied(_("Only SAMR or MIIT staff can do this."))


# --- formal review ------------------------------------------------------------------------------


def record_formal_review(application, by, checks, outcome, comment):
    """Store the ticked checklist; passing needs every active check confirmed (Art. 13)."""
    items = list(FormalReviewItem.objects.filter(active=True))
    checks = {str(k): bool(v) for k, v in (checks or {}).items()}
    if outcome == FormalReview.Outcome.PASSED:
        unchecked = [i.text for i in items if not checks.get(str(i.pk))]
        if unchecked:
            raise RuleViolation(
                _("Formal review passes only when every check is confirmed; not confirmed: %(items)s")
                % {"items": "；".join(unchecked)},
                field="checks", article="Art. 13",
            )
    FormalReview.objects.create(
        application=application, revision_number=application.revision_count,
        checks={str(i.pk): checks.get(str(i.pk), False) for i in items},
        outcome=outcome, comment=comment, reviewer=by,
    )


def expert_reviewed_revisions(user):
    """The revisions an expert reviews: for each assignment they accepted or submitted, the dossier's last revision
    submitted before the round opened (`Assignment.reviewed_revision`), as a Q over revisions."""
    reviewed = Revision.objects.filter(
        application=OuterRef("application"), submitted_at__lte=OuterRef("round__opened_at"),
    ).order_by("-number").values("pk")[:1]
    opened = Assignment.objects.filter(expert=user, status__in=[AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED])
    return Q(pk__in=opened.annotate(revision_id=Subquery(reviewed)).values("revision_id"))


def expert_visible_applications(user):
    """The applications an expert reads: those of the assignments they accepted or submitted (Art. 9)."""
    opened = Assignment.objects.filter(
        application=OuterRef("pk"), expert=user, status__in=[AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED]
    )
    return Exists(opened)


# --- committee (Art. 9) -------------------------------------------------------------------------


def conflicted_organisation_ids(application):
    """The host and every consortium member: their experts never review this application."""
    return {application.host_id, *application.consortium_members.values_list("organisation_id", flat=True)}


def suggested_experts(review_round, application):
    """Committee members free of conflict (`reviews.conflicts`) and not yet assigned, those of the application's
    field first."""
    return suggestions_for(review_round, [application])[application.pk]


def suggestions_for(review_round, applications):
    """{application id: `suggested_experts`} of several applications of a round (their host selected), the committee
    and the facts of its experts and of the applications each read once: a page proposing replacements for ten
    vacancies asks as much as for one."""
    applications = list({a.pk: a for a in applications}.values())
    taken = defaultdict(set)
    for app_id, expert_id in review_round.assignments.filter(application__in=applications).values_list(
            "application_id", "expert_id"):
        taken[app_id].add(expert_id)
    members = conflicts.committee_members(review_round)
    experts = conflicts.expert_facts(members)
    subjects = conflicts.subject_facts(applications)
    suggestions = {}
    for application in applications:
        free = [m for m in members if m.expert_id not in taken[application.pk]
                and not conflicts.is_conflicted(experts[m.expert_id], subjects[application.pk],
                                                review_round.avoid_home_province)]
        suggestions[application.pk] = sorted(
            free, key=lambda m: (application.field not in (m.fields or []), m.position, m.expert.full_name))
    return suggestions


def refuse_conflicts(found):
    """Art. 9: an assignment in conflict is refused with every reason, in words."""
    if found:
        raise RuleViolation(_("Conflict of interest: %(reasons)s") % {"reasons": " ".join(c.text for c in found)},
                            field="expert", article="Art. 9")


def default_scoring_due(today=None):
    """The scoring deadline a new round is offered: `ROUND_SCORING_WORKING_DAYS` working days from today."""
    return add_working_days(today or timezone.localdate(), settings.ROUND_SCORING_WORKING_DAYS).date


def check_round_can_open(committee, criteria_set, by, items):
    """What every expert round needs: staff, an active committee within its term (Art. 9), weights
    adding up to 100, and something to review."""
    _require_staff(by)
    if not committee.is_usable():
        raise RuleViolation(_("The expert committee is not active or its 2-year term has ended (Art. 9)."),
                            field="committee", article="Art. 9")
    error = criteria_set.weight_error()
    if error:
        raise RuleViolation(error, field="criteria_set")
    if not items:
        raise RuleViolation(_("Choose at least one application."), field="applications")


def call_of(applications):
    """The one call whose applications are reviewed or published together (rounds and notices are per call, Art. 13)."""
    calls = {a.call for a in applications}
    if len(calls) > 1:
        raise RuleViolation(_("Applications of different calls are reviewed and published separately: %(calls)s.")
                            % {"calls": format_list(sorted(str(c) for c in calls))}, field="applications", article="Art. 13")
    return next(iter(calls), None)


def open_round(title, committee, criteria_set, applications, by, scoring_due=None):
    """Open an expert review round for applications that passed formal review (Art. 9, 13)."""
    applications = list(dict.fromkeys(applications))  # an application listed twice enters once
    check_round_can_open(committee, criteria_set, by, applications)
    if criteria_set.purpose != CriteriaSet.Purpose.APPLICATION:
        raise RuleViolation(_("Choose a criteria set made for application review."), field="criteria_set")
    not_ready = [str(a) for a in applications if a.status != Status.FORMAL_REVIEW_PASSED]
    if not_ready:
        raise RuleViolation(_("Only applications that passed formal review can enter expert review: %(apps)s")
                            % {"apps": format_list(not_ready)}, field="applications", article="Art. 13")
    call = call_of(applications)
    with transaction.atomic():
        review_round = ReviewRound.objects.create(title=title, committee=committee, criteria_set=criteria_set, opened_by=by,
                                                  call=call)
        review_round.schedule_scoring(scoring_due or default_scoring_due())
        review_round.save(update_fields=["scoring_due"])
        RoundEntry.objects.bulk_create(RoundEntry(round=review_round, application=a) for a in applications)
        for application in applications:
            run_transition(application, "start_expert_review", by, comment=title, internal=True)
    return review_round


def assign_expert(review_round, application, expert, by):
    """Assign one expert, refusing conflicts of interest and experts outside the active committee."""
    _require_staff(by)
    if review_round.status != RoundStatus.OPEN:
        raise RuleViolation(_("This round is concluded."), article="Art. 13")
    if not review_round.committee.is_usable():
        raise RuleViolation(_("The committee's term has ended; it cannot be given new work (Art. 9)."), article="Art. 9")
    if not review_round.entries.filter(application=application).exists():
        raise RuleViolation(_("This application is not in the round."), field="application")
    if not CommitteeMember.objects.filter(committee=review_round.committee, expert=expert).exists():
        raise RuleViolation(_("Experts are drawn from the active expert committee (Art. 9)."), field="expert", article="Art. 9")
    refuse_conflicts(conflicts.conflicts_of(review_round, application, expert))
    if review_round.assignments.filter(application=application, expert=expert).exists():
        raise RuleViolation(_("This expert is already assigned to this application."), field="expert")
    assignment = Assignment.objects.create(round=review_round, application=application, expert=expert)
    audit.record("assign_expert", assignment, actor=by, article="Art. 9",
           data={"round": review_round.pk, "application": application.pk, "expert": expert.pk})
    notify("assigned", assignment, actor=by)
    return assignment


# --- scoring ------------------------------------------------------------------------------------


def save_scores(assignment, by, values, overall_comment=""):
    """Save a draft of the expert's scores: {criterion id: (value, comment)}, each 0-100."""
    if assignment.expert_id != getattr(by, "pk", None):
        raise PermissionDenied(_("Only the assigned expert scores."))
    if assignment.status != AssignmentStatus.ACCEPTED:
        raise RuleViolation(_("Scores can be changed only after declaring no conflict and before submitting."))
    if assignment.round.status != RoundStatus.OPEN:
        raise RuleViolation(_("This round is concluded."))
    criteria = {c.pk: c for c in assignment.round.criteria_set.criteria.all()}
    cleaned = {}
    for key, (value, comment) in values.items():
        criterion = criteria.get(int(key)) if str(key).isdecimal() else None
        if criterion is None:
            raise RuleViolation(_("Unknown criterion."), field="scores")
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
            raise RuleViolation(_("“%(c)s”: a score is a number from 0 to 100.") % {"c": criterion.title},
                                field=f"criterion_{criterion.pk}")
        cleaned[criterion.pk] = (number, comment or "")
    with transaction.atomic():
        for criterion_id, (number, comment) in cleaned.items():
            Score.objects.update_or_create(assignment=assignment, criterion_id=criterion_id,
                                           defaults={"value": number, "comment": comment})
        assignment.overall_comment = overall_comment or ""
        assignment.save(update_fields=["overall_comment"])
        audit.record("save_scores", assignment, actor=by,
               data={"scores": {str(pk): str(number) for pk, (number, _comment) in sorted(cleaned.items())}})


@dataclass(frozen=True)
class RankedExpert:
    """An expert as the ranking names them, read as values: a round of 500 entries has 200 or more experts, and
    building each as a user model (with its audit watch) was a fifth of the time of ranking it."""
    pk: int
    full_name: str
    username: str
    __str__ = User.__str__


@dataclass(frozen=True)
class RankedAssignment:
    """What the ranking says of an assignment: its id and its expert. Read as values, not as models: a round of 500
    entries has 2,500 assignments, and building each as a model was half the time of ranking it."""
    pk: int
    expert: RankedExpert


@dataclass
class ExpertTotal:
    assignment: RankedAssignment
    total: Decimal
    deviates: bool = False


@dataclass(frozen=True)
class RankedHost:
    """A host institution as the whole ranking reads it: its name and its pinyin sort key."""
    name: str
    name_sort: str

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class RankedApplication:
    """An application as the whole ranking reads it, as values: what sorting it, counting the entries awaiting a
    decision and finding an entry's page need (`rank_round`); the page's own entries are then read as models."""
    pk: int
    name_zh: str
    name_sort: str
    status: str
    host: RankedHost
    __str__ = Application.__str__


@dataclass(frozen=True)
class RankedEntry:
    """A round entry as the whole ranking reads it, as values (`rank_round`)."""
    pk: int
    application_id: int
    outcome: str
    reason: str
    application: RankedApplication


@dataclass
class ApplicationResult:
    """An entry's place in its round's ranking. Its mean, spread and deviation are computed once, when first asked,
    which is after `rank_round` has gathered every total: sorting a round of 500 entries and drawing a page ask each
    several times."""
    entry: RoundEntry | RankedEntry
    totals: list = field(default_factory=list)
    pending: int = 0
    rank: int | None = None
    _subject: object = None

    @property
    def application(self):
        return self.entry.application

    @property
    def subject(self):
        """What the round decides on: the application, unless the round's pages name another (a laboratory)."""
        return self.application if self._subject is None else self._subject

    @subject.setter
    def subject(self, value):
        self._subject = value

    @property
    def count(self):
        return len(self.totals)

    @cached_property
    def mean(self):
        return sum(t.total for t in self.totals) / len(self.totals) if self.totals else None

    @cached_property
    def spread(self):
        return max(t.total for t in self.totals) - min(t.total for t in self.totals) if self.totals else None

    @cached_property
    def stdev(self):
        return Decimal(statistics.pstdev([float(t.total) for t in self.totals])).quantize(Decimal("0.01")) if self.totals else None

    @property
    def flagged(self):
        return any(t.deviates for t in self.totals)


def round_results(review_round):
    """The aggregate of a round, ranked by weighted mean, each entry with its application and host as models: five
    queries whatever its size."""
    return with_entries(rank_round(review_round))


def with_entries(results):
    """`results` with their round entries as models, each with its application and host (one query; the dossiers'
    long texts stay in the database): what is drawn of a page of the ranking, or of all of it."""
    entries = (RoundEntry.objects.select_related("application", "application__host")
               .defer(*(f"application__{name}" for name in DOSSIER_LONG_TEXTS))
               .in_bulk([r.entry.pk for r in results]))
    for result in results:
        result.entry = entries[result.entry.pk]
    return results


def rank_round(review_round):
    """The ranking of a round, each entry and its application read as values (`RankedEntry`): four queries, and no
    model built per entry, since the page of a round of 500 entries draws 25 of them (`with_entries`)."""
    entries = [RankedEntry(pk, application_id, outcome, reason,
                           RankedApplication(application_id, name, name_sort, status, RankedHost(host, host_sort)))
               for pk, application_id, outcome, reason, name, name_sort, status, host, host_sort
               in review_round.entries.order_by("pk").values_list(
                   "pk", "application_id", "outcome", "reason", "application__name_zh", "application__name_sort",
                   "application__status", "application__host__name", "application__host__name_sort")]
    # Each submitted assignment's Σ score × weight as a subquery: grouping the joined scores by every column of the
    # assignment and its expert took twice as long on a round of 1,000 assignments. The weights are the round's few
    # criteria written into the query, not joined once per assignment (half the time on 2,500 assignments).
    weight = Case(*(When(criterion_id=pk, then=Value(value)) for pk, value
                    in Criterion.objects.filter(criteria_set=review_round.criteria_set_id).values_list("pk", "weight")),
                  output_field=DecimalField())
    weighted = (Score.objects.filter(assignment=OuterRef("pk")).order_by().values("assignment")
                .annotate(weighted=Sum(F("value") * weight)).values("weighted"))
    assignments = list(Assignment.objects.filter(round=review_round).order_by("pk").values_list(
        "pk", "application_id", "expert_id", "status",
        Case(When(status=AssignmentStatus.SUBMITTED, then=Subquery(weighted)))))
    # Each expert read once, not once per assignment: a round of 500 entries has 2,500 assignments of 300 experts.
    experts = {pk: RankedExpert(pk, full_name, username) for pk, full_name, username
               in User.objects.filter(pk__in={expert_id for _, _, expert_id, _, _ in assignments})
               .values_list("pk", "full_name", "username")}
    results = {e.application_id: ApplicationResult(entry=e) for e in entries}
    for pk, application_id, expert_id, status, weighted_sum in assignments:
        result = results.get(application_id)
        if result is None:
            continue
        if status == AssignmentStatus.SUBMITTED and weighted_sum is not None:
            total = (weighted_sum / Decimal(100)).quantize(Decimal("0.01"))
            result.totals.append(ExpertTotal(RankedAssignment(pk, experts[expert_id]), total))
        elif status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED):
            result.pending += 1
    for result in results.values():
        for t in result.totals:
            others = [o.total for o in result.totals if o is not t]
            if others and abs(t.total - sum(others) / len(others)) >= DEVIATION_POINTS:
                t.deviates = True
    ranked = sorted(results.values(), key=lambda r: (r.mean is None, -(r.mean or 0), r.entry.pk))
    for position, result in enumerate(ranked, start=1):
        result.rank = position if result.mean is not None else None
    return ranked


def conclude_round(review_round, by, decisions):
    """Inside `ReviewRound.conclude`: each application advances to site inspection or is rejected."""
    entries = list(review_round.entries.select_related("application"))
    live = [e for e in entries if e.application.status == Status.EXPERT_REVIEW]
    missing = [str(e.application) for e in live if str(e.application_id) not in {str(k) for k in decisions}]
    if missing:
        raise RuleViolation(_("Decide on every application of the round: %(apps)s") % {"apps": format_list(missing)},
                            field="decisions", article="Art. 13")
    decisions = {str(k): v for k, v in decisions.items()}
    for entry in live:
        action, reason = decisions[str(entry.application_id)]
        if action == "advance":  # on the experts' opinions `ReviewRound.check_opinions` asked for
            run_transition(entry.application, "advance_to_site_inspection", by, comment=reason, internal=True)
            entry.outcome = RoundEntry.Outcome.ADVANCED
        elif action == "reject":
            if not (reason or "").strip():
                raise RuleViolation(_("Give the reason for rejecting “%(app)s”.") % {"app": entry.application},
                                    field="decisions", article="Art. 13")
            run_transition(entry.application, "reject", by, comment=reason)
            entry.outcome = RoundEntry.Outcome.REJECTED
        else:
            raise RuleViolation(_("Unknown decision."), field="decisions")
        entry.reason = reason or ""
        entry.save(update_fields=["outcome", "reason"])


register_round_purpose(CriteriaSet.Purpose.APPLICATION, RoundPurpose(
    conclude=conclude_round,
    live=lambda review_round: review_round.entries.filter(application__status=Status.EXPERT_REVIEW),
    decisions=(("advance", gettext_lazy("To site inspection")), ("reject", gettext_lazy("Reject"))),
))


# --- site inspection ----------------------------------------------------------------------------


def record_site_inspection(application, by, *, team, visited_on, findings, verdict, report=None):
    _require_staff(by)
    with transaction.atomic():
        inspection = SiteInspection.objects.create(
            application=application, team=team, visited_on=visited_on, findings=findings, verdict=verdict, recorded_by=by,
        )
        run_transition(application, "record_inspection", by, comment=findings[:500], internal=True, inspection=inspection)
        if report:  # stored only once the transition has gone through: a refusal leaves no file behind
            inspection.report_name = report.name
            inspection.report.save(report.name, report, save=True)
    return inspection


# --- publicity (Art. 13) ------------------------------------------------------------------------


def publicity_end(starts_on, working_days):
    """The last day of a window of `working_days` working days for a notice published on `starts_on`.

    As for every period (Civil Code Art. 201) and the portal's other working-day windows, the day of
    publication is not counted: published Monday 2026-09-28 with 5 working days, the window ends on
    Saturday 2026-10-10 (a make-up working day after National Day). Objections are accepted from
    `starts_on` through that day."""
    return add_working_days(starts_on, working_days)


register_notice_subject(PublicityNotice.Subject.APPLICATIONS, NoticeSubject(
    article="Art. 13",
    ready=lambda app: app.status == Status.INSPECTED,
    not_ready=gettext_lazy("Only inspected applications go under publicity: %(apps)s"),
    put=lambda app, by, notice: run_transition(app, "put_under_publicity", by, comment=notice.title, internal=True,
                                               as_system=by is None, notice=notice),
    live=lambda notice: list(notice.applications.filter(status=Status.PUBLICITY)),
    conclude=lambda app, by, sustained, comment: run_transition(
        app, "conclude_publicity", by, comment=comment, internal=True, sustained=sustained),
    sustained_comment=gettext_lazy("A sustained objection rejects this application."),
    wording=applications_wording,
))


def reserving_notices(applications):
    """{application id: the scheduled notice that holds it}: an application (or lab) waiting for a notice dated
    ahead goes on no other notice until that one is published or cancelled."""
    held = PublicityNotice.applications.through.objects.filter(
        application_id__in=[a.pk for a in applications], publicitynotice__status=NoticeStatus.SCHEDULED,
    ).select_related("publicitynotice")
    return {row.application_id: row.publicitynotice for row in held}


def open_notice(title, applications, by, starts_on=None, working_days=None, subject=PublicityNotice.Subject.APPLICATIONS):
    """Publicity (公示) for a batch: inspected applications (Art. 13) or accepted labs (Art. 19).

    Published on `starts_on` (default today), never earlier: a day before today is refused (the window would
    have run, or begun, before anyone could see it). A later day schedules the notice: it stays out of the
    public pages and the API, holds its applications, and the sweep publishes it on that day (`publish`, run by
    the `publicity.start` clock); the window is counted from that day either way."""
    _require_staff(by)
    rules = notice_subject(subject)
    working_days = working_days or settings.PUBLICITY_WORKING_DAYS
    today = timezone.localdate()
    starts_on = starts_on or today
    if starts_on < today:
        raise RuleViolation(
            _("Day of publication: %(date)s is before today. A notice is published on its first day, which is today "
              "or a later day.") % {"date": format_date(starts_on)}, field="starts_on", article="Art. 13")
    applications = list(dict.fromkeys(applications))  # an application listed twice goes under notice once
    if not applications:
        raise RuleViolation(_("Choose at least one application."), field="applications")
    end = publicity_end(starts_on, working_days)
    with transaction.atomic():
        # Lock the applications: two notices opened at once cannot both take one.
        applications = list(Application.objects.select_for_update().filter(pk__in=[a.pk for a in applications])
                             .order_by("pk"))
        not_ready = [str(a) for a in applications if not rules.ready(a)]
        if not_ready:
            raise RuleViolation(rules.not_ready % {"apps": format_list(not_ready)}, field="applications",
                                article=rules.article)
        held = reserving_notices(applications)
        if held:
            raise RuleViolation(
                _("Already on a notice to be published later (cancel it first to use another): %(apps)s")
                % {"apps": format_list(_("%(app)s (the notice “%(notice)s” of %(date)s)") % {
                    "app": a, "notice": held[a.pk].title, "date": format_date(held[a.pk].starts_on)}
                    for a in applications if a.pk in held)},
                field="applications", article=rules.article)
        scheduled = starts_on > today
        call = call_of(applications) if subject == PublicityNotice.Subject.APPLICATIONS else None
        notice = PublicityNotice.objects.create(
            title=title, subject=subject, starts_on=starts_on, ends_on=end.date, working_days=working_days, opened_by=by,
            call=call,
            status=NoticeStatus.SCHEDULED if scheduled else NoticeStatus.OPEN,
        )
        notice.applications.set(applications)
        if scheduled:
            open_deadline(notice, PUBLICITY_START.code, starts_on, ministries())
            notify("scheduled", notice, actor=by)
        else:
            notice.put_subjects_under_publicity(by)
    return notice


def lodge_objection(objection):
    """Validate and save an objection lodged through the public form (real name, in the window); saving
    gives it the next receipt number of its notice."""
    if not objection.notice.accepts_objections():
        raise RuleViolation(_("Objections are accepted only while the publicity window is open (%(start)s to %(end)s).")
                            % {"start": format_date(objection.notice.starts_on), "end": format_date(objection.notice.ends_on)},
                            article="Art. 13")
    objection.full_clean()
    objection.save()
    files = [name for name in ("seal_scan", "evidence") if getattr(objection, name)]
    if files:  # the objector's files, uploaded through the public form (no account)
        audit.record("upload", objection, data={"fields": files})
    notify("lodged", objection)
    return objection


def reveal_id_number(objection, by, reason):
    """The objector's full ID card number, for the one member of the ministries' staff who needs it now and
    says why (PIPL: shown masked everywhere else). Every reveal is an audit record with the reason."""
    if not may_reveal_id_number(by, objection):
        raise PermissionDenied(_("Only SAMR or MIIT staff can see a person's full ID card number."))
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("State why the full ID card number is needed; the reason is recorded."))
    audit.record("reveal_id_number", objection, actor=by, comment=reason,
                 data={"field": "id_number", "receipt_number": objection.receipt_number})
    return objection.id_number


