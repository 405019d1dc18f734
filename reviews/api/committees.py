"""`/api/committees/`: expert committees (Art. 9), their members, and `activate`, which checks the
composition Art. 9 requires."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from kernel.api_views import (
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

from ..models import CommitteeMember, CommitteeStatus, ExpertCommittee, Position
from .common import IsMinistryStaff, PersonSerializer, staff_only


class CommitteeMemberSerializer(serializers.ModelSerializer):
    expert = PersonSerializer(read_only=True)
    position = named_choice_field("CommitteePositionEnum", Position.choices, read_only=True)
    position_display = ChoiceLabelField(source="position")
    fields = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=gettext_lazy("Fields (Art. 4)."))

    class Meta:
        model = CommitteeMember
        fields = ["id", "expert", "position", "position_display", "fields"]
        read_only_fields = fields


class CommitteeSerializer(WithTransitions, serializers.ModelSerializer):
    status = named_choice_field("CommitteeStatusEnum", CommitteeStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    is_usable = serializers.SerializerMethodField(help_text=gettext_lazy("Active and within its 2-year term: can be given work."))
    members = CommitteeMemberSerializer(many=True, read_only=True)

    class Meta:
        model = ExpertCommittee
        fields = ["id", "name", "status", "status_display", "term_start", "term_end", "is_usable", "members",
                  "available_transitions"]
        read_only_fields = fields

    def get_is_usable(self, obj) -> bool:
        return obj.is_usable()


class CommitteeDetailSerializer(CommitteeSerializer):
    composition_errors = serializers.SerializerMethodField(
        help_text=gettext_lazy("What Art. 9 still requires before the committee can be activated (empty: nothing)."),
    )

    class Meta(CommitteeSerializer.Meta):
        fields = [*CommitteeSerializer.Meta.fields, "composition_errors"]
        read_only_fields = fields

    def get_composition_errors(self, obj) -> list[str]:
        return [str(e) for e in obj.composition_errors()]


class CommitteeTransitionSerializer(TransitionRequestSerializer):
    term_start = serializers.DateField(
        required=False, allow_null=True, validators=[sane_date(gettext_lazy("term start"))],
        help_text=gettext_lazy("activate: first day of the 2-year term (default today)."),
    )


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Expert committees (Art. 9)")),
    retrieve=extend_schema(summary=gettext_lazy("An expert committee with its members and what Art. 9 still requires")),
    transition=transition_schema(
        CommitteeDetailSerializer, CommitteeTransitionSerializer, names=declared_transition_names(ExpertCommittee)
    ),
)
class CommitteeViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    """Expert committees (ministry staff); `activate` checks the Art. 9 composition."""

    permission_classes = [IsMinistryStaff]
    transition_serializer_class = CommitteeTransitionSerializer
    filterset_fields = []

    def get_queryset(self):
        if is_schema_view(self):
            return ExpertCommittee.objects.none()
        # Meta.ordering (position, pk) orders the members; an explicit order_by here would leak into the
        # GROUP BY of `composition_errors()`, which reads the (prefetched) members manager.
        members = CommitteeMember.objects.select_related("expert", "expert__organisation")
        return staff_only(ExpertCommittee.objects.all(), self.request.user).prefetch_related(Prefetch("members", queryset=members))

    def get_serializer_class(self):
        return CommitteeSerializer if self.action == "list" else CommitteeDetailSerializer
