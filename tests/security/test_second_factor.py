"""Authentication of privileged users (issue 14; GB/T 22239-2019 8.1.4.1, ASVS 2.7, 2.8, 3.3, 3.5): ministry staff,
administrators and experts confirm a TOTP code (or a single-use recovery code) after their password; sessions end
after 30 idle minutes and 12 hours; the admin lives at ADMIN_PATH; API tokens are stored hashed, expire, and are
revoked at logout and at a password change."""

import datetime
import hashlib
import importlib
import os
import subprocess
import sys
from base64 import b32decode
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib import admin
from django.urls import ResolverMatch, clear_url_caches, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import api_tokens, second_factor
from accounts.middleware import SecondFactorMiddleware
from accounts.models import ApiToken, Role
from kernel.models import AuditEntry
from tests.browser.portal import PASSWORD  # tests.factories.UserFactory's
from tests.factories import LocalHostFactory, applicant_of, expert, provincial_body, recommender_of, samr_staff
from tests.test_settings import PRODUCTION

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
START = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


def log_in(client, user):
    """The login form, as a person fills it in (no second factor yet)."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return response


def enrolled(user):
    return TOTPDevice.objects.create(user=user, name=second_factor.DEVICE_NAME, confirmed=True)


def enrol_through_the_page(client):
    page = client.get(reverse("two_factor_enrol"))
    secret = page.context["secret"].replace(" ", "")
    code = second_factor.current_code(TOTPDevice(key=b32decode(secret).hex()))
    return client.post(reverse("two_factor_enrol"), {"code": code, "next": "/reviews/"})


# --- who must give a second factor, and where they are sent ---------------------------------------------------


def test_staff_without_a_verified_device_is_sent_to_enrol(client):
    log_in(client, samr_staff())
    response = client.get("/reviews/")
    assert response.status_code == 302
    assert response.url == f"{reverse('two_factor_enrol')}?next=/reviews/"


def test_enrolment_shows_a_qr_code_and_the_secret_then_ten_recovery_codes_once(client_en):
    officer = samr_staff()
    log_in(client_en, officer)
    page = client_en.get(reverse("two_factor_enrol"))
    html = page.content.decode()
    assert "<svg" in html and "portal-qr" in html and "http" not in page.context["qr_svg"].split("xmlns")[0]
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert page.context["secret"].replace(" ", "") in html.replace(" ", "")
    assert client_en.get(reverse("two_factor_enrol")).context["secret"] == page.context["secret"]  # stable on reload

    wrong = client_en.post(reverse("two_factor_enrol"), {"code": "000000"})
    assert "This code is not right" in wrong.content.decode()

    device.throttle_reset()
    done = enrol_through_the_page(client_en)
    codes = done.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=officer).confirmed
    assert client_en.get("/reviews/").status_code == 200
    assert client_en.get(reverse("profile")).context["recovery_codes_left"] == 10


def test_staff_with_a_device_is_sent_to_verify_and_its_code_lets_them_in(client):
    officer = samr_staff()
    device = enrolled(officer)
    log_in(client, officer)
    assert client.get("/labs/").url == f"{reverse('two_factor_verify')}?next=/labs/"
    before = client.session.session_key
    response = client.post(reverse("two_factor_verify"), {"code": second_factor.current_code(device), "next": "/labs/"})
    assert response.status_code == 302 and response.url == "/labs/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != before  # a new session key once the privilege is complete
    assert client.get("/labs/").status_code == 200


def test_experts_and_administrators_need_it_applicants_and_recommenders_do_not(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.cn", PASSWORD)
    for user in (expert(), root):
        client.logout()
        log_in(client, user)
        assert client.get(reverse("home")).url.startswith(reverse("two_factor_enrol")), user
    for user in (applicant_of(LocalHostFactory()), recommender_of(provincial_body("provincial_samr", "32"))):
        client.logout()
        log_in(client, user)
        assert client.get(reverse("home")).status_code == 200, user


def test_the_roles_that_need_it_are_a_setting(client, settings):
    settings.OTP_REQUIRED_ROLES = ["ministry_staff", "recommender"]
    log_in(client, expert())
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    log_in(client, recommender_of(provincial_body("provincial_samr", "32")))
    assert client.get(reverse("home")).url.startswith(reverse("two_factor_enrol"))


def test_until_verified_only_the_second_factor_logout_and_the_public_front_open(client):
    officer = samr_staff()
    enrolled(officer)
    log_in(client, officer)
    for path in (reverse("front_page"), reverse("measures"), reverse("faq"), reverse("two_factor_verify")):
        assert client.get(path).status_code == 200, path
    for path in (reverse("home"), reverse("notifications"), reverse("profile"), reverse("admin:index"), "/reviews/"):
        assert client.get(path).url.startswith(reverse("two_factor_verify")), path
    assert client.post(reverse("logout")).status_code == 302 and "_auth_user_id" not in client.session


def test_the_api_refuses_the_session_of_unverified_staff(client):
    officer = samr_staff()
    device = enrolled(officer)
    log_in(client, officer)
    assert client.get("/api/me/").status_code == 403
    client.post(reverse("two_factor_verify"), {"code": second_factor.current_code(device)})
    assert client.get("/api/me/").json()["username"] == officer.username


# --- recovery codes, throttling, the profile section -------------------------------------------------------------


def test_recovery_code_works_once(client):
    officer = samr_staff()
    enrolled(officer)
    code = second_factor.new_recovery_codes(officer)[3]
    log_in(client, officer)
    response = client.post(reverse("two_factor_verify"), {"code": code.upper()})
    assert response.status_code == 302 and client.get("/reviews/").status_code == 200
    assert second_factor.recovery_codes_left(officer) == 9

    client.logout()
    log_in(client, officer)
    again = client.post(reverse("two_factor_verify"), {"code": code})
    assert again.status_code == 200 and again.context["form"].errors
    assert client.get("/reviews/").status_code == 302


def test_wrong_codes_are_throttled_and_count_like_failed_logins(client, settings):
    settings.AXES_ENABLED = True
    officer = samr_staff()
    device = enrolled(officer)
    with time_machine.travel(START, tick=False) as clock:
        log_in(client, officer)
        client.post(reverse("two_factor_verify"), {"code": "123456"}, HTTP_ACCEPT_LANGUAGE="en")
        assert AccessAttempt.objects.get(username=officer.username).failures_since_start == 1
        # Right away, even the right code waits: the device is throttled (django-otp, each wait twice the last).
        refused = client.post(reverse("two_factor_verify"), {"code": second_factor.current_code(device)},
                              HTTP_ACCEPT_LANGUAGE="en")
        assert "Too many wrong codes" in refused.content.decode()
        clock.shift(datetime.timedelta(seconds=2))
        device.refresh_from_db()
        assert client.post(reverse("two_factor_verify"), {"code": second_factor.current_code(device)}).status_code == 302


def test_enough_wrong_codes_pause_the_name_and_address_and_end_the_login(client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    officer = samr_staff()
    enrolled(officer)
    log_in(client, officer)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            clock.shift(datetime.timedelta(minutes=5))  # past each throttle wait
            response = client.post(reverse("two_factor_verify"), {"code": "000000"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_profile_lists_recovery_codes_left_and_makes_new_ones(client):
    officer = samr_staff()
    client.force_login(officer)
    old = second_factor.new_recovery_codes(officer)
    page = client.get(reverse("profile"))
    assert page.context["recovery_codes_left"] == 10
    new = client.post(reverse("recovery_codes_renew")).context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)) == set(new)


def test_resetting_the_authenticator_needs_a_code_and_leads_to_enrolment(client):
    officer = samr_staff()
    client.force_login(officer)
    device = TOTPDevice.objects.get(user=officer)
    kept = client.post(reverse("two_factor_reset"), {"code": "999999"})
    assert kept.url.endswith("#second-factor") and TOTPDevice.objects.filter(pk=device.pk).exists()
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(reverse("two_factor_reset"), {"code": second_factor.current_code(device)})
    assert response.url.startswith(reverse("two_factor_enrol"))
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    assert client.get("/reviews/").url.startswith(reverse("two_factor_enrol"))
    assert enrol_through_the_page(client).status_code == 200
    assert client.get("/reviews/").status_code == 200


def test_the_demo_code_is_shown_only_by_the_dev_settings_for_the_demo_secret(client, settings):
    officer = samr_staff()
    second_factor.give_demo_device(officer)
    log_in(client, officer)
    settings.DEBUG, settings.OTP_DEMO_HINT = True, True
    shown = client.get(reverse("two_factor_verify")).context["demo_code"]
    assert shown == second_factor.current_code(TOTPDevice.objects.get(user=officer))
    settings.DEBUG = False
    assert client.get(reverse("two_factor_verify")).context["demo_code"] == ""
    settings.DEBUG = True
    TOTPDevice.objects.filter(user=officer).update(key="ab" * 20)  # a real secret: never shown
    assert client.get(reverse("two_factor_verify")).context["demo_code"] == ""


def test_production_hides_the_demo_code_and_moves_the_admin():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(PRODUCTION)
    code = ("from django.conf import settings; from django.urls import reverse; "
            "print(settings.OTP_DEMO_HINT, settings.DEBUG, reverse('admin:index'))")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split()[-3:] == ["False", "False", "/portal-administration/"], result.stderr
    env["ADMIN_PATH"] = "admin"
    default = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert default.returncode != 0 and "ADMIN_PATH" in default.stderr


# --- sessions ----------------------------------------------------------------------------------------------------


def test_session_idle_timeout_logs_out(client_en, settings):
    user = applicant_of(LocalHostFactory())
    with time_machine.travel(START, tick=False) as clock:
        client_en.force_login(user)
        clock.shift(datetime.timedelta(minutes=29))
        assert client_en.get(reverse("notifications")).status_code == 200
        clock.shift(datetime.timedelta(minutes=29))  # still within 30 minutes of the last request
        assert client_en.get(reverse("notifications")).status_code == 200
        clock.shift(datetime.timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES, seconds=1))
        response = client_en.get(reverse("notifications"), follow=True)
    assert response.redirect_chain[0][0] == f"{reverse('login')}?next={reverse('notifications')}"
    assert "_auth_user_id" not in client_en.session
    assert "logged out after 30 minutes without activity" in response.content.decode()


def test_session_absolute_lifetime_ends_even_an_active_session(client_en, settings):
    officer = samr_staff()
    with time_machine.travel(START, tick=False) as clock:
        client_en.force_login(officer)
        for _ in range(settings.SESSION_ABSOLUTE_HOURS * 3 - 1):
            clock.shift(datetime.timedelta(minutes=20))
            assert client_en.get(reverse("notifications")).status_code == 200
        clock.shift(datetime.timedelta(minutes=21))
        response = client_en.get(reverse("notifications"), follow=True)
    assert "_auth_user_id" not in client_en.session
    assert "Sessions last at most 12 hours" in response.content.decode()


def test_session_cookie_ends_with_the_browser_and_lives_hours_not_weeks(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_HOURS * 3600 <= 12 * 3600
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 30


# --- the admin's path --------------------------------------------------------------------------------------------


@pytest.fixture
def admin_at(settings):
    """The URLconf rebuilt with another ADMIN_PATH (and restored afterwards)."""
    import labportal.urls

    def move(path):
        settings.ADMIN_PATH = path
        importlib.reload(labportal.urls)
        clear_url_caches()

    yield move
    settings.ADMIN_PATH = "admin/"
    importlib.reload(labportal.urls)
    clear_url_caches()


def test_admin_served_at_configured_path(client, admin_at, django_user_model):
    admin_at("werkbank-7c1e/")
    root = django_user_model.objects.create_superuser("root", "root@example.cn", PASSWORD)
    client.force_login(root)
    assert reverse("admin:index") == "/werkbank-7c1e/"
    assert client.get("/werkbank-7c1e/").status_code == 200
    assert client.get("/admin/").status_code == 404
    assert admin.site.is_registered(ApiToken)


def test_the_admin_has_no_login_form_of_its_own(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response.url.startswith(f"{reverse('login')}?next=")
    client.force_login(applicant_of(LocalHostFactory()))  # signed in, not an admin user: no form to try passwords in
    response = client.get(reverse("admin:login"))
    assert response.status_code == 403 and b'name="password"' not in response.content


# --- API tokens --------------------------------------------------------------------------------------------------


def api(token):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def refused(token):
    """The API turns the token away (403, as the session is the first way of authentication: no WWW-Authenticate)."""
    response = api(token).get("/api/me/")
    return response.status_code == 403 and response.data["detail"] == "Invalid or expired token."


def test_only_a_hash_of_the_token_is_stored_and_it_is_shown_once():
    user = applicant_of(LocalHostFactory())
    response = APIClient().post("/api/auth/token/", {"username": user.username, "password": PASSWORD,
                                                     "name": "nightly export"}, format="json")
    raw = response.data["token"]
    assert not refused(raw) and refused(raw[:-1] + "x")
    row = ApiToken.objects.get(user=user, name="nightly export")
    assert row.digest == hashlib.sha256(raw.encode()).hexdigest() and raw not in {row.prefix, row.digest}
    assert raw.startswith(row.prefix) and len(row.prefix) < 8
    listed = api(raw).get("/api/auth/tokens/").data
    assert listed == [{"id": row.pk, "name": "nightly export", "token": f"{row.prefix}…",
                       "created_at": listed[0]["created_at"], "last_used_at": listed[0]["last_used_at"],
                       "expires_at": listed[0]["expires_at"]}]
    assert listed[0]["last_used_at"] is not None


def test_token_expires_after_its_lifetime(settings):
    user = applicant_of(LocalHostFactory())
    with time_machine.travel(START, tick=False) as clock:
        _token, raw = api_tokens.issue(user, "script")
        clock.shift(datetime.timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS) - datetime.timedelta(minutes=1))
        assert api(raw).get("/api/me/").status_code == 200
        clock.shift(datetime.timedelta(minutes=2))
        assert refused(raw)
    assert not ApiToken.objects.filter(user=user).exists()


def test_token_revoked_at_logout(client):
    user = applicant_of(LocalHostFactory())
    _token, raw = api_tokens.issue(user, "laptop")
    client.force_login(user)
    client.post(reverse("logout"))
    assert refused(raw)


def test_token_revoked_at_password_change(client):
    user = applicant_of(LocalHostFactory())
    _token, raw = api_tokens.issue(user, "laptop")
    _other, other_raw = api_tokens.issue(user, "server")
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "an0ther-Long-pass", "new_password2": "an0ther-Long-pass"})
    assert response.status_code == 302
    assert refused(raw) and refused(other_raw)
    user.refresh_from_db()
    user.full_name = "改名"
    _kept, kept_raw = api_tokens.issue(user, "laptop")
    user.save()  # a save without a new password keeps the tokens
    assert api(kept_raw).get("/api/me/").status_code == 200


def test_a_user_holds_several_named_tokens_and_revokes_only_their_own():
    user, stranger = applicant_of(LocalHostFactory()), applicant_of(LocalHostFactory())
    _a, raw_a = api_tokens.issue(user, "laptop")
    b, _raw_b = api_tokens.issue(user, "server")
    theirs, _raw = api_tokens.issue(stranger, "laptop")
    client = api(raw_a)
    assert [t["name"] for t in client.get("/api/auth/tokens/").data] == ["server", "laptop"]
    assert client.delete(f"/api/auth/tokens/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/auth/tokens/{b.pk}/").status_code == 204
    assert list(ApiToken.objects.filter(user=user).values_list("name", flat=True)) == ["laptop"]
    _again, raw_again = api_tokens.issue(user, "laptop")  # the same name replaces the old token
    assert refused(raw_a) and api(raw_again).get("/api/me/").status_code == 200


def test_staff_get_a_token_only_with_the_authenticators_code():
    officer = samr_staff()
    device = enrolled(officer)
    data = {"username": officer.username, "password": PASSWORD, "name": "script"}
    without = APIClient().post("/api/auth/token/", data, format="json")
    assert without.status_code == 400 and "otp" in without.data["errors"]
    granted = APIClient().post("/api/auth/token/", {**data, "otp": second_factor.current_code(device)}, format="json")
    assert granted.status_code == 200 and api(granted.data["token"]).get("/api/me/").status_code == 200


def test_profile_page_creates_lists_and_revokes_tokens(client_en):
    user = applicant_of(LocalHostFactory())
    client_en.force_login(user)
    created = client_en.post(reverse("api_token_create"), {"name": "统计脚本"})
    raw = created.context["raw"]
    assert raw in created.content.decode()
    page = client_en.get(reverse("profile")).content.decode()
    token = ApiToken.objects.get(user=user)
    assert "统计脚本" in page and f"{token.prefix}…" in page and raw not in page
    client_en.post(reverse("api_token_revoke", args=[token.pk]))
    assert not ApiToken.objects.filter(user=user).exists()


def test_token_revoked_when_its_owner_gains_rights_needing_a_second_factor():
    """A token issued to an applicant must not carry ministry rights (and skip the second factor) once the account
    is made ministry staff; issuing and revoking are audited."""
    user = applicant_of(LocalHostFactory())
    _token, raw = api_tokens.issue(user, "script")
    assert api(raw).get("/api/me/").status_code == 200
    user.role = Role.MINISTRY_STAFF
    user.save()
    assert api(raw).get("/api/me/").status_code in (401, 403)
    assert not ApiToken.objects.filter(user=user).exists()
    actions = list(AuditEntry.objects.filter(transition__in=["issue_api_token", "revoke_api_token"])
                   .order_by("sequence").values_list("transition", "data"))
    assert [action for action, _data in actions] == ["issue_api_token", "revoke_api_token"]
    assert actions[1][1]["why"] == "rights changed" and raw not in str(actions)  # the token itself is never recorded


def test_a_namespaced_page_sharing_an_open_name_still_asks_for_the_code(rf):
    """Only the public front's own pages are open before the second factor: the gate compares full view names, so a
    `download` in some app's namespace is not the front's `download`."""
    staff = samr_staff()  # a plain user object: no verified device on this request
    gate = SecondFactorMiddleware(lambda request: None)
    for namespaces, opens in (([], True), (["applications"], False)):
        request = rf.get("/somewhere/")
        request.user = staff
        request.resolver_match = ResolverMatch(lambda r: None, (), {}, url_name="download", app_names=namespaces,
                                               namespaces=namespaces)
        assert (gate.process_view(request, None, (), {}) is None) == opens, namespaces
