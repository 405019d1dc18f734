"""API tokens and who the API believes (ASVS 3.5): named tokens stored as their SHA-256 only, expiring after
`API_TOKEN_LIFETIME_HOURS`, revoked at logout and at a password change (`accounts.signals`); and a session that
counts for the API only once its user has confirmed the second factor when their role needs one."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from kernel.audit import current_user, record

from .models import ApiToken
from .second_factor import must_verify

KEYWORD = "Token"
PREFIX_LENGTH = 6
TOUCH_EVERY = timedelta(minutes=1)  # `last_used_at` is written at most this often (not a write per request)


def digest(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user, name):
    """A new token for `user` under `name` (replacing the one of that name, if any): the row and the token itself,
    which is nowhere else and must be shown now."""
    raw = secrets.token_hex(20)
    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.filter(user=user, name=name).delete()
        token = ApiToken.objects.create(
            user=user, name=name, prefix=raw[:PREFIX_LENGTH], digest=digest(raw), created_at=now,
            expires_at=now + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
        )
        record("issue_api_token", user, actor=current_user(), data={"name": name, "prefix": token.prefix, "expires": token.expires_at})
    return token, raw


def revoke(token):
    """One token stops working (its owner revoked it), recorded in the audit trail."""
    record("revoke_api_token", token.user, actor=token.user, data={"name": token.name, "prefix": token.prefix})
    token.delete()


def revoke_all(user, why):
    """Every token of `user` stops working (logout, password change, new rights), recorded when there was any."""
    tokens = list(ApiToken.objects.filter(user=user).values_list("prefix", flat=True))
    if tokens:
        ApiToken.objects.filter(user=user).delete()
        record("revoke_api_token", user, actor=current_user(), data={"why": why, "prefixes": tokens})
    return len(tokens)


def owned_by(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def find(raw):
    """The live token whose SHA-256 this is, or None (expired tokens are deleted when met)."""
    token = ApiToken.objects.select_related("user").filter(digest=digest(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at <= now:
        token.delete()
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <token>`: a live token of an active user."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        token = find(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return token.user, token

    def authenticate_header(self, request):
        return KEYWORD


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser's session (with its CSRF check), refused while a user whose role needs a second factor has not
    confirmed it: such a request is anonymous to the API."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and must_verify(request._request.user):
            return None
        return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <token>`, from `POST /api/auth/token/` or the profile page."}


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_tokens.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
