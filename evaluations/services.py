"""The laboratory's rules (Art. 14-27), called by its transitions, the views and the API alike."""

import os
import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.rules import is_ministry_staff
from applications.choices import TeamRole
from applications.uploads import inspect_upload
from kernel.deadlines import close_deadlines, open_deadline
from kernel.formatting import format_date, format_list
from kernel.models import Deadline
from kernel.notifications import notify
from kernel.periods import period_end
from kernel.rules import RuleViolation
from kernel.signoffs import ministry_of
from kernel.transitions import run_transition
from reviews.models import CriteriaSet, EvaluationDimension, PublicityNotice, ReviewRound, RoundEntry, RoundStatus
from reviews.services import check_round_can_open, default_scoring_due, open_notice
from reviews.subjects import NoticeSubject, RoundPurpose, register_notice_subject, register_round_purpose

from .deadlines import (
    ANNUAL_CONSTRUCTION_REPORT,
    ANNUAL_OPERATION_REPORT,
    EVALUATION_DUE,
    EVALUATION_RECTIFICATION,
    EXTENSION_CUTOFF,
    REPORT_KINDS,
    STATEMENT_WINDOW,
    next_report,
    open_next_report_clock,
    report_due,
    report_opens_on,
    report_year,
    stakeholders,
)
from .documents import acceptance_wording
from .lifecycle import CONSTRUCTION_MONTHS, EXTENSION_MAX_MONTHS, extension_cutoff, open_construction_clocks
from .models import AnnualReport, ChangeReport, Evaluation, ExtensionRequest, Laboratory, RecommenderOpinion, ReportOutput
from .rules import is_lab_host, is_lab_recommender
from .states import (
    ACTIVE_LAB_STATES,
    LAB_ROUND_DECISION_ARTICLE,
    LAB_ROUND_LIVE_STATE,
    LAB_ROUND_OPEN_ARTICLE,
    LAB_ROUND_PURPOSES,
    LAB_ROUND_STATES,
    AcceptanceVerdict,
    ChangeStatus,
    EvaluationResult,
    ExtensionStatus,
    LabStatus,
)


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
        construction_end=period_end(today, months=CONSTRUCTION_MONTHS),
        director_name=director.name if director else "", director_position=director.title if director else "",
        committee_chair_name=chair.name if chair else "",
        committee_chair_organisation=chair.organisation_name if chair else "",
    )
    open_construction_clocks(lab)
    open_deadline(lab, ANNUAL_CONSTRUCTION_REPORT.code, period_end(today, years=1), stakeholders(lab))
    return lab


# --- the host's written statement on a proposed termination or removal (Art. 18, 19, 25, 27) ------

STATEMENT_MAX_FILES = 10


def may_make_statement(lab, user):
    proposal = lab.open_proposal
    return proposal is not None and is_lab_host(user, lab) and proposal.accepts_statement()


def make_statement(lab, by, text, files=()):
    """The host answers the proposal in writing, once, within its period, with attachments checked by content.
    Either all of it is kept or nothing (a bad file refuses the whole statement)."""
    if not is_lab_host(by, lab):
        raise PermissionDenied(_("Only the host institution's users answer for the laboratory."))
    inspected = []
    if len(files) > STATEMENT_MAX_FILES:
        raise RuleViolation(_("At most %(n)s files can be attached.") % {"n": STATEMENT_MAX_FILES}, field="files")
    for uploaded in files:
        try:
            inspected.append((uploaded, *inspect_upload(uploaded)))
        except ValidationError as exc:
            messages = exc.message_dict.get("file", exc.messages)
            raise RuleViolation(f"{uploaded.name}: {' '.join(messages)}", field="files") from exc
    with transaction.atomic():
        proposal = lab.proposals.select_for_update().filter(outcome="").order_by("-proposed_at", "-pk").first()
        if proposal is None:
            raise RuleViolation(_("There is no proposed termination or removal to answer."))
        if proposal.statement_at is not None:
            raise RuleViolation(_("The written statement was already made; it cannot be changed."), field="statement")
        if timezone.localdate() > proposal.statement_due:
            raise RuleViolation(_("The period for a written statement ended on %(date)s.")
                                % {"date": format_date(proposal.statement_due)}, field="statement", article=proposal.article)
        if not (text or "").strip():
            raise RuleViolation(_("Write the statement: the facts and reasons the ministries should weigh."),
                                field="statement", article=proposal.article)
        proposal.statement, proposal.statement_by, proposal.statement_at = text.strip(), by, timezone.now()
        proposal.save(update_fields=["statement", "statement_by", "statement_at"])
        for uploaded, content_type, size, sha256 in inspected:
            proposal.attachments.create(file=uploaded, original_name=os.path.basename(uploaded.name)[:255],
                                        content_type=content_type, size=size, sha256=sha256, uploaded_by=by)
        close_deadlines(lab, STATEMENT_WINDOW.code, Deadline.State.MET)
        notify("statement", proposal, actor=by, comment=proposal.statement)
    return proposal


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


# --- acceptance (Art. 18-19) --------------------------------------------------------------------


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
                                               comment=notice.title, internal=True, as_system=by is None, notice=notice),
    live=lambda notice: [a for a in notice.applications.select_related("laboratory")
                         if a.laboratory.status == LabStatus.ACCEPTANCE_PUBLICITY],
    conclude=lambda app, by, sustained, comment: run_transition(
        app.laboratory, "conclude_acceptance_publicity", by, comment=comment, internal=True, sustained=sustained),
    sustained_comment=gettext_lazy("A sustained objection sends the acceptance back to the experts."),
    wording=acceptance_wording,
))


# --- annual reports (Art. 18, 23, 26) -----------------------------------------------------------


class ReportAlreadyFiled(RuleViolation):
    """The report of that year was filed already (a second click, another window): `report` is the one on file."""

    def __init__(self, report):
        super().__init__(_("“%(report)s” was already filed on %(date)s; it is filed once.")
                         % {"report": report, "date": format_date(report.submitted_at)}, field="period")
        self.report = report


def report_period(lab, kind, deadline):
    """The year number of the report filed against `deadline` (without a phase start: the count so far + 1)."""
    return report_year(lab, kind, deadline.due_date) or AnnualReport.objects.filter(laboratory=lab, kind=kind).count() + 1


def submit_annual_report(lab, by, kind, data, outputs=(), period=None):
    """File the report that is due, once: only for a year that has begun (`deadlines.report_due`), and each year of
    each kind once (`one_report_per_year`). The lab's row is locked, so two submissions at once file one report;
    `period`, the year the form was showing, makes a repeated submission a `ReportAlreadyFiled` rather than the
    next year's report. Every output must credit the lab's name (Art. 23)."""
    if not is_lab_host(by, lab):
        raise PermissionDenied(_("Only the host institution's users file the lab's reports."))
    with transaction.atomic():
        lab = Laboratory.objects.select_for_update().get(pk=lab.pk)
        if period is not None:
            filed = AnnualReport.objects.filter(laboratory=lab, kind=kind, period=period).first()
            if filed is not None:
                raise ReportAlreadyFiled(filed)
        due = report_due(lab, kind)
        if due is None:
            upcoming = next_report(lab, kind)
            if upcoming is not None:
                raise RuleViolation(
                    _("The report for year %(n)s covers a year that has not begun: it can be filed from %(date)s, and "
                      "is due by %(due)s.") % {"n": report_period(lab, kind, upcoming),
                                               "date": format_date(report_opens_on(lab, kind, upcoming)),
                                               "due": format_date(upcoming.due_date)},
                    field="kind", article=upcoming.article)
            raise RuleViolation(_("No report of this kind is due now."), field="kind")
        current = report_period(lab, kind, due)
        if period is not None and period != current:
            raise RuleViolation(_("The report that can be filed now is the one for year %(n)s.") % {"n": current},
                                field="period", article=due.article)
        if not (data.get("summary") or "").strip():
            raise RuleViolation(_("Describe the year's progress."), field="summary")
        report = AnnualReport.objects.create(
            laboratory=lab, kind=kind, period=current, due_on=due.due_date, submitted_by=by,
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


def open_lab_round(title, committee, criteria_set, labs, by, scoring_due=None):
    """An expert round scoring labs for acceptance (Art. 19) or comprehensive evaluation (Art. 26)."""
    labs = list(dict.fromkeys(labs))
    check_round_can_open(committee, criteria_set, by, labs)
    if criteria_set.purpose not in LAB_ROUND_PURPOSES:
        raise RuleViolation(_("Choose a criteria set made for acceptance or evaluation."), field="criteria_set")
    article = LAB_ROUND_OPEN_ARTICLE[criteria_set.purpose]
    if criteria_set.purpose == CriteriaSet.Purpose.EVALUATION:
        covered = set(criteria_set.criteria.values_list("dimension", flat=True))
        missing = [label for value, label in EvaluationDimension.choices if value not in covered]
        if missing:
            raise RuleViolation(_("A comprehensive evaluation scores each of the four dimensions of Art. 26; “%(set)s” has "
                                  "no criterion for: %(missing)s.") % {"set": criteria_set, "missing": format_list(missing)},
                                field="criteria_set", article="Art. 26")
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
        review_round.schedule_scoring(scoring_due or default_scoring_due())
        review_round.save(update_fields=["scoring_due"])
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
        for lab in labs:  # its recommenders may now give their opinion (Art. 10(3))
            notify("in_round", lab, actor=by)
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
    for entry in entries:
        lab = entry.application.laboratory
        outcome, opinion = decisions[str(entry.application_id)]
        if outcome not in choices:
            raise RuleViolation(_("Unknown decision."), field="decisions")
        if not (opinion or "").strip():
            raise RuleViolation(_("Give the experts' opinion for “%(lab)s”.") % {"lab": lab}, field="decisions")
        if acceptance:
            run_transition(lab, "record_acceptance_verdict", by, comment=opinion, internal=True, verdict=outcome)
        else:
            run_transition(lab, "record_evaluation_result", by, comment=opinion, internal=True, result=outcome)
        entry.outcome = RoundEntry.Outcome.ADVANCED if outcome in ("pass", "excellent", "qualified") else RoundEntry.Outcome.REJECTED
        entry.reason = opinion
        entry.save(update_fields=["outcome", "reason"])


def labs_under_review(purpose):
    """The entries of a lab round whose laboratory still awaits its verdict or result."""
    return lambda review_round: review_round.entries.filter(application__laboratory__status=LAB_ROUND_LIVE_STATE[purpose])


register_round_purpose(CriteriaSet.Purpose.ACCEPTANCE, RoundPurpose(
    conclude=conclude_lab_round, decisions=tuple(AcceptanceVerdict.choices),
    live=labs_under_review(CriteriaSet.Purpose.ACCEPTANCE)))
register_round_purpose(CriteriaSet.Purpose.EVALUATION, RoundPurpose(
    conclude=conclude_lab_round, decisions=tuple(EvaluationResult.choices),
    live=labs_under_review(CriteriaSet.Purpose.EVALUATION)))


# --- the recommenders' opinions on acceptance and evaluation (Art. 10(3)) --------------------------

OPINION_MAX_LENGTH = 5000


def open_lab_entry(lab):
    """The lab's entry in the acceptance or evaluation round being scored now, or None (one at a time, Art. 19, 26)."""
    return (RoundEntry.objects.filter(application_id=lab.application_id, round__status=RoundStatus.OPEN,
                                      round__criteria_set__purpose__in=LAB_ROUND_PURPOSES)
            .select_related("round__criteria_set").order_by("-round__opened_at", "-pk").first())


def may_give_opinion(lab, user, entry=None):
    """Whether to offer the opinion form: a recommender that recommended the lab, while the lab is in an open
    acceptance or evaluation round (`entry`, when the caller has it). The rest is checked when it is given."""
    entry = entry if entry is not None else open_lab_entry(lab)
    return (entry is not None and entry.round.status == RoundStatus.OPEN
            and entry.round.criteria_set.purpose in LAB_ROUND_PURPOSES and is_lab_recommender(user, lab))


def give_recommender_opinion(lab, by, text, review_round=None):
    """A recommending organisation's opinion on the lab's entry in an acceptance or evaluation round (Art. 10(3)):
    only an organisation that recommended the lab, only while the round is open, one per organisation per entry
    (giving it again changes it; the round's conclusion freezes it). `review_round` defaults to the round the lab
    is being scored in now. The ministries are told."""
    if not is_lab_recommender(by, lab):
        raise PermissionDenied(_("Only a recommending organisation that recommended this laboratory gives an opinion "
                                 "on it (Art. 10)."))
    text = (text or "").strip()
    with transaction.atomic():
        if review_round is None:
            entry = open_lab_entry(lab)
            if entry is None:
                raise RuleViolation(_("The laboratory is in no acceptance or evaluation round being scored; an opinion "
                                      "is given while such a round is open (Art. 10)."), field="round", article="Art. 10")
            review_round = entry.round
        locked = ReviewRound.objects.select_for_update().select_related("criteria_set").get(pk=review_round.pk)
        if locked.criteria_set.purpose not in LAB_ROUND_PURPOSES:
            raise RuleViolation(_("Recommenders give their opinion in acceptance and comprehensive evaluation rounds "
                                  "(Art. 10)."), field="round", article="Art. 10")
        entry = locked.entries.filter(application_id=lab.application_id).first()
        if entry is None:
            raise RuleViolation(_("The laboratory is not in the round “%(round)s”.") % {"round": locked.title},
                                field="round", article="Art. 10")
        if locked.status != RoundStatus.OPEN:
            concluded_on = timezone.localtime(locked.concluded_at).date()
            raise RuleViolation(_("The round “%(round)s” was concluded on %(date)s; opinions on it can no longer be given "
                                  "or changed (Art. 10).") % {"round": locked.title, "date": format_date(concluded_on)},
                                field="text", article="Art. 10")
        if not text:
            raise RuleViolation(_("Write your organisation's opinion on the laboratory (Art. 10)."),
                                field="text", article="Art. 10")
        if len(text) > OPINION_MAX_LENGTH:
            raise RuleViolation(_("The opinion is at most %(max)s characters; this one has %(n)s (Art. 10).")
                                % {"max": OPINION_MAX_LENGTH, "n": len(text)}, field="text", article="Art. 10")
        opinion = RecommenderOpinion.objects.select_for_update().filter(entry=entry, recommender_id=by.organisation_id).first()
        if opinion is None:
            opinion = RecommenderOpinion.objects.create(entry=entry, laboratory=lab, recommender_id=by.organisation_id,
                                                        author=by, text=text)
            notify("given", opinion, actor=by, comment=text)
        elif opinion.text != text:
            opinion.text, opinion.author = text, by
            opinion.save(update_fields=["text", "author", "updated_at"])
            notify("revised", opinion, actor=by, comment=text)
    return opinion


def lab_round_entries(lab, user):
    """The lab's acceptance and evaluation rounds, newest first, for its page (Art. 10(3), 19, 26): each entry with
    its round, the opinions `user` may read (`opinions`), `user`'s own organisation's (`own_opinion`) and whether
    `user` may give or change one now (`may_give_opinion`). At most three queries."""
    entries = list(RoundEntry.objects.filter(application_id=lab.application_id,
                                             round__criteria_set__purpose__in=LAB_ROUND_PURPOSES)
                   .select_related("round__criteria_set").order_by("-round__opened_at", "-pk"))
    readable = RecommenderOpinion.objects.visible_to(user).filter(entry__in=entries).select_related("recommender", "author")
    by_entry = {}
    for opinion in readable:
        by_entry.setdefault(opinion.entry_id, []).append(opinion)
    recommender = is_lab_recommender(user, lab) if entries else False
    for entry in entries:
        entry.opinions = by_entry.get(entry.pk, [])
        entry.own_opinion = next((o for o in entry.opinions if o.recommender_id == user.organisation_id), None) \
            if recommender else None
        entry.may_give_opinion = recommender and entry.round.status == RoundStatus.OPEN
    return entries


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


def upcoming_reports(lab):
    """The open report clocks whose year has not begun yet, each with `period` and `opens_on` (when it may be
    filed), for the page that says why no report is due now."""
    upcoming = []
    for kind in AnnualReport.Kind.values:
        deadline = next_report(lab, kind)
        if deadline is not None and report_due(lab, kind) is None:
            deadline.period, deadline.opens_on = report_period(lab, kind, deadline), report_opens_on(lab, kind, deadline)
            upcoming.append(deadline)
    return upcoming


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
    if not is_lab_host(user, Laboratory(host_id=user.organisation_id)):
        return []
    hosted = Laboratory.objects.filter(host_id=user.organisation_id)
    deadlines = list(Deadline.objects.open()
                     .filter(content_type=ContentType.objects.get_for_model(Laboratory),
                             object_id__in=hosted.values("pk"),
                             kind__in=[ANNUAL_CONSTRUCTION_REPORT.code, ANNUAL_OPERATION_REPORT.code])
                     .order_by("due_date", "pk")[:limit])
    labs = hosted.in_bulk({deadline.object_id for deadline in deadlines})
    today = timezone.localdate()  # a report whose year has not begun is not due yet (`report_due`)
    return [(labs[deadline.object_id], deadline) for deadline in deadlines
            if report_opens_on(labs[deadline.object_id], REPORT_KINDS[deadline.kind], deadline) <= today]


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
