"""REST API: the organisation directory and the current user (`/api/organisations/`, `/api/me/`).

The directory is public data to anyone logged in: recommenders, ministries and host institutions by
name, kind, level and province. Nothing private (credit codes, users) is served here.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.api import SafeJSONParser

from .models import Organisation, OrganisationKind, User
from .provinces import Province

DIRECTORY_KINDS = [k for k in OrganisationKind.values if k != OrganisationKind.EXPERT_POOL]


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    province_display = serializers.CharField(source="get_province_display", read_only=True)
    host_type_display = serializers.CharField(source="get_host_type_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id", "name", "kind", "kind_display", "host_type", "host_type_display", "level", "level_display",
            "province", "province_display", "competent_department",
        ]
        read_only_fields = fields


class OrganisationBriefSerializer(serializers.ModelSerializer):
    """An organisation as named inside another resource."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "kind_display", "level", "province"]
        read_only_fields = fields


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=[(k, OrganisationKind(k).label) for k in DIRECTORY_KINDS], label=_("kind")
    )
    province = django_filters.ChoiceFilter(choices=Province.choices, label=_("province"))
    level = django_filters.ChoiceFilter(choices=Organisation._meta.get_field("level").choices, label=_("level"))
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("name contains"))

    class Meta:
        model = Organisation
        fields = ["kind", "province", "level", "name"]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """The directory of organisations (public data for every logged-in user)."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter

    def get_queryset(self):
        return Organisation.objects.filter(kind__in=DIRECTORY_KINDS).order_by("kind", "province", "name", "pk")


class MeSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organisation = OrganisationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "role", "role_display", "organisation", "notification_preference"]
        read_only_fields = fields


class MeView(APIView):
    """The user making the request: role code and organisation."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = User.objects.select_related("organisation").get(pk=request.user.pk)
        return Response(MeSerializer(user, context={"request": request}).data)


class TokenView(ObtainAuthToken):
    """`/api/auth/token/`: DRF's, reading JSON with the portal's parser (a body nested too deeply is a 400)."""

    parser_classes = (FormParser, MultiPartParser, SafeJSONParser)
