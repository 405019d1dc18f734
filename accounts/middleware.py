"""Two small middlewares around the login (issue 14): the session's lifetime, and the second factor's gate."""

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .second_factor import confirmed_device, must_verify

STARTED, SEEN = "portal_session_started", "portal_session_seen"
SEEN_WRITTEN_EVERY = 60  # seconds: the last-seen time is saved at most once a minute, not on every request


def start_session(request):
    """The clocks of a new login (`accounts.signals`, on `user_logged_in`)."""
    now = time.time()
    request.session[STARTED] = request.session[SEEN] = now


class SessionLifetimeMiddleware:
    """A logged-in session ends after `SESSION_IDLE_TIMEOUT_MINUTES` without a request and `SESSION_ABSOLUTE_HOURS`
    after the login, whatever happens in between (GB/T 22239-2019 8.1.4.1 b, ASVS 3.3): the user is logged out and
    sent to the login page with a message saying why (an API request just continues without a session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if "_auth_user_id" in session:
            now = time.time()
            started, seen = session.get(STARTED), session.get(SEEN)
            if started is None or seen is None:
                start_session(request)
            elif now - seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
                return self._expired(request, _("You were logged out after %(minutes)s minutes without activity. "
                                                "Please log in again.") % {"minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES})
            elif now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                return self._expired(request, _("Sessions last at most %(hours)s hours: you were logged out. "
                                                "Please log in again.") % {"hours": settings.SESSION_ABSOLUTE_HOURS})
            elif now - seen >= SEEN_WRITTEN_EVERY:
                session[SEEN] = now
        return self.get_response(request)

    def _expired(self, request, text):
        logout(request)
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        messages.warning(request, text)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(reverse(settings.LOGIN_URL))
        next_path = request.get_full_path() if request.method == "GET" else ""
        return redirect_to_login(next_path) if next_path else HttpResponseRedirect(reverse(settings.LOGIN_URL))


# Where a user who still owes the second factor may go: the second factor's own pages, logout, the language switch,
# the captcha and the public front (static files never reach the middleware: WhiteNoise serves them first).
OPEN_URL_NAMES = frozenset({
    "two_factor_verify", "two_factor_enrol", "logout", "set_language", "captcha-image", "captcha-image-2x",
    "captcha-audio", "captcha-refresh", "front_page", "measures", "guide", "downloads", "download", "faq", "contact",
})


class SecondFactorMiddleware:
    """Every page but those above redirects a user who owes the second factor to the verify page (or, without a
    confirmed authenticator, the enrolment page), then back. The API is left to its authentication classes, which
    refuse such a session (`accounts.api_tokens.VerifiedSessionAuthentication`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        # The full view name: a `download` of some app's namespace is not the public front's `download`.
        if (match is not None and match.view_name in OPEN_URL_NAMES) or request.path_info.startswith(
                ("/api/", settings.STATIC_URL)):
            return None
        if not must_verify(request.user):
            return None
        target = reverse("two_factor_verify" if confirmed_device(request.user) else "two_factor_enrol")
        next_path = request.get_full_path() if request.method == "GET" else ""
        url = f"{target}?next={quote(next_path)}" if next_path and next_path != "/" else target
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
