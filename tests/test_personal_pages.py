"""A logged-in user's pages kept under their session (`kernel.personal_pages`, issue 16): asked again, a page is
served without being drawn, but never to another session or user, never once anything was written to the database
(a `QuerySet.update()` included), never past the session's end or the second factor's gate, never when messages
wait, and never when drawing it wrote something or said `no-store`."""

import datetime
import re

import pytest
import time_machine
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.middleware import SEEN
from applications.models import Application
from kernel import personal_pages
from kernel.models import Notification
from kernel.personal_pages import PersonalPageCacheMiddleware
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANY_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def asked(client, url, **extra):
    """The page and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


@pytest.fixture
def officer(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def submitted(journey):
    return journey.recommended(name_zh="高端装备质量国家质量标准实验室")


def test_a_page_asked_again_is_served_without_being_drawn(officer, submitted):
    url = reverse("applications:list")
    first, drawn = asked(officer, url)
    second, served = asked(officer, url)
    assert submitted.name_zh in second and ANY_TOKEN.sub("", second) == ANY_TOKEN.sub("", first)
    # what is left is the session, its user and the second factor's device: the list's own queries are not run
    assert served <= 3 < drawn


def test_any_write_even_a_queryset_update_is_on_the_next_page(officer, submitted):
    url = reverse("applications:list")
    assert submitted.name_zh in asked(officer, url)[0]
    asked(officer, url)
    Application.objects.filter(pk=submitted.pk).update(name_zh="精密仪器质量国家质量标准实验室")  # no signal is sent
    page, queries = asked(officer, url)
    assert "精密仪器质量国家质量标准实验室" in page and submitted.name_zh not in page and queries > 3


def test_a_kept_page_is_never_served_to_another_session_or_another_user(officer, staff, journey, submitted):
    url = reverse("home")
    asked(officer, url)
    same_user_elsewhere = Client()
    same_user_elsewhere.force_login(staff)
    assert asked(same_user_elsewhere, url)[1] > 3
    colleague = UserFactory(role=staff.role, organisation=staff.organisation, full_name="王质检")
    other = Client()
    other.force_login(colleague)
    page, queries = asked(other, url)
    assert queries > 3 and "王质检" in page


def test_each_language_and_each_query_string_is_its_own_copy(officer, submitted):
    url = reverse("applications:list")
    chinese = asked(officer, url, HTTP_ACCEPT_LANGUAGE="zh-hans")[0]
    english, queries = asked(officer, url, HTTP_ACCEPT_LANGUAGE="en")
    assert queries > 3 and 'lang="en"' in english and 'lang="zh-CN"' in chinese
    assert asked(officer, url + "?q=不存在的名称", HTTP_ACCEPT_LANGUAGE="en")[1] > 3


def test_a_request_with_an_api_token_is_never_served_a_copy_nor_kept(officer, submitted):
    """A token may name another user than the session: what it is answered belongs to neither's copy."""
    url = reverse("applications:list")
    asked(officer, url, HTTP_AUTHORIZATION="Token someone-elses")
    assert asked(officer, url, HTTP_AUTHORIZATION="Token someone-elses")[1] > 3
    assert asked(officer, url)[1] > 3  # nor was what it was answered kept for the session


def test_a_served_copy_carries_the_readers_own_csrf_token(staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    asked(browser, reverse("home"))
    page, queries = asked(browser, reverse("home"))
    assert queries <= 3
    token = TOKEN.search(page).group(1)  # the logout form's
    assert browser.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302


def test_waiting_messages_are_shown_not_a_kept_copy(officer, submitted):
    url = reverse("applications:list")
    asked(officer, url)
    request = HttpRequest()
    storage, response = CookieStorage(request), HttpResponse()
    storage.add(messages.SUCCESS, "材料已保存")
    storage.update(response)
    officer.cookies[CookieStorage.cookie_name] = response.cookies[CookieStorage.cookie_name].value
    page, queries = asked(officer, url)
    assert "材料已保存" in page and queries > 3
    assert "材料已保存" not in asked(officer, url)[0]  # shown once, as always


def test_an_ended_session_is_logged_out_not_served_a_copy(officer, settings):
    url = reverse("applications:list")
    asked(officer, url)
    session = officer.session
    session[SEEN] -= settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 + 1
    session.save()  # the session's own row: a write that changes no page
    response = officer.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_session_owing_its_second_factor_is_sent_to_it_not_served_a_copy(officer):
    from django_otp import DEVICE_ID_SESSION_KEY

    url = reverse("applications:list")
    asked(officer, url)
    session = officer.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    response = officer.get(url)
    assert response.status_code == 302 and reverse("two_factor_verify") in response["Location"]
    api = officer.get(reverse("api:application-list"))  # the API's own gate: the session is anonymous there
    assert api.status_code in (401, 403)


def test_a_copy_is_served_for_its_minute_then_drawn_again(officer, settings):
    """A page that says what is open now is never older than `PERSONAL_PAGE_SECONDS`: at its edges."""
    url = reverse("applications:list")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        asked(officer, url)
        clock.shift(datetime.timedelta(seconds=settings.PERSONAL_PAGE_SECONDS - 1))
        assert asked(officer, url)[1] <= 3
        clock.shift(datetime.timedelta(seconds=1))
        assert asked(officer, url)[1] > 3


def test_no_store_pages_are_never_kept(staff, rf):
    """`never_cache`: a revealed ID number, the login's own pages."""
    @never_cache
    def view(request):
        drawn.append(request)
        return HttpResponse(b"<p>110101199003070012</p>", content_type="text/html")

    drawn = []
    ask_twice(staff, rf, view)
    assert len(drawn) == 2


def test_a_get_that_writes_is_never_kept(staff, rf, monkeypatch):
    """An audited read, a notice marked read: whatever the view wrote, drawing it again writes again, and the page it
    drew is not stored (the write changed the version it would be kept under: it would only fill the cache)."""
    kept = []
    monkeypatch.setattr(personal_pages, "_keep", lambda key, response: kept.append(key))

    def writing(request):
        Notification.objects.create(recipient=staff, subject="已阅", body="", url="")
        return HttpResponse(b"<p>ok</p>", content_type="text/html")

    ask_twice(staff, rf, writing)
    assert Notification.objects.filter(recipient=staff, subject="已阅").count() == 2 and kept == []
    ask_twice(staff, rf, lambda request: HttpResponse(b"<p>ok</p>", content_type="text/html"))
    assert len(kept) == 2  # a page that wrote nothing is kept (the `_keep` patched here stores nothing)


def test_nothing_is_kept_without_a_shared_cache(officer, settings, submitted):
    """The demo's local memory would keep pages another process's writes could not reach."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    url = reverse("applications:list")
    asked(officer, url)
    assert asked(officer, url)[1] > 3


def ask_twice(user, rf, view):
    """The view asked twice by the same session through the middleware alone."""
    middleware = PersonalPageCacheMiddleware(lambda request: middleware.process_view(request, view, (), {}) or
                                             view(request))
    for _ in range(2):
        request = rf.get("/anything/")
        request.user, request.session = user, _Session()
        assert middleware(request).status_code == 200


class _Session(dict):
    session_key, modified = "a-session", False


def test_a_served_copy_keeps_the_policy_its_page_was_drawn_with(officer):
    """The browsable API's pages allow inline styles (`kernel.api`); a copy of one still does."""
    url = reverse("api:application-list")
    drawn = officer.get(url, HTTP_ACCEPT="text/html")
    served, queries = asked(officer, url, HTTP_ACCEPT="text/html")
    served_policy = officer.get(url, HTTP_ACCEPT="text/html")["Content-Security-Policy"]
    assert queries <= 3 and "'unsafe-inline'" in drawn["Content-Security-Policy"]
    assert served_policy == drawn["Content-Security-Policy"]
    assert officer.get(url)["Content-Type"] == "application/json"  # another Accept, another copy
