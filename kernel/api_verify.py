"""`POST /api/public/verify/`, no login: the verification page's answer as JSON (`kernel.signing.verify_pdf`) for a
PDF sent as multipart `file`; throttled on the page's counter."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from . import signing, throttle
from .api_views import ERROR_RESPONSES, named_choice_field


class VerificationRateThrottle(BaseThrottle):
    """The page's counter: settings.VERIFICATIONS_PER_HOUR_PER_ADDRESS."""

    def allow_request(self, request, view):
        return throttle.allow_verification(request)

    def wait(self):
        return throttle.retry_after(throttle.VERIFICATION_WINDOW_SECONDS)


class VerifyRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("The PDF to check (at most UPLOAD_MAX_BYTES)."))

    def validate_file(self, value):
        try:
            self.pdf = signing.read_upload(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return value


class VerifiedDocumentSerializer(serializers.Serializer):
    """The issued document the file is."""

    number = serializers.CharField(help_text=gettext_lazy("Its document number."))
    title = serializers.CharField()
    issuer = serializers.CharField(help_text=gettext_lazy("The issuing authority's code."))
    issuer_name = serializers.CharField()
    issued_on = serializers.DateField()


class SignatureCheckSerializer(serializers.Serializer):
    signer = serializers.CharField(help_text=gettext_lazy("The signer's name in its certificate."))
    signed_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("The signing time the signer stated (not a trusted timestamp)."))
    intact = serializers.BooleanField(help_text=gettext_lazy("The bytes the signature covers are unchanged."))
    valid = serializers.BooleanField(help_text=gettext_lazy("The signature verifies with the signer's certificate."))
    trusted = serializers.BooleanField(
        help_text=gettext_lazy("The signer's certificate is one the portal issues documents with."))
    covers_whole_file = serializers.BooleanField(help_text=gettext_lazy(
        "Nothing was added to the file after it but a later signature (a joint document's second ministry)."))


class VerificationSerializer(serializers.Serializer):
    verdict = named_choice_field("DocumentVerdictEnum", [(v, v) for v in signing.Verdict.CHOICES], help_text=gettext_lazy(
        "genuine: the unaltered file of a document the portal issued; altered: signed by the portal but changed "
        "since; signature_invalid: the portal's signature does not verify; not_issued: not a file the portal issued "
        "and not signed by it; unreadable: begins like a PDF but cannot be read."))
    genuine = serializers.BooleanField()
    headline = serializers.CharField(help_text=gettext_lazy("The verdict in words, in the request's language."))
    explanation = serializers.CharField()
    sha256 = serializers.CharField(help_text=gettext_lazy("SHA-256 of the file sent."))
    document = VerifiedDocumentSerializer(allow_null=True)
    signatures = SignatureCheckSerializer(many=True)


class DocumentVerificationView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [MultiPartParser]
    throttle_classes = [VerificationRateThrottle]

    @extend_schema(
        summary=gettext_lazy("Verify a document (no login)"),
        description=gettext_lazy(
            "Whether a PDF is an unaltered document issued by the portal: the file is looked up by its SHA-256 among "
            "the documents issued, and its electronic signatures are validated against the portal's root "
            "certificate. Not a PDF, empty or too large: 400; too many checks from one address: 429."),
        request={"multipart/form-data": VerifyRequestSerializer},
        responses={
            200: VerificationSerializer,
            400: ERROR_RESPONSES[400],
            429: OpenApiResponse(description=gettext_lazy("Too many checks from this address; try later.")),
        },
    )
    def post(self, request):
        upload = VerifyRequestSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        result = signing.verify_pdf(upload.pdf)
        return Response(VerificationSerializer(result).data)
