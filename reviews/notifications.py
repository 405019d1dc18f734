"""Who hears of the ministry stage (Art. 7-9, 13), in one table registered with the notification engine
(`kernel.notifications`): the application's steps from the formal review to the approval, the expert
committee, rounds and assignments, publicity notices and objections."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.recipients import applicants_of, ministry_staff, staff_yet_to_sign, users_in
from applications.deadlines import SUPPLEMENT_FIX
from applications.models import APPROVAL_DECISION, Application, Status
from applications.notifications import host_applicants, recommenders
from kernel.formatting import format_date
from kernel.notifications import Rule, Silent, open_due_date, register

from .deadlines import experts_yet_to_submit as yet_to_submit
from .models import (
    Assignment,
    AssignmentStatus,
    ExpertCommittee,
    FormalReview,
    FormalReviewItem,
    NoticeStatus,
    Objection,
    PublicityNotice,
    ReviewRound,
    RoundStatus,
)
from .states import OPEN_ASSIGNMENT_STATES

# --- who ---------------------------------------------------------------------------------------


def ministries(event):
    return ministry_staff()


def experts_still_reviewing(event):
    """Experts with an open assignment on the application in a round still scoring."""
    return users_in(Role.EXPERT, assignments__application=event.obj, assignments__status__in=OPEN_ASSIGNMENT_STATES,
                    assignments__round__status=RoundStatus.OPEN).distinct()


def yet_to_approve(event):
    return staff_yet_to_sign(event.obj, APPROVAL_DECISION)


def committee_members(event):
    return users_in(Role.EXPERT, committee_memberships__committee=event.obj)


def incoming_member(event):
    latest = event.obj.replacements.order_by("-at", "-pk").select_related("incoming").first()
    return [latest.incoming] if latest else []


def outgoing_member(event):
    latest = event.obj.replacements.order_by("-at", "-pk").select_related("outgoing").first()
    return [latest.outgoing] if latest and latest.outgoing.is_active else []


def experts_yet_to_submit(event):
    return yet_to_submit(event.obj)


def experts_who_scored(event):
    return users_in(Role.EXPERT, assignments__round=event.obj, assignments__status=AssignmentStatus.SUBMITTED).distinct()


def the_expert(event):
    return [event.obj.expert]


def objector(event):
    """The objector, by e-mail when the contact they left is an e-mail address (they have no account)."""
    contact = event.obj.contact.strip()
    try:
        validate_email(contact)
    except ValidationError:
        return ()
    return (contact,)


def objected_host(event):
    return applicants_of(event.obj.application.host_id)


# --- what --------------------------------------------------------------------------------------


def supplement(event):
    """The deadline (working days, Art. 13) and the checks the formal review did not confirm."""
    review = FormalReview.objects.filter(application=event.obj).order_by("-at", "-pk").first()
    unchecked = [key for key, ok in (review.checks if review else {}).items() if not ok]
    items = list(FormalReviewItem.objects.filter(pk__in=unchecked).values_list("text", flat=True))
    checks = "\n" + gettext("Checks not confirmed: %(items)s") % {"items": "；".join(items)} if items else ""
    return {"due": format_date(open_due_date(event.obj, SUPPLEMENT_FIX.code)),
            "days": settings.SUPPLEMENT_FIX_WORKING_DAYS, "checks": checks}


def resubmission(event):
    return {"host": str(event.obj.host), "revision": event.obj.revision_count}


def inspection(event):
    latest = event.obj.site_inspections.order_by("-recorded_at", "-pk").first()
    return {"visited": format_date(latest.visited_on if latest else None)}


def publicity(event):
    notice = event.obj.publicity_notices.exclude(status=NoticeStatus.CANCELLED).order_by("-opened_at", "-pk").first()
    return {"notice": notice.title, "start": format_date(notice.starts_on), "end": format_date(notice.ends_on)}


def stage(event):
    return {"stage": Status(event.source).label if event.source in Status.values else event.source}


def construction(event):
    return {"end": format_date(event.obj.laboratory.construction_end)}


def the_lab(event):
    return event.obj.laboratory.get_absolute_url()


def term(event):
    return {"start": format_date(event.obj.term_start), "end": format_date(event.obj.term_end)}


def scoring(event):
    return {"due": format_date(event.obj.scoring_due)}


def assignment(event):
    return {"application": str(event.obj.application), "round": str(event.obj.round), "expert": str(event.obj.expert)}


def objection(event):
    obj = event.obj
    return {"application": str(obj.application), "notice": obj.notice.title, "lodged": format_date(obj.lodged_at.date()),
            "number": obj.receipt_number, "grounds": obj.grounds[:500]}


def expert_pages(event):
    return reverse("experts:assignments")


def round_page(event):
    return event.obj.round.get_absolute_url()


def notice_for_staff(event):
    return event.obj.notice.get_staff_url() + f"#objection-{event.obj.pk}"


def notice_hosts(event):
    """The host institutions' users of every application (or laboratory) listed in the notice."""
    return users_in(Role.APPLICANT, organisation_id__in=event.obj.applications.values("host_id"))


def notice_dates(event):
    notice = event.obj
    return {"notice": notice.title, "start": format_date(notice.starts_on), "end": format_date(notice.ends_on)}


def hosts_list(event):
    """Where a host finds what a notice lists: its applications, or its laboratories for an acceptance notice."""
    return reverse("labs:list" if event.obj.subject == PublicityNotice.Subject.ACCEPTANCE else "applications:list")


def notice_page(event):
    return event.obj.notice.get_absolute_url()


def objected_application(event):
    return event.obj.application.get_absolute_url()


def round_complete(event):
    """Every entry of the round has submitted scores and no expert has any left to submit (the messages are
    written before this assignment is saved)."""
    assignment = event.obj
    others = assignment.round.assignments.exclude(pk=assignment.pk)
    if others.filter(status__in=OPEN_ASSIGNMENT_STATES).exists():
        return False
    scored = {*others.filter(status=AssignmentStatus.SUBMITTED).values_list("application_id", flat=True),
              assignment.application_id}
    return not assignment.round.entries.exclude(application_id__in=scored).exists()


NOTIFICATION_RULES = {
    Application: {
        "pass_formal_review": Rule(
            to=(host_applicants,), subject=_("%(name)s: formal review passed"),
            body=_("SAMR and MIIT found the dossier complete (Art. 13); it goes on to the expert review.")),
        "request_supplement": Rule(
            to=(host_applicants,), subject=_("%(name)s: supplement requested by the formal review"),
            body=_("The formal review asks you to supplement the dossier and resubmit it by %(due)s (%(days)s working "
                   "days, Art. 13).%(checks)s"),
            facts=supplement),
        "resubmit_supplement": (
            Rule(to=(ministries, recommenders), subject=_("Dossier resubmitted for formal review: %(name)s"),
                 body=_("%(host)s supplemented the dossier (submission %(revision)s); it awaits the formal review again "
                        "(Art. 13). The link shows what changed since the last submission."),
                 facts=resubmission, link=lambda event: reverse("applications:revisions", args=[event.obj.pk])),
            Rule(to=(host_applicants,), actor_too=True, subject=_("Resubmitted: %(name)s"),
                 body=_("The supplemented dossier was resubmitted to SAMR and MIIT for the formal review (Art. 13).")),
        ),
        "reject_unsupplemented": Rule(
            to=(host_applicants, recommenders), subject=_("%(name)s: rejected at the formal review"),
            body=_("The dossier was not supplemented within its window; SAMR and MIIT rejected the application at the "
                   "formal review (Art. 13).")),
        "reject_formally": Rule(
            to=(host_applicants, recommenders), subject=_("%(name)s: rejected at the formal review"),
            body=_("SAMR and MIIT rejected the application at the formal review (Art. 13).")),
        "start_expert_review": Rule(
            to=(host_applicants,), subject=_("%(name)s: expert review begins"), show_comment=False,
            body=_("Experts of the expert committee review the application in the round “%(comment)s” (Art. 9, 13).")),
        "advance_to_site_inspection": Rule(
            to=(host_applicants,), subject=_("%(name)s: selected for a site inspection"),
            body=_("The expert review concluded; the application goes on to a site inspection (Art. 13).")),
        "record_inspection": (
            Rule(to=(host_applicants,), targets=(Status.INSPECTED,), subject=_("%(name)s: site inspection recorded"),
                 body=_("The site inspection of %(visited)s confirmed the conditions (Art. 13); the application goes "
                        "under publicity next."),
                 facts=inspection, show_comment=False),
            Rule(to=(host_applicants, recommenders), targets=(Status.REJECTED,),
                 subject=_("%(name)s: rejected after the site inspection"),
                 body=_("The site inspection of %(visited)s did not confirm the conditions; the application is rejected "
                        "(Art. 13)."),
                 facts=inspection),
        ),
        "put_under_publicity": Rule(
            to=(host_applicants,), subject=_("%(name)s: under publicity"), facts=publicity, show_comment=False,
            body=_("The application is published in the notice “%(notice)s” from %(start)s to %(end)s; anyone may "
                   "object under their real name until then (Art. 13).")),
        "conclude_publicity": (
            Rule(to=(host_applicants,), targets=(Status.AWAITING_APPROVAL,), subject=_("%(name)s: publicity closed"),
                 body=_("The publicity closed without a sustained objection; the application awaits approval by SAMR and "
                        "MIIT (Art. 7, 13).")),
            Rule(to=(ministries,), targets=(Status.AWAITING_APPROVAL,),
                 subject=_("Sign the approval for construction: %(name)s"),
                 body=_("The publicity closed without a sustained objection; each ministry signs the approval (Art. 7).")),
            Rule(to=(host_applicants, recommenders), targets=(Status.REJECTED,),
                 subject=_("%(name)s: rejected after an objection"), show_comment=False,
                 body=_("An objection lodged during the publicity was sustained; the application is rejected (Art. 13).")),
        ),
        "approve": (
            Rule(to=(yet_to_approve,), targets=(Status.AWAITING_APPROVAL,),
                 subject=_("Sign the approval for construction: %(name)s"),
                 body=_("%(actor_org)s signed the approval; your ministry's sign-off is awaited (Art. 7).")),
            Rule(to=(host_applicants,), targets=(Status.APPROVED,), subject=_("%(name)s: approved for construction"),
                 body=_("SAMR and MIIT approved the construction of the laboratory (Art. 7, 13). Construction runs until "
                        "%(end)s (Art. 18); the laboratory's page shows its deadlines."),
                 facts=construction, link=the_lab),
            Rule(to=(recommenders, ministries), targets=(Status.APPROVED,),
                 subject=_("Approved for construction: %(name)s"),
                 body=_("SAMR and MIIT approved the construction of the laboratory (Art. 7, 13)."),
                 link=the_lab, show_comment=False),
        ),
        "approve_listed": (
            Rule(to=(host_applicants,), subject=_("%(name)s: approved for construction"),
                 body=_("SAMR and MIIT approved the construction list of the call, with this laboratory on it (Art. 7, "
                        "13). Construction runs until %(end)s (Art. 18); the laboratory's page shows its deadlines."),
                 facts=construction, link=the_lab),
            Rule(to=(recommenders,), subject=_("Approved for construction: %(name)s"),
                 body=_("SAMR and MIIT approved the construction list of the call, with this laboratory on it (Art. 7, "
                        "13)."),
                 link=the_lab, show_comment=False),
        ),
        "reject": Rule(
            to=(host_applicants, recommenders, experts_still_reviewing), subject=_("%(name)s: rejected"),
            body=_("SAMR and MIIT rejected the application at the stage “%(stage)s” (Art. 13)."), facts=stage),
        "withdraw": Rule(  # added to the applications app's rule: the experts of an open round
            to=(experts_still_reviewing,), subject=_("Withdrawn: %(name)s"),
            body=_("The host institution withdrew the application; your review assignment on it ends (Art. 13)."),
            link=expert_pages, show_comment=False),
    },
    ExpertCommittee: {
        "activate": Rule(
            to=(committee_members,), subject=_("Appointed to %(name)s"), facts=term, link=expert_pages,
            body=_("The expert committee was activated; its term runs from %(start)s to %(end)s (Art. 9). Your review "
                   "assignments will reach you here.")),
        "expire": Rule(
            to=(committee_members,), subject=_("Term ended: %(name)s"), facts=term, link=expert_pages,
            body=_("The 2-year term of the expert committee ended on %(end)s (Art. 9); it takes no new review work."),
            show_comment=False),
        "replace_member": (
            Rule(to=(incoming_member,), subject=_("Appointed to %(name)s"), facts=term, link=expert_pages,
                 show_comment=False,
                 body=_("You take a seat on the expert committee for the rest of its term, until %(end)s (Art. 9). "
                        "Your review assignments will reach you here.")),
            Rule(to=(outgoing_member,), subject=_("Your seat on %(name)s"), facts=term, show_comment=False,
                 body=_("SAMR and MIIT appointed another expert to your seat on the expert committee (Art. 9); your "
                        "unfinished review assignments were withdrawn. Thank you for your service.")),
        ),
    },
    ReviewRound: {
        "conclude": Rule(
            to=(experts_who_scored,), subject=_("Round concluded: %(name)s"), link=expert_pages, show_comment=False,
            body=_("The expert review round you scored was concluded (Art. 13). Thank you for your review.")),
        "reschedule": Rule(
            to=(experts_yet_to_submit,), subject=_("New scoring deadline: %(name)s"), facts=scoring, link=expert_pages,
            show_comment=False,
            body=_("Your scores in the round “%(name)s” are now due on %(due)s (Art. 13).")),
    },
    Assignment: {
        "assigned": Rule(
            to=(the_expert,), subject=_("New review assignment: %(application)s"), facts=assignment,
            body=_("You are asked to review “%(application)s” in the round “%(round)s”. Declare whether you have a "
                   "conflict of interest before the dossier opens to you (Art. 9).")),
        "declare_no_conflict": Silent("the expert's own step; the round page shows staff each expert's progress"),
        "declare_conflict": Rule(
            to=(ministries,), subject=_("Replace an expert: conflict of interest declared on %(application)s"),
            body=_("%(expert)s declared a conflict of interest (Art. 9): %(comment)s"), facts=assignment,
            link=round_page, show_comment=False),
        "decline": Rule(
            to=(ministries,), subject=_("Replace an expert: %(expert)s declined %(application)s"),
            body=_("%(expert)s declined the review assignment in the round “%(round)s” (Art. 9); the round page "
                   "proposes a replacement. Reason: %(comment)s"), facts=assignment, link=round_page, show_comment=False),
        "submit_scores": Rule(
            to=(ministries,), when=round_complete, subject=_("All scores are in: %(round)s"), facts=assignment,
            body=_("Every expert assigned in the round has submitted scores; the round can be concluded (Art. 13)."),
            link=round_page),
        "close_unsubmitted": Rule(
            to=(the_expert,), subject=_("Round concluded without your scores: %(application)s"), facts=assignment,
            link=expert_pages,
            body=_("The round “%(round)s” was concluded before your scores were submitted (Art. 13); your assignment "
                   "is closed and your draft is not counted.")),
        "withdraw": Rule(
            to=(the_expert,), subject=_("Assignment withdrawn: %(application)s"), facts=assignment,
            body=_("SAMR and MIIT withdrew your review assignment in the round “%(round)s” (Art. 9); any scores you "
                   "saved were deleted.")),
    },
    PublicityNotice: {
        "scheduled": Rule(
            to=(notice_hosts,), subject=_("Publicity scheduled: %(notice)s, from %(start)s"), facts=notice_dates,
            link=hosts_list,
            body=_("SAMR and MIIT will publish the notice “%(notice)s” on %(start)s (Art. 13, 19); its window runs to "
                   "%(end)s. Until then it is not public.")),
        "publish": Silent("each application's or laboratory's own transition into publicity tells its host"),
        "cancel": Rule(
            to=(notice_hosts,), subject=_("Scheduled publicity cancelled: %(notice)s"), facts=notice_dates,
            link=hosts_list,
            body=_("The notice “%(notice)s”, to be published on %(start)s, was cancelled before publication (Art. 13, 19).")),
        "close": Silent("each application's or laboratory's own closing transition tells its host and, when approval "
                        "follows, the ministries"),
    },
    Objection: {
        "lodged": Rule(
            to=(ministries,), subject=_("New objection %(number)s to %(application)s"), facts=objection, link=notice_for_staff,
            body=_("An objection was lodged under the notice “%(notice)s” (Art. 13). Grounds: %(grounds)s")),
        "dismiss": Rule(
            to=(objector,), subject=_("Your objection to %(application)s: dismissed"), facts=objection, link=notice_page,
            body=_("SAMR and MIIT examined the objection you lodged on %(lodged)s under the notice “%(notice)s” and "
                   "dismissed it (Art. 13). Receipt number: %(number)s.")),
        "sustain": (
            Rule(to=(objector,), subject=_("Your objection to %(application)s: sustained"), facts=objection,
                 link=notice_page,
                 body=_("SAMR and MIIT examined the objection you lodged on %(lodged)s under the notice “%(notice)s” and "
                        "sustained it (Art. 13). Receipt number: %(number)s.")),
            Rule(to=(objected_host,), subject=_("%(application)s: objection sustained"), facts=objection,
                 link=objected_application,
                 body=_("An objection lodged under the notice “%(notice)s” was sustained (Art. 13); the outcome is "
                        "decided when the notice closes.")),
        ),
    },
}

register(NOTIFICATION_RULES)
