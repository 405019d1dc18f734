"""`/api/lab-rounds/`: acceptance (Art. 19) and comprehensive evaluation (Art. 26-27) rounds of laboratories,
opened by ministry staff and concluded with a verdict or result per lab and the experts' opinion."""

import django_filters
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from kernel.api_views import (
    ERROR_RESPONSES,
    ChoiceLabelField,
    TransitionRequestSerializer,
    TransitionsMixin,
    WithTransitions,
    declared_transition_names,
    is_schema_view,
    named_choice_field,
    transition_schema,
)
from kernel.validators import sane_date
from reviews.api.common import IsMinistryStaff, NamedSerializer, PersonNameSerializer, staff_only
from reviews.models import CriteriaSet, ExpertCommittee, ReviewRound, RoundEntry, RoundStatus

from .. import services
from ..models import Laboratory
from ..states import LAB_ROUND_PURPOSES, AcceptanceVerdict, EvaluationResult, LabStatus


class LabBriefSerializer(serializers.ModelSerializer):
    status = named_choice_field("LaboratoryStatusEnum", LabStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    host = NamedSerializer(read_only=True)

    class Meta:
        model = Laboratory
        fields = ["id", "name_zh", "host", "status", "status_display"]
        read_only_fields = fields


class LabRoundEntrySerializer(serializers.ModelSerializer):
    laboratory = LabBriefSerializer(source="application.laboratory", read_only=True)
    outcome = named_choice_field("RoundEntryOutcomeEnum", RoundEntry.Outcome.choices, read_only=True)
    outcome_display = ChoiceLabelField(source="outcome")

    class Meta:
        model = RoundEntry
        fields = ["id", "application", "laboratory", "outcome", "outcome_display", "reason"]
        read_only_fields = fields


class LabRoundSerializer(WithTransitions, serializers.ModelSerializer):
    committee = NamedSerializer(read_only=True)
    criteria_set = NamedSerializer(read_only=True)
    purpose = named_choice_field("CriteriaSetPurposeEnum", CriteriaSet.Purpose.choices, source="criteria_set.purpose",
                                 read_only=True)
    status = named_choice_field("RoundStatusEnum", RoundStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    opened_by = PersonNameSerializer(read_only=True)
    entry_count = serializers.IntegerField(source="n_applications", read_only=True,
                                           help_text=gettext_lazy("Laboratories in the round."))
    assignment_count = serializers.IntegerField(source="n_assignments", read_only=True,
                                                help_text=gettext_lazy("Experts assigned, over all its laboratories."))
    submitted_count = serializers.IntegerField(source="n_submitted", read_only=True,
                                               help_text=gettext_lazy("Assignments whose scores are submitted."))

    class Meta:
        model = ReviewRound
        fields = ["id", "title", "purpose", "committee", "criteria_set", "status", "status_display", "opened_by",
                  "opened_at", "scoring_due", "concluded_at", "short_reason", "entry_count", "assignment_count",
                  "submitted_count", "available_transitions"]
        read_only_fields = fields


class LabRoundDetailSerializer(LabRoundSerializer):
    """A lab round with its laboratories (the list gives their counts)."""

    entries = LabRoundEntrySerializer(many=True, read_only=True)

    class Meta(LabRoundSerializer.Meta):
        fields = [*LabRoundSerializer.Meta.fields[:-1], "entries", "available_transitions"]
        read_only_fields = fields


class LabRoundCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    committee = serializers.PrimaryKeyRelatedField(queryset=ExpertCommittee.objects.all())
    criteria_set = serializers.PrimaryKeyRelatedField(
        queryset=CriteriaSet.objects.all(),
        help_text=gettext_lazy("A criteria set for acceptance (Art. 19) or for comprehensive evaluation (Art. 26)."),
    )
    laboratories = serializers.PrimaryKeyRelatedField(
        many=True, allow_empty=False, queryset=Laboratory.objects.none(),
        help_text=gettext_lazy("Labs in acceptance review, or in operation / rectifying for an evaluation."),
    )
    scoring_due = serializers.DateField(required=False, allow_null=True, default=None,
                                        validators=[sane_date(gettext_lazy("Scores due"))],
                                        help_text=gettext_lazy("The experts' scoring deadline (left out: the portal's default "
                                                               "number of working days from today)."))

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        visible = Laboratory.objects.visible_to(request.user) if request is not None else Laboratory.objects.none()
        fields["laboratories"].child_relation.queryset = visible
        return fields


# A round of laboratories is concluded with their verdicts (acceptance) or results (evaluation).
LAB_ROUND_DECISIONS = [*AcceptanceVerdict.choices, *EvaluationResult.choices]


class LabDecisionSerializer(serializers.Serializer):
    outcome = named_choice_field("LabRoundDecisionEnum", LAB_ROUND_DECISIONS,
                                 help_text=gettext_lazy("Acceptance: pass / rectify / fail (Art. 19). Evaluation: "
                                                        "excellent / qualified / unqualified (Art. 27)."))
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000,
                                    help_text=gettext_lazy("The experts' opinion (required)."))


class LabRoundTransitionSerializer(TransitionRequestSerializer):
    due = serializers.DateField(required=False, validators=[sane_date(gettext_lazy("Scores due"))],
                                help_text=gettext_lazy("reschedule: the experts' new scoring deadline."))
    short_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text=gettext_lazy("conclude: why the round ends before every assigned expert has submitted (then at least "
                               "two thirds of each entry's experts must have; Art. 13)."),
    )
    decisions = serializers.DictField(
        child=LabDecisionSerializer(), required=False,
        help_text=gettext_lazy("conclude: {laboratory id: {\"outcome\": ..., \"opinion\": ...}} for every lab of "
                               "the round."),
    )

    def validate_decisions(self, value):
        bad = [key for key in value if not str(key).isdecimal()]
        if bad:
            raise ValidationError(_("Keys are laboratory ids; not an id: %(keys)s") % {"keys": ", ".join(map(str, bad))})
        return value


class LabRoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label=gettext_lazy("status"))
    purpose = django_filters.ChoiceFilter(field_name="criteria_set__purpose", label=gettext_lazy("purpose"),
                                          choices=[(p, CriteriaSet.Purpose(p).label) for p in LAB_ROUND_PURPOSES])

    class Meta:
        model = ReviewRound
        fields = ["status", "purpose"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Acceptance and evaluation rounds of laboratories")),
    retrieve=extend_schema(summary=gettext_lazy("A lab round with its laboratories and their outcomes")),
    create=extend_schema(
        summary=gettext_lazy("Open an acceptance (Art. 19) or comprehensive evaluation (Art. 26) round"),
        description=gettext_lazy("Experts are assigned and score through /api/rounds/{id}/assignments/ and "
                                 "/api/assignments/, as in any round; /api/rounds/{id}/results/ ranks them."),
        request=LabRoundCreateSerializer, responses={201: LabRoundDetailSerializer, **ERROR_RESPONSES},
    ),
    transition=transition_schema(LabRoundDetailSerializer, LabRoundTransitionSerializer, names=declared_transition_names(ReviewRound)),
)
class LabRoundViewSet(TransitionsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Ministry staff open a round of labs and conclude it with a verdict or result per lab and the experts'
    opinion: the same `ReviewRound.conclude` the staff pages run."""

    permission_classes = [IsMinistryStaff]
    filterset_class = LabRoundFilter
    transition_serializer_class = LabRoundTransitionSerializer

    def get_queryset(self):
        if is_schema_view(self):
            return ReviewRound.objects.none()
        rounds = staff_only(ReviewRound.objects.filter(criteria_set__purpose__in=LAB_ROUND_PURPOSES), self.request.user)
        rounds = rounds.for_table().order_by("-opened_at", "-pk")
        if self.action == "list":
            return rounds
        entries = RoundEntry.objects.select_related("application__laboratory__host").order_by("pk")
        return rounds.prefetch_related(Prefetch("entries", queryset=entries))

    def get_serializer_class(self):
        if self.action == "create":
            return LabRoundCreateSerializer
        return LabRoundSerializer if self.action == "list" else LabRoundDetailSerializer

    def _detail(self, pk, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=pk)
        return Response(LabRoundDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = LabRoundCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            review_round = services.open_lab_round(data["title"], data["committee"], data["criteria_set"],
                                                   data["laboratories"], request.user, scoring_due=data["scoring_due"])
        return self._detail(review_round.pk, status.HTTP_201_CREATED)

    def transition_response(self, obj):
        return self._detail(obj.pk)

    def get_transition_kwargs(self, obj, name, data):
        """The decisions by laboratory id, as the round's conclusion takes them: by application id."""
        decisions = data.pop("decisions", None)
        kwargs = super().get_transition_kwargs(obj, name, data)
        if decisions is None:
            return kwargs
        in_round = Laboratory.objects.filter(application__round_entries__round=obj)
        applications = {str(lab): app for lab, app in in_round.values_list("pk", "application_id")}
        strangers = [key for key in decisions if str(key) not in applications]
        if strangers:
            raise ValidationError({"decisions": [_("Not a laboratory of this round: %(ids)s")
                                                 % {"ids": ", ".join(map(str, strangers))}]})
        kwargs["decisions"] = {applications[str(key)]: (row["outcome"], row.get("opinion", ""))
                               for key, row in decisions.items()}
        return kwargs
