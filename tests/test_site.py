"""The site shell: accounts pages, language, per-role home, notification inbox and template helpers."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import path, reverse
from django.utils import timezone, translation

from accounts.models import NotificationPreference, Role
from applications.choices import DimensionVerdict, ReviewDimension
from applications.models import Status
from kernel.models import Notification
from kernel.transitions import run_transition
from tests.factories import (
    ApplicationFactory,
    UserFactory,
    applicant_of,
    complete_dossier,
    ministry_staff,
    provincial_body,
    recommender_of,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-2026"
ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}

# A URL conf for the transition_buttons tests, so they do not depend on the applications pages.
urlpatterns = [
    path("things/<int:pk>/transitions/<str:name>/", lambda request, pk, name: HttpResponse(), name="test_transition"),
]


@pytest.fixture(autouse=True)
def _static_root(settings, tmp_path):
    """WhiteNoise warns (an error here) when STATIC_ROOT does not exist, as on a fresh checkout."""
    settings.STATIC_ROOT = str(tmp_path / "static")
    (tmp_path / "static").mkdir()


def html(response):
    return response.content.decode()


def render(source, **context):
    return Template("{% load portal %}" + source).render(Context(context))


# --- language ---------------------------------------------------------------------------------


def test_login_page_is_chinese_by_default_and_english_after_set_language(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="zh-CN">' in page
    assert "用户名" in page and "密码" in page and "登录" in page
    assert "Username" not in page

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302 and response.url == reverse("login")
    page = html(client.get(reverse("login")))
    assert '<html lang="en">' in page
    assert "Username" in page and "Log in" in page
    assert "用户名" not in page


def test_language_switcher_posts_to_set_language_with_both_languages(client):
    page = html(client.get(reverse("login")))
    form = re.search(r'<form action="%s" method="post"[^>]*>(.*?)</form>' % re.escape(reverse("set_language")), page, re.S)
    assert form, "language switcher is a POST form to set_language"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert 'value="zh-hans"' in form.group(1) and 'value="en"' in form.group(1)


# --- login / logout ---------------------------------------------------------------------------


def test_login_redirects_home_and_navbar_shows_name_and_organisation(client):
    host = ApplicationFactory().host
    user = applicant_of(host, username="zhang", full_name="张三")
    response = client.post(reverse("login"), {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    page = html(client.get(reverse("home")))
    assert "张三" in page and host.name in page
    assert user.pk == int(client.session["_auth_user_id"])


def test_login_with_a_wrong_password_shows_an_error_and_logs_nobody_in(client):
    UserFactory(username="li")
    response = client.post(reverse("login"), {"username": "li", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_form_and_get_is_refused(client):
    client.force_login(UserFactory())
    page = html(client.get(reverse("home")))
    assert re.search(r'<form method="post" action="%s"' % re.escape(reverse("logout")), page)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session


# --- password change and reset ----------------------------------------------------------------


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Brand-new-pw-77", "new_password2": "Brand-new-pw-77"})
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    assert client.get(response.url).status_code == 200
    user.refresh_from_db()
    assert user.check_password("Brand-new-pw-77")


def test_password_reset_sends_a_mail_whose_link_sets_a_new_password(client):
    user = UserFactory(email="wang@example.cn")
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "wang@example.cn"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert client.get(response.url).status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@example.cn"]
    assert "\n" not in message.subject
    link = re.search(r"https?://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert link, message.body
    assert user.username in message.body

    response = client.get(link.group(1))  # Django moves the token into the session, then redirects
    assert response.status_code == 302
    set_password_url = response.url
    page = client.get(set_password_url)
    assert page.status_code == 200 and page.context["validlink"]
    response = client.post(set_password_url, {"new_password1": "Reset-pw-2026x", "new_password2": "Reset-pw-2026x"})
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")
    assert client.get(response.url).status_code == 200
    user.refresh_from_db()
    assert user.check_password("Reset-pw-2026x")


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.cn"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_link_is_invalid_after_use(client):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "bad-token"]))
    assert response.status_code == 200
    assert response.context["validlink"] is False


# --- profile ----------------------------------------------------------------------------------


def test_profile_update(client):
    user = UserFactory(full_name="旧名字", notification_preference=NotificationPreference.IMMEDIATE)
    client.force_login(user)
    assert client.get(reverse("profile")).status_code == 200
    response = client.post(reverse("profile"), {
        "full_name": "新名字", "phone": "+86 10-1234 5678", "email": "new@example.cn",
        "notification_preference": NotificationPreference.DAILY_DIGEST})
    assert response.status_code == 302 and response.url == reverse("profile")
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.email, user.notification_preference) == (
        "新名字", "+86 10-1234 5678", "new@example.cn", NotificationPreference.DAILY_DIGEST)


def test_profile_rejects_bad_input_naming_the_field_and_saves_nothing(client):
    user = UserFactory(full_name="原名", phone="010-1234567", role=Role.APPLICANT)
    client.force_login(user)
    response = client.post(reverse("profile"), {
        "full_name": "改名", "phone": "call me maybe", "email": "not-an-address",
        "notification_preference": NotificationPreference.IMMEDIATE, "role": Role.ADMINISTRATOR})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phone", "email"}
    assert 'id="id_phone_errors"' in html(response)
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.role) == ("原名", "010-1234567", Role.APPLICANT)


def test_profile_cannot_change_role_or_organisation(client):
    user = UserFactory(role=Role.APPLICANT)
    client.force_login(user)
    client.post(reverse("profile"), {
        "full_name": "某人", "email": "a@example.cn", "notification_preference": NotificationPreference.IMMEDIATE,
        "role": Role.ADMINISTRATOR, "is_superuser": "on"})
    user.refresh_from_db()
    assert user.role == Role.APPLICANT and not user.is_superuser


def test_account_pages_require_login(client):
    for name in ("profile", "password_change", "notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name


# --- home per role ----------------------------------------------------------------------------


def test_home_is_the_public_front_page_for_a_visitor_and_the_dashboard_for_a_user(client):
    visitor = client.get(reverse("home"))
    assert visitor.status_code == 200 and 'data-testid="front-login"' in html(visitor)
    client.force_login(applicant_of(ApplicationFactory().host))
    user = client.get(reverse("home"))
    assert "front/index.html" not in [t.name for t in user.templates] and "home/home.html" in [t.name for t in user.templates]
    assert f'href="{reverse("front_page")}"' in html(user)  # the public front page, from the footer


def test_home_applicant_sees_their_draft_and_other_hosts_do_not(client):
    draft = ApplicationFactory(name_zh="精密仪器国家质量标准实验室")
    other_host_app = ApplicationFactory(name_zh="别家国家质量标准实验室")
    client.force_login(applicant_of(draft.host))
    response = client.get(reverse("home"))
    assert response.context["role_section"] == "applicant"
    assert response.context["awaiting"] == [draft]
    assert response.context["applications"] == [draft]
    page = html(response)
    assert draft.name_zh in page
    assert other_host_app.name_zh not in page


def test_home_applicant_no_longer_awaits_a_submitted_dossier(client):
    app = complete_dossier(name_zh="已提交国家质量标准实验室")
    applicant = applicant_of(app.host)
    run_transition(app, "submit", applicant)
    client.force_login(applicant)
    response = client.get(reverse("home"))
    assert response.context["awaiting"] == []
    assert [a.pk for a in response.context["applications"]] == [app.pk]


def test_home_recommender_sees_what_awaits_them_and_another_province_sees_nothing_art10(client):
    app = complete_dossier(name_zh="待审国家质量标准实验室")  # local host in province 32
    draft = ApplicationFactory(host=app.host, name_zh="草稿国家质量标准实验室")
    run_transition(app, "submit", applicant_of(app.host))
    own = recommender_of(provincial_body("provincial_samr", app.host.province))
    other = recommender_of(provincial_body("provincial_samr", "11"))

    client.force_login(own)
    response = client.get(reverse("home"))
    assert response.context["role_section"] == "recommender"
    assert response.context["awaiting"] == [app]
    page = html(response)
    assert app.name_zh in page and draft.name_zh not in page

    client.force_login(other)
    response = client.get(reverse("home"))
    assert response.context["awaiting"] == [] and response.context["recent_decisions"] == []
    page = html(response)
    assert app.name_zh not in page and draft.name_zh not in page


def test_home_recommender_lists_recent_decisions_art10(client):
    app = complete_dossier(name_zh="已推荐国家质量标准实验室")
    run_transition(app, "submit", applicant_of(app.host))
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    run_transition(app, "recommend", samr, dimensions=ALL_MEET)
    client.force_login(samr)
    response = client.get(reverse("home"))
    assert response.context["awaiting"] == []
    assert [r.application_id for r in response.context["recent_decisions"]] == [app.pk]
    assert app.name_zh in html(response)


def test_home_ministry_staff_sees_recommended_applications(client):
    app = complete_dossier(name_zh="推荐后国家质量标准实验室")
    submitted_only = complete_dossier(name_zh="仅提交国家质量标准实验室")
    for a in (app, submitted_only):
        run_transition(a, "submit", applicant_of(a.host))
    for kind in ("provincial_samr", "provincial_miit"):
        run_transition(app, "recommend", recommender_of(provincial_body(kind, app.host.province)), dimensions=ALL_MEET)
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    client.force_login(ministry_staff())
    response = client.get(reverse("home"))
    assert response.context["role_section"] == "ministry_staff"
    assert response.context["awaiting"] == [app]
    page = html(response)
    assert app.name_zh in page and submitted_only.name_zh not in page


def test_home_expert_sees_the_assignments_placeholder_and_no_applications(client):
    app = ApplicationFactory(name_zh="专家不可见国家质量标准实验室")
    client.force_login(UserFactory(role=Role.EXPERT))
    response = client.get(reverse("home"))
    assert response.context["role_section"] == "expert"
    page = html(response)
    assert 'data-testid="assignments"' in page and app.name_zh not in page


def test_home_administrator_gets_admin_links(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True))
    response = client.get(reverse("home"))
    assert response.context["role_section"] == "administrator"
    page = html(response)
    assert 'data-testid="administration"' in page
    assert reverse("admin:index") in page and reverse("admin:accounts_user_changelist") in page


def test_home_applicant_without_organisation_is_told_to_ask_the_administrator(client):
    ApplicationFactory(name_zh="无关国家质量标准实验室")
    client.force_login(UserFactory(role=Role.APPLICANT, organisation=None))
    response = client.get(reverse("home"))
    assert response.context["role_section"] == "unlinked"
    assert "无关国家质量标准实验室" not in html(response)


def test_home_query_count_does_not_grow_with_applications(client, django_assert_max_num_queries):
    host = ApplicationFactory().host
    for _ in range(8):
        ApplicationFactory(host=host)
    client.force_login(applicant_of(host))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("home"))
    assert len(response.context["applications"]) == 9


def test_recommender_home_query_count(client, django_assert_max_num_queries):
    apps = [complete_dossier() for _ in range(3)]
    samr = recommender_of(provincial_body("provincial_samr", apps[0].host.province))
    for app in apps:
        run_transition(app, "submit", applicant_of(app.host))
    run_transition(apps[0], "recommend", samr, dimensions=ALL_MEET)
    client.force_login(samr)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("home"))
    assert len(response.context["awaiting"]) == 2 and len(response.context["recent_decisions"]) == 1


# --- notification inbox -----------------------------------------------------------------------


def note(user, subject, url="", read=False):
    return Notification.objects.create(
        recipient=user, subject=subject, body="正文", url=url, read_at=timezone.now() if read else None)


def test_inbox_shows_only_ones_own_notifications_and_highlights_unread(client):
    me, someone = UserFactory(), UserFactory()
    mine_unread = note(me, "我的未读通知")
    mine_read = note(me, "我的已读通知", read=True)
    note(someone, "别人的通知")
    client.force_login(me)
    response = client.get(reverse("notifications"))
    page = html(response)
    assert "我的未读通知" in page and "我的已读通知" in page and "别人的通知" not in page
    unread_item = re.search(r'<li class="([^"]*)" data-testid="notification-%d"' % mine_unread.pk, page)
    read_item = re.search(r'<li class="([^"]*)" data-testid="notification-%d"' % mine_read.pk, page)
    assert "unread" in unread_item.group(1).split() and "unread" not in read_item.group(1).split()
    assert response.context["unread_total"] == 1
    assert re.search(r'data-testid="unread-badge">1<', page)


def test_inbox_is_paginated_newest_first(client, django_assert_max_num_queries):
    me = UserFactory()
    notes = [note(me, f"通知{i:02d}") for i in range(25)]
    client.force_login(me)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("notifications"))
    assert [n.pk for n in first.context["page_obj"]] == [n.pk for n in reversed(notes)][:20]
    second = client.get(reverse("notifications"), {"page": 2})
    assert [n.pk for n in second.context["page_obj"]] == [n.pk for n in reversed(notes)][20:]


def test_marking_read_redirects_to_the_link_and_only_for_the_recipient(client):
    me, someone = UserFactory(), UserFactory()
    mine = note(me, "去看看", url="/applications/7/")
    theirs = note(someone, "别人的", url="/applications/8/")
    client.force_login(me)

    assert client.get(reverse("notification_read", args=[mine.pk])).status_code == 405
    response = client.post(reverse("notification_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(reverse("notification_read", args=[mine.pk]))
    assert response.status_code == 302 and response.url == "/applications/7/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_marking_read_never_redirects_off_site(client):
    me = UserFactory()
    phishing = note(me, "外链", url="https://evil.example/")
    client.force_login(me)
    response = client.post(reverse("notification_read", args=[phishing.pk]))
    assert response.status_code == 302 and response.url == reverse("notifications")


def test_mark_all_read_touches_only_ones_own(client):
    me, someone = UserFactory(), UserFactory()
    note(me, "一"), note(me, "二")
    theirs = note(someone, "三")
    client.force_login(me)
    assert client.get(reverse("notifications_read_all")).status_code == 405
    response = client.post(reverse("notifications_read_all"))
    assert response.status_code == 302 and response.url == reverse("notifications")
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert 'data-testid="unread-badge"' not in html(client.get(reverse("home")))


# --- template helpers -------------------------------------------------------------------------


def test_cny_filter_gives_the_figure_and_the_wan_yuan_reading():
    with translation.override("zh-hans"):
        assert render("{{ v|cny }}", v=52000000) == "¥52,000,000.00 (5,200 万元)"
        assert render("{{ v|cny }}", v=Decimal("3500.5")) == "¥3,500.50"
        assert render("{{ v|cny }}", v=None) == "—"


def test_area_filter():
    assert render("{{ v|area }}", v=Decimal("3000.00")) == "3,000 m²"


def test_cn_date_filter_in_chinese_and_english():
    day = datetime.date(2026, 11, 24)
    moment = datetime.datetime(2026, 11, 24, 2, 30, tzinfo=datetime.UTC)  # 10:30 in Beijing
    with translation.override("zh-hans"):
        assert render("{{ d|cn_date }}", d=day) == "2026年11月24日"
        assert render("{{ d|cn_date }}", d=moment) == "2026年11月24日 10:30"
    with translation.override("en"):
        assert render("{{ d|cn_date }}", d=day) == "2026-11-24"


def test_article_filter_cites_the_measures_in_chinese():
    with translation.override("zh-hans"):
        assert render('{{ "Art. 13"|article }}') == "第十三条"
        assert render('{{ "Art. 31"|article }}') == "第三十一条"
        assert render('{{ "Art. 10"|article }}') == "第十条"
    with translation.override("en"):
        assert render('{{ "Art. 13"|article }}') == "Art. 13"


def test_unread_count_tag_counts_only_the_users_unread():
    me, someone = UserFactory(), UserFactory()
    note(me, "a"), note(me, "b"), note(me, "c", read=True), note(someone, "d")
    request = RequestFactory().get("/")
    request.user = me
    assert render("{% unread_count %}", request=request, user=me) == "2"



def test_unread_badge_stops_counting_at_99(django_assert_num_queries):
    """The navbar's badge is on every page: it says "99+" from 100 unread, "99" at 99, in one query either way."""
    me = UserFactory()
    Notification.objects.bulk_create(Notification(recipient=me, subject=f"n{i}", body="正文") for i in range(99))
    request = RequestFactory().get("/")
    request.user = me
    assert render("{% unread_count %}", request=request, user=me) == "99"
    note(me, "the hundredth")
    request = RequestFactory().get("/")
    request.user = me
    with django_assert_num_queries(1):
        assert render("{% unread_count %}", request=request, user=me) == "99+"

@pytest.mark.urls("tests.test_site")
def test_transition_buttons_render_what_the_model_allows_the_user():
    app = complete_dossier()
    applicant = applicant_of(app.host)
    source = '{% transition_buttons obj user "test_transition" %}'
    with translation.override("zh-hans"):
        page = render(source, obj=app, user=applicant, csrf_token="tok")
    forms = dict(re.findall(r'<form method="post" action="([^"]+)" class="portal-transition" data-transition="(\w+)"', page))
    assert set(forms.values()) == {"submit"}
    assert f"/things/{app.pk}/transitions/submit/" in forms
    assert 'name="csrfmiddlewaretoken" value="tok"' in page
    assert "第十三条" in page  # the article, as small text
    assert "btn btn-primary" in page

    app = run_transition(app, "submit", applicant)
    with translation.override("en"):
        page = render(source, obj=app, user=applicant, csrf_token="tok")
        apart = render('{% transition_buttons obj user "test_transition" drastic=False %}', obj=app, user=applicant)
    assert "<form" not in page  # withdrawing is drastic: a link to its confirmation page, never a bare POST
    assert f'class="btn btn-outline-danger" href="/things/{app.pk}/transitions/withdraw/">Withdraw</a>' in page
    assert "withdraw" not in apart  # a page with a danger zone shows it there instead

    outsider = recommender_of(provincial_body("provincial_samr", "11"))
    assert "<form" not in render(source, obj=app, user=outsider, csrf_token="tok")


@pytest.mark.urls("tests.test_site")
def test_transition_buttons_ask_for_a_comment_where_required_and_can_exclude_art10():
    app = complete_dossier()
    app = run_transition(app, "submit", applicant_of(app.host))
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    page = render('{% transition_buttons obj user "test_transition" %}', obj=app, user=samr, csrf_token="tok")
    names = re.findall(r'data-transition="(\w+)"', page)
    assert names == ["recommend", "return_for_revision", "decline"]
    for form in re.findall(r"<form.*?</form>", page, re.S):
        has_comment = re.search(r'<textarea[^>]*name="comment"[^>]*required', form) is not None
        assert has_comment == ('data-transition="recommend"' not in form)
    page = render('{% transition_buttons obj user "test_transition" exclude="recommend" %}', obj=app, user=samr)
    assert re.findall(r'data-transition="(\w+)"', page) == ["return_for_revision", "decline"]
