"""A small rate limit on the Django cache (Redis in production, local memory otherwise).

    from kernel import throttle

    key = throttle.key_for("objection", throttle.client_ip(request))
    if not throttle.hit(key, settings.OBJECTIONS_PER_HOUR_PER_ADDRESS, 3600):
        ...  # answer 429, with throttle.retry_after(3600) seconds in Retry-After

Fixed windows aligned to the clock: each window of `seconds` has its own counter, which expires by
itself. The counter is raised with the cache's atomic `incr`, so concurrent requests (several web
processes sharing Redis) cannot all slip under the limit.
"""

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

PREFIX = "throttle"


def _window(seconds, now=None):
    return int((time.time() if now is None else now) // seconds)


def key_for(scope, *parts):
    """A cache key for `scope` (e.g. "objection") and the parts identifying the client; hashed, so any
    text (an IPv6 address, a user name) is a safe cache key."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"{scope}:{digest}"


def hit(key, limit, seconds):
    """Count one hit for `key`; True while the hits in the current window of `seconds` are at most
    `limit`, False once they exceed it. A `limit` of 0 or less refuses everything."""
    if limit <= 0:
        return False
    cache_key = f"{PREFIX}:{key}:{seconds}:{_window(seconds)}"
    # Keep the counter a little longer than the window so that it never expires mid-window.
    cache.add(cache_key, 0, timeout=seconds + 60)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=seconds + 60)
        count = 1
    return count <= limit


def retry_after(seconds, now=None):
    """Seconds until the current window of `seconds` ends (for the Retry-After header)."""
    now = time.time() if now is None else now
    return max(1, int((_window(seconds, now) + 1) * seconds - now))


def client_ip(request):
    """The client's address. Behind `settings.THROTTLE_TRUSTED_PROXIES` reverse proxies (default 0:
    the portal is reached directly, or the proxy sets REMOTE_ADDR), the address that many hops from
    the right of X-Forwarded-For; a forged left part of that header is never trusted."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "THROTTLE_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "unknown"


OBJECTION_WINDOW_SECONDS = 3600


def allow_objection(request):
    """One count against the objection limit of the client's address (the public form and the API
    share it): settings.OBJECTIONS_PER_HOUR_PER_ADDRESS per clock hour."""
    key = key_for("objection", client_ip(request))
    return hit(key, settings.OBJECTIONS_PER_HOUR_PER_ADDRESS, OBJECTION_WINDOW_SECONDS)


def allow_objection_lookup(request):
    """One count against the limit of look-ups of objections by receipt number from the client's address
    (settings.OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS per clock hour): receipt and ID numbers cannot be tried in bulk."""
    key = key_for("objection-lookup", client_ip(request))
    return hit(key, settings.OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS, OBJECTION_WINDOW_SECONDS)


VERIFICATION_WINDOW_SECONDS = 3600


def allow_verification(request):
    """One count against the limit of documents checked from the client's address (the public page and the API share
    it): settings.VERIFICATIONS_PER_HOUR_PER_ADDRESS per clock hour; each check reads a PDF of up to UPLOAD_MAX_BYTES."""
    key = key_for("verification", client_ip(request))
    return hit(key, settings.VERIFICATIONS_PER_HOUR_PER_ADDRESS, VERIFICATION_WINDOW_SECONDS)
