"""Parts of a laboratory's detail: its clocks, the ministries' sign-offs, the reports due and its history."""

from rest_framework import serializers

from applications.api.common import TimelineEntrySerializer
from kernel.api_views import named_choice_field
from kernel.models import Deadline, SignOff
from reviews.api.common import PersonNameSerializer

from ..models import AnnualReport, ChangeStatus, ExtensionStatus, LabStatus

STATE_LABELS = {**dict(LabStatus.choices), **dict(ExtensionStatus.choices), **dict(ChangeStatus.choices)}


class DeadlineSerializer(serializers.ModelSerializer):
    """A clock of the lab (Art. 18, 19, 26, 27) and whether it is open, met, missed or cancelled."""

    label = serializers.CharField(source="kind_label", read_only=True)
    state = named_choice_field("DeadlineStateEnum", Deadline.State.choices, read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Deadline
        fields = ["kind", "label", "article", "due_date", "state", "state_display", "closed_at"]
        read_only_fields = fields


class SignOffSerializer(serializers.ModelSerializer):
    """One ministry's sign-off of a decision given to "SAMR and MIIT" (Art. 19 confirmation, Art. 25 delisting)."""

    ministry = named_choice_field("SignOffMinistryEnum", SignOff.Ministry.choices, read_only=True)
    signed_by = PersonNameSerializer(read_only=True)

    class Meta:
        model = SignOff
        fields = ["decision", "ministry", "signed_by", "signed_at", "comment"]
        read_only_fields = fields


class ReportDueSerializer(serializers.Serializer):
    kind = named_choice_field("AnnualReportKindEnum", AnnualReport.Kind.choices, read_only=True)
    due_date = serializers.DateField(read_only=True)


class LabTimelineEntrySerializer(TimelineEntrySerializer):
    def _label(self, value):
        return str(STATE_LABELS.get(value, value))
