"""Browser forms of the application dossier: one editor per section, the list filter, the upload
form and the recommender's preliminary review form.

Forms only collect input; every rule is the model's (`Application.clean`, `ConsortiumMember.clean`,
`applications.uploads.inspect_upload`, `PreliminaryReview.record` through `run_transition`).
"""

import os
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import inlineformset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import RECOMMENDER_KINDS, Organisation
from kernel.filters import KeywordFilterSet, SortFilter
from kernel.forms import textarea
from kernel.rules import refusal_text
from kernel.validators import sane_date

from .choices import AttachmentSection, DimensionVerdict, Field, ResearchDirection, ReviewDimension
from .models import (
    Application,
    Attachment,
    Call,
    ConsortiumMember,
    NationalProject,
    OutcomeClaim,
    ServiceIncome,
    StandardLed,
    Status,
    TeamMember,
    TechnologyTransfer,
)
from .uploads import inspect_upload
from .validators import NOT_A_HOST_MESSAGE, consortium_candidates


class DossierModelForm(forms.ModelForm):
    """A ModelForm whose model-level errors on fields outside this section still show (as non-field
    errors) instead of crashing the form."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            remapped = {}
            for name, messages in errors.error_dict.items():
                key = name if (name == NON_FIELD_ERRORS or name in self.fields) else NON_FIELD_ERRORS
                remapped.setdefault(key, []).extend(messages)
            errors = ValidationError(remapped)
        super()._update_errors(errors)


def _verbose(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


# --- scalar forms of each section --------------------------------------------------------------


class OverviewForm(DossierModelForm):
    research_directions = forms.MultipleChoiceField(
        label=_verbose(Application, "research_directions"),
        choices=ResearchDirection.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Application
        fields = [
            "name_zh", "name_en_subject", "field", "research_directions", "summary", "construction_plan",
            "provincial_lab_name", "provincial_lab_established",
        ]
        widgets = {
            "name_zh": forms.TextInput(attrs={"placeholder": "××国家质量标准实验室"}),
            "summary": textarea(4),
            "construction_plan": textarea(6),
            "provincial_lab_established": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "name_zh": _("Art. 31: the name reads “××国家质量标准实验室”."),
            "provincial_lab_name": _("Only if the lab builds on a provincial or ministerial lab (Art. 12: preferred after 2 years)."),
        }


class FacilitiesForm(DossierModelForm):
    class Meta:
        model = Application
        fields = ["research_space_m2", "instrument_value_cny", "precision_statement", "data_capability", "data_storage_tb"]
        widgets = {"precision_statement": textarea(3), "data_capability": textarea(3)}
        help_texts = {
            "research_space_m2": _("Art. 12 (1): in principle at least 3,000 m²."),
            "instrument_value_cny": _("Art. 12 (1): in principle at least 50 million CNY; enter the figure in yuan, e.g. 52000000."),
        }


class TeamForm(DossierModelForm):
    class Meta:
        model = Application
        fields = ["team_statement"]
        widgets = {"team_statement": textarea(5)}


class ResearchForm(DossierModelForm):
    class Meta:
        model = Application
        fields = ["authority_statement", "breakthrough_statement"]
        widgets = {"authority_statement": textarea(4), "breakthrough_statement": textarea(4)}


class SupportForm(DossierModelForm):
    class Meta:
        model = Application
        fields = ["is_host_priority", "host_commitment"]
        widgets = {"host_commitment": textarea(5)}


class OutcomeEvidenceForm(forms.Form):
    """Art. 12 (4): one evidence box per outcome item; saved as one OutcomeClaim per item."""

    def __init__(self, *args, application, **kwargs):
        self.application = application
        existing = {c.item: c for c in application.outcome_claims.all()}
        self.existing = existing
        initial = {f"evidence_{item}": c.evidence for item, c in existing.items()}
        super().__init__(*args, initial=initial, **kwargs)
        for item, label in OutcomeClaim.Item.choices:
            self.fields[f"evidence_{item}"] = forms.CharField(
                label=f"{item}. {label}", required=False, widget=textarea(3),
            )

    def claims(self):
        """Unsaved OutcomeClaim objects as the posted evidence would leave them."""
        claims = []
        for item in OutcomeClaim.Item.values:
            evidence = self.cleaned_data.get(f"evidence_{item}", "") if hasattr(self, "cleaned_data") else ""
            claim = self.existing.get(item) or OutcomeClaim(application=self.application, item=item)
            claim.evidence = evidence
            if claim.pk or evidence.strip():
                claims.append(claim)
        return claims

    def save(self):
        for claim in self.claims():
            if claim.pk:
                claim.save(update_fields=["evidence"])
            else:
                OutcomeClaim.objects.get_or_create(
                    application=self.application, item=claim.item, defaults={"evidence": claim.evidence}
                )


# --- inline formsets -----------------------------------------------------------------------------


class RowForm(DossierModelForm):
    """A row of a table formset (labels are in the table header and visually hidden per cell)."""


class ConsortiumMemberForm(RowForm):
    class Meta:
        model = ConsortiumMember
        fields = ["organisation", "role"]

    def __init__(self, *args, lead_host=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = consortium_candidates().order_by("name")
        if lead_host is not None:
            queryset = queryset.exclude(pk=lead_host.pk)
        self.fields["organisation"].queryset = queryset
        self.fields["organisation"].error_messages["invalid_choice"] = NOT_A_HOST_MESSAGE


def _formset(model, fields, form=RowForm, widgets=None, extra=1):
    return inlineformset_factory(
        Application, model, form=form, fields=fields, widgets=widgets or {}, extra=extra, can_delete=True,
    )


TeamMemberFormSet = _formset(
    TeamMember, ["role", "name", "organisation_name", "title", "posts_held"],
    widgets={"posts_held": forms.Textarea(attrs={"rows": 1})}, extra=2,
)
NationalProjectFormSet = _formset(NationalProject, ["title", "number", "programme", "year", "amount_cny"], extra=2)
StandardLedFormSet = _formset(StandardLed, ["number", "title", "level", "year"])
TechnologyTransferFormSet = _formset(TechnologyTransfer, ["title", "year", "amount_cny"])
ServiceIncomeFormSet = _formset(ServiceIncome, ["year", "amount_cny"])
ConsortiumMemberFormSet = _formset(ConsortiumMember, ["organisation", "role"], form=ConsortiumMemberForm)


# --- sections ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    form: type | None = None
    # (prefix, related name on Application, title, formset class)
    formsets: tuple = field(default_factory=tuple)
    article: str = ""


SECTIONS = {
    s.slug: s
    for s in (
        Section("overview", _("Overview"), OverviewForm, article="Art. 3, 4, 31"),
        Section("facilities", _("Facilities"), FacilitiesForm, article="Art. 12 (1)"),
        Section("team", _("Team"), TeamForm, (("team", "team_members", _("Team members"), TeamMemberFormSet),),
                article="Art. 12 (2), 14, 15"),
        Section("research", _("Research capability"), ResearchForm,
                (("projects", "projects", _("National-level projects of the last 5 years"), NationalProjectFormSet),),
                article="Art. 12 (3)"),
        Section("outcomes", _("Outcomes"), OutcomeEvidenceForm, (
            ("standards", "standards", _("Standards and test methods led"), StandardLedFormSet),
            ("transfers", "transfers", _("Technology transfers"), TechnologyTransferFormSet),
            ("incomes", "service_incomes", _("Quality service income per year"), ServiceIncomeFormSet),
        ), article="Art. 12 (4)"),
        Section("support", _("Support"), SupportForm, article="Art. 12 (5)"),
        Section("consortium", _("Consortium"), None,
                (("consortium", "consortium_members", _("Consortium members"), ConsortiumMemberFormSet),),
                article="Art. 5"),
        Section("attachments", _("Attachments"), None),
    )
}
SECTION_ORDER = list(SECTIONS)
EDITOR_SECTIONS = [slug for slug in SECTION_ORDER if slug != "attachments"]


class SectionEditor:
    """The section's scalar form and its formsets, bound together; valid only if all are valid."""

    def __init__(self, slug, application, data=None, files=None):
        self.section = SECTIONS[slug]
        self.application = application
        self.form = None
        if self.section.form is OutcomeEvidenceForm:
            self.form = OutcomeEvidenceForm(data, files, application=application)
        elif self.section.form is not None:
            self.form = self.section.form(data, files, instance=application)
        self.formsets = []
        for prefix, relation, title, formset_class in self.section.formsets:
            kwargs = {"form_kwargs": {"lead_host": application.host}} if formset_class is ConsortiumMemberFormSet else {}
            formset = formset_class(data, files, instance=application, prefix=prefix, **kwargs)
            formset.title = title
            formset.relation = relation
            self.formsets.append(formset)

    def is_valid(self):
        valid = self.form.is_valid() if self.form is not None else True
        return all([valid] + [fs.is_valid() for fs in self.formsets])

    @property
    def has_errors(self):
        return bool((self.form is not None and self.form.errors) or any(
            fs.total_error_count() for fs in self.formsets if fs.is_bound))

    def save(self):
        """Save everything; call inside transaction.atomic after is_valid()."""
        if isinstance(self.form, forms.ModelForm):
            self.form.save()
        else:
            if self.form is not None:
                self.form.save()
            self.application.save()  # the dossier was changed: bump updated_at
        for formset in self.formsets:
            formset.save()
        return self.application

    def preview(self):
        """The application as the posted values would leave it, WITHOUT saving anything: scalar
        values are applied in memory and related rows are served from a stand-in prefetch cache, so
        `check_eligibility` sees the unsaved data. Invalid inputs keep their saved value."""
        app = self.application
        if self.form is not None:
            self.form.is_valid()  # a ModelForm writes the valid cleaned values onto the instance
            if isinstance(self.form, OutcomeEvidenceForm):
                _stand_in(app, "outcome_claims", self.form.claims())
        for formset in self.formsets:
            model = formset.model
            saved = {obj.pk: obj for obj in model.objects.filter(**{formset.fk.name: app})}
            rows = []
            formset.is_valid()
            for form in formset.forms:
                pk = form.instance.pk
                if formset.can_delete and formset._should_delete_form(form):
                    continue
                if form.is_valid():
                    if pk or form.has_changed():
                        rows.append(form.instance)
                elif pk in saved:
                    rows.append(saved[pk])
            _stand_in(app, formset.relation, rows)
        return app


def _stand_in(app, relation, objects):
    manager = getattr(app, relation)
    queryset = manager.model.objects.all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(app, "_prefetched_objects_cache"):
        app._prefetched_objects_cache = {}
    app._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset


# --- attachments -----------------------------------------------------------------------------------


class AttachmentUploadForm(forms.Form):
    section = forms.ChoiceField(label=_verbose(Attachment, "section"), choices=AttachmentSection.choices, initial=AttachmentSection.GENERAL)
    outcome_item = forms.TypedChoiceField(
        label=_verbose(Attachment, "outcome_item"), choices=[("", "—")] + list(OutcomeClaim.Item.choices), coerce=int,
        required=False, empty_value=None,
        help_text=_("For evidence of an Art. 12 (4) outcome item."),
    )
    description = forms.CharField(label=_verbose(Attachment, "description"), max_length=300, required=False)
    file = forms.FileField(
        label=_verbose(Attachment, "file"), help_text=_("PDF, images, Word, Excel, PowerPoint or OpenDocument; checked by content.")
    )

    def clean(self):
        cleaned = super().clean()
        uploaded = cleaned.get("file")
        if uploaded is not None:
            try:
                self.inspected = inspect_upload(uploaded)
            except ValidationError as exc:
                self.add_error(None, exc)  # the dict names the `file` field
        return cleaned

    def save(self, application, user):
        content_type, size, sha256 = self.inspected
        uploaded = self.cleaned_data["file"]
        return Attachment.objects.create(
            application=application,
            section=self.cleaned_data["section"],
            outcome_item=self.cleaned_data.get("outcome_item"),
            description=self.cleaned_data.get("description", ""),
            file=uploaded,
            original_name=os.path.basename(uploaded.name)[:255],
            content_type=content_type,
            size=size,
            sha256=sha256,
            uploaded_by=user,
        )


# --- list filter -----------------------------------------------------------------------------------


# The lists of applications (this one and the ministry queue): newest first, or by name in pinyin order.
APPLICATION_SORTS = [
    ("updated", _("Last saved first"), ("-updated_at", "-pk")),
    ("name", _("Name (pinyin)"), ("name_sort", "pk")),
]


class ApplicationFilter(KeywordFilterSet):
    status = django_filters.ChoiceFilter(
        label=_verbose(Application, "status"),
        choices=Status.choices,
        empty_label=_("All statuses"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    field = django_filters.ChoiceFilter(
        label=_verbose(Application, "field"),
        choices=Field.choices,
        empty_label=_("All fields"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    sort = SortFilter(APPLICATION_SORTS)

    class Meta:
        model = Application
        fields = ["q", "status", "field", "sort"]


# --- preliminary review (Art. 10) ------------------------------------------------------------------

REVIEW_ACTIONS = ("recommend", "return_for_revision", "decline")


class PreliminaryReviewForm(forms.Form):
    """Six Art. 10 dimensions, each with a verdict and a comment; the rules are checked by
    `PreliminaryReview.record` when the transition runs."""

    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        widget=textarea(4),
        help_text=_("Required when returning for revision or declining."),
    )

    def __init__(self, *args, show_acknowledgement=False, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in ReviewDimension.choices:
            self.fields[f"verdict_{code}"] = forms.ChoiceField(
                label=label,
                choices=[("", "—")] + list(DimensionVerdict.choices),
                required=False,
            )
            self.fields[f"comment_{code}"] = forms.CharField(
                label=_("Comment on %(dimension)s") % {"dimension": label},
                required=False,
                widget=textarea(2),
            )
        if show_acknowledgement:
            self.fields["warnings_acknowledged"] = forms.BooleanField(
                label=_("I acknowledge the eligibility warnings (Art. 12: thresholds that apply “in principle”)."),
                required=False,
            )

    def dimension_rows(self):
        return [(self[f"verdict_{code}"], self[f"comment_{code}"]) for code in ReviewDimension.values]

    def dimensions(self):
        return {
            code: {"verdict": self.cleaned_data.get(f"verdict_{code}", ""), "comment": self.cleaned_data.get(f"comment_{code}", "")}
            for code in ReviewDimension.values
        }

    def add_rule_violation(self, exc):
        """Show a RuleViolation on its field (or above the form), with the article it enforces."""
        self.add_error(exc.field if exc.field in self.fields else None, refusal_text(exc))


# --- calls for applications (申报批次) -----------------------------------------------------------------


class CallForm(forms.ModelForm):
    """A draft call (its rules are the model's, `Call.clean`); both ministries then sign it."""

    priority_fields = forms.MultipleChoiceField(label=_("Priority fields (Art. 4)"), choices=Field.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple)
    priority_directions = forms.MultipleChoiceField(label=_("Priority directions (Art. 3)"), choices=ResearchDirection.choices,
                                                    required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Call
        fields = ["title", "number", "opens_on", "closes_on", "recommenders_due", "reference_year", "priority_fields",
                  "priority_directions", "notes"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "recommenders_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": textarea(4),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reference_year"].required = False
        self.fields["reference_year"].help_text = _("Empty: the year submissions open. %(help)s") % {
            "help": self.fields["reference_year"].help_text}
        for name in ("opens_on", "closes_on", "recommenders_due"):
            self.fields[name].validators.append(sane_date(self.fields[name].label))


class CallQuotaForm(forms.Form):
    recommender = forms.ModelChoiceField(label=_("Recommending organisation"), queryset=Organisation.objects.none())
    quota = forms.IntegerField(label=_("Quota (empty: no limit)"), min_value=0, max_value=999, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommender"].queryset = Organisation.objects.filter(kind__in=RECOMMENDER_KINDS).order_by(
            "kind", "province", "name_sort")
        self.fields["recommender"].widget.attrs["class"] = "form-select"
        self.fields["quota"].widget.attrs["class"] = "form-control"


class StartApplicationForm(forms.Form):
    """The call a new dossier is started in: one of those taking applications today (Art. 13)."""

    call = forms.ModelChoiceField(label=_("Call for applications"), queryset=Call.objects.none(), empty_label=None,
                                  widget=forms.RadioSelect)

    def __init__(self, *args, calls=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls if calls is not None else Call.objects.accepting()
