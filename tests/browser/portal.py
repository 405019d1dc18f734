"""The browser side of the journeys: Debian's Chromium driven by Playwright, one browser context per person
(its own cookies and session), English UI unless asked otherwise, and small helpers that read what a person
sees on the portal's pages (status badges, messages, the timeline)."""

import os
import re
from base64 import b32decode
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright

from accounts.second_factor import current_code

# Debian's headless build of its Chromium (package chromium-headless-shell): the same Blink as /usr/bin/chromium
# without the desktop browser around it, which is what Playwright itself runs for headless Chromium. It draws the
# browser tests' pages with a third less CPU (measured on a journey: 36 against 53 CPU seconds).
CHROMIUM = "/usr/bin/chromium-headless-shell"
PASSWORD = "pw-Secret-2026"  # tests.factories.UserFactory's password
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


class Chromium:
    """Debian's Chromium, launched headless on first use; never a downloaded browser."""

    def __init__(self):
        self._playwright = None
        self._browser = None

    def browser(self):
        if self._browser is None:
            if not os.access(CHROMIUM, os.X_OK):
                pytest.fail(
                    f"Chromium is not installed at {CHROMIUM}. The browser tests drive Debian's chromium-headless-shell "
                    "package: run `apt-get install chromium-headless-shell` (scripts/system-deps.sh does it when run as "
                    "root). "
                    "Playwright must never download a browser (do not run `playwright install`).",
                    pytrace=False,
                )
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        return self._browser

    def close(self):
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            connections.close_all()  # the connections this thread opened while Playwright's loop ran
            self._playwright.stop()


class Portal:
    """The live portal as seen by several people, each in a browser context of their own (own cookies,
    own session, own cache), left open between their steps like a browser window."""

    def __init__(self, chromium, url):
        self.chromium = chromium
        self.url = url
        self.contexts = []
        self.people = {}  # user pk -> the page of their browser
        self.current_page = None  # the page a failure report saves

    def new_page(self, locale="en-US"):
        context = self.chromium.browser().new_context(locale=locale, base_url=self.url)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "Are you sure?" confirmations: the person says yes
        return page

    @contextmanager
    def visitor(self, locale="en-US"):
        """Someone not logged in (the public), in a fresh browser."""
        page = self.new_page(locale)
        self.current_page = page
        yield page
        self._close(page)

    @contextmanager
    def person(self, user, path="/", locale="en-US"):
        """`user` at their browser, opening `path`. The first time, and whenever their session has expired
        (months pass in these journeys), the portal asks them to log in and then brings them on to `path`
        (at `/`, the public front page offers the log-in)."""
        page = self.people.get(user.pk)
        if page is None:
            page = self.people[user.pk] = self.new_page(locale)
        self.current_page = page
        page.goto(path)
        front_login = page.get_by_test_id("front-login")
        if urlsplit(page.url).path == "/" and front_login.count():
            follow(front_login)  # a visitor at the public front page logs in from it, and comes back home
        if urlsplit(page.url).path == "/accounts/login/":
            log_in(page, user)
            expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        yield page

    def _close(self, page):
        context = page.context
        context.close()
        self.contexts.remove(context)

    def close(self):
        for context in self.contexts:
            context.close()
        self.contexts.clear()
        self.people.clear()


# --- what a person does and sees ---------------------------------------------------------------------


def at(page, path):
    """The page at `path` (opened unless the browser already shows it)."""
    if urlsplit(page.url).path != path:
        page.goto(path)


def log_in(page, user):
    """The login form (where the portal sent the person), then on to where they were going."""
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    follow(page.locator("main form button[type=submit]"))
    second_factor(page, user)
    expect(page.locator(".portal-user-name")).to_have_text(str(user))


def second_factor(page, user):
    """Staff, experts and administrators then give their authenticator's code, as their phone computes it from the
    secret: the one they set up before, or, the first time, the one the enrolment page shows (then the recovery
    codes are shown once and they go on)."""
    path = urlsplit(page.url).path
    if path == reverse("two_factor_verify"):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
    elif path == reverse("two_factor_enrol"):
        secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
        device = TOTPDevice(key=b32decode(secret).hex(), last_t=-1)
    else:
        return
    page.fill("#id_code", current_code(device))
    follow(page.locator("main form button[type=submit]").first)
    if page.get_by_test_id("recovery-codes").count():
        follow(page.get_by_test_id("recovery-codes-done"))


def message(page, text):
    """A message shown at the top of the page (success, info, warning or error) containing `text`."""
    alert = page.locator("main .alert").filter(has_text=text)
    expect(alert.first, f"{page.url} shows the message “{text}”").to_be_visible()
    return alert.first


def no_error(page):
    expect(page.locator("main .alert-danger")).to_have_count(0)


def application_status(page, text):
    expect(page.locator("header [data-status]"), f"{page.url}: the application's status").to_have_text(text)


def lab_status(page, text):
    expect(page.locator("header .status-badge").first, f"{page.url}: the laboratory's status").to_have_text(text)


def timeline(page):
    """The history as the person reads it, one line per entry (whitespace collapsed)."""
    entries = page.locator("#timeline li").all_inner_texts()
    return [re.sub(r"\s+", " ", entry).strip() for entry in entries]


def timeline_shows(page, *steps):
    """Each of `steps` ("source → target") appears in the history, in this order."""
    lines = timeline(page)
    position = 0
    for step in steps:
        for index in range(position, len(lines)):
            if step in lines[index]:
                position = index + 1
                break
        else:
            raise AssertionError(f"the history does not show “{step}” after line {position}:\n" + "\n".join(lines))
    return lines


def follow(locator):
    """Click a link or a form's button and wait for the page it leads to (so that what is checked next is
    the new page, not the one just left)."""
    with locator.page.expect_navigation():
        locator.click()


def click_button(page, name, scope=None):
    follow((scope or page).get_by_role("button", name=name, exact=True))
