"""The read-only parts of an application's detail: the Art. 12 self-check, what is missing for submission,
and the recommenders' Art. 10 reviews."""

from rest_framework import serializers

from accounts.api import OrganisationBriefSerializer
from kernel.api_views import ChoiceLabelField, named_choice_field

from ..choices import DimensionVerdict
from ..eligibility import FAIL, INFO, NOT_MET, PASS, WARNING
from ..models import PreliminaryReview


class EligibilityLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    article = serializers.CharField()
    title = serializers.CharField()
    status = named_choice_field("EligibilityStatusEnum", [(s, s) for s in (PASS, WARNING, FAIL, NOT_MET, INFO)])
    status_label = serializers.CharField()
    message = serializers.CharField()


# Lines nest (Art. 12 (4) has its five items as children).
EligibilityLineSerializer._declared_fields["children"] = EligibilityLineSerializer(many=True, read_only=True)


class EligibilitySerializer(serializers.Serializer):
    """The Art. 12 self-check, computed from the dossier (`applications.eligibility`)."""

    reference_year = serializers.IntegerField()
    passed = serializers.BooleanField()
    has_warnings = serializers.BooleanField()
    lines = EligibilityLineSerializer(many=True)


class MissingItemSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class DimensionEntrySerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=DimensionVerdict.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class PreliminaryReviewSerializer(serializers.ModelSerializer):
    recommender = OrganisationBriefSerializer(read_only=True)
    decision_display = ChoiceLabelField(source="decision")
    dimensions = serializers.DictField(child=DimensionEntrySerializer(), read_only=True)
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = PreliminaryReview
        fields = [
            "id", "recommender", "round", "decision", "decision_display", "dimensions", "warnings_acknowledged",
            "comment", "decided_by_name", "decided_at",
        ]
        read_only_fields = fields

    def get_decided_by_name(self, obj) -> str:
        return str(obj.decided_by) if obj.decided_by_id else ""
