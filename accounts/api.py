"""REST API: the organisation directory, the current user and their API tokens (`/api/organisations/`, `/api/me/`,
`/api/auth/token/`, `/api/auth/tokens/`).

The directory is public data to anyone logged in: recommenders, ministries and host institutions by
name, kind, level and province. Nothing private (credit codes, users) is served here.
"""

import django_filters
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.api import SafeJSONParser
from kernel.api_views import ChoiceLabelField
from kernel.validators import no_control_characters

from . import api_tokens, second_factor
from .models import ApiToken, Organisation, OrganisationKind, User
from .provinces import Province
from .rules import needs_second_factor

DIRECTORY_KINDS = [k for k in OrganisationKind.values if k != OrganisationKind.EXPERT_POOL]


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = ChoiceLabelField(source="kind")
    level_display = ChoiceLabelField(source="level")
    province_display = ChoiceLabelField(source="province")
    host_type_display = ChoiceLabelField(source="host_type")

    class Meta:
        model = Organisation
        fields = [
            "id", "name", "kind", "kind_display", "host_type", "host_type_display", "level", "level_display",
            "province", "province_display", "competent_department",
        ]
        read_only_fields = fields


class OrganisationBriefSerializer(serializers.ModelSerializer):
    """An organisation as named inside another resource."""

    kind_display = ChoiceLabelField(source="kind")

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
    role_display = ChoiceLabelField(source="role")
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


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"), write_only=True)
    password = serializers.CharField(label=_("Password"), write_only=True, trim_whitespace=False,
                                     style={"input_type": "password"})
    otp = serializers.CharField(
        label=_("Code"), write_only=True, required=False, allow_blank=True,
        help_text=_("The authenticator's current code (or a recovery code), for the roles that need a second factor."))
    name = serializers.CharField(label=_("Name of the token"), write_only=True, required=False, max_length=100,
                                 default="API", validators=[no_control_characters],
                                 help_text=_("A new token of the same name replaces the old one."))

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        if needs_second_factor(user):
            if second_factor.confirmed_device(user) is None:
                raise serializers.ValidationError(
                    {"otp": _("Set up your authenticator app on the portal's pages first.")}, code="authorization")
            if second_factor.throttled(user) or second_factor.check_code(user, attrs.get("otp", "")) is None:
                user_login_failed.send(sender=__name__, credentials={"username": user.get_username()},
                                       request=request)
                raise serializers.ValidationError({"otp": _("The code is missing or not right.")},
                                                  code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.ModelSerializer):
    token = serializers.CharField(source="masked", read_only=True, help_text=_("Its first characters only."))

    class Meta:
        model = ApiToken
        fields = ["id", "name", "token", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("The token itself: shown this once."))


class TokenView(APIView):
    """`POST /api/auth/token/`: a new named token for the user name and password (and the authenticator's code for
    the roles that need a second factor). The token is in this answer only; it expires after
    `API_TOKEN_LIFETIME_HOURS` and is revoked at logout and at a password change."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = (FormParser, MultiPartParser, SafeJSONParser)

    @extend_schema(request=TokenRequestSerializer, responses=NewTokenSerializer)
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, raw = api_tokens.issue(serializer.validated_data["user"], serializer.validated_data["name"])
        return Response({**TokenSerializer(token).data, "token": raw})


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                   viewsets.GenericViewSet):
    """`/api/auth/tokens/`: the caller's own API tokens (first characters, created, last used, expiry); `DELETE`
    revokes one."""

    serializer_class = TokenSerializer
    pagination_class = None
    queryset = ApiToken.objects.none()  # the schema's; requests get their user's own

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return api_tokens.owned_by(self.request.user)

    def perform_destroy(self, instance):
        api_tokens.revoke(instance)
