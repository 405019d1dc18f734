"""What the staff and expert pages of a round or a notice do for its subjects.

A round scores the applications or, with an acceptance or evaluation criteria set, laboratories; a notice
puts inspected applications or accepted laboratories under publicity. The pages in `reviews` are the same
for every subject; what differs (the list to choose from, how entries are named and concluded, what the
expert reads) is a `RoundPages` or `NoticePages` object registered per purpose or subject. `reviews`
registers the applications' own; `evaluations` registers the laboratory's in its AppConfig.ready().
"""

from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Status

from .forms import ConcludeForm
from .models import CriteriaSet, PublicityNotice
from .services import open_notice, open_round


class RoundPages:
    """Rounds of applications (Art. 13)."""

    section = "rounds"  # the staff tab the round's pages sit under
    entry_label = gettext_lazy("Application")  # what one entry of the ranking is
    decision_article = "Art. 13"
    conclude_template = "reviews/staff/_conclude_applications.html"
    entry_template = ""  # what the staff round page adds in each entry's card (e.g. the laboratory's recommenders' opinions)

    def add_fields(self, form, user):
        """Add the list to choose the round's subjects from to the round form (its own fields are there)."""

    def clean(self, form, data):
        """Check the choice for a round of this purpose; the form's own fields are checked by the form."""

    def create_context(self, form):
        """What the page opening a round needs to show this purpose's list."""
        return {}

    def open(self, data, by):
        return open_round(data["title"], data["committee"], data["criteria_set"], data["applications"], by,
                          scoring_due=data["scoring_due"])

    def describe(self, user, review_round, results):
        """Give each ranked result its `subject` (what the round decides on), whether it is still `live`
        (awaiting this round's decision) and, once concluded, the `decision_label` and `decision_pdf`; and whatever
        `entry_template` shows of it."""
        for r in results:
            r.live = r.application.status == Status.EXPERT_REVIEW  # its `subject` is its application
            r.decision_label, r.decision_pdf = "", ""

    def conclude_form(self, data, review_round, results):
        return ConcludeForm(data, applications=[r.application for r in results if r.live])

    def concluded(self, request, form):
        messages.success(request, _("The round is concluded; the applications moved on as decided."))

    def entry(self, review_round, application):
        """What an entry is called on the pages (the application; a laboratory round names the lab)."""
        return application

    def expert_material(self, assignment, opened):
        """What the expert reads besides the dossier (None for an application: the dossier is the material)."""
        return None


class NoticePages:
    """Publicity of inspected applications (Art. 13)."""

    related = ("host",)  # what the notice page reads of each listed application

    def add_fields(self, form, user):
        """Add this subject's list to the notice form (the applications' list is the form's own)."""

    def clean(self, form, data):
        """Check the choice for a notice of this subject."""

    def open(self, data, by):
        return open_notice(data["title"], data["applications"], by, starts_on=data["starts_on"],
                           working_days=data["working_days"])


ROUND_PAGES: dict[str, RoundPages] = {}
NOTICE_PAGES: dict[str, NoticePages] = {}


def register_round_pages(purpose, pages):
    ROUND_PAGES[purpose] = pages


def register_notice_pages(subject, pages):
    NOTICE_PAGES[subject] = pages


def round_pages(purpose):
    return ROUND_PAGES[purpose]


def notice_pages(subject):
    return NOTICE_PAGES[subject]


def distinct(pages):
    """Each registered pages object once (one object may serve several purposes)."""
    return list({id(p): p for p in pages.values()}.values())


register_round_pages(CriteriaSet.Purpose.APPLICATION, RoundPages())
register_notice_pages(PublicityNotice.Subject.APPLICATIONS, NoticePages())
