"""Browser forms of the ministry staff pages. They only collect input: every rule is the model's or
the service's (`reviews.services`, the @transition methods) and is reported back onto these forms."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Status
from applications.uploads import inspect_upload
from evaluations.models import (
    LAB_ROUND_DECISION_ARTICLE,
    LAB_ROUND_OPEN_ARTICLE,
    LAB_ROUND_STATES,
    AcceptanceVerdict,
    EvaluationResult,
    Laboratory,
    LabStatus,
)
from kernel.citations import cite
from kernel.formatting import format_list
from kernel.rules import refusal_text

from .models import (
    CommitteeStatus,
    CriteriaSet,
    ExpertCommittee,
    FormalReviewItem,
    PublicityNotice,
    SiteInspection,
)

FORMAL_REVIEW_ACTIONS = ("pass_formal_review", "request_supplement", "reject_formally")


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class RuleFormMixin:
    """Show a RuleViolation (or PermissionDenied) on its field, or above the form, with its article."""

    rule_field_map = {}

    def add_rule_violation(self, exc):
        field = getattr(exc, "field", None)
        field = self.rule_field_map.get(field, field)
        self.add_error(field if field in self.fields else None, refusal_text(exc))


class ApplicationChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj} · {obj.host}"


def parse_ids(value):
    """"1,2,3" (or a list of such strings) as a list of ints; anything else is dropped."""
    values = value if isinstance(value, (list, tuple)) else [value]
    ids = []
    for item in values:
        for part in str(item or "").split(","):
            part = part.strip()
            if part.isdigit():
                ids.append(int(part))
    return ids


# --- formal review (Art. 13) -----------------------------------------------------------------------


class FormalReviewForm(RuleFormMixin, forms.Form):
    """The active checklist as checkboxes, plus the comment. The outcome is the button pressed."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=_textarea(4),
        help_text=_("Required when returning for supplement or rejecting: say what is missing or why."),
    )

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items if items is not None else FormalReviewItem.objects.filter(active=True))
        for item in self.items:
            self.fields[f"check_{item.pk}"] = forms.BooleanField(label=item.text, required=False)
        self.rule_field_map = {"checks": None}

    def check_fields(self):
        return [self[f"check_{item.pk}"] for item in self.items]

    def checks(self):
        return {str(item.pk): bool(self.cleaned_data.get(f"check_{item.pk}")) for item in self.items}


# --- expert review rounds ----------------------------------------------------------------------


class CriteriaSetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.get_purpose_display()}"


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


class RoundForm(RuleFormMixin, forms.Form):
    """An expert round: applications with an application criteria set (Art. 13), or laboratories with an
    acceptance (Art. 19) or evaluation (Art. 26) set. The criteria set chosen decides which list counts."""

    title = forms.CharField(label=_("Title"), max_length=200)
    committee = forms.ModelChoiceField(label=_("Expert committee"), queryset=ExpertCommittee.objects.none(),
                                       help_text=_("Only active committees within their term (Art. 9)."))
    criteria_set = CriteriaSetChoiceField(
        label=_("Criteria"), queryset=CriteriaSet.objects.none(),
        help_text=_("Application review criteria score applications; acceptance and evaluation criteria score laboratories."),
    )
    applications = ApplicationChoiceField(
        label=_("Applications"), queryset=Application.objects.none(), required=False,
        help_text=_("Applications that passed formal review (Art. 13)."),
    )
    laboratories = LaboratoryChoiceField(
        label=_("Laboratories"), queryset=None, required=False,
        help_text=_("Acceptance: laboratories under acceptance review (Art. 19). Comprehensive evaluation: laboratories "
                    "in operation or rectifying after an unqualified evaluation (Art. 26-27)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = ExpertCommittee.objects.filter(status=CommitteeStatus.ACTIVE).order_by("name")
        self.fields["criteria_set"].queryset = CriteriaSet.objects.order_by("purpose", "name", "pk")
        self.fields["applications"].queryset = (
            Application.objects.visible_to(user).filter(status=Status.FORMAL_REVIEW_PASSED).for_table()
        )
        states = [state for group in LAB_ROUND_STATES.values() for state in group]
        self.fields["laboratories"].queryset = (
            Laboratory.objects.visible_to(user).filter(status__in=states).select_related("host")
            .with_open_round().order_by("status", "name_zh", "pk")
        )

    def clean(self):
        data = super().clean()
        criteria_set = data.get("criteria_set")
        if criteria_set is not None and criteria_set.purpose in LAB_ROUND_STATES:
            # The service names "applications" when nothing is chosen: for a lab round that is this list.
            self.rule_field_map = {"applications": "laboratories"}
            if not data.get("laboratories"):
                self.add_error("laboratories", _("Choose at least one laboratory (%(article)s).")
                               % {"article": cite(LAB_ROUND_OPEN_ARTICLE[criteria_set.purpose])})
        return data

    def laboratory_rows(self):
        """The laboratory checkboxes with their lab, for the template to group and mark them."""
        return [(choice, choice.data["value"].instance) for choice in self["laboratories"]]

    def criteria_purposes(self):
        """{criteria set id: purpose}, for the page to show the list that the chosen set scores."""
        return {str(pk): purpose for pk, purpose in self.fields["criteria_set"].queryset.values_list("pk", "purpose")}


class AssignForm(RuleFormMixin, forms.Form):
    """Choose an expert of the round's committee; the conflict rules are checked by `assign_expert`."""

    expert = forms.TypedChoiceField(label=_("Expert"), coerce=int)

    def __init__(self, *args, review_round, suggested, **kwargs):
        super().__init__(*args, **kwargs)
        suggested_ids = [m.expert_id for m in suggested]
        suggested_labels = [(m.expert_id, member_label(m)) for m in suggested]
        others = (
            review_round.committee.members.exclude(expert_id__in=suggested_ids)
            .select_related("expert", "expert__organisation").order_by("expert__full_name", "pk")
        )
        choices = [("", "—")]
        if suggested_labels:
            choices.append((_("Suggested (no conflict, field first)"), suggested_labels))
        other_labels = [(m.expert_id, member_label(m)) for m in others]
        if other_labels:
            choices.append((_("Other members of the committee"), other_labels))
        self.fields["expert"].choices = choices

    def expert_user(self):
        return get_user_model().objects.select_related("organisation").get(pk=self.cleaned_data["expert"])


def member_label(member):
    from applications.choices import Field

    labels = dict(Field.choices)
    parts = [str(member.expert)]
    if member.expert.organisation_id:
        parts.append(str(member.expert.organisation))
    fields = format_list(labels.get(f, f) for f in member.fields or [])
    if fields:
        parts.append(fields)
    return " · ".join(parts)


class ConcludeForm(RuleFormMixin, forms.Form):
    """For each live application of the round: advance to site inspection, or reject with a reason."""

    ACTIONS = [("advance", _("Advance to site inspection")), ("reject", _("Reject"))]

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = list(applications)
        for app in self.applications:
            self.fields[f"action_{app.pk}"] = forms.ChoiceField(
                label=str(app), choices=self.ACTIONS, widget=forms.RadioSelect, required=True,
            )
            self.fields[f"reason_{app.pk}"] = forms.CharField(
                label=_("Reason"), required=False, widget=_textarea(2),
                help_text=_("Required when rejecting."),
            )
        self.rule_field_map = {"decisions": None}

    def rows(self):
        return [(app, self[f"action_{app.pk}"], self[f"reason_{app.pk}"]) for app in self.applications]

    def decisions(self):
        return {
            app.pk: (self.cleaned_data[f"action_{app.pk}"], self.cleaned_data.get(f"reason_{app.pk}", ""))
            for app in self.applications
        }


class LabConcludeForm(RuleFormMixin, forms.Form):
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
                label=_("Experts' opinion"), widget=_textarea(3),
                help_text=_("Required: it is printed on the acceptance opinion.") if acceptance
                else _("Required: it is printed on the evaluation result notice."),
                error_messages={"required": _("Give the experts' opinion on this laboratory (%(article)s).")
                                % {"article": cite(self.article)}},
            )
        self.rule_field_map = {"decisions": None}

    def rows(self):
        return [(lab, self[f"outcome_{lab.application_id}"], self[f"opinion_{lab.application_id}"]) for lab in self.laboratories]

    def decisions(self):
        return {
            lab.application_id: (self.cleaned_data[f"outcome_{lab.application_id}"],
                                 self.cleaned_data[f"opinion_{lab.application_id}"])
            for lab in self.laboratories
        }


# --- site inspection -----------------------------------------------------------------------------


class InspectionForm(RuleFormMixin, forms.ModelForm):
    class Meta:
        model = SiteInspection
        fields = ["team", "visited_on", "findings", "verdict", "report"]
        widgets = {
            "team": _textarea(2),
            "findings": _textarea(6),
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "verdict": forms.RadioSelect,
        }
        help_texts = {
            "team": _("Names and organisations of the inspection team."),
            "report": _("Optional: PDF, image or office document; checked by its content."),
        }

    def clean_report(self):
        report = self.cleaned_data.get("report")
        if report and hasattr(report, "size"):
            try:
                inspect_upload(report)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict.get("file", exc.messages)) from exc
        return report


# --- publicity -------------------------------------------------------------------------------------


class NoticeForm(RuleFormMixin, forms.Form):
    """Publicity of inspected applications (Art. 13) or of laboratories whose acceptance both ministries
    confirmed (Art. 19): the subject chosen decides which list counts."""

    subject = forms.ChoiceField(label=_("Publicity of"), choices=PublicityNotice.Subject.choices, required=False,
                                initial=PublicityNotice.Subject.APPLICATIONS, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Day of publication"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    working_days = forms.IntegerField(
        label=_("Publicity period in working days"), min_value=1, max_value=60,
        help_text=_("Counted from the day after publication, on the Chinese calendar (public holidays are skipped, "
                    "make-up working days count)."),
    )
    applications = ApplicationChoiceField(
        label=_("Applications"), queryset=Application.objects.none(), required=False,
        help_text=_("Applications whose site inspection confirmed the conditions (Art. 13)."),
    )
    laboratories = LaboratoryChoiceField(
        label=_("Laboratories"), queryset=None, required=False,
        help_text=_("Laboratories that passed acceptance; only those whose acceptance both SAMR and MIIT confirmed "
                    "go under publicity (Art. 19)."),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("starts_on", timezone.localdate())
        kwargs["initial"].setdefault("working_days", settings.PUBLICITY_WORKING_DAYS)
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = Application.objects.visible_to(user).filter(status=Status.INSPECTED).for_table()
        self.fields["laboratories"].queryset = (
            Laboratory.objects.visible_to(user).filter(status=LabStatus.ACCEPTANCE_CONFIRMATION)
            .select_related("host", "application").with_confirmations().order_by("name_zh", "pk")
        )
        self.rule_field_map = {}

    def clean(self):
        data = super().clean()
        data["subject"] = data.get("subject") or PublicityNotice.Subject.APPLICATIONS
        if data["subject"] == PublicityNotice.Subject.ACCEPTANCE:
            # The service names "applications" (the labs' applications): for this subject that is this list.
            self.rule_field_map = {"applications": "laboratories"}
            if not data.get("laboratories"):
                self.add_error("laboratories", _("Choose at least one laboratory (Art. 19)."))
        return data

    def window_values(self):
        """(starts_on, working_days) from the posted or initial values, or (None, None)."""
        if self.is_bound:
            start = self.fields["starts_on"].widget.value_from_datadict(self.data, self.files, self.add_prefix("starts_on"))
            days = self.fields["working_days"].widget.value_from_datadict(self.data, self.files, self.add_prefix("working_days"))
            try:
                start = self.fields["starts_on"].clean(start)
                days = self.fields["working_days"].clean(days)
            except ValidationError:
                return None, None
            return start, days
        return self.initial.get("starts_on"), self.initial.get("working_days")
