"""Branded error pages in Chinese and English: the portal's header, a plain explanation, what to do next, and
never a stack trace (404 on a missing page, 403 on a forbidden one, 500 from a failing view, the CSRF failure)."""

import pytest
from django.test import Client
from django.urls import path

from labportal.urls import urlpatterns as portal_urls
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PORTAL_ZH = "国家质量标准实验室管理平台"
PORTAL_EN = "Standards Laboratory Management Platform"


def boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = portal_urls + [path("boom/", boom)]


def page(client, url, language, method="get"):
    response = getattr(client, method)(url, HTTP_ACCEPT_LANGUAGE=language)
    return response, response.content.decode()


def assert_branded(html, *texts):
    assert 'data-testid="error-page"' in html and 'data-testid="error-next-steps"' in html
    for text in texts:
        assert text in html, text
    assert "Traceback" not in html and "secret internal detail" not in html


def test_missing_page_is_a_branded_404_in_chinese_and_english(client, settings):
    settings.DEBUG = False
    response, html = page(client, "/no-such-page/", "zh-hans")
    assert response.status_code == 404
    assert_branded(html, PORTAL_ZH, "页面不存在", 'href="/accounts/login/"', 'href="/public/"')
    response, html = page(client, "/no-such-page/", "en")
    assert response.status_code == 404
    assert_branded(html, PORTAL_EN, "Page not found", "Log in")


def test_forbidden_page_is_a_branded_403_with_the_reason(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory())  # an applicant: the review pages are for SAMR and MIIT staff
    response, html = page(client, "/reviews/", "zh-hans")
    assert response.status_code == 403
    assert_branded(html, PORTAL_ZH, "无权访问", "市场监管总局和工业和信息化部工作人员")
    assert 'href="/accounts/login/"' not in html  # logged in already: no login offer
    response, html = page(client, "/reviews/", "en")
    assert response.status_code == 403
    assert_branded(html, PORTAL_EN, "Access denied", "These pages are for SAMR and MIIT staff.")


@pytest.mark.urls("tests.test_error_pages")
def test_failing_view_is_a_branded_500_without_a_stack_trace(settings, django_assert_num_queries):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):  # the 500 page needs no database (it may be what failed)
        response, html = page(client, "/boom/", "zh-hans")
    assert response.status_code == 500
    assert_branded(html, PORTAL_ZH, "系统出现错误", 'href="/"')
    response, html = page(client, "/boom/", "en")
    assert response.status_code == 500
    assert_branded(html, PORTAL_EN, "Something went wrong on our side")


def test_csrf_failure_is_a_branded_page_that_says_to_reload(settings):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)
    response, html = page(client, "/accounts/login/", "zh-hans", method="post")
    assert response.status_code == 403
    assert_branded(html, PORTAL_ZH, "页面已过期", "刷新")
    response, html = page(client, "/accounts/login/", "en", method="post")
    assert_branded(html, PORTAL_EN, "The form has expired", "reload the page")
