"""Who hears of a laboratory's life (Art. 14-31), in one table registered with the notification engine
(`kernel.notifications`): the laboratory's transitions, extension requests, annual reports and change
reports."""

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.recipients import applicants_of, ministry_staff, staff_yet_to_sign, users_in
from applications.models import PreliminaryReview
from kernel.citations import cite
from kernel.formatting import format_date
from kernel.notifications import Rule, open_due_date, register

from .deadlines import (
    ACCEPTANCE_RECTIFICATION,
    CONSTRUCTION_PERIOD,
    EVALUATION_DUE,
    EVALUATION_RECTIFICATION,
    EXTENSION_CUTOFF,
)
from .models import (
    CONFIRM_ACCEPTANCE,
    DELIST,
    TERMINATE,
    AdverseProposal,
    AnnualReport,
    ChangeKind,
    ChangeReport,
    ExtensionRequest,
    Laboratory,
    LabStatus,
    ProposalOutcome,
    RecommenderOpinion,
)
from .services import open_lab_entry


def _lab(event):
    """The laboratory an event is about (the event's object, or the lab of a request or report)."""
    return event.obj if isinstance(event.obj, Laboratory) else event.obj.laboratory


# --- who ---------------------------------------------------------------------------------------


def host_applicants(event):
    return applicants_of(_lab(event).host_id)


def ministries(event):
    return ministry_staff()


def recommenders(event):
    """The recommenders that recommended the lab's application (Art. 10): they hear of its acceptance and evaluation
    rounds and how the laboratory ends."""
    return users_in(Role.RECOMMENDER, organisation__preliminary_reviews__application_id=_lab(event).application_id,
                    organisation__preliminary_reviews__decision=PreliminaryReview.Decision.RECOMMENDED).distinct()


def yet_to_confirm(event):
    return staff_yet_to_sign(event.obj, CONFIRM_ACCEPTANCE)


def yet_to_delist(event):
    return staff_yet_to_sign(event.obj, DELIST)


def yet_to_terminate(event):
    return staff_yet_to_sign(event.obj, TERMINATE)


# --- what --------------------------------------------------------------------------------------


def lab_round(event):
    """The acceptance or evaluation round the lab was just put in (Art. 19, 26)."""
    entry = open_lab_entry(event.obj)
    return {"round": entry.round.title if entry else "",
            "purpose": entry.round.criteria_set.get_purpose_display() if entry else ""}


def opinion_page(event):
    entry = open_lab_entry(event.obj)
    return reverse("labs:opinion", args=[event.obj.pk, entry.round_id]) if entry else event.obj.get_absolute_url()


def opinion(event):
    """A recommender's opinion: on which lab, by whom, in which round (Art. 10(3))."""
    given = event.obj
    return {"name": str(given.laboratory), "recommender": str(given.recommender), "round": given.entry.round.title}


def round_of_opinion(event):
    return event.obj.entry.get_absolute_url()


def named(event):
    """Requests and reports are named by their laboratory."""
    lab = _lab(event)
    return {"name": str(lab), "host": str(lab.host)}


def due(kind):
    def facts(event):
        return {"due": format_date(open_due_date(_lab(event), kind.code))}
    return facts


def acceptance_notice(event):
    notice = (event.obj.application.publicity_notices.filter(subject="acceptance").exclude(status="cancelled")
              .order_by("-opened_at", "-pk").first())
    return {"notice": notice.title, "start": format_date(notice.starts_on), "end": format_date(notice.ends_on)}


def _proposal_facts(proposal):
    return {"proposal": proposal.get_kind_display() if proposal else "", "article": cite(proposal.article) if proposal else "",
            "grounds": proposal.get_grounds_display() if proposal else "", "due": format_date(proposal.statement_due) if proposal else ""}


def proposal(event):
    """The proposal just opened (Art. 18, 19, 25, 27): what, why, and until when the host may answer."""
    return _proposal_facts(event.obj.proposals.order_by("-proposed_at", "-pk").first())


def decided(event):
    return _proposal_facts(event.obj.proposals.filter(outcome=ProposalOutcome.DECIDED).order_by("-closed_at", "-pk").first())


def withdrawn(event):
    latest = event.obj.proposals.filter(outcome=ProposalOutcome.WITHDRAWN).order_by("-closed_at", "-pk").first()
    return {**_proposal_facts(latest), "status": event.obj.get_status_display()}


def operation(event):
    return {"start": format_date(event.obj.operation_started_on),
            "evaluation": format_date(open_due_date(event.obj, EVALUATION_DUE.code))}


def evaluation(event):
    return {"result": event.obj.get_latest_result_display(), "next": format_date(open_due_date(event.obj, EVALUATION_DUE.code))}


def construction_end(event):
    return {"end": format_date(event.obj.construction_end)}


def extension_asked(event):
    request = event.obj
    until = request.laboratory.construction_end + relativedelta(months=request.months)
    return {**named(event), "months": request.months, "until": format_date(until)}


def extension_granted(event):
    return {**named(event), "months": event.obj.months,
            "end": format_date(open_due_date(event.obj.laboratory, CONSTRUCTION_PERIOD.code))}


def extension_refused(event):
    lab = event.obj.laboratory
    cutoff = open_due_date(lab, EXTENSION_CUTOFF.code)
    again = "\n" + gettext("You may ask again until %(date)s.") % {"date": format_date(cutoff)} if cutoff else ""
    return {**named(event), "end": format_date(open_due_date(lab, CONSTRUCTION_PERIOD.code)), "again": again}


def change(event):
    report = event.obj
    renamed = ("\n" + gettext("The laboratory is now named %(new)s (Art. 31).") % {"new": report.new_name_zh}
               if report.kind == ChangeKind.RENAME else "")
    return {**named(event), "kind": report.get_kind_display(), "renamed": renamed}


def annual_report(event):
    return {**named(event), "period": event.obj.period}


def lab_page(event):
    return _lab(event).get_absolute_url()


def confirmed(event):
    return event.obj.acceptance_confirmed


def construction_report(event):
    return event.obj.kind == AnnualReport.Kind.CONSTRUCTION


def operation_report(event):
    return event.obj.kind == AnnualReport.Kind.OPERATION


NOTIFICATION_RULES = {
    Laboratory: {
        "apply_for_acceptance": (
            Rule(to=(ministries,), subject=_("Acceptance applied for: %(name)s"), facts=named,
                 body=_("%(host)s applied for acceptance of the laboratory with its construction report (Art. 18, 19); "
                        "an acceptance expert round decides.")),
            Rule(to=(host_applicants,), actor_too=True, subject=_("%(name)s: acceptance applied for"),
                 body=_("The application for acceptance and the construction report were filed with SAMR and MIIT "
                        "(Art. 18, 19).")),
        ),
        "record_acceptance_verdict": (
            Rule(to=(host_applicants,), targets=(LabStatus.ACCEPTANCE_CONFIRMATION,), subject=_("%(name)s: passed acceptance"),
                 body=_("The acceptance experts passed the laboratory (Art. 19); SAMR and MIIT now confirm the acceptance, "
                        "then publish it.")),
            Rule(to=(ministries,), targets=(LabStatus.ACCEPTANCE_CONFIRMATION,), subject=_("Confirm the acceptance: %(name)s"),
                 body=_("The acceptance experts passed the laboratory; each ministry confirms the acceptance (Art. 19).")),
            Rule(to=(host_applicants,), targets=(LabStatus.RECTIFYING,),
                 subject=_("%(name)s: rectify after the acceptance review"), facts=due(ACCEPTANCE_RECTIFICATION),
                 body=_("The acceptance experts asked for rectification (Art. 19). Rectify within 6 months and apply for "
                        "acceptance again by %(due)s; a second result short of a pass terminates the construction.")),
            Rule(to=(host_applicants, ministries), targets=(LabStatus.TERMINATION_PROPOSED,),
                 subject=_("%(name)s: termination proposed"), facts=proposal,
                 body=_("The laboratory did not pass acceptance (Art. 19); the termination of its construction is "
                        "proposed. The host institution may answer in writing by %(due)s; SAMR and MIIT then decide "
                        "together.")),
        ),
        "confirm_acceptance": (
            Rule(to=(yet_to_confirm,), when=lambda event: not confirmed(event),
                 subject=_("Confirm the acceptance: %(name)s"),
                 body=_("%(actor_org)s confirmed the acceptance; your ministry's confirmation is awaited (Art. 19).")),
            Rule(to=(host_applicants,), when=confirmed, subject=_("%(name)s: acceptance confirmed"),
                 body=_("SAMR and MIIT confirmed the acceptance (Art. 19); it is published for objections before the "
                        "laboratory starts formal operation.")),
            Rule(to=(ministries,), when=confirmed, subject=_("Publish the acceptance: %(name)s"),
                 body=_("Both ministries confirmed the acceptance; open the acceptance publicity (Art. 19).")),
        ),
        "refuse_acceptance": Rule(
            to=(host_applicants, ministries), subject=_("%(name)s: acceptance not confirmed"),
            body=_("%(actor_org)s did not confirm the acceptance and sent the verdict back to the expert committee for "
                   "reconsideration in a new acceptance round (Art. 19).")),
        "put_under_acceptance_publicity": Rule(
            to=(host_applicants,), subject=_("%(name)s: acceptance under publicity"), facts=acceptance_notice,
            show_comment=False,
            body=_("The acceptance is published in the notice “%(notice)s” from %(start)s to %(end)s; anyone may object "
                   "under their real name until then (Art. 19).")),
        "conclude_acceptance_publicity": (
            Rule(to=(host_applicants, recommenders), targets=(LabStatus.OPERATING,),
                 subject=_("%(name)s: in formal operation"), facts=operation, show_comment=False,
                 body=_("The acceptance publicity closed without a sustained objection; the laboratory is in formal "
                        "operation from %(start)s (Art. 19). An annual operation report is due every year, and the "
                        "comprehensive evaluation every 3 years, the first by %(evaluation)s (Art. 26).")),
            Rule(to=(host_applicants,), targets=(LabStatus.ACCEPTANCE_REVIEW,),
                 subject=_("%(name)s: acceptance reviewed again"), show_comment=False,
                 body=_("An objection to the acceptance was sustained; the experts review the acceptance again, and both "
                        "ministries confirm it anew (Art. 19).")),
        ),
        "in_round": Rule(
            to=(recommenders,), subject=_("%(name)s: in the round “%(round)s”; your opinion is welcome"), facts=lab_round,
            link=opinion_page, show_comment=False,
            body=_("The laboratory your organisation recommended is in an expert round (%(purpose)s). As its "
                   "recommender you may give SAMR and MIIT your opinion on it while the round is open (Art. 10).")),
        "start_evaluation": Rule(
            to=(host_applicants,), subject=_("%(name)s: comprehensive evaluation begins"),
            body=_("Experts of the expert committee evaluate the laboratory (Art. 26); its annual reports and "
                   "achievements are reviewed.")),
        "record_evaluation_result": (
            Rule(to=(host_applicants,), targets=(LabStatus.OPERATING,), subject=_("%(name)s: evaluated “%(result)s”"),
                 facts=evaluation,
                 body=_("The comprehensive evaluation rated the laboratory “%(result)s” (Art. 26, 27). The next "
                        "evaluation is due by %(next)s.")),
            Rule(to=(recommenders, ministries), targets=(LabStatus.EVALUATION_RECTIFYING,),
                 subject=_("%(name)s: rated unqualified in its comprehensive evaluation"), facts=due(EVALUATION_RECTIFICATION),
                 body=_("The comprehensive evaluation rated the laboratory unqualified (Art. 27); it rectifies within 6 "
                        "months, by %(due)s, and is then evaluated again.")),
            Rule(to=(host_applicants,), targets=(LabStatus.EVALUATION_RECTIFYING,),
                 subject=_("%(name)s: unqualified, rectify by %(due)s"), facts=due(EVALUATION_RECTIFICATION),
                 body=_("The comprehensive evaluation rated the laboratory unqualified (Art. 27). Rectify within 6 months, "
                        "by %(due)s; a re-evaluation follows, and a second unqualified result removes the laboratory "
                        "from the list.")),
            Rule(to=(host_applicants, ministries), targets=(LabStatus.DELISTING_PROPOSED,),
                 subject=_("%(name)s: removal from the list proposed"), facts=proposal,
                 body=_("The laboratory was rated unqualified again after rectification (Art. 27); its removal from the "
                        "list is proposed. The host institution may answer in writing by %(due)s; SAMR and MIIT then "
                        "decide together.")),
        ),
        **{name: Rule(
            to=(host_applicants, ministries), subject=_("%(name)s: %(proposal)s proposed"), facts=proposal,
            body=_("%(actor_org)s proposes: %(proposal)s (%(article)s), because: %(grounds)s. The host institution may "
                   "answer in writing, with attachments, by %(due)s; SAMR and MIIT then decide together, and either may "
                   "withdraw the proposal.")) for name in ("propose_termination", "propose_termination_unrectified",
                                                          "propose_delisting")},
        "sign_termination": (
            Rule(to=(yet_to_terminate,), targets=(LabStatus.TERMINATION_PROPOSED,),
                 subject=_("Sign or withdraw the termination: %(name)s"),
                 body=_("%(actor_org)s signed the termination of the construction; your ministry signs it or withdraws "
                        "the proposal (Art. 18, 19).")),
            Rule(to=(host_applicants, recommenders, ministries), targets=(LabStatus.TERMINATED,),
                 subject=_("%(name)s: construction terminated"), facts=decided,
                 body=_("SAMR and MIIT terminated the construction of the laboratory (%(article)s): %(grounds)s.")),
        ),
        "sign_delisting": (
            Rule(to=(yet_to_delist,), targets=(LabStatus.DELISTING_PROPOSED,),
                 subject=_("Sign or withdraw the removal from the list: %(name)s"),
                 body=_("%(actor_org)s signed the removal of the laboratory from the list; your ministry signs it or "
                        "withdraws the proposal (Art. 25, 27).")),
            Rule(to=(host_applicants, recommenders, ministries), targets=(LabStatus.DELISTED,),
                 subject=_("%(name)s: removed from the list"), facts=decided,
                 body=_("SAMR and MIIT removed the laboratory from the list of State Quality & Standards Laboratories "
                        "(%(article)s): %(grounds)s.")),
        ),
        "withdraw_proposal": Rule(
            to=(host_applicants, ministries), subject=_("%(name)s: proposal withdrawn"), facts=withdrawn,
            body=_("%(actor_org)s withdrew the proposal (%(proposal)s); the laboratory is again “%(status)s”.")),
    },
    RecommenderOpinion: {
        "given": Rule(
            to=(ministries,), subject=_("Recommender's opinion on %(name)s"), facts=opinion, link=round_of_opinion,
            body=_("%(recommender)s gave its opinion on the laboratory in the round “%(round)s” (Art. 10); it is shown "
                   "beside the laboratory on the round page.")),
        "revised": Rule(
            to=(ministries,), subject=_("Recommender's opinion changed: %(name)s"), facts=opinion, link=round_of_opinion,
            body=_("%(recommender)s changed its opinion on the laboratory in the round “%(round)s” (Art. 10).")),
    },
    AdverseProposal: {
        "statement": Rule(
            to=(ministries,), subject=_("Written statement received: %(name)s"), facts=named, link=lab_page,
            body=_("%(host)s answered the proposed termination or removal in writing; read it beside the proposal, "
                   "then sign or withdraw.")),
    },
    ExtensionRequest: {
        "filed": Rule(
            to=(ministries,), subject=_("Extension requested: %(name)s"), facts=extension_asked,
            body=_("%(host)s asks to extend the construction by %(months)s months, to %(until)s (Art. 18).")),
        "grant": Rule(
            to=(host_applicants, ministries), subject=_("%(name)s: extension granted"), facts=extension_granted,
            body=_("SAMR and MIIT granted an extension of %(months)s months (Art. 18): the construction now ends on "
                   "%(end)s. No further extension is possible.")),
        "refuse": Rule(
            to=(host_applicants,), subject=_("%(name)s: extension refused"), facts=extension_refused,
            body=_("SAMR and MIIT refused the extension (Art. 18); the construction still ends on %(end)s.%(again)s")),
    },
    ChangeReport: {
        "filed": Rule(
            to=(ministries,), subject=_("Change reported: %(name)s"), facts=change,
            body=_("%(host)s reported a change of the laboratory (%(kind)s) for your decision (Art. 24).")),
        "accept": Rule(
            to=(host_applicants,), subject=_("%(name)s: change accepted"), facts=change,
            body=_("SAMR and MIIT accepted the reported change (%(kind)s) (Art. 24).%(renamed)s")),
        "order_re_review": Rule(
            to=(host_applicants,), subject=_("%(name)s: re-review ordered"), facts=change,
            body=_("SAMR and MIIT applied the reported change (%(kind)s) and ordered a re-review: the laboratory "
                   "undergoes a comprehensive evaluation (Art. 24, 26).%(renamed)s")),
    },
    AnnualReport: {
        "filed": (
            Rule(to=(ministries,), when=construction_report, subject=_("Annual construction report filed: %(name)s"),
                 facts=annual_report, link=lab_page,
                 body=_("%(host)s filed the annual construction report for year %(period)s (Art. 18).")),
            Rule(to=(host_applicants,), when=construction_report,
                 subject=_("Acknowledge the annual construction report: %(name)s"), facts=annual_report, link=lab_page,
                 body=_("The annual construction report for year %(period)s was filed; it is copied to the host "
                        "institution, whose users acknowledge it (Art. 18).")),
            Rule(to=(ministries,), when=operation_report, subject=_("Annual operation report filed: %(name)s"),
                 facts=annual_report, link=lab_page,
                 body=_("%(host)s filed the annual operation report for year %(period)s (Art. 26).")),
        ),
    },
}

register(NOTIFICATION_RULES)
