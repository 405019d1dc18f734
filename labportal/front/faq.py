"""Questions visitors ask, answered with the articles and the portal's real periods."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from evaluations import lifecycle as lab_rules


@dataclass(frozen=True)
class Question:
    slug: str
    question: str
    answer: str
    link: str = ""
    link_text: str = ""


def questions():
    days = settings.PUBLICITY_WORKING_DAYS
    return [
        Question("who-may-apply", _("Who may apply?"),
                 _("A research institute, university or enterprise with strong research and outreach capability and "
                   "relatively independent people, money and assets, alone or leading a consortium (Art. 5), that "
                   "meets the conditions of Art. 12. Applying is voluntary (Art. 13)."),
                 reverse("guide") + "#stage-apply", _("Application guide")),
        Question("account", _("How does my institution get an account?"),
                 _("Accounts are issued by the portal administrator for host institutions, recommenders, the ministries "
                   "and experts. Write to the coordination office with your institution's name and unified social "
                   "credit code and the person responsible."),
                 reverse("contact"), _("Contact")),
        Question("recommender", _("Who recommends my application?"),
                 _("A central-level institution is recommended by its competent department; a local one jointly by the "
                   "provincial market regulator and the provincial industry and IT department of its province, and "
                   "only when both have recommended it (Art. 10).")),
        Question("publicity-window", _("How long is the publicity window, and how are the days counted?"),
                 ngettext("%(n)s working day, counted from the day after the notice is published; weekends and public "
                          "holidays do not count, make-up working days do (the State Council's calendar).",
                          "%(n)s working days, counted from the day after the notice is published; weekends and public "
                          "holidays do not count, make-up working days do (the State Council's calendar).", days)
                 % {"n": days},
                 reverse("public:notices"), _("Publicity notices")),
        Question("objection", _("How do I object to an application under publicity?"),
                 _("During the window, on the notice's page, in writing and under your real name: a person gives name, "
                   "ID card number and contact; an organisation its name, unified social credit code, legal "
                   "representative, contact and a sealed scan. Anonymous objections are not accepted. You receive a "
                   "receipt number with which you can follow the objection until it is decided."),
                 reverse("public:objection_lookup"), _("Follow an objection")),
        Question("personal-data", _("Who sees my ID card number?"),
                 _("Only the ministries' staff handling the objection, and they see it masked (for example "
                   "110105********1234). The full number is stored encrypted, only to identify the objector and to "
                   "let you look the objection up; a member of staff sees it whole only when handling the objection "
                   "requires it, and each time is recorded with the reason.")),
        Question("construction-period", _("How long does construction last, and can it be extended?"),
                 _("%(months)s months from approval. An extension of at most %(max)s months, once, must be requested "
                   "at least %(notice)s months before construction ends (Art. 18).") % {
                     "months": lab_rules.CONSTRUCTION_MONTHS, "max": lab_rules.EXTENSION_MAX_MONTHS,
                     "notice": lab_rules.EXTENSION_NOTICE_MONTHS}),
        Question("evaluation", _("What happens when a laboratory is evaluated unqualified?"),
                 _("It is named and has %(months)s months to rectify; if it is unqualified again, it is removed from "
                   "the list (Art. 27). Laboratories are evaluated every %(years)s years (Art. 26).") % {
                     "months": lab_rules.RECTIFICATION_MONTHS, "years": lab_rules.EVALUATION_YEARS}),
        Question("name", _("How is a laboratory named?"),
                 _("“××国家质量标准实验室”, in English “State Quality & Standards Laboratory of ××” (Art. 31)."),
                 reverse("measures") + "#art-31", _("Art. 31")),
    ]
