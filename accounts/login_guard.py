"""Failed logins: stopped without handing anyone a way to lock others out (GB/T 22239-2019 8.1.4.1, ASVS 2.2.1).

django-axes counts failures per user name *and* client address together, so a stranger guessing at `samr_staff`
from their own address locks only that pair, never the officer at theirs; each further lockout of the pair lasts
twice as long as the one before. The client address is the one the trusted reverse proxies saw
(`kernel.throttle.client_ip`, `THROTTLE_TRUSTED_PROXIES`), never the proxy's own. After a few failures for a user
name from anywhere, or from an address for any name, the login form also asks for a captcha, which stops a
guessing run spread over many addresses without locking the account.
"""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from kernel.throttle import client_ip

MAX_COOL_OFF = timedelta(days=1)


def cool_off(request):
    """How long a user name and address pair stays locked: `LOGIN_COOL_OFF_MINUTES` for the first lockout, doubled
    for each one after it, at most a day (axes calls this with the request of the failed attempt)."""
    failures = getattr(request, "axes_failures_since_start", None) or settings.AXES_FAILURE_LIMIT
    lockouts = min(max(1, failures // settings.AXES_FAILURE_LIMIT), 16)  # 2**15 first periods exceed a day anyway
    return min(timedelta(minutes=settings.LOGIN_COOL_OFF_MINUTES) * 2 ** (lockouts - 1), MAX_COOL_OFF)


def recent_failures(username="", address=""):
    """Failed attempts still remembered (within the longest cool-off) for a user name from any address, or from an
    address for any user name."""
    attempts = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - MAX_COOL_OFF)
    if username:
        attempts = attempts.filter(username=username)
    elif address:
        attempts = attempts.filter(ip_address=address)
    else:
        return 0
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def needs_captcha(request, username):
    """Whether this login must also answer a captcha: `LOGIN_CAPTCHA_AFTER` failures for the name or the address."""
    if not settings.AXES_ENABLED:
        return False
    limit = settings.LOGIN_CAPTCHA_AFTER
    return recent_failures(username=username) >= limit or recent_failures(address=client_ip(request)) >= limit
