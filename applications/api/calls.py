"""`/api/calls/`: the calls for applications (申报批次): what anyone logged in may read of the published ones; ministry
staff also draft calls (with their quotas), sign them for publication, propose and sign their construction lists."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import RECOMMENDER_KINDS, Organisation
from accounts.rules import is_ministry_staff
from kernel.api_views import (
    ERROR_RESPONSES,
    TransitionRequestSerializer,
    TransitionsMixin,
    WithTransitions,
    declared_transition_names,
    is_schema_view,
    named_choice_field,
    transition_schema,
)
from kernel.validators import sane_date

from ..choices import Field, ResearchDirection
from ..models import Application, Call, CallQuota, CallStatus


class CallQuotaSerializer(serializers.ModelSerializer):
    recommender = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(kind__in=RECOMMENDER_KINDS))
    recommender_name = serializers.CharField(source="recommender.name", read_only=True)

    class Meta:
        model = CallQuota
        fields = ["recommender", "recommender_name", "quota"]


class CallSerializer(WithTransitions, serializers.ModelSerializer):
    status = named_choice_field("CallStatusEnum", CallStatus.choices, read_only=True)
    status_display = serializers.CharField(source="status_text", read_only=True)
    # the same enum components as the dossier's `field` and `research_directions` (ENUM_NAME_OVERRIDES)
    priority_fields = serializers.ListField(child=serializers.ChoiceField(choices=Field.choices), required=False,
                                            allow_empty=True)
    priority_directions = serializers.ListField(child=serializers.ChoiceField(choices=ResearchDirection.choices),
                                                required=False, allow_empty=True)
    reference_year = serializers.IntegerField(required=False, min_value=2000, max_value=2100,
                                              help_text=gettext_lazy("Default: the year submissions open."))
    quotas = CallQuotaSerializer(many=True, required=False)
    accepts_submissions = serializers.SerializerMethodField()
    construction_list = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Call
        fields = ["id", "number", "title", "status", "status_display", "opens_on", "closes_on", "recommenders_due",
                  "reference_year", "priority_fields", "priority_directions", "notes", "quotas", "accepts_submissions",
                  "opened_at", "list_proposed_at", "concluded_at", "construction_list", "available_transitions"]
        read_only_fields = ["status", "opened_at", "list_proposed_at", "concluded_at"]
        extra_kwargs = {name: {"validators": [sane_date(Call._meta.get_field(name).verbose_name)]}
                        for name in ("opens_on", "closes_on", "recommenders_due")}

    def get_accepts_submissions(self, obj) -> bool:
        return obj.accepts_submissions()

    def create(self, validated_data):
        quotas = validated_data.pop("quotas", [])
        call = Call(**validated_data)
        call.full_clean(exclude=["status"])
        call.save()
        CallQuota.objects.bulk_create(CallQuota(call=call, **quota) for quota in quotas)
        return call


class CallTransitionSerializer(TransitionRequestSerializer):
    applications = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Application.objects.all(),
        help_text=gettext_lazy("propose_list: the applications of the list (default: every one of the call awaiting "
                               "approval)."))


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Calls for applications (Art. 13)")),
    retrieve=extend_schema(summary=gettext_lazy("A call for applications")),
    create=extend_schema(summary=gettext_lazy("Draft a call (ministry staff)"), responses={201: CallSerializer, **ERROR_RESPONSES}),
    transition=transition_schema(CallSerializer, CallTransitionSerializer, names=declared_transition_names(Call)),
)
class CallViewSet(TransitionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Calls: the published ones for everyone, drafts too for the ministries and administrators (`visible_to`)."""

    serializer_class = CallSerializer
    transition_serializer_class = CallTransitionSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        if is_schema_view(self):
            return Call.objects.none()
        return Call.objects.visible_to(self.request.user).prefetch_related("quotas__recommender", "construction_list")

    def get_transition_kwargs(self, obj, name, data):
        kwargs = super().get_transition_kwargs(obj, name, data)
        if "applications" in kwargs and not kwargs["applications"]:
            kwargs["applications"] = None
        return kwargs

    def create(self, request, *args, **kwargs):
        if not is_ministry_staff(request.user):
            raise PermissionDenied(_("Only SAMR and MIIT staff draft a call."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            call = serializer.save(created_by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=call.pk)).data, status=status.HTTP_201_CREATED)
