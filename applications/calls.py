"""The rules of a call for applications (申报批次, Art. 13: the ministries take applications "按照要求", as their
call sets out): when a dossier may be started and submitted, until when and how many a recommender may
recommend, and the two joint decisions that open a call and approve its construction list. Below the models:
the functions take the call and the application and reach other rows through their relations."""

from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.deadlines import close_deadlines, open_deadline
from kernel.formatting import format_date
from kernel.models import Deadline
from kernel.rules import RuleViolation
from kernel.signoffs import lapse, signoffs
from kernel.transitions import run_transition

from .deadlines import CALL_RECOMMENDERS, CALL_WINDOW
from .documents import issue_call_notice, issue_list_approval
from .rules import CALL_LIST_DECISION, CALL_OPENING_DECISION
from .states import CallStatus, Status

ARTICLE = "Art. 13"
# A recommendation that still counts against the recommender's quota: the dossier has not left the procedure
# before reaching the ministries (withdrawn, or declined by the other recommender).
RELEASED_STATES = (Status.WITHDRAWN, Status.NOT_RECOMMENDED)


def window_text(call):
    return _("from %(opens)s to %(closes)s") % {"opens": format_date(call.opens_on), "closes": format_date(call.closes_on)}


def accepts_submissions(call, day=None):
    """The call is published and `day` (today) is inside its submission window."""
    day = day or timezone.localdate()
    return call.status == CallStatus.OPEN and call.opens_on <= day <= call.closes_on


def check_start(call, day=None):
    """A dossier is started in a call whose submission window is open (Art. 13)."""
    if call is None:
        raise RuleViolation(_("No call for applications accepts submissions today: an application can be started only "
                              "while a call is open."), field="call", article=ARTICLE)
    if not accepts_submissions(call, day):
        raise RuleViolation(_("The call “%(call)s” accepts applications %(window)s; today is outside that window.")
                            % {"call": call, "window": window_text(call)}, field="call", article=ARTICLE)


def check_submission(application, day=None):
    """A first submission falls inside the call's window; a returned dossier may come back until the recommenders'
    deadline, by which its recommenders decide (Art. 10, 13)."""
    day = day or timezone.localdate()
    call = application.call
    if application.status == Status.DRAFT:
        if not accepts_submissions(call, day):
            raise RuleViolation(_("The call “%(call)s” accepts applications %(window)s; today is outside that window.")
                                % {"call": call, "window": window_text(call)}, field="call", article=ARTICLE)
    elif day > call.recommenders_due:
        raise RuleViolation(_("The recommenders' deadline of the call “%(call)s” was %(due)s: the returned dossier can "
                              "no longer be resubmitted in it.") % {"call": call, "due": format_date(call.recommenders_due)},
                            field="call", article=ARTICLE)


def check_recommenders_deadline(application, day=None):
    """Recommenders forward (or return) dossiers until the call's deadline (Art. 10, 13)."""
    day = day or timezone.localdate()
    call = application.call
    if day > call.recommenders_due:
        raise RuleViolation(_("The recommenders' deadline of the call “%(call)s” was %(due)s; dossiers of this call can no "
                              "longer be recommended or returned.") % {"call": call, "due": format_date(call.recommenders_due)},
                            field="call", article=ARTICLE)


def recommended_count(call, recommender_id, excluding=None):
    """How many dossiers of `call` the recommender has recommended that are still in the procedure."""
    recommended = call.applications.filter(
        preliminary_reviews__recommender_id=recommender_id, preliminary_reviews__decision="recommended",
    ).exclude(status__in=RELEASED_STATES)
    if excluding is not None:
        recommended = recommended.exclude(pk=excluding.pk)
    return recommended.distinct().count()


def check_quota(application, recommender):
    """A recommender recommends at most its quota of dossiers in the call, when the call sets one (Art. 13)."""
    call = application.call
    quota = call.quota_for(recommender)
    if quota is None:
        return
    count = recommended_count(call, recommender.pk, excluding=application)
    if count >= quota:
        raise RuleViolation(_("%(org)s may recommend at most %(quota)s applications in the call “%(call)s” and has "
                              "recommended %(count)s.") % {"org": recommender, "quota": quota, "call": call, "count": count},
                            field="quota", article=ARTICLE)


def check_recommendation(application, recommender, day=None):
    check_recommenders_deadline(application, day)
    check_quota(application, recommender)


# --- the two joint decisions ------------------------------------------------------------------------


def open_call(call, by):
    """Both ministries have signed: the call is published (the front page, the applicants' start page) and its
    clocks start, and its notice is issued. The one place where a call opens."""
    call.opened_at = timezone.now()
    open_deadline(call, CALL_WINDOW.code, call.closes_on, [])
    open_deadline(call, CALL_RECOMMENDERS.code, call.recommenders_due, [])
    issue_call_notice(call)


def propose_list(call, applications):
    """The construction list of the call: its applications awaiting approval (all of them unless chosen)."""
    waiting = call.applications.filter(status=Status.AWAITING_APPROVAL)
    chosen = list(waiting if applications is None else waiting.filter(pk__in=[a.pk for a in applications]))
    if applications is not None and len(chosen) != len({a.pk for a in applications}):
        raise RuleViolation(_("Only applications of this call awaiting approval can be on its construction list."),
                            field="applications", article=ARTICLE)
    if not chosen:
        raise RuleViolation(_("No application of this call awaits approval: there is no construction list to propose."),
                            field="applications", article=ARTICLE)
    call.construction_list.set(chosen)
    call.list_proposed_at = timezone.now()


def approve_list(call, by, comment):
    """Both ministries have signed the construction list: every application on it is approved through its own
    transition (which creates its laboratory), the approval is issued as one document, and the call's clocks close.
    The one place where a call's list is approved."""
    for application in call.construction_list.filter(status=Status.AWAITING_APPROVAL).order_by("pk"):
        run_transition(application, "approve_listed", by, comment, internal=True)
    issue_list_approval(call)
    call.concluded_at = timezone.now()
    close_deadlines(call, CALL_WINDOW.code, Deadline.State.MET)
    close_deadlines(call, CALL_RECOMMENDERS.code, Deadline.State.MET)


def withdraw_list(call):
    """Either ministry withdraws the proposed list: the signatures given so far lapse (the audit keeps them)."""
    signoffs(call, CALL_LIST_DECISION).delete()
    call.construction_list.clear()
    call.list_proposed_at = None


def on_a_proposed_list(application):
    """The application is on its call's construction list awaiting the ministries' signatures."""
    return application.construction_lists.filter(status=CallStatus.LIST_PROPOSED).exists()


def check_draft(call, field=None):
    """A call changes only while it is a draft: once both ministries have signed, it is what they published (Art. 7,
    13)."""
    if call.status != CallStatus.DRAFT:
        raise RuleViolation(_("Only a draft call is changed; a published call is what both ministries signed."),
                            field=field, article=ARTICLE)


def draft_changed(call, by, what):
    """A draft call's terms or quotas changed (`what`, for the audit): a signature given to the earlier text lapses,
    and both ministries sign the text as it now stands (Art. 7). Returns the ministries whose signature lapsed."""
    return lapse(call, CALL_OPENING_DECISION, by, _("The draft call changed: %(what)s") % {"what": what},
                 article="Art. 7, 13")


def set_quota(call, recommender, quota, by):
    """Staff set (or, with no quota, remove) a recommender's quota while the call is a draft; a signature given to
    the draft lapses (returns the ministries whose signature did)."""
    check_draft(call, field="quota")
    if not recommender.is_recommender:
        raise RuleViolation(_("Only a recommender (a provincial SAMR or MIIT, or a competent department) has a quota."),
                            field="recommender", article="Art. 10")
    if (quota or None) == call.quota_for(recommender):
        return []
    if not quota:
        call.quotas.filter(recommender=recommender).delete()
    else:
        call.quotas.update_or_create(recommender=recommender, defaults={"quota": quota})
    return draft_changed(call, by, _("the quota of %(org)s") % {"org": recommender})
