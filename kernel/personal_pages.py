"""A logged-in user's pages, kept for a minute in the cache under their own session (issue 16).

A staff list or a home page at national scale takes 30-90 ms to draw, most of it in Django's templates; the same
person asks for the same page again and again (back to the list, the home page between two tasks, the paginator).
So a page drawn for a session is kept under that session's key, and served again as long as nothing it could show
has changed. "Nothing changed" is read from the database itself, not from a list of models a page is thought to
show: every statement that writes (any INSERT, UPDATE or DELETE, a `QuerySet.update()` included, outside the
session table) changes one version, at once and again after its transaction commits (`bump`), and a page is kept
under the version it was drawn with. A page is never kept, or served, when:

- the request is not a GET of a logged-in user, goes to the Django admin, is an htmx request or carries an
  `Authorization` header (an API token, whose user the session does not say);
- the session owes its second factor or has ended: those middlewares run first and answer before this one;
- messages wait to be shown, or drawing the page wrote anything (an audited read, a notification marked read,
  the session changed), set a cookie, or said `no-store` (`never_cache`, revealed ID numbers, the login pages);
- it is not a whole HTML or JSON answer of 200, or is bigger than `PERSONAL_PAGE_MAX_BYTES`.

The key holds the version, the session and its user, the language, the day in Beijing, the address with its query
string and the Accept header; a copy is served for `PERSONAL_PAGE_SECONDS` after it was drawn (so a page saying
what is open now is never older than that). A kept page carries a placeholder for the CSRF token, which each copy served replaces
with the reader's own (`kernel.shared_pages`). Copies live in the shared cache (Redis): without one (the demo's
local memory, which another process's writes could not reach) nothing is kept."""

import hashlib
import logging
import re
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from .shared_pages import RENDERING_FOR_CACHE, with_readers_token

logger = logging.getLogger(__name__)

VERSION_KEY = "personal-pages:version"
KEPT_CONTENT_TYPES = ("text/html", "application/json")
# Statements that read; anything else (INSERT, UPDATE, DELETE, DDL, a WITH that might write) changes the version.
READING = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|SET|SHOW|EXPLAIN|PRAGMA)\b", re.IGNORECASE)
# Writes that change no page: the session's own row (its last-seen time, saved once a minute).
UNSEEN = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?django_session"?\s', re.IGNORECASE)

_thread = threading.local()


def enabled():
    return settings.PERSONAL_PAGE_SECONDS > 0 and "redis" in settings.CACHES["default"]["BACKEND"].lower()


# --- what changed ------------------------------------------------------------------------------------------


def _writes_in_thread():
    return getattr(_thread, "writes", 0)


def watch_writes(execute, sql, params, many, context):
    """Database execute wrapper (every connection, `install`): a writing statement makes this thread's next page
    read a new version, and its commit makes every process's do so."""
    result = execute(sql, params, many, context)
    if enabled() and not READING.match(sql) and not UNSEEN.match(sql):
        _thread.writes = _writes_in_thread() + 1
        _thread.pending = True
        connection = context["connection"]
        if not connection.in_atomic_block:  # autocommit: the row is written by now
            bump()
        elif not any(callback is bump for _, callback, _ in connection.run_on_commit):  # once per transaction
            connection.on_commit(bump)
    return result


def bump(**kwargs):
    """A new version: every page kept so far is drawn again when next asked."""
    _thread.pending = False
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # an unreachable cache keeps nothing either: its copies expire within PERSONAL_PAGE_SECONDS
        logger.exception("Personal pages not invalidated: the cache is unreachable")


def install():
    """Called once at start-up (`kernel.apps`): watch every database connection, and settings changed by tests."""
    def watch(connection, **kwargs):
        if watch_writes not in connection.execute_wrappers:
            # First in the list: `execute_wrapper()` blocks pop the last one when they end.
            connection.execute_wrappers.insert(0, watch_writes)

    connection_created.connect(watch, weak=False, dispatch_uid="personal-pages-watch")
    setting_changed.connect(bump, weak=False, dispatch_uid="personal-pages-settings")


def _version():
    if getattr(_thread, "pending", False):  # this thread wrote and has not committed yet (or never will: tests)
        bump()
    version = cache.get(VERSION_KEY)
    if version is None:  # first use, or evicted: a version no earlier copy was kept under
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


# --- the middleware ----------------------------------------------------------------------------------------


class PersonalPageCacheMiddleware:
    """Last in `MIDDLEWARE`: the page is looked up in `process_view`, after the session's lifetime, the second
    factor's gate and every other middleware have had their say, and kept on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes_before = _writes_in_thread()
        response = self.get_response(request)
        key = getattr(request, "_personal_page_key", None)
        if key is None:
            return response
        if not getattr(request, "_personal_page_served", False) and _writes_in_thread() == writes_before \
                and _keepable(request, response):
            _keep(key, response)
        return with_readers_token(request, response)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not (enabled() and _eligible(request)):
            return None
        try:
            key = _key(request)
            kept = cache.get(key)
        except Exception:  # an unreachable cache: the page is drawn as without one
            logger.exception("Personal page not read from the cache")
            return None
        request._personal_page_key = key
        if kept is None or time.time() - kept[0] >= settings.PERSONAL_PAGE_SECONDS:
            setattr(request, RENDERING_FOR_CACHE, True)  # the CSRF token's placeholder, replaced on the way out
            return None
        request._personal_page_served = True
        _, status, headers, content, policy = kept
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response.headers[name] = value
        vars(response).update(policy)
        return response


def _eligible(request):
    user = getattr(request, "user", None)
    return (request.method == "GET" and user is not None and user.is_authenticated
            and not request.path_info.startswith(f"/{settings.ADMIN_PATH}") and "HX-Request" not in request.headers
            and "Authorization" not in request.headers  # an API token may name someone else than the session
            and getattr(request, "session", None) is not None and request.session.session_key
            and not _messages_waiting(request))


def _messages_waiting(request):
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _key(request):
    user = request.user
    verified = user.is_verified() if hasattr(user, "is_verified") else False  # the API's own second-factor gate
    parts = [_version(), request.session.session_key, user.pk, verified, get_language(),
             timezone.localdate().isoformat(), request.get_full_path(), request.headers.get("Accept", "")]
    return "personal-pages:page:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def _keepable(request, response):
    content_type = response.get("Content-Type", "")
    storage = getattr(request, "_messages", None)
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and content_type.startswith(KEPT_CONTENT_TYPES)
            and "no-store" not in response.get("Cache-Control", "")
            and len(response.content) <= settings.PERSONAL_PAGE_MAX_BYTES
            and not request.session.modified and not getattr(storage, "added_new", False))


def _keep(key, response):
    try:
        patch_vary_headers(response, ("Cookie",))
        policy = {name: value for name, value in vars(response).items() if name.startswith("_csp")}  # django-csp's
        cache.set(key, (time.time(), response.status_code, list(response.headers.items()), response.content, policy),
                  settings.PERSONAL_PAGE_SECONDS)
    except Exception:
        logger.exception("Personal page not kept in the cache")
