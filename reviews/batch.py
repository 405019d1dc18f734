"""Batch actions on selected applications (the queue, the application list): each item through its own rules.

Per item, each in its own transaction (`kernel.batch.each`): signing the approval (Art. 7) and assigning an expert
(Art. 9, through `services.assign_expert`). All-or-nothing, by the service that does it: opening a round
(`services.open_round`) and a publicity notice (`services.open_notice`) take the whole selection or refuse it, so
the batch sorts the selection first (ready / skipped with the reason) and the round's or notice's own form then
opens it with the ready ones. Adding to a round already open is not offered: its entries are fixed when it opens
(`open_round` is the one way in; its experts and scoring deadline were set for them). Exporting the selection is
`kernel.exports.export` of the selected rows.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.rules import is_ministry_staff
from applications.models import Application, Status
from applications.rules import has_signed_approval
from kernel.batch import READY, SKIPPED, ItemResult, Report, chosen, each
from kernel.citations import with_citation
from kernel.transitions import run_transition

from .models import CommitteeMember, CommitteeStatus, CriteriaSet, PublicityNotice, RoundEntry, RoundStatus
from .services import assign_expert, reserving_notices
from .subjects import notice_subject

ACTIONS = {
    "round": gettext_lazy("Open an expert review round"),
    "notice": gettext_lazy("Open a publicity notice"),
    "assign": gettext_lazy("Assign an expert"),
    "approve": gettext_lazy("Sign approval"),
    "export": gettext_lazy("Export"),
}


def actions_for(user):
    """The batch form of the application list (`applications.hooks.batch_actions`): ministry staff only."""
    return (reverse("reviews:batch"), ACTIONS) if is_ministry_staff(user) else None


def selected(user, ids):
    """The applications among `ids` the user may see (in the order chosen) and "not found" for the rest."""
    queryset = Application.objects.visible_to(user).exclude(status=Status.DRAFT).select_related("host", "call")
    return chosen(queryset, ids)


def _skipped(app, message, article):
    return ItemResult(app.pk, app, SKIPPED, with_citation(message, article))


def approve(applications, by, comment=""):
    """Sign the approval for construction of each application awaiting it, for the signer's ministry (Art. 7)."""
    awaiting = [a for a in applications if a.status == Status.AWAITING_APPROVAL]
    waiting = [a for a in awaiting if not has_signed_approval.test(by, a)]
    skipped = [_skipped(a, _("Your ministry has already signed; the other ministry's sign-off is awaited."), "Art. 7")
               if a in awaiting else
               _skipped(a, _("Not awaiting approval for construction; now “%(status)s”.") % {"status": a.get_status_display()},
                        "Art. 7") for a in applications if a not in waiting]

    def done(app, signed):
        if signed.status == Status.APPROVED:
            return _("Signed; both ministries have signed and construction is approved (Art. 7).")
        return _("Signed for your ministry; the other ministry's sign-off is awaited (Art. 7).")

    return Report(ACTIONS["approve"], each(waiting, lambda a: run_transition(a, "approve", by, comment), done) + skipped)


def _prepare(action, applications, ready, reason, article, url, **query):
    """The all-or-nothing actions: sort the selection, then continue on the action's own form with the ready ones."""
    results = [ItemResult(a.pk, a, READY, _("Ready: it goes in when you continue.")) if ready(a)
               else _skipped(a, reason(a), article) for a in applications]
    report = Report(ACTIONS[action], results, all_or_nothing=True)
    if report.ids(READY):
        report.next_url = f"{reverse(url)}?{urlencode({**query, 'applications': ','.join(map(str, report.ids(READY)))})}"
    return report


def prepare_round(applications):
    """Which of the selection can enter an expert review round (Art. 13): those that passed formal review."""
    return _prepare(
        "round", applications, lambda a: a.status == Status.FORMAL_REVIEW_PASSED,
        lambda a: _("Only applications that passed formal review enter expert review; now “%(status)s”.")
        % {"status": a.get_status_display()}, "Art. 13", "reviews:round_create")


def prepare_notice(applications):
    """Which of the selection can go under publicity (Art. 13): inspected, and held by no notice dated ahead."""
    rules = notice_subject(PublicityNotice.Subject.APPLICATIONS)
    held = reserving_notices(applications)

    def reason(app):
        if app.pk in held:
            return _("Already on the notice “%(notice)s” to be published later.") % {"notice": held[app.pk].title}
        return _("Only inspected applications go under publicity; now “%(status)s”.") % {"status": app.get_status_display()}

    return _prepare("notice", applications, lambda a: rules.ready(a) and a.pk not in held, reason, rules.article,
                    "reviews:notice_create", subject=PublicityNotice.Subject.APPLICATIONS)


def open_rounds(applications):
    """{application id: the open round of applications it is in} (a laboratory's rounds are its own list's)."""
    entries = RoundEntry.objects.filter(application__in=applications, round__status=RoundStatus.OPEN,
                                        round__criteria_set__purpose=CriteriaSet.Purpose.APPLICATION).select_related("round")
    return {entry.application_id: entry.round for entry in entries}


def experts():
    """Whom a batch may assign: the members of the active committee (Art. 9)."""
    return (CommitteeMember.objects.filter(committee__status=CommitteeStatus.ACTIVE).select_related("expert", "committee")
            .order_by("expert__last_name", "expert__first_name", "expert__username"))


def prepare_assign(applications):
    """Which of the selection is in an open round, so that an expert can be assigned to it there (Art. 9)."""
    rounds = open_rounds(applications)
    results = [ItemResult(a.pk, a, READY, _("In the round “%(round)s”.") % {"round": rounds[a.pk].title}) if a.pk in rounds
               else _skipped(a, _("In no open expert review round."), "Art. 13") for a in applications]
    report = Report(ACTIONS["assign"], results)
    report.rounds = list({r.pk: r for r in rounds.values()}.values())  # each with its automatic assignment
    return report


def assign(applications, expert, by):
    """Assign `expert` to each selected application in its open round: conflicts of interest and the committee
    are checked per application (Art. 9); a refusal leaves the others assigned."""
    rounds = open_rounds(applications)
    ready = [a for a in applications if a.pk in rounds]
    skipped = [_skipped(a, _("In no open expert review round."), "Art. 13") for a in applications if a.pk not in rounds]
    name = expert.get_full_name() or expert.username

    def done(app, assignment):
        return _("%(expert)s assigned in the round “%(round)s”.") % {"expert": name, "round": rounds[app.pk].title}

    return Report(ACTIONS["assign"], each(ready, lambda a: assign_expert(rounds[a.pk], a, expert, by), done) + skipped)
