"""Failed logins are stopped without letting anyone lock another person out (issue 14, GB/T 22239-2019 8.1.4.1,
ASVS 2.2.1): the lockout keys on the user name *and* the client address, the client address is the one the trusted
proxy saw, a captcha comes after a few failures, and each further lockout of a pair lasts twice as long."""

import datetime
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.urls import reverse

from accounts.login_guard import cool_off
from tests.browser.portal import PASSWORD  # tests.factories.UserFactory's
from tests.factories import samr_staff

pytestmark = pytest.mark.django_db

STRANGER, OFFICE, PROXY = "203.0.113.5", "198.51.100.7", "10.0.0.2"


@pytest.fixture(autouse=True)
def guarded(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 10
    settings.LOGIN_CAPTCHA_AFTER = 3
    settings.LOGIN_COOL_OFF_MINUTES = 15
    settings.THROTTLE_TRUSTED_PROXIES = 0


def attempt(client, username, password, address, captcha=None, **headers):
    """A login POST from `address`; `captcha` "PASSED" answers a fresh captcha right, any other text wrongly."""
    data = {"username": username, "password": password}
    if captcha is not None:
        key = CaptchaStore.generate_key()
        answer = CaptchaStore.objects.get(hashkey=key).response if captcha == "PASSED" else captcha
        data.update({"captcha_0": key, "captcha_1": answer})
    return client.post(reverse("login"), data, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", **headers)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_a_stranger_guessing_cannot_lock_the_officer_out(client):
    officer = samr_staff()
    for _ in range(15):
        response = attempt(client, officer.username, "wrong-guess", STRANGER, captcha="PASSED")
    assert response.status_code == 429  # the stranger's own pair is locked
    assert not logged_in(client)

    client.logout()
    own = attempt(client, officer.username, PASSWORD, OFFICE, captcha="PASSED")
    assert own.status_code == 302 and logged_in(client)


def test_a_guessing_run_from_one_address_is_stopped_even_with_the_right_password(client):
    officer = samr_staff()
    for number in range(1, 11):
        response = attempt(client, officer.username, f"guess-{number}", STRANGER, captcha="PASSED")
    assert response.status_code == 429
    assert attempt(client, officer.username, PASSWORD, STRANGER, captcha="PASSED").status_code == 429
    assert not logged_in(client)


def test_after_three_failures_a_captcha_is_asked_and_a_wrong_answer_tries_no_password(client):
    officer = samr_staff()
    for _ in range(2):
        attempt(client, officer.username, "wrong", STRANGER)
    page = client.get(reverse("login"), REMOTE_ADDR=STRANGER, HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="captcha_1"' not in page.content.decode()  # two failures: not yet
    attempt(client, officer.username, "wrong", STRANGER)
    page = client.get(reverse("login"), REMOTE_ADDR=STRANGER, HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="captcha_1"' in page.content.decode()

    failures = AccessAttempt.objects.get(username=officer.username).failures_since_start
    wrong_captcha = attempt(client, officer.username, PASSWORD, STRANGER, captcha="WRONG")
    assert wrong_captcha.status_code == 200 and not logged_in(client)
    errors = wrong_captcha.context["form"].errors
    assert "captcha" in errors and "__all__" not in errors  # nothing said about the password
    assert AccessAttempt.objects.get(username=officer.username).failures_since_start == failures

    assert attempt(client, officer.username, PASSWORD, STRANGER, captcha="PASSED").status_code == 302
    assert logged_in(client)


def test_the_captcha_follows_the_user_name_across_addresses(client):
    officer = samr_staff()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        attempt(client, officer.username, "wrong", address)
    without = attempt(client, officer.username, PASSWORD, "203.0.113.4")
    assert without.status_code == 200 and "captcha" in without.context["form"].errors and not logged_in(client)


def test_behind_the_trusted_proxy_clients_are_told_apart_by_the_address_it_saw(client, settings):
    settings.THROTTLE_TRUSTED_PROXIES = 1
    officer = samr_staff()
    for _ in range(10):  # a forged left part of the header is not believed
        attempt(client, officer.username, "wrong", PROXY, captcha="PASSED", HTTP_X_FORWARDED_FOR=f"{OFFICE}, {STRANGER}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert attempt(client, officer.username, PASSWORD, PROXY, captcha="PASSED",
                   HTTP_X_FORWARDED_FOR=STRANGER).status_code == 429
    own = attempt(client, officer.username, PASSWORD, PROXY, captcha="PASSED", HTTP_X_FORWARDED_FOR=OFFICE)
    assert own.status_code == 302 and logged_in(client)


def test_each_further_lockout_of_a_pair_lasts_twice_as_long_up_to_a_day(settings):
    def after(failures):
        return cool_off(SimpleNamespace(axes_failures_since_start=failures))

    assert after(None) == after(10) == datetime.timedelta(minutes=15)
    assert after(19) == datetime.timedelta(minutes=15)
    assert after(20) == datetime.timedelta(minutes=30)
    assert after(30) == datetime.timedelta(hours=1)
    assert after(10_000) == datetime.timedelta(days=1)


def test_a_locked_pair_gets_a_page_that_explains_and_offers_the_password_reset(client):
    officer = samr_staff()
    for _ in range(10):
        response = attempt(client, officer.username, "wrong", STRANGER, captcha="PASSED")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed attempts" in page and reverse("password_reset") in page
