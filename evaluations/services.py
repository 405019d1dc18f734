"""The laboratory's rules (Art. 14-27), called by its transitions, the views and the API alike."""

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, OrganisationKind
from accounts.rules import is_ministry_staff
from applications.choices import TeamRole
from kernel.deadlines import close_deadlines, open_deadline
from kernel.formatting import format_date, format_list
from kernel.models import Deadline
from kernel.notifications import notify
from kernel.rules import RuleViolation
from kernel.signoffs import ministry_of, signoffs
from kernel.transitions import run_transition
from reviews.models import CriteriaSet, PublicityNotice, ReviewRound, RoundEntry, RoundStatus
from reviews.services import check_round_can_open, open_notice, round_results
from reviews.subjects import NoticeSubject, RoundPurpose, register_notice_subject, register_round_purpose

from .deadlines import (
    ACCEPTANCE_RECTIFICATION,
    ANNUAL_CONSTRUCTION_REPORT,
    ANNUAL_OPERATION_REPORT,
    CONSTRUCTION_PERIOD,
    EVALUATION_DUE,
    EVALUATION_RECTIFICATION,
    EXTENSION_CUTOFF,
    REPORT_KINDS,
)
from .models import (
    ACTIVE_LAB_STATES,
    CONFIRM_ACCEPTANCE,
    LAB_ROUND_DECISION_ARTICLE,
    LAB_ROUND_LIVE_STATE,
    LAB_ROUND_OPEN_ARTICLE,
    LAB_ROUND_PURPOSES,
    LAB_ROUND_STATES,
    AcceptanceApplication,
    AcceptanceVerdict,
    AnnualReport,
    ChangeKind,
    ChangeReport,
    ChangeStatus,
    Evaluation,
    EvaluationResult,
    ExtensionRequest,
    ExtensionStatus,
    Laboratory,
    LabStatus,
    ReportOutput,
)
from .rules import is_lab_host

CONSTRUCTION_MONTHS = 24  # Art. 18: "一般不超过2年"
EXTENSION_NOTICE_MONTHS = 3  # Art. 18: at least 3 months before the period ends
EXTENSION_MAX_MONTHS = 12  # Art. 18: at most 1 year, once
ACCEPTANCE_OPENS_MONTHS_BEFORE_END = 3  # the acceptance application may come once extension is no longer open
RECTIFICATION_MONTHS = 6  # Art. 19 and Art. 27: half a year
EVALUATION_YEARS = 3  # Art. 26


def _stakeholders(lab):
    return [lab.host, *Organisation.objects.filter(kind__in=[OrganisationKind.SAMR, OrganisationKind.MIIT])]


def laboratory_for_approved_application(sender, application, by, **kwargs):
    """Receiver of `applications.signals.approved`: the approved application becomes a laboratory."""
    create_laboratory(application, by)


def create_laboratory(application, by):
    """Inside the approving transition: the lab starts building today, for 24 months (Art. 18)."""
    today = timezone.localdate()
    team = {m.role: m for m in application.team_members.all()}
    director, chair = team.get(TeamRole.DIRECTOR), team.get(TeamRole.COMMITTEE_CHAIR)
    lab = Laboratory.objects.create(
        application=application, name_zh=application.name_zh, name_en_subject=application.name_en_subject,
        host=application.host, field=application.field, research_directions=application.research_directions,
        province=application.host.province, approved_on=today, construction_start=today,
        construction_end=today + relativedelta(months=CONSTRUCTION_MONTHS),
        director_name=director.name if director else "", director_position=director.title if director else "",
        committee_chair_name=chair.name if chair else "",
        committee_chair_organisation=chair.organisation_name if chair else "",
    )
    _open_construction_clocks(lab)
    open_deadline(lab, ANNUAL_CONSTRUCTION_REPORT.code, today + relativedelta(years=1), _stakeholders(lab))
    return lab


def _open_construction_clocks(lab):
    open_deadline(lab, CONSTRUCTION_PERIOD.code, lab.construction_end, _stakeholders(lab))
    if not lab.extension_granted:
        open_deadline(lab, EXTENSION_CUTOFF.code, extension_cutoff(lab), [lab.host])


def extension_cutoff(lab):
    """The last day an extension may be requested: 3 months before the construction end (Art. 18)."""
    return lab.construction_end - relativedelta(months=EXTENSION_NOTICE_MONTHS)


def close_lab_clocks(lab):
    Deadline.objects.for_object(lab).open().update(state=Deadline.State.CANCELLED, closed_at=timezone.now())


# --- extension (Art. 18) ------------------------------------------------------------------------


def file_extension_request(lab, by, months, reason, today=None):
    """Refused when later than 3 months before the end, longer than 12 months, or not the first."""
    today = today or timezone.localdate()
    if not is_lab_host(by, lab):
        raise PermissionDenied(_("Only the host institution's users can request an extension."))
    if lab.status != LabStatus.CONSTRUCTION:
        raise RuleViolation(_("An extension can be requested only during construction (Art. 18)."), article="Art. 18")
    if lab.extension_granted:
        raise RuleViolation(_("The construction period was already extended once; a second extension is not possible (Art. 18)."),
                            article="Art. 18")
    if lab.extension_requests.filter(status=ExtensionStatus.REQUESTED).exists():
        raise RuleViolation(_("An extension request is already waiting for the ministries' decision."), article="Art. 18")
    if not isinstance(months, int) or months < 1 or months > EXTENSION_MAX_MONTHS:
        raise RuleViolation(_("An extension is at most 12 months (Art. 18)."), field="months", article="Art. 18")
    if today > extension_cutoff(lab):
        raise RuleViolation(
            _("Too late: an extension must be requested at least 3 months before the construction period ends, "
              "that is by %(date)s (Art. 18).") % {"date": format_date(extension_cutoff(lab))},
            article="Art. 18",
        )
    if not (reason or "").strip():
        raise RuleViolation(_("Explain why the construction cannot be finished in time (Art. 18)."), field="reason", article="Art. 18")
    request = ExtensionRequest.objects.create(laboratory=lab, months=months, reason=reason, filed_on=today, filed_by=by)
    close_deadlines(lab, EXTENSION_CUTOFF.code, Deadline.State.MET)  # filed in time: the cut-off is met, not missed
    notify("filed", request, actor=by, comment=reason)
    return request


def grant_extension(request, by):
    """Inside `ExtensionRequest.grant`: move the end and its clocks."""
    lab = Laboratory.objects.select_for_update().get(pk=request.laboratory_id)
    lab.construction_end = lab.construction_end + relativedelta(months=request.months)
    lab.extension_granted = True
    lab.save(update_fields=["construction_end", "extension_granted"])
    close_deadlines(lab, EXTENSION_CUTOFF.code, Deadline.State.MET)
    _open_construction_clocks(lab)


def reopen_extension_window(request):
    """Inside `ExtensionRequest.refuse`: the host may still ask again until the cut-off day (Art. 18)."""
    lab = request.laboratory
    if not lab.extension_granted and timezone.localdate() <= extension_cutoff(lab):
        open_deadline(lab, EXTENSION_CUTOFF.code, extension_cutoff(lab), [lab.host])


# --- acceptance (Art. 18-19) --------------------------------------------------------------------


def acceptance_opens_on(lab):
    """3 months before the end of the 2-year period (Art. 18). An extension moves the latest day to apply,
    not this one: a lab finishing early in its extension applies then."""
    two_years = lab.construction_start + relativedelta(months=CONSTRUCTION_MONTHS)
    return min(lab.construction_end, two_years) - relativedelta(months=ACCEPTANCE_OPENS_MONTHS_BEFORE_END)


def file_acceptance_application(lab, by, report, goal_statements):
    """Inside `apply_for_acceptance`: the report against the build plan's goals (Art. 17-18)."""
    if not (report or "").strip():
        raise RuleViolation(_("Write the construction report against the build plan's goals (Art. 17)."),
                            field="report", article="Art. 18")
    if lab.status == LabStatus.CONSTRUCTION and timezone.localdate() < acceptance_opens_on(lab):
        raise RuleViolation(
            _("Acceptance is applied for at the end of the construction period, from %(date)s (Art. 18).")
            % {"date": format_date(acceptance_opens_on(lab))}, article="Art. 18",
        )
    AcceptanceApplication.objects.create(laboratory=lab, report=report, goal_statements=goal_statements or [], filed_by=by)
    close_deadlines(lab, CONSTRUCTION_PERIOD.code, Deadline.State.MET)
    close_deadlines(lab, EXTENSION_CUTOFF.code, Deadline.State.CANCELLED)
    close_deadlines(lab, ACCEPTANCE_RECTIFICATION.code, Deadline.State.MET)


def after_acceptance_verdict(lab, by, verdict, opinion):
    if verdict not in AcceptanceVerdict.values:
        raise RuleViolation(_("Unknown verdict."), field="decisions")
    latest = lab.acceptance_applications.first()
    if latest is not None:
        latest.verdict, latest.opinion, latest.decided_at = verdict, opinion, timezone.now()
        latest.save(update_fields=["verdict", "opinion", "decided_at"])
    target = lab._after_verdict(verdict)
    if target == LabStatus.RECTIFYING:
        lab.acceptance_rectified = True
        due = timezone.localdate() + relativedelta(months=RECTIFICATION_MONTHS)
        open_deadline(lab, ACCEPTANCE_RECTIFICATION.code, due, _stakeholders(lab))
    elif target == LabStatus.TERMINATED:
        close_lab_clocks(lab)


def open_acceptance_notice(title, labs, by, starts_on=None, working_days=None):
    """Publicity of accepted labs whose acceptance both ministries confirmed (Art. 19)."""
    return open_notice(title, [lab.application for lab in labs], by, starts_on=starts_on,
                       working_days=working_days, subject=PublicityNotice.Subject.ACCEPTANCE)


register_notice_subject(PublicityNotice.Subject.ACCEPTANCE, NoticeSubject(
    article="Art. 19",
    ready=lambda app: hasattr(app, "laboratory") and app.laboratory.status == LabStatus.ACCEPTANCE_CONFIRMATION
    and app.laboratory.acceptance_confirmed,
    not_ready=gettext_lazy("Only labs whose acceptance both ministries confirmed go under acceptance publicity: %(apps)s"),
    put=lambda app, by, notice: run_transition(app.laboratory, "put_under_acceptance_publicity", by,
                                               comment=notice.title, internal=True, notice=notice),
    live=lambda notice: [a for a in notice.applications.select_related("laboratory")
                         if a.laboratory.status == LabStatus.ACCEPTANCE_PUBLICITY],
    conclude=lambda app, by, sustained, comment: run_transition(
        app.laboratory, "conclude_acceptance_publicity", by, comment=comment, internal=True, sustained=sustained),
    sustained_comment=gettext_lazy("A sustained objection sends the acceptance back to the experts."),
))



def reopen_acceptance(lab):
    """A sustained objection sends the acceptance back to the experts (Art. 19): the ministries' confirmations
    were of the verdict objected to, so a new pass needs both again (the audit keeps who confirmed)."""
    signoffs(lab, CONFIRM_ACCEPTANCE).delete()


def start_operation(lab):
    """Formal operation (Art. 19): annual operation reports and the triennial evaluation start (Art. 26)."""
    today = timezone.localdate()
    lab.operation_started_on = today  # saved with the transition
    close_lab_clocks(lab)
    open_deadline(lab, ANNUAL_OPERATION_REPORT.code, today + relativedelta(years=1), _stakeholders(lab))
    open_deadline(lab, EVALUATION_DUE.code, today + relativedelta(years=EVALUATION_YEARS), _stakeholders(lab))


# --- annual reports (Art. 18, 23, 26) -----------------------------------------------------------


def _report_clock(kind):
    return ANNUAL_CONSTRUCTION_REPORT if kind == AnnualReport.Kind.CONSTRUCTION else ANNUAL_OPERATION_REPORT


def report_due(lab, kind):
    """The open deadline of the next report of `kind`, or None when none is due now."""
    return Deadline.objects.for_object(lab).open().filter(kind=_report_clock(kind).code).first()


def _report_year(lab, kind, due_date):
    """The year number of the report of `kind` due on `due_date`: reports fall on the anniversaries of the
    approval (construction, Art. 18) or of the start of operation (Art. 26). None when the phase has no start."""
    start = lab.approved_on if kind == AnnualReport.Kind.CONSTRUCTION else lab.operation_started_on
    return due_date.year - start.year if start else None


def open_next_report_clock(lab, deadline_kind):
    """After a report is filed or its deadline lapses: the next anniversary's report, while the phase lasts."""
    kind = REPORT_KINDS[deadline_kind]
    last = Deadline.objects.for_object(lab).filter(kind=deadline_kind).order_by("-due_date").first()
    start = lab.approved_on if kind == AnnualReport.Kind.CONSTRUCTION else lab.operation_started_on
    if start and last:  # counted from the start, so that 29 February comes back in leap years
        next_due = start + relativedelta(years=_report_year(lab, kind, last.due_date) + 1)
    else:
        next_due = (last.due_date if last else timezone.localdate()) + relativedelta(years=1)
    if kind == AnnualReport.Kind.CONSTRUCTION and (lab.status not in (LabStatus.CONSTRUCTION, LabStatus.RECTIFYING)
                                                   or next_due > lab.construction_end):
        return None
    if kind == AnnualReport.Kind.OPERATION and lab.status not in (LabStatus.OPERATING, LabStatus.EVALUATING,
                                                                  LabStatus.EVALUATION_RECTIFYING):
        return None
    return open_deadline(lab, deadline_kind, next_due, _stakeholders(lab))


def submit_annual_report(lab, by, kind, data, outputs=()):
    """File the report that is due; every output must credit the lab's name (Art. 23)."""
    if not is_lab_host(by, lab):
        raise PermissionDenied(_("Only the host institution's users file the lab's reports."))
    due = report_due(lab, kind)
    if due is None:
        raise RuleViolation(_("No report of this kind is due now."), field="kind")
    if not (data.get("summary") or "").strip():
        raise RuleViolation(_("Describe the year's progress."), field="summary")
    period = _report_year(lab, kind, due.due_date) or AnnualReport.objects.filter(laboratory=lab, kind=kind).count() + 1
    with transaction.atomic():
        report = AnnualReport.objects.create(
            laboratory=lab, kind=kind, period=period, due_on=due.due_date, submitted_by=by,
            summary=data.get("summary", ""), open_projects=data.get("open_projects", ""),
            exchanges=data.get("exchanges", ""), public_services=data.get("public_services", ""),
        )
        rows = [ReportOutput(report=report, kind=o["kind"], title=o["title"], credit_line=o["credit_line"]) for o in outputs]
        uncredited = [r.title for r in rows if not r.credits_lab()]
        if uncredited:
            raise RuleViolation(
                _("Outputs done in the lab must carry its name (Art. 23); not credited: %(titles)s")
                % {"titles": format_list(uncredited)}, field="outputs", article="Art. 23",
            )
        ReportOutput.objects.bulk_create(rows)
        close_deadlines(lab, due.kind, Deadline.State.MET)
        open_next_report_clock(lab, due.kind)
        notify("filed", report, actor=by)
    return report


def acknowledge_report(report, by):
    """Art. 18: the construction report is copied to the host, whose users acknowledge it."""
    if not is_lab_host(by, report.laboratory):
        raise PermissionDenied(_("Only the host institution's users acknowledge the lab's reports."))
    if report.acknowledged_at is None:
        report.acknowledged_by, report.acknowledged_at = by, timezone.now()
        report.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return report


# --- expert rounds for labs (acceptance, evaluation) --------------------------------------------


def open_lab_round(title, committee, criteria_set, labs, by):
    """An expert round scoring labs for acceptance (Art. 19) or comprehensive evaluation (Art. 26)."""
    labs = list(dict.fromkeys(labs))
    check_round_can_open(committee, criteria_set, by, labs)
    if criteria_set.purpose not in LAB_ROUND_PURPOSES:
        raise RuleViolation(_("Choose a criteria set made for acceptance or evaluation."), field="criteria_set")
    article = LAB_ROUND_OPEN_ARTICLE[criteria_set.purpose]
    wrong = [str(lab) for lab in labs if lab.status not in LAB_ROUND_STATES[criteria_set.purpose]]
    if wrong:
        raise RuleViolation(_("These laboratories are not at this stage: %(labs)s") % {"labs": "、".join(wrong)},
                            field="laboratories", article=article)
    busy = RoundEntry.objects.filter(application__laboratory__in=labs, round__status=RoundStatus.OPEN,
                                     round__criteria_set__purpose=criteria_set.purpose)
    if busy.exists():
        names = sorted({str(entry.application.laboratory) for entry in busy.select_related("application__laboratory")})
        raise RuleViolation(_("Already in a round being scored: %(labs)s") % {"labs": "、".join(names)},
                            field="laboratories", article=article)
    with transaction.atomic():
        review_round = ReviewRound.objects.create(title=title, committee=committee, criteria_set=criteria_set, opened_by=by)
        RoundEntry.objects.bulk_create(RoundEntry(round=review_round, application=lab.application) for lab in labs)
        if criteria_set.purpose == CriteriaSet.Purpose.EVALUATION:
            for lab in labs:
                reevaluation = lab.evaluation_rectified  # also when a re-review (Art. 24) came while rectifying
                regular = lab.status == LabStatus.OPERATING  # not an Art. 24 re-review (already evaluating)
                if lab.status != LabStatus.EVALUATING:
                    run_transition(lab, "start_evaluation", by, comment=title, internal=True)
                Evaluation.objects.create(laboratory=lab, cycle=lab.evaluations.count() + 1, is_reevaluation=reevaluation)
                if regular:  # the triennial evaluation (Art. 26) is met; a re-review leaves its clock running
                    close_deadlines(lab, EVALUATION_DUE.code, Deadline.State.MET)
                close_deadlines(lab, EVALUATION_RECTIFICATION.code, Deadline.State.MET)
    return review_round


def conclude_lab_round(review_round, by, decisions):
    """Inside `ReviewRound.conclude` for lab rounds: a verdict (acceptance) or a result (evaluation) per lab."""
    purpose = review_round.criteria_set.purpose
    acceptance = purpose == CriteriaSet.Purpose.ACCEPTANCE
    choices = AcceptanceVerdict.values if acceptance else EvaluationResult.values
    live_state = LAB_ROUND_LIVE_STATE[purpose]
    entries = [e for e in review_round.entries.select_related("application__laboratory")
               if e.application.laboratory.status == live_state]
    decisions = {str(k): v for k, v in decisions.items()}
    missing = [str(e.application.laboratory) for e in entries if str(e.application_id) not in decisions]
    if missing:
        raise RuleViolation(_("Decide on every laboratory of the round: %(labs)s") % {"labs": "、".join(missing)},
                            field="decisions", article=LAB_ROUND_DECISION_ARTICLE[purpose])
    scored = {r.application.pk: r.count for r in round_results(review_round)}
    for entry in entries:
        lab = entry.application.laboratory
        outcome, opinion = decisions[str(entry.application_id)]
        if outcome not in choices:
            raise RuleViolation(_("Unknown decision."), field="decisions")
        if not scored.get(entry.application_id):
            raise RuleViolation(_("“%(lab)s” has no submitted scores yet.") % {"lab": lab}, field="decisions")
        if not (opinion or "").strip():
            raise RuleViolation(_("Give the experts' opinion for “%(lab)s”.") % {"lab": lab}, field="decisions")
        if acceptance:
            run_transition(lab, "record_acceptance_verdict", by, comment=opinion, internal=True, verdict=outcome)
        else:
            run_transition(lab, "record_evaluation_result", by, comment=opinion, internal=True, result=outcome)
        entry.outcome = RoundEntry.Outcome.ADVANCED if outcome in ("pass", "excellent", "qualified") else RoundEntry.Outcome.REJECTED
        entry.reason = opinion
        entry.save(update_fields=["outcome", "reason"])


register_round_purpose(CriteriaSet.Purpose.ACCEPTANCE,
                       RoundPurpose(conclude=conclude_lab_round, decisions=tuple(AcceptanceVerdict.choices)))
register_round_purpose(CriteriaSet.Purpose.EVALUATION,
                       RoundPurpose(conclude=conclude_lab_round, decisions=tuple(EvaluationResult.choices)))


def after_evaluation_result(lab, by, result, opinion):
    if result not in EvaluationResult.values:
        raise RuleViolation(_("Unknown result."), field="decisions")
    evaluation = lab.evaluations.first()
    if evaluation is not None:
        evaluation.result, evaluation.opinion, evaluation.decided_at = result, opinion, timezone.now()
        evaluation.save(update_fields=["result", "opinion", "decided_at"])
    lab.latest_result = result
    target = lab._after_result(result)
    if target == LabStatus.OPERATING:
        lab.evaluation_rectified = False
        open_deadline(lab, EVALUATION_DUE.code, next_evaluation_due(lab), _stakeholders(lab))
    elif target == LabStatus.EVALUATION_RECTIFYING:
        lab.evaluation_rectified = True
        due = timezone.localdate() + relativedelta(months=RECTIFICATION_MONTHS)
        open_deadline(lab, EVALUATION_RECTIFICATION.code, due, _stakeholders(lab))
    else:
        close_lab_clocks(lab)


def next_evaluation_due(lab):
    """Every 3 years from the start of operation (Art. 26): the next such date after today and after the due
    date the evaluation just done met (a round opened ahead of its due date does not leave that date due)."""
    today = timezone.localdate()
    start = lab.operation_started_on or today
    met = Deadline.objects.for_object(lab).filter(kind=EVALUATION_DUE.code, state=Deadline.State.MET).order_by("-due_date").first()
    after = max(today, met.due_date) if met else today
    cycles = 1
    while start + relativedelta(years=EVALUATION_YEARS * cycles) <= after:
        cycles += 1
    return start + relativedelta(years=EVALUATION_YEARS * cycles)


# --- changes (Art. 24) --------------------------------------------------------------------------


def file_change_report(lab, by, kind, description, new_name_zh="", new_name_en_subject=""):
    if not is_lab_host(by, lab):
        raise PermissionDenied(_("Only the host institution's users report the lab's changes."))
    if lab.status not in (LabStatus.OPERATING, LabStatus.CONSTRUCTION):
        raise RuleViolation(_("Changes are reported while the lab is being built or in operation (Art. 24)."), article="Art. 24")
    report = ChangeReport(laboratory=lab, kind=kind, description=description, new_name_zh=new_name_zh,
                          new_name_en_subject=new_name_en_subject, filed_by=by)
    report.full_clean()
    report.save()
    notify("filed", report, actor=by, comment=description)
    return report


def apply_change(change):
    """An accepted (or re-reviewed) change takes effect: a rename changes the lab's names (Art. 24, 31)."""
    if change.kind == ChangeKind.RENAME:
        lab = change.laboratory
        lab.name_zh, lab.name_en_subject = change.new_name_zh, change.new_name_en_subject
        lab.save(update_fields=["name_zh", "name_en_subject"])


# --- the lab's pages: who may do what now, the lab's own data (Art. 14-18, 24) ------------------
# Added for the host/staff browser pages (`evaluations/views.py`, `views_host.py`, `views_staff.py`): the pages ask these,
# never decide.

LAB_PEOPLE_FIELDS = ("director_name", "director_position", "committee_chair_name", "committee_chair_organisation",
                     "research_units", "staff_summary")


def may_edit_lab(lab, user):
    """The host's users keep the lab's people and units (Art. 14-16) while the lab is active, not once it
    is terminated or delisted."""
    return is_lab_host(user, lab) and lab.status in ACTIVE_LAB_STATES


def update_lab_people(lab, by, data):
    """Save the director (a senior leader of the host, with the position, Art. 14), the academic committee
    chair and the chair's organisation (Art. 15), research units and staff. Returns the saved lab; the
    caller shows the Art. 15 warning (`lab.chair_is_inside()`)."""
    with transaction.atomic():
        locked = Laboratory.objects.select_for_update().select_related("host").get(pk=lab.pk)
        if not is_lab_host(by, locked):
            raise PermissionDenied(_("Only the host institution's users keep the lab's data."))
        if not may_edit_lab(locked, by):
            raise RuleViolation(_("The lab's data can no longer be changed: the lab is %(status)s.")
                                % {"status": locked.get_status_display()})
        values = {name: (data.get(name) or "").strip() for name in LAB_PEOPLE_FIELDS}
        if not values["director_name"]:
            raise RuleViolation(_("Name the lab director (Art. 14)."), field="director_name", article="Art. 14")
        if not values["director_position"]:
            raise RuleViolation(_("The director is a senior leader of the host: give the position held there (Art. 14)."),
                                field="director_position", article="Art. 14")
        if values["committee_chair_name"] and not values["committee_chair_organisation"]:
            raise RuleViolation(_("Give the academic committee chair's organisation (Art. 15)."),
                                field="committee_chair_organisation", article="Art. 15")
        for name, value in values.items():
            setattr(locked, name, value)
        others = [f.name for f in Laboratory._meta.concrete_fields if f.name not in LAB_PEOPLE_FIELDS]
        locked.full_clean(exclude=others, validate_unique=False, validate_constraints=False)  # max lengths
        locked.save(update_fields=list(LAB_PEOPLE_FIELDS))
    return locked


def build_plan_goals(lab):
    """The goals of the build plan (Art. 17): the non-empty lines of the approved application's plan,
    without list markers. The acceptance application reports against each (Art. 18)."""
    import re

    marker = re.compile(r"^\s*(?:[-*•·]|\(?\d+[.)、]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)\s*")
    goals = [marker.sub("", line).strip() for line in (lab.application.construction_plan or "").splitlines()]
    return [goal for goal in goals if goal]


def may_request_extension(lab, user):
    """Whether to offer the extension request form: a host user, during construction, no extension yet and
    none waiting (Art. 18). The cut-off and the length are checked when it is filed (`file_extension_request`)."""
    return (is_lab_host(user, lab) and lab.status == LabStatus.CONSTRUCTION and not lab.extension_granted
            and not lab.extension_requests.filter(status=ExtensionStatus.REQUESTED).exists())


def reports_due(lab, user=None):
    """The annual report kinds due now (Art. 18, 26), as {kind: deadline}; empty for anyone but the host's users
    when `user` is given."""
    if user is not None and not is_lab_host(user, lab):
        return {}
    due = {}
    for kind in AnnualReport.Kind.values:
        deadline = report_due(lab, kind)
        if deadline is not None:
            due[kind] = deadline
    return due


def may_acknowledge_report(report, user):
    """Art. 18: the annual construction report is copied to the host, whose users acknowledge it once."""
    return (report.kind == AnnualReport.Kind.CONSTRUCTION and report.acknowledged_at is None
            and is_lab_host(user, report.laboratory))


def may_report_change(lab, user):
    """Whether to offer the change report form (Art. 24): a host user while the lab is built or in operation."""
    return is_lab_host(user, lab) and lab.status in (LabStatus.OPERATING, LabStatus.CONSTRUCTION)


# --- home pages: what waits for whom (Art. 18, 19, 24, 26) --------------------------------------
# Added for the per-role home pages (`labportal.views.home`): a constant number of queries, whatever the
# number of labs.


def reports_due_for(user, limit=20):
    """The annual reports every lab of `user`'s host owes, [(lab, deadline)] by due date (Art. 18, 26):
    two queries however many labs the host runs."""
    from django.contrib.contenttypes.models import ContentType

    if not is_lab_host(user, Laboratory(host_id=user.organisation_id)):
        return []
    hosted = Laboratory.objects.filter(host_id=user.organisation_id)
    deadlines = list(Deadline.objects.open()
                     .filter(content_type=ContentType.objects.get_for_model(Laboratory),
                             object_id__in=hosted.values("pk"),
                             kind__in=[ANNUAL_CONSTRUCTION_REPORT.code, ANNUAL_OPERATION_REPORT.code])
                     .order_by("due_date", "pk")[:limit])
    labs = hosted.in_bulk({deadline.object_id for deadline in deadlines})
    return [(labs[deadline.object_id], deadline) for deadline in deadlines]


def awaiting_ministry(user, limit=20):
    """What on the labs waits for a ministry's staff member: extension requests (Art. 18) and change reports
    (Art. 24) to decide, accepted labs this ministry has not confirmed yet (Art. 19) and acceptance
    applications that are in no open expert round (Art. 19). Empty lists for anyone else."""
    empty = {"extension_requests": [], "change_reports": [], "confirmations": [], "acceptance_applications": []}
    if not is_ministry_staff(user):
        return empty
    labs = Laboratory.objects.visible_to(user)
    return {
        "extension_requests": list(ExtensionRequest.objects.filter(status=ExtensionStatus.REQUESTED, laboratory__in=labs)
                                   .select_related("laboratory__host").order_by("filed_on", "pk")[:limit]),
        "change_reports": list(ChangeReport.objects.filter(status=ChangeStatus.SUBMITTED, laboratory__in=labs)
                               .select_related("laboratory__host").order_by("filed_at", "pk")[:limit]),
        "confirmations": list(labs.filter(status=LabStatus.ACCEPTANCE_CONFIRMATION).with_confirmations()
                              .filter(**{f"{ministry_of(user)}_confirmed": False})
                              .select_related("host").order_by("name_zh")[:limit]),
        "acceptance_applications": list(labs.filter(status=LabStatus.ACCEPTANCE_REVIEW).with_open_round()
                                        .filter(in_open_round=False).select_related("host").order_by("name_zh")[:limit]),
    }
