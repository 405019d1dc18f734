"""Public pages under crowds (`kernel.shared_pages`): the directory, the publicity notices and the approved list are
served to visitors without a session from the cache, in their language, and a change to what they show is on the
next visitor's page; a logged-in user's page is never a shared copy, and no copy carries someone else's cookie or
CSRF token."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from evaluations.models import Laboratory
from kernel import shared_pages
from kernel.shared_pages import CSRF_PLACEHOLDER
from tests.bulk import approved_laboratories
from tests.factories import ApplicationFactory, UserFactory, at

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 3, 2)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANY_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")  # a masked CSRF token, in forms and in htmx's headers


@pytest.fixture
def labs():
    return list(Laboratory.objects.filter(pk__in=approved_laboratories(3)).order_by("pk"))


@pytest.fixture
def notice(journey):
    with at(MONDAY):
        first = journey.inspected(name_zh="甲质量国家质量标准实验室")
        second = journey.inspected(name_zh="乙质量国家质量标准实验室")
        notice = journey.open_notice([first, second], starts_on=MONDAY, working_days=5)
    with at(MONDAY):
        yield notice


def page(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url", [reverse("directory:list"), reverse("public:approved"), reverse("public:notices")])
def test_a_visitors_second_request_of_a_public_page_makes_no_database_query(client, labs, notice, url,
                                                                            django_assert_num_queries):
    first = page(client.get(url))
    with django_assert_num_queries(0):
        second = page(client.get(url))
    assert ANY_TOKEN.sub("", second) == ANY_TOKEN.sub("", first)
    detail = reverse("directory:detail", args=[labs[0].pk])  # the laboratory's own public page too
    assert labs[0].name_zh in page(client.get(detail))
    with django_assert_num_queries(0):
        assert labs[0].name_zh in page(client.get(detail))


def test_each_filter_and_page_of_the_directory_is_its_own_copy(client, labs):
    everything = page(client.get(reverse("directory:list")))
    field = labs[0].field
    chosen = page(client.get(reverse("directory:list"), {"field": field}))
    assert all(lab.name_zh in everything for lab in labs)
    assert labs[0].name_zh in chosen and labs[1].field != field and labs[1].name_zh not in chosen
    assert labs[1].name_zh in page(client.get(reverse("directory:list")))


def test_a_changed_laboratory_is_on_the_next_visitors_page(client, labs):
    url = reverse("directory:list")
    assert labs[0].name_zh in page(client.get(url))
    labs[0].name_zh = "新名称质量国家质量标准实验室"
    labs[0].save()
    assert "新名称质量国家质量标准实验室" in page(client.get(url))
    assert "新名称质量国家质量标准实验室" in page(client.get(reverse("directory:detail", args=[labs[0].pk])))
    assert "新名称质量国家质量标准实验室" in page(client.get(reverse("public:approved")))


def test_a_changed_notice_is_on_the_next_visitors_page(client, notice):
    assert notice.title in page(client.get(reverse("public:notices")))
    notice.title = "第二批国家质量标准实验室拟批准建设名单公示"
    notice.save()
    assert "第二批国家质量标准实验室拟批准建设名单公示" in page(client.get(reverse("public:notices")))
    assert "第二批国家质量标准实验室拟批准建设名单公示" in page(client.get(notice.get_absolute_url()))


def test_a_logged_in_user_never_reads_or_leaves_a_shared_copy(client, labs):
    """A user's page says who they are, and is rendered for them from the rows as they are now."""
    url = reverse("directory:list")
    page(client.get(url))  # a visitor's copy is kept
    Laboratory.objects.filter(pk=labs[0].pk).update(name_zh="未经信号质量国家质量标准实验室")  # no signal: the copy is stale
    user = UserFactory(role=Role.APPLICANT, full_name="王登录")
    member = Client()
    member.force_login(user)
    theirs = page(member.get(url))
    assert "未经信号质量国家质量标准实验室" in theirs and "王登录" in theirs
    assert "未经信号质量国家质量标准实验室" not in page(client.get(url))  # the visitors' copy, untouched by the user
    assert "王登录" not in page(Client().get(url))


def test_chinese_and_english_visitors_get_their_own_copies(client, labs):
    url = reverse("directory:list")
    chinese = page(client.get(url))
    english = page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="zh-CN">' in chinese and "实验室名录" in chinese
    assert '<html lang="en">' in english and "Laboratory directory" in english
    assert page(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")).startswith(chinese[:200])
    assert '<html lang="en">' in page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))


class KeptCopies:
    """The cache the pages are kept in, noting what is kept."""

    def __init__(self, real):
        self.real, self.pages = real, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def set(self, key, value, *args, **kwargs):
        self.pages.append(value)
        return self.real.set(key, value, *args, **kwargs)


def test_a_kept_copy_holds_no_cookie_or_token_and_each_visitor_gets_a_working_token_of_their_own(labs, monkeypatch):
    kept = KeptCopies(shared_pages.cache)
    monkeypatch.setattr(shared_pages, "cache", kept)
    url = reverse("directory:list")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    responses = [first.get(url), second.get(url)]
    tokens = [TOKEN.search(page(response)).group(1) for response in responses]
    assert tokens[0] != tokens[1] and CSRF_PLACEHOLDER not in page(responses[1])
    assert all("csrftoken" in response.cookies for response in responses)
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in responses[1]["Vary"].split(",")}
    [(status, content_type, content)] = kept.pages
    assert status == 200 and content_type.startswith("text/html") and CSRF_PLACEHOLDER.encode() in content
    assert not any(token.encode() in content for token in tokens)
    for client_, token in zip((first, second), tokens):  # the language switch, a POST, still works for both
        switched = client_.post(reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token})
        assert switched.status_code == 302


def test_a_page_not_found_is_the_visitors_own_with_a_real_token(client, labs):
    response = client.get(reverse("directory:detail", args=[labs[-1].pk + 1000]))
    assert response.status_code == 404
    assert CSRF_PLACEHOLDER not in response.content.decode() and TOKEN.search(response.content.decode())


class UnreachableCache:
    def __getattr__(self, name):
        def unreachable(*args, **kwargs):
            raise ConnectionError("the cache is down")
        return unreachable


def test_without_the_cache_pages_are_rendered_and_changes_saved(client, labs, monkeypatch, caplog):
    monkeypatch.setattr(shared_pages, "cache", UnreachableCache())
    labs[0].name_zh = "缓存不可用质量国家质量标准实验室"
    labs[0].save()
    assert "缓存不可用质量国家质量标准实验室" in page(client.get(reverse("directory:list")))
    assert "the cache is unreachable" in caplog.text


def test_a_dossier_being_written_keeps_the_visitors_copies_a_listed_one_does_not(client, notice, django_assert_num_queries):
    url = reverse("public:notices")
    draft = ApplicationFactory(name_zh="丁质量国家质量标准实验室")
    page(client.get(url))
    draft.summary = "草稿的修改"
    draft.save()
    with django_assert_num_queries(0):
        page(client.get(url))
    listed = notice.applications.order_by("pk").first()
    listed.name_zh = "丙质量国家质量标准实验室"
    listed.save()
    assert "丙质量国家质量标准实验室" in page(client.get(url))
