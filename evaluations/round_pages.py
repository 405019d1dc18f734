"""The laboratory's part of the expert round and publicity pages (acceptance Art. 19, comprehensive
evaluation Art. 26-27): registered into `reviews.subject_pages` by `EvaluationsConfig.ready()`, so that the
round and notice pages in `reviews` never read a laboratory themselves."""

from django import forms
from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.citations import cite
from kernel.documents import issued_for_each
from kernel.forms import textarea
from reviews.conflicts import register_subject_people
from reviews.forms import ConcludeFormMixin
from reviews.models import CriteriaSet, NoticeStatus, PublicityNotice, RoundEntry
from reviews.subject_pages import NoticePages, RoundPages, register_notice_pages, register_round_pages

from .documents import ACCEPTANCE_OPINION, EVALUATION_NOTICE
from .models import AcceptanceApplication, AnnualReport, Evaluation, Laboratory, RecommenderOpinion
from .services import open_acceptance_notice, open_lab_round
from .states import (
    LAB_ROUND_DECISION_ARTICLE,
    LAB_ROUND_LIVE_STATE,
    LAB_ROUND_OPEN_ARTICLE,
    LAB_ROUND_STATES,
    AcceptanceVerdict,
    EvaluationResult,
    LabStatus,
)


class LaboratoryChoiceField(forms.ModelMultipleChoiceField):
    """Laboratories as checkboxes: name, host and the lab's status (or its confirmations, for publicity)."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        parts = [str(obj), str(obj.host), obj.get_status_display()]
        if getattr(obj, "in_open_round", False):
            parts.append(str(_("already in a round being scored")))
        if hasattr(obj, "samr_confirmed"):
            parts.append(str(confirmation_label(obj.samr_confirmed, obj.miit_confirmed)))
        return " · ".join(parts)


def confirmation_label(samr, miit):
    if samr and miit:
        return _("acceptance confirmed by SAMR and MIIT")
    if samr:
        return _("awaiting MIIT's confirmation")
    if miit:
        return _("awaiting SAMR's confirmation")
    return _("awaiting both ministries' confirmation")


class LabConcludeForm(ConcludeFormMixin, forms.Form):
    """For each laboratory still under review in a lab round: the verdict (acceptance: pass / rectify / fail,
    Art. 19) or the result (evaluation: excellent / qualified / unqualified, Art. 27), and the experts' opinion,
    which the acceptance opinion or the evaluation notice carries. Keyed by the lab's application, as the
    round's entries are."""

    def __init__(self, *args, laboratories, purpose, **kwargs):
        super().__init__(*args, **kwargs)
        self.laboratories = list(laboratories)
        self.purpose = purpose
        acceptance = purpose == CriteriaSet.Purpose.ACCEPTANCE
        self.article = LAB_ROUND_DECISION_ARTICLE[purpose]
        choices = AcceptanceVerdict.choices if acceptance else EvaluationResult.choices
        for lab in self.laboratories:
            key = lab.application_id
            self.fields[f"outcome_{key}"] = forms.ChoiceField(
                label=_("Verdict") if acceptance else _("Result"), choices=choices, widget=forms.RadioSelect,
                error_messages={"required": _("Choose the outcome for this laboratory (%(article)s).")
                                % {"article": cite(self.article)}},
            )
            self.fields[f"opinion_{key}"] = forms.CharField(
                label=_("Experts' opinion"), widget=textarea(3),
                help_text=_("Required: it is printed on the acceptance opinion.") if acceptance
                else _("Required: it is printed on the evaluation result notice."),
                error_messages={"required": _("Give the experts' opinion on this laboratory (%(article)s).")
                                % {"article": cite(self.article)}},
            )
        self.rule_field_map = {"decisions": None}
        self.add_short_reason()

    def rows(self):
        return [(lab, self[f"outcome_{lab.application_id}"], self[f"opinion_{lab.application_id}"])
                for lab in self.laboratories]

    def decisions(self):
        return {
            lab.application_id: (self.cleaned_data[f"outcome_{lab.application_id}"],
                                 self.cleaned_data[f"opinion_{lab.application_id}"])
            for lab in self.laboratories
        }


class LabRoundPages(RoundPages):
    """Rounds scoring laboratories: acceptance (Art. 19) or comprehensive evaluation (Art. 26-27)."""

    section = "lab_rounds"
    entry_label = gettext_lazy("Laboratory")
    conclude_template = "labs/rounds/_conclude.html"
    entry_template = "labs/rounds/_opinions.html"

    def __init__(self, purpose):
        self.purpose = purpose
        self.decision_article = LAB_ROUND_DECISION_ARTICLE[purpose]

    def add_fields(self, form, user):
        if "laboratories" in form.fields:  # one list serves both purposes
            return
        states = [state for group in LAB_ROUND_STATES.values() for state in group]
        form.fields["laboratories"] = LaboratoryChoiceField(
            label=_("Laboratories"), required=False,
            queryset=(Laboratory.objects.visible_to(user).filter(status__in=states).select_related("host")
                      .with_open_round().order_by("status", "name_zh", "pk")),
            help_text=_("Acceptance: laboratories under acceptance review (Art. 19). Comprehensive evaluation: "
                        "laboratories in operation or rectifying after an unqualified evaluation (Art. 26-27)."),
        )

    def clean(self, form, data):
        # The service names "applications" when nothing is chosen: for a lab round that is this list.
        form.rule_field_map = {"applications": "laboratories"}
        if not data.get("laboratories"):
            form.add_error("laboratories", _("Choose at least one laboratory (%(article)s).")
                           % {"article": cite(LAB_ROUND_OPEN_ARTICLE[self.purpose])})

    def create_context(self, form):
        """The laboratory checkboxes with their lab, and the states each purpose takes, for the page to
        show the labs that the chosen criteria set scores."""
        return {"laboratory_rows": [(choice, choice.data["value"].instance) for choice in form["laboratories"]],
                "lab_states": {p: list(states) for p, states in LAB_ROUND_STATES.items()}}

    def open(self, data, by):
        return open_lab_round(data["title"], data["committee"], data["criteria_set"], list(data["laboratories"]), by,
                              scoring_due=data["scoring_due"])

    def describe(self, user, review_round, results):
        """Each result's laboratory (one query) and whether it awaits this round (under acceptance review or
        being evaluated); the recommenders' opinions on it that `user` may read (one query, Art. 10(3)); for a
        concluded round, the verdict or result it recorded, with its issued document when `user` may read it."""
        ids = [r.application.pk for r in results]
        labs = {lab.application_id: lab for lab in
                Laboratory.objects.visible_to(user).filter(application_id__in=ids).select_related("host")}
        opinions = {}
        for opinion in (RecommenderOpinion.objects.visible_to(user).filter(entry__round=review_round)
                        .select_related("recommender", "author", "entry")):
            opinions.setdefault(opinion.entry.application_id, []).append(opinion)
        live_state = LAB_ROUND_LIVE_STATE[self.purpose]
        for r in results:
            lab = labs.get(r.application.pk)
            if lab is not None:  # else its `subject` stays its application
                r.subject = lab
            r.live = lab is not None and lab.status == live_state
            r.decision_label, r.decision_pdf = "", ""
            r.recommender_opinions = opinions.get(r.application.pk, [])
        if review_round.concluded_at is None:
            return
        # Each lab's last verdict (acceptance) or result (evaluation) recorded by the time the round concluded
        # (`conclude_lab_round` records them inside the concluding transition).
        acceptance = self.purpose == CriteriaSet.Purpose.ACCEPTANCE
        model, kind = (AcceptanceApplication, ACCEPTANCE_OPINION) if acceptance else (Evaluation, EVALUATION_NOTICE)
        decided = {}
        for row in model.objects.filter(laboratory_id__in=[lab.pk for lab in labs.values()], decided_at__isnull=False,
                                        decided_at__lte=review_round.concluded_at).order_by("laboratory_id", "decided_at", "pk"):
            decided[row.laboratory_id] = row
        issued = issued_for_each(list(decided.values()), [kind], user)
        for r in results:
            pending = r.entry.outcome == RoundEntry.Outcome.PENDING
            row = decided.get(r.subject.pk) if r.subject is not r.application and not pending else None
            if row is not None:
                r.decision_label = row.get_verdict_display() if acceptance else row.get_result_display()
                document = next(iter(issued.get(row.pk, [])), None)
                if document is not None:
                    r.decision_pdf = reverse("documents:download", args=[document.pk])
                    r.decision_number = document.number
            elif not pending:  # its record was decided again since (a later round)
                r.decision_label = _("Passed") if r.entry.outcome == RoundEntry.Outcome.ADVANCED else _("Not passed")

    def conclude_form(self, data, review_round, results):
        return LabConcludeForm(data, laboratories=[r.subject for r in results if r.live], purpose=self.purpose)

    def concluded(self, request, form):
        messages.success(request, _("The round is concluded; the laboratories moved on as decided."))
        for lab in Laboratory.objects.filter(pk__in=[lab.pk for lab in form.laboratories]).order_by("name_zh"):
            messages.info(request, _("“%(lab)s”: the status is now “%(status)s”.")
                          % {"lab": lab, "status": lab.get_status_display()})

    def entry(self, review_round, application):
        return Laboratory.objects.filter(application=application).only("name_zh").first() or application

    def expert_material(self, assignment, opened):
        """The laboratory, and once the expert declared no conflict (the material opens as the dossier does)
        what is scored: for acceptance the acceptance application this round reviews (its report against the
        build plan's goals, Art. 17-18) and the earlier verdicts; for evaluation the annual operation reports
        with their outputs (Art. 23, 26) and the earlier results."""
        lab = Laboratory.objects.select_related("host").filter(application_id=assignment.application_id).first()
        if lab is None:
            return None
        acceptance = self.purpose == CriteriaSet.Purpose.ACCEPTANCE
        material = {"lab": lab, "acceptance": acceptance}
        if not opened:
            return material
        if acceptance:
            # The application this round reviews: the last filed before it opened (newest first).
            filed = list(lab.acceptance_applications.filter(filed_at__lte=assignment.round.opened_at))
            material["current"] = filed[0] if filed else lab.acceptance_applications.first()
            material["earlier"] = [a for a in filed[1:] if a.verdict]
        else:
            material["reports"] = list(lab.annual_reports.filter(kind=AnnualReport.Kind.OPERATION)
                                       .prefetch_related("outputs").order_by("-period"))
            material["earlier"] = [e for e in lab.evaluations.all() if e.result]
        return material


class AcceptanceNoticePages(NoticePages):
    """Publicity of laboratories whose acceptance both ministries confirmed (Art. 19)."""

    related = ("host", "laboratory")

    def add_fields(self, form, user):
        form.fields["laboratories"] = LaboratoryChoiceField(
            label=_("Laboratories"), required=False,
            queryset=(Laboratory.objects.visible_to(user).filter(status=LabStatus.ACCEPTANCE_CONFIRMATION)
                      .exclude(application__publicity_notices__status=NoticeStatus.SCHEDULED)
                      .select_related("host", "application").with_confirmations().order_by("name_zh", "pk")),
            help_text=_("Laboratories that passed acceptance; only those whose acceptance both SAMR and MIIT "
                        "confirmed go under publicity (Art. 19)."),
        )

    def clean(self, form, data):
        # The service names "applications" (the labs' applications): for this subject that is this list.
        form.rule_field_map = {"applications": "laboratories"}
        if not data.get("laboratories"):
            form.add_error("laboratories", _("Choose at least one laboratory (Art. 19)."))

    def open(self, data, by):
        return open_acceptance_notice(data["title"], list(data["laboratories"]), by, starts_on=data["starts_on"],
                                      working_days=data["working_days"])


def lab_people(application_ids):
    """The laboratory's academic committee chair (Art. 15) as recorded on the lab, for the conflicts of interest of
    its rounds (`reviews.conflicts`); the team of its dossier is read there already."""
    people = {}
    rows = Laboratory.objects.filter(application_id__in=application_ids).exclude(committee_chair_name="")
    for app_id, name in rows.values_list("application_id", "committee_chair_name"):
        people[app_id] = [(name, _("the laboratory's academic committee chair (Art. 15)"))]
    return people


def register():
    register_subject_people(lab_people)
    for purpose in LAB_ROUND_STATES:
        register_round_pages(purpose, LabRoundPages(purpose))
    register_notice_pages(PublicityNotice.Subject.ACCEPTANCE, AcceptanceNoticePages())
