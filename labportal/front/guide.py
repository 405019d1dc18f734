"""The application guide of the public pages: the stages of the Measures, from applying to evaluation, each
with the articles it rests on, who acts and what happens, with the portal's real periods (its settings and
the constants the rules are computed with), so the guide says what the portal does."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from applications import eligibility
from evaluations import lifecycle as lab_rules
from reviews.models import COMMITTEE_MIN_MEMBERS, COMMITTEE_TERM_YEARS, VICE_CHAIRS_MAX, VICE_CHAIRS_MIN


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    articles: tuple
    who: str
    steps: tuple
    periods: tuple = ()

    @property
    def anchor(self):
        return f"stage-{self.key}"

    @property
    def citations(self):
        """(article number, "Art. N") for each article the stage rests on."""
        return [(n, f"Art. {n}") for n in self.articles]


# Their titles, for the front page's stepper (the full stages are built per request, in its language).
STAGE_TITLES = (
    ("apply", gettext_lazy("Application")),
    ("recommend", gettext_lazy("Recommendation")),
    ("formal_review", gettext_lazy("Formal review")),
    ("expert_review", gettext_lazy("Expert review")),
    ("site_inspection", gettext_lazy("Site inspection")),
    ("publicity", gettext_lazy("Publicity")),
    ("approval", gettext_lazy("Approval for construction")),
    ("construction", gettext_lazy("Construction and acceptance")),
    ("operation", gettext_lazy("Operation and evaluation")),
)


def _working_days(n):
    return ngettext("%(n)s working day", "%(n)s working days", n) % {"n": n}


def stages():
    """The nine stages, in the current language, with the periods the portal applies."""
    titles = dict(STAGE_TITLES)
    publicity_days = settings.PUBLICITY_WORKING_DAYS
    return [
        Stage("apply", titles["apply"], (5, 11, 12, 13, 31),
              _("The host institution (a research institute, university or enterprise), or the lead host of a consortium."),
              (
                  _("Ask the portal administrator for an account for your institution."),
                  _("Fill in the dossier online over as many sittings as you need: overview (name, field, research "
                    "directions), facilities, team, research capability, outcomes, support measures, consortium "
                    "members and attachments."),
                  _("The portal checks the Art. 12 conditions from your figures as you type; thresholds that apply "
                    "“in principle” give a warning, not a refusal."),
                  _("Submit: the dossier is frozen as a revision and sent to your recommender(s)."),
              ),
              (
                  _("In principle at least %(space)s m² of research space and %(wan)s 万元 of instruments (Art. 12 (1)).")
                  % {"space": f"{eligibility.MIN_SPACE_M2:,}", "wan": f"{eligibility.MIN_INSTRUMENTS_CNY / 10000:,.0f}"},
                  _("At least %(n)s national-level projects, or %(wan)s 万元 of funding, in the last %(years)s years "
                    "(Art. 12 (3) 1).") % {"n": eligibility.MIN_NATIONAL_PROJECTS,
                                            "wan": f"{eligibility.MIN_PROJECT_FUNDING_CNY / 10000:,.0f}",
                                            "years": eligibility.PROJECT_WINDOW_YEARS},
                  _("At least %(n)s of the 5 kinds of outcome (Art. 12 (4)).") % {"n": eligibility.MIN_OUTCOME_ITEMS},
              )),
        Stage("recommend", titles["recommend"], (10,),
              _("A central-level host: its competent department. A local host: the provincial market regulator and "
                "the provincial industry and IT department of its province, jointly."),
              (
                  _("The recommender reviews the dossier on six points: scientific soundness, system, completeness, "
                    "authenticity, accuracy and legality."),
                  _("It recommends the dossier, returns it for revision with reasons, or declines it. A local "
                    "dossier is recommended only when both provincial bodies have recommended it."),
              ),
              (
                  _("A returned dossier is revised and submitted again within %(days)s, counted from the day after "
                    "it was returned.") % {"days": _working_days(settings.RETURNED_DOSSIER_FIX_WORKING_DAYS)},
              )),
        Stage("formal_review", titles["formal_review"], (8, 13),
              _("The coordination office of SAMR and MIIT."),
              (
                  _("Staff check the recommended dossier against the formal review checklist."),
                  _("It passes, or a supplement is requested, or it is rejected with reasons."),
              ),
              (
                  _("A requested supplement is due within %(days)s, counted from the day after the request.")
                  % {"days": _working_days(settings.SUPPLEMENT_FIX_WORKING_DAYS)},
              )),
        Stage("expert_review", titles["expert_review"], (9, 13),
              _("Experts of the expert committee, in a review round organised by SAMR and MIIT."),
              (
                  _("Each expert first declares whether they have a conflict of interest; experts of the host or of a "
                    "consortium member are never assigned."),
                  _("Experts score each dossier on weighted criteria, without seeing each other's scores; the round "
                    "ranks the dossiers and decides which go on to site inspection."),
              ),
              (
                  _("The committee has one chair, %(min)s to %(max)s vice-chairs and members, an odd number of at least "
                    "%(total)s, for a term of %(years)s years.") % {
                      "min": VICE_CHAIRS_MIN, "max": VICE_CHAIRS_MAX, "total": COMMITTEE_MIN_MEMBERS,
                      "years": COMMITTEE_TERM_YEARS},
              )),
        Stage("site_inspection", titles["site_inspection"], (13,),
              _("An inspection team sent by SAMR and MIIT."),
              (
                  _("The team visits the host and confirms the conditions stated in the dossier; its findings are "
                    "recorded with the report."),
              )),
        Stage("publicity", titles["publicity"], (13,),
              _("SAMR and MIIT publish the notice; anyone may object, under their real name."),
              (
                  _("The applications that passed inspection are published on the publicity page."),
                  _("During the window anyone may lodge a written objection under a real name: a person with name, ID "
                    "card number and contact; an organisation with its name, unified social credit code, legal "
                    "representative, contact and a scan bearing its seal. Anonymous objections are not accepted."),
                  _("Each objection gets a receipt number; with it the objector follows the objection until it is "
                    "dismissed or sustained, with reasons."),
              ),
              (
                  ngettext("The window is %(n)s working day from the day after publication.",
                           "The window is %(n)s working days from the day after publication.",
                           publicity_days) % {"n": publicity_days},
              )),
        Stage("approval", titles["approval"], (7, 13),
              _("SAMR and MIIT: each ministry signs the approval."),
              (
                  _("When the publicity has closed with no sustained objection, both ministries sign; the laboratory "
                    "is created and appears on the approved construction list and in the directory."),
              )),
        Stage("construction", titles["construction"], (14, 15, 16, 17, 18, 19),
              _("The laboratory and its host; the expert committee for acceptance; SAMR and MIIT to confirm it."),
              (
                  _("The host appoints the director (a senior leader of the host) and the academic committee, whose "
                    "chair is generally from outside the host."),
                  _("The laboratory files a construction report every year, copied to its host."),
                  _("At the end of construction it applies for acceptance; the experts' verdict is passed, rectify or "
                    "failed. A passed laboratory is confirmed by both ministries and published, then enters "
                    "operation."),
              ),
              (
                  _("Construction lasts %(months)s months from approval.") % {"months": lab_rules.CONSTRUCTION_MONTHS},
                  _("An extension of at most %(max)s months, once, must be requested at least %(notice)s months before "
                    "construction ends.") % {"max": lab_rules.EXTENSION_MAX_MONTHS, "notice": lab_rules.EXTENSION_NOTICE_MONTHS},
                  _("A laboratory to rectify has %(months)s months to apply again; a second failure terminates its "
                    "construction.") % {"months": lab_rules.RECTIFICATION_MONTHS},
              )),
        Stage("operation", titles["operation"], (20, 21, 22, 23, 24, 25, 26, 27),
              _("The laboratory and its host; the expert committee; SAMR and MIIT."),
              (
                  _("The laboratory files an annual operation report; its outputs must carry its name (Art. 23)."),
                  _("Renaming, a change of direction, restructuring or reorganisation is reported in writing."),
                  _("The experts evaluate the laboratory comprehensively: excellent, qualified or unqualified."),
                  _("Misconduct removes a laboratory from the list, on the decision of both ministries."),
              ),
              (
                  _("A comprehensive evaluation every %(years)s years from the start of operation.")
                  % {"years": lab_rules.EVALUATION_YEARS},
                  _("An unqualified laboratory has %(months)s months to rectify; unqualified again, it is removed from "
                    "the list.") % {"months": lab_rules.RECTIFICATION_MONTHS},
              )),
    ]
