"""Public pages that crowds read (the directory, the publicity notices, the approved list) are the same for every
visitor without a session, so such a visitor is served a copy kept in the cache (Redis in production), rendered once.

A copy is kept under its page family's version, the language, the day (pages say what is open today), the address
with its query string and whether htmx asked. A family's version changes when a row it shows changes
(`invalidate_on_change`, on every save, delete or change of a many-to-many relation, so on every transition), so the
next visitor reads the change. Never shared: a request with a session or a message cookie (a logged-in user, or a
visitor in the middle of something) gets the page rendered for it, and so does any request but a GET. A kept copy
holds no cookie and no CSRF token: the page rendered for the cache carries a placeholder (`shared_csrf_token`), which
each copy served replaces with its reader's own token (whose cookie the CSRF middleware then sets)."""

import hashlib
import logging
import uuid
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.translation import get_language
from django_fsm.signals import post_transition

logger = logging.getLogger(__name__)

PAGE_SECONDS = 60 * 60  # the longest a copy outlives a change whose invalidation the cache missed
CSRF_PLACEHOLDER = "sharedpagecsrftokenplaceholder"
RENDERING_FOR_CACHE = "_shared_page"


def shared_with_visitors(*families):
    """View decorator: anonymous GETs of the page are served from the cache; `families` name what the page shows."""
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _shareable(request):
                return view(request, *args, **kwargs)
            try:
                key = _page_key(request, families)
                kept = cache.get(key)
            except Exception:  # an unreachable cache: the page is rendered as without one
                logger.exception("Public page not read from the cache")
                return view(request, *args, **kwargs)
            if kept is not None:
                status, content_type, content = kept
                response = HttpResponse(content, status=status, content_type=content_type)
            else:
                response = _rendered_for_cache(view, request, args, kwargs)
                if _keepable(request, response):
                    _keep(key, response)
            return with_readers_token(request, response)
        return wrapped
    return decorator


def shared_csrf_token(request):
    """Template context processor: the CSRF token placeholder of a page rendered for the cache."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, RENDERING_FOR_CACHE, False) else {}


def invalidate_on_change(family, *models, states=None):
    """Pages of `family` show rows of `models`: a saved or deleted row, or a changed many-to-many relation of one,
    changes the family's version. With `states`, only rows whose status is one of them are on the pages: saving or
    deleting another changes nothing (a host editing a draft keeps the notices' copies), a transition into or out of
    them does."""
    def changed(instance, **kwargs):
        if states is None or instance.status in states:
            bump(family)

    def transitioned(source, target, **kwargs):
        if source in states or target in states:
            bump(family)

    for model in models:
        uid = f"shared-pages:{family}:{model._meta.label}"
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)
        if states is not None:
            post_transition.connect(transitioned, sender=model, weak=False, dispatch_uid=uid)
        for field in model._meta.many_to_many:
            m2m_changed.connect(changed, sender=field.remote_field.through, weak=False, dispatch_uid=f"{uid}:{field.name}")


def bump(*families):
    """New versions of `families`, at once and again after the commit: at once, so that what runs later in the same
    transaction reads the change (the tests, which never commit); after the commit, so that a page another request
    rendered meanwhile from the rows before the commit is never read again."""
    def new_versions():
        try:
            cache.set_many({_version_key(family): uuid.uuid4().hex for family in families}, timeout=None)
        except Exception:  # an unreachable cache never undoes the change; its copies expire within PAGE_SECONDS
            logger.exception("Public pages %s not invalidated: the cache is unreachable", ", ".join(families))
    new_versions()
    transaction.on_commit(new_versions)


def _rendered_for_cache(view, request, args, kwargs):
    """The view's page with the token placeholder; an error page rendered after an exception is the reader's own."""
    setattr(request, RENDERING_FOR_CACHE, True)
    try:
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        return response
    finally:
        delattr(request, RENDERING_FOR_CACHE)


def _shareable(request):
    cookies = request.COOKIES
    return (request.method == "GET" and settings.SESSION_COOKIE_NAME not in cookies
            and CookieStorage.cookie_name not in cookies and not request.user.is_authenticated)


def _keepable(request, response):
    """Only a whole HTML page rendered the same for every visitor: nothing it set for this one."""
    session = getattr(request, "session", None)
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and response.get("Content-Type", "").startswith("text/html")
            and not (session is not None and session.modified))


def _keep(key, response):
    try:
        cache.set(key, (response.status_code, response["Content-Type"], response.content), PAGE_SECONDS)
    except Exception:
        logger.exception("Public page not kept in the cache")


def with_readers_token(request, response):
    placeholder = CSRF_PLACEHOLDER.encode()
    if not response.streaming and placeholder in response.content:
        response.content = response.content.replace(placeholder, get_token(request).encode())
    return response


def _version_key(family):
    return f"shared-pages:version:{family}"


def _versions(families):
    keys = [_version_key(family) for family in families]
    versions = cache.get_many(keys)
    for key in keys:
        if key not in versions:  # first use, or evicted: a new version no earlier copy was kept under
            cache.add(key, uuid.uuid4().hex, timeout=None)
            versions[key] = cache.get(key)
    return [versions[key] for key in keys]


def _page_key(request, families):
    parts = [*families, *_versions(families), get_language(), timezone.localdate().isoformat(),
             request.build_absolute_uri(), request.headers.get("HX-Request", "")]
    return "shared-pages:page:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
