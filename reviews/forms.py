"""Browser forms of the ministry staff pages. They only collect input: every rule is the model's or
the service's (`reviews.services`, the @transition methods) and is reported back onto these forms."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from applications.choices import Field, ResearchDirection
from applications.models import Application, Status
from applications.uploads import inspect_upload
from kernel.formatting import format_list
from kernel.forms import RuleFormMixin, textarea
from kernel.validators import sane_date

from .models import (
    CommitteeMember,
    CommitteeStatus,
    CriteriaSet,
    Employment,
    ExpertCommittee,
    Expertise,
    FormalReviewItem,
    NoticeStatus,
    Position,
    PublicityNotice,
    SiteInspection,
)
from .services import default_scoring_due

FORMAL_REVIEW_ACTIONS = ("pass_formal_review", "request_supplement", "reject_formally")


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
            if part.isdecimal():
                ids.append(int(part))
    return ids


# --- formal review (Art. 13) -----------------------------------------------------------------------


class FormalReviewForm(RuleFormMixin, forms.Form):
    """The active checklist as checkboxes, plus the comment. The outcome is the button pressed."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=textarea(4),
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


# --- committee membership (Art. 9) -------------------------------------------------------------------


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.expert} · {obj.get_position_display()}"


class ExpertChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.organisation}" if obj.organisation_id else str(obj)


class ReplaceMemberForm(RuleFormMixin, forms.Form):
    """Who leaves, who takes the seat and in which position; `ExpertCommittee.replace_member` checks Art. 9."""

    member = MemberChoiceField(label=_("Outgoing member"), queryset=CommitteeMember.objects.none())
    incoming = ExpertChoiceField(label=_("Incoming expert"), queryset=get_user_model().objects.none(),
                                 help_text=_("An active expert account who is not yet a member."))
    position = forms.ChoiceField(label=_("Position of the incoming expert"), required=False,
                                 choices=[("", _("The outgoing member's position"))] + list(Position.choices))
    fields = forms.MultipleChoiceField(label=_("Fields (Art. 4)"), choices=Field.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    comment = forms.CharField(label=_("Reason"), widget=textarea(3), max_length=2000,
                              help_text=_("Why the seat changes hands (resignation, conflict, health, ...); kept in the record."))

    def __init__(self, *args, committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = committee.members.select_related("expert").order_by("position", "expert__full_name")
        self.fields["incoming"].queryset = (
            get_user_model().objects.filter(role=Role.EXPERT, is_active=True).exclude(committee_memberships__committee=committee)
            .select_related("organisation").order_by("full_name", "pk"))


# --- expert review rounds ----------------------------------------------------------------------


class CriteriaSetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.get_purpose_display()}"


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
    scoring_due = forms.DateField(
        label=_("Scores due"), widget=forms.DateInput(attrs={"type": "date"}), required=False,
        validators=[sane_date(_("Scores due"))],
        help_text=_("Left empty: %(n)s working days from today. The experts yet to submit are reminded 3 days and 1 day "
                    "before; staff are told when it passes.") % {"n": settings.ROUND_SCORING_WORKING_DAYS},
    )

    def __init__(self, *args, user, pages, **kwargs):
        """`pages`: {purpose: RoundPages}; each adds the list its rounds choose from (laboratories)."""
        super().__init__(*args, **kwargs)
        self.fields["scoring_due"].initial = default_scoring_due()
        self.pages = pages
        self.fields["committee"].queryset = ExpertCommittee.objects.filter(status=CommitteeStatus.ACTIVE).order_by("name")
        self.fields["criteria_set"].queryset = CriteriaSet.objects.order_by("purpose", "name", "pk")
        self.fields["applications"].queryset = (
            Application.objects.visible_to(user).filter(status=Status.FORMAL_REVIEW_PASSED).for_table()
        )
        for purpose_pages in pages.values():
            purpose_pages.add_fields(self, user)

    def clean(self):
        data = super().clean()
        criteria_set = data.get("criteria_set")
        if criteria_set is not None:
            self.pages[criteria_set.purpose].clean(self, data)
        return data

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
    labels = dict(Field.choices)
    parts = [str(member.expert)]
    if member.expert.organisation_id:
        parts.append(str(member.expert.organisation))
    fields = format_list(labels.get(f, f) for f in member.fields or [])
    if fields:
        parts.append(fields)
    return " · ".join(parts)


class ScoringDueForm(forms.Form):
    due = forms.DateField(label=_("Scores due"), widget=forms.DateInput(attrs={"type": "date"}),
                          validators=[sane_date(_("Scores due"))])


class ConcludeFormMixin(RuleFormMixin):
    """What concluding any round asks besides its decisions: why, if so, it ends before every opinion is in."""

    def add_short_reason(self):
        self.fields["short_reason"] = forms.CharField(
            label=_("Reason for concluding before every assigned expert has submitted"), required=False,
            widget=textarea(2), max_length=2000)


class ConcludeForm(ConcludeFormMixin, forms.Form):
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
                label=_("Reason"), required=False, widget=textarea(2),
                help_text=_("Required when rejecting."),
            )
        self.rule_field_map = {"decisions": None}
        self.add_short_reason()

    def rows(self):
        return [(app, self[f"action_{app.pk}"], self[f"reason_{app.pk}"]) for app in self.applications]

    def decisions(self):
        return {
            app.pk: (self.cleaned_data[f"action_{app.pk}"], self.cleaned_data.get(f"reason_{app.pk}", ""))
            for app in self.applications
        }


# --- site inspection -----------------------------------------------------------------------------


class InspectionForm(RuleFormMixin, forms.ModelForm):
    class Meta:
        model = SiteInspection
        fields = ["team", "visited_on", "findings", "verdict", "report"]
        widgets = {
            "team": textarea(2),
            "findings": textarea(6),
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
    starts_on = forms.DateField(label=_("Day of publication"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                validators=[sane_date(_("Day of publication"))],
                                help_text=_("Today, or a later day: the notice is then scheduled, and it is published and "
                                            "its window starts on that day."))
    working_days = forms.IntegerField(
        label=_("Publicity period in working days"), min_value=1, max_value=60,
        help_text=_("Counted from the day after publication, on the Chinese calendar (public holidays are skipped, "
                    "make-up working days count)."),
    )
    applications = ApplicationChoiceField(
        label=_("Applications"), queryset=Application.objects.none(), required=False,
        help_text=_("Applications whose site inspection confirmed the conditions (Art. 13)."),
    )

    def __init__(self, *args, user, pages, **kwargs):
        """`pages`: {subject: NoticePages}; each adds the list its notices choose from (laboratories)."""
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("starts_on", timezone.localdate())
        kwargs["initial"].setdefault("working_days", settings.PUBLICITY_WORKING_DAYS)
        super().__init__(*args, **kwargs)
        self.pages = pages
        self.fields["starts_on"].widget.attrs["min"] = timezone.localdate().isoformat()  # never before today (Art. 13)
        # An application held by a notice dated ahead is not offered again (`services.reserving_notices`).
        self.fields["applications"].queryset = (Application.objects.visible_to(user).filter(status=Status.INSPECTED)
                                                .exclude(publicity_notices__status=NoticeStatus.SCHEDULED).for_table())
        for subject_pages in pages.values():
            subject_pages.add_fields(self, user)
        self.rule_field_map = {}

    def clean(self):
        data = super().clean()
        data["subject"] = data.get("subject") or PublicityNotice.Subject.APPLICATIONS
        self.pages[data["subject"]].clean(self, data)
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


class RevealIdNumberForm(RuleFormMixin, forms.Form):
    """Why a member of staff needs an objector's full ID card number (recorded in the audit log)."""

    reason = forms.CharField(
        label=_("Why do you need the full number?"), max_length=500, widget=textarea(3),
        help_text=_("For example: to verify the objector's identity with the public security organ. "
                    "The reason, your name and the time are recorded."),
    )


class AutoAssignForm(RuleFormMixin, forms.Form):
    """What the automatic assignment is asked for (`reviews.autoassign.propose`)."""

    per_subject = forms.IntegerField(label=_("Experts per entry"), min_value=1, max_value=15,
                                     help_text=_("An odd number, so that the opinions cannot tie."))
    max_load = forms.IntegerField(label=_("Maximum load per expert"), min_value=1, max_value=500)
    spread_leaders = forms.BooleanField(label=_("At most one chair or vice-chair per entry"), required=False)
    avoid_home_province = forms.BooleanField(label=_("Avoid experts of the entry's own province (回避本省)"),
                                             required=False)


class CellForm(forms.Form):
    """One hand change of a proposal: an expert added to or removed from an entry."""

    application = forms.IntegerField()
    add = forms.IntegerField(required=False)
    remove = forms.IntegerField(required=False)


class ExpertiseForm(forms.ModelForm):
    """An expert's Art. 4 fields and Art. 3 directions, as staff keep them."""

    fields = forms.MultipleChoiceField(label=_("Fields (Art. 4)"), choices=Field.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    directions = forms.MultipleChoiceField(label=_("Research directions (Art. 3)"), choices=ResearchDirection.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Expertise
        fields = ["fields", "directions"]


EmploymentFormSet = forms.inlineformset_factory(
    get_user_model(), Employment, fields=["organisation", "started_on", "ended_on"], extra=2, can_delete=True,
    widgets={"started_on": forms.DateInput(attrs={"type": "date"}), "ended_on": forms.DateInput(attrs={"type": "date"})},
)
