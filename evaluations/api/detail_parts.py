"""Parts of a laboratory's detail: its clocks, the ministries' sign-offs, the reports due and its history."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from applications.api.common import TimelineEntrySerializer
from kernel.api_views import ChoiceLabelField, named_choice_field
from kernel.models import Deadline, SignOff
from reviews.api.common import NamedSerializer, PersonNameSerializer

from ..models import (
    AdverseProposal,
    AnnualReport,
    ChangeStatus,
    ExtensionStatus,
    LabStatus,
    ProposalGrounds,
    ProposalKind,
    ProposalOutcome,
    RecommenderOpinion,
    StatementAttachment,
)

STATE_LABELS = {**dict(LabStatus.choices), **dict(ExtensionStatus.choices), **dict(ChangeStatus.choices)}


class DeadlineSerializer(serializers.ModelSerializer):
    """A clock of the lab (Art. 18, 19, 26, 27) and whether it is open, met, missed or cancelled."""

    label = serializers.CharField(source="kind_label", read_only=True)
    state = named_choice_field("DeadlineStateEnum", Deadline.State.choices, read_only=True)
    state_display = ChoiceLabelField(source="state")

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
    period = serializers.IntegerField(read_only=True, help_text=gettext_lazy("The year number the report covers."))


class LabTimelineEntrySerializer(TimelineEntrySerializer):
    def _label(self, value):
        return str(STATE_LABELS.get(value, value))


class StatementFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = StatementAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return obj.get_absolute_url()


class ProposalSerializer(serializers.ModelSerializer):
    """A proposed termination or removal (Art. 18, 19, 25, 27), the host's statement and how it ended."""

    kind = named_choice_field("ProposalKindEnum", ProposalKind.choices, read_only=True)
    grounds = named_choice_field("ProposalGroundsEnum", ProposalGrounds.choices, read_only=True)
    outcome = named_choice_field("ProposalOutcomeEnum", ProposalOutcome.choices, read_only=True)
    article = serializers.CharField(read_only=True)
    proposed_by = PersonNameSerializer(read_only=True)
    statement_by = PersonNameSerializer(read_only=True)
    attachments = StatementFileSerializer(many=True, read_only=True)

    class Meta:
        model = AdverseProposal
        fields = ["id", "kind", "grounds", "article", "reason", "proposed_by", "proposed_at", "statement_due", "statement",
                  "statement_by", "statement_at", "attachments", "outcome", "outcome_reason", "closed_at"]
        read_only_fields = fields


class StatementSerializer(serializers.Serializer):
    """The request of `POST /api/laboratories/{id}/statement/` (multipart)."""

    statement = serializers.CharField(help_text=gettext_lazy("The facts and reasons the ministries should weigh."))
    files = serializers.ListField(child=serializers.FileField(), required=False,
                                  help_text=gettext_lazy("Up to 10 files, checked by content."))


class RecommenderOpinionSerializer(serializers.ModelSerializer):
    """A recommender's opinion on the lab in an acceptance or evaluation round (Art. 10(3))."""

    round = serializers.IntegerField(source="entry.round_id", read_only=True)
    round_title = serializers.CharField(source="entry.round.title", read_only=True)
    recommender = NamedSerializer(read_only=True)
    author = PersonNameSerializer(read_only=True)

    class Meta:
        model = RecommenderOpinion
        fields = ["id", "round", "round_title", "recommender", "author", "text", "submitted_at", "updated_at"]
        read_only_fields = fields


class OpinionRequestSerializer(serializers.Serializer):
    """The request of `POST /api/laboratories/{id}/opinion/`."""

    text = serializers.CharField(allow_blank=True, trim_whitespace=False,
                                 help_text=gettext_lazy("Your organisation's opinion on the laboratory for the round."))
    round = serializers.IntegerField(required=False, allow_null=True,
                                     help_text=gettext_lazy("The acceptance or evaluation round; by default the one the "
                                                            "laboratory is being scored in now."))
