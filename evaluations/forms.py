"""Browser forms of the laboratory's pages. They only collect input: every rule is the services'
(`evaluations.services`) or a model @transition's, reported back onto these forms with its article."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.provinces import Province
from applications.choices import Field
from kernel.filters import KeywordFilterSet, SortFilter
from kernel.forms import RuleFormMixin, textarea

from .models import AnnualReport, ChangeKind, Laboratory, LabStatus, ReportOutput


class LabRuleFormMixin(RuleFormMixin):
    """`add_rule_violation` for RuleViolations, and `add_validation_error` for a model's full_clean errors
    (fields this form lacks go above the form)."""

    def add_validation_error(self, exc):
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)


LAB_SORTS = [
    ("approved", _("Latest approved first"), ("-approved_on", "name_sort", "pk")),
    ("name", _("Name (pinyin)"), ("name_sort", "pk")),
]


class LaboratoryFilter(KeywordFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=LabStatus.choices, empty_label=_("All statuses"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    field = django_filters.ChoiceFilter(
        label=_("Field"), choices=Field.choices, empty_label=_("All fields"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    province = django_filters.ChoiceFilter(
        label=_("Province"), choices=Province.choices, empty_label=_("All provinces"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    sort = SortFilter(LAB_SORTS)

    class Meta:
        model = Laboratory
        fields = ["q", "status", "field", "province", "sort"]


# --- the lab's own data (Art. 14-16) -------------------------------------------------------------


class LabPeopleForm(LabRuleFormMixin, forms.ModelForm):
    """Director and position (Art. 14), academic committee chair and organisation (Art. 15), units, staff.
    Saved by `services.update_lab_people`, which checks the rules."""

    class Meta:
        model = Laboratory
        fields = ["director_name", "director_position", "committee_chair_name", "committee_chair_organisation",
                  "research_units", "staff_summary"]
        widgets = {"research_units": textarea(4), "staff_summary": textarea(4)}
        help_texts = {
            "director_position": _("The director is a senior leader of the host institution (Art. 14)."),
            "committee_chair_organisation": _("The chair is generally not from the host or a consortium member (Art. 15)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False  # the service says what is required, citing the article

    def _post_clean(self):
        """Input only: the model's rules run in the service, not in ModelForm's validation."""


# --- acceptance (Art. 17-18) ---------------------------------------------------------------------


class AcceptanceForm(LabRuleFormMixin, forms.Form):
    report = forms.CharField(label=_("Construction report"), required=False, widget=textarea(8),
                             help_text=_("What was built during the construction period, against the build plan (Art. 17-18)."))


class GoalStatementForm(forms.Form):
    goal = forms.CharField(label=_("Goal of the build plan"), required=False, widget=textarea(2))
    achieved = forms.CharField(label=_("What was achieved"), required=False, widget=textarea(2))

    def clean(self):
        data = super().clean()
        if (data.get("goal") or "").strip() and not (data.get("achieved") or "").strip():
            self.add_error("achieved", _("Say what was achieved for this goal."))
        return data

    def statement(self):
        data = self.cleaned_data
        goal = (data.get("goal") or "").strip()
        return {"goal": goal, "achieved": (data.get("achieved") or "").strip()} if goal else None


GoalStatementFormSet = forms.formset_factory(GoalStatementForm, extra=1, max_num=50, validate_max=True)


def goal_statements(formset):
    return [s for s in (f.statement() for f in formset.forms if f.cleaned_data) if s]


# --- extension (Art. 18) -------------------------------------------------------------------------


class ExtensionRequestForm(LabRuleFormMixin, forms.Form):
    months = forms.IntegerField(label=_("Extension (months)"),
                                help_text=_("At most 12 months, once, requested at least 3 months before the end (Art. 18)."))
    reason = forms.CharField(label=_("Why the construction cannot be finished in time"), required=False, widget=textarea(5))


# --- the host's written statement on a proposed termination or removal ---------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by content where it is kept (`services.make_statement`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        return [super(MultipleFileField, self).clean(item, initial) for item in (data if isinstance(data, (list, tuple)) else [data])]


class StatementForm(LabRuleFormMixin, forms.Form):
    statement = forms.CharField(label=_("Written statement"), required=False, widget=textarea(8),
                                help_text=_("The facts and reasons SAMR and MIIT should weigh before they decide. It is "
                                            "made once and cannot be changed afterwards."))
    files = MultipleFileField(label=_("Attachments"), required=False,
                              help_text=_("Up to 10 files: PDF, images, Word, Excel, PowerPoint or OpenDocument; checked "
                                          "by content."))


class RecommenderOpinionForm(LabRuleFormMixin, forms.Form):
    """The recommender's opinion on the lab in an acceptance or evaluation round (Art. 10(3)); the rules are
    `services.give_recommender_opinion`'s."""

    text = forms.CharField(label=_("Your organisation's opinion"), required=False, widget=textarea(8),
                           help_text=_("What SAMR and MIIT should know of the laboratory for this round: its construction "
                                       "or operation, the support given to it, any concern. You may change it until the "
                                       "round is concluded."))

    rule_field_map = {"round": None}


# --- annual reports (Art. 18, 21-23, 26) ---------------------------------------------------------


class AnnualReportForm(LabRuleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=AnnualReport.Kind.choices)
    summary = forms.CharField(label=_("Progress and research"), required=False, widget=textarea(6))
    open_projects = forms.CharField(label=_("Open projects (Art. 21)"), required=False, widget=textarea(3))
    exchanges = forms.CharField(label=_("Exchanges and cooperation (Art. 21)"), required=False, widget=textarea(3))
    public_services = forms.CharField(label=_("Public-benefit quality services (Art. 22)"), required=False, widget=textarea(3))

    # The year of each report the page showed ("construction:2"): filing the same page twice files it once.
    periods = forms.CharField(widget=forms.HiddenInput, required=False)

    rule_field_map = {"outputs": None, "period": None}

    def __init__(self, *args, due=None, periods=None, **kwargs):
        """`due`: {kind: deadline} of the reports that may be filed now; `periods`: {kind: year number}."""
        super().__init__(*args, **kwargs)
        due = due or {}
        self.fields["kind"].choices = [(k, label) for k, label in AnnualReport.Kind.choices if k in due]
        if len(due) == 1:
            self.fields["kind"].initial = next(iter(due))
        self.fields["periods"].initial = ",".join(f"{kind}:{n}" for kind, n in (periods or {}).items())

    def period(self):
        """The year number the page showed for the chosen kind, or None."""
        for item in (self.cleaned_data.get("periods") or "").split(","):
            kind, _sep, number = item.partition(":")
            if kind == self.cleaned_data.get("kind") and number.isdecimal():
                return int(number)
        return None

    def data_fields(self):
        return {name: self.cleaned_data.get(name, "") for name in ("summary", "open_projects", "exchanges", "public_services")}


class OutputForm(forms.Form):
    """One output of the year (Art. 23): its kind, title and the affiliation as printed."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *ReportOutput.Kind.choices], required=False)
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    credit_line = forms.CharField(label=_("Affiliation as printed"), max_length=300, required=False,
                                  help_text=_("Must name the lab (Art. 23)."))

    def clean(self):
        data = super().clean()
        if any(data.get(name) for name in ("kind", "title", "credit_line")):
            for name in ("kind", "title"):  # a blank affiliation is the service's Art. 23 refusal
                if not data.get(name):
                    self.add_error(name, _("Give the kind and the title of each output."))
        return data

    def output(self):
        data = self.cleaned_data
        if not data or not data.get("title"):
            return None  # an empty row
        return {"kind": data["kind"], "title": data["title"].strip(), "credit_line": data["credit_line"].strip()}


OutputFormSet = forms.formset_factory(OutputForm, extra=3, max_num=200, validate_max=True)


def outputs_of(formset):
    return [o for o in (f.output() for f in formset.forms) if o]


# --- changes (Art. 24, 31) -----------------------------------------------------------------------


class ChangeReportForm(LabRuleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Change"), choices=ChangeKind.choices)
    description = forms.CharField(label=_("Report"), widget=textarea(6),
                                  help_text=_("What changes and why (Art. 24)."))
    new_name_zh = forms.CharField(label=_("New name"), max_length=100, required=False,
                                  help_text=_("For a renaming: “××国家质量标准实验室” (Art. 31)."))
    new_name_en_subject = forms.CharField(label=_("New ×× part of the English name"), max_length=150, required=False,
                                          help_text=_("For a renaming: the ×× part only (Art. 31)."))

