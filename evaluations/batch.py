"""Batch actions on laboratories selected on the lab list (ministry staff): sorted per item before the
all-or-nothing services that act on them together, or exported.

An acceptance round (Art. 19) or a comprehensive evaluation round (Art. 26) is opened by `open_lab_round` and an
acceptance notice by `open_acceptance_notice`, each on the whole selection or not at all: the batch says, per
laboratory, which are ready and why the others are skipped, and the round's or notice's form continues with the
ready ones. The rules asked are the services' own (`LAB_ROUND_STATES`, the notice subject's `ready`).
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.batch import READY, SKIPPED, ItemResult, Report, chosen
from kernel.citations import with_citation
from reviews.models import PublicityNotice
from reviews.services import reserving_notices
from reviews.subjects import notice_subject

from .models import Laboratory
from .states import LAB_ROUND_OPEN_ARTICLE, LAB_ROUND_STATES

ACTIONS = {
    "acceptance": gettext_lazy("Open an acceptance round"),
    "evaluation": gettext_lazy("Open an evaluation round"),
    "notice": gettext_lazy("Open an acceptance notice"),
    "export": gettext_lazy("Export"),
}


def selected(user, ids):
    """The laboratories among `ids` the user may see (in the order chosen) and "not found" for the rest."""
    queryset = Laboratory.objects.visible_to(user).select_related("host", "application").with_open_round()
    return chosen(queryset, ids)


def _report(action, labs, ready, reason, article, url, **query):
    results = [ItemResult(lab.pk, lab, READY, _("Ready: it goes in when you continue.")) if ready(lab)
               else ItemResult(lab.pk, lab, SKIPPED, with_citation(reason(lab), article)) for lab in labs]
    report = Report(ACTIONS[action], results, all_or_nothing=True)
    if report.ids(READY):
        report.next_url = f"{reverse(url)}?{urlencode({**query, 'laboratories': ','.join(map(str, report.ids(READY)))})}"
    return report


def prepare_round(labs, purpose):
    """Which laboratories can enter an acceptance (Art. 19) or evaluation (Art. 26) round: at that stage, and in
    no round being scored (one at a time)."""
    states = LAB_ROUND_STATES[purpose]

    def reason(lab):
        if lab.in_open_round:
            return _("Already in a round being scored.")
        return _("Not at this stage; now “%(status)s”.") % {"status": lab.get_status_display()}

    return _report(purpose, labs, lambda lab: lab.status in states and not lab.in_open_round, reason,
                   LAB_ROUND_OPEN_ARTICLE[purpose], "reviews:round_create", purpose=purpose)


def prepare_notice(labs):
    """Which laboratories can go under acceptance publicity (Art. 19): acceptance confirmed by both ministries,
    and on no notice dated ahead."""
    rules = notice_subject(PublicityNotice.Subject.ACCEPTANCE)
    held = reserving_notices([lab.application for lab in labs])

    def reason(lab):
        if lab.application_id in held:
            return _("Already on the notice “%(notice)s” to be published later.") % {"notice": held[lab.application_id].title}
        return _("Only laboratories whose acceptance both ministries confirmed go under acceptance publicity; now "
                 "“%(status)s”.") % {"status": lab.get_status_display()}

    return _report("notice", labs, lambda lab: rules.ready(lab.application) and lab.application_id not in held, reason,
                   rules.article, "reviews:notice_create", subject=PublicityNotice.Subject.ACCEPTANCE)
