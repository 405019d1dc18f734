"""Layout as a person sees it: every page a demo role reaches from its menus and home page, drawn by
Chromium at a laptop and a phone window (1366 and 390 px) and checked by one script
(layout_check.js) for controls and tables nobody can see, pages wider than the window, labels that wrap
inside a word, table cells squeezed to a character a line and navbar text too faint to read. Screenshots
(JPEG: a third faster to take than PNG) go to test-artifacts/layout/<role>[-en]-<width>-<page>.jpg: each
person's home page with each of its menus opened, at 1366 and 390 px, and every page at the width where a
problem was found on it. Not every page: screenshots of all four hundred were a third of the drawing's time.

The pages are found, not listed: an HTTP client logged in as the person follows the links of the home
page (its navbar holds every menu, the "More" one included) and of the pages they lead to, three clicks
deep (home → application → dossier editor → its team section), so a page added tomorrow is checked
without editing the tests. Following links is in-process (Django's test client, milliseconds a page);
drawing costs a browser round trip, two layouts and screenshots, so not every page is drawn:

- followed: a page's links are followed once per route (URL pattern with its words, e.g. the dossier
  section, but not the object ids) and status shown in the page's header, per person: one draft, one
  returned dossier, one lab under construction... lead to the pages each state offers (edit, revisions,
  acceptance, extension);
- drawn: a page is drawn when no page of its route with the same elements in <main> (tags, input types,
  names and ids; text, classes and numbers of rows ignored) was drawn before in this test, by anyone: ten
  submitted applications, or a public notice seen by five roles, differ in their data, not in their
  layout. Each person's home page is always drawn, with its menus opened (the navbar is theirs), in
  Chinese and in English (longer labels).
"""

import re
import time
import uuid
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import expect

from accounts.models import User
from kernel import documents
from tests.demo import the_demo

# width: height, px. A laptop and a phone: a desktop window draws what the laptop does with more room (nothing
# overflows or wraps there that fits at 1366), and the walk has a time budget.
WINDOWS = {1366: 768, 390: 844}
SHOWN_WIDTHS = tuple(WINDOWS)  # the home page kept as screenshots at each, with its menus opened
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "layout"
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, normal text
CHECK = (Path(__file__).parent / "layout_check.js").read_text(encoding="utf-8")
DEPTH = 3
PUBLIC = "public"  # nobody logged in
LANGUAGES = ("zh-hans", "en")  # every page in Chinese (the default); each home page and its menus in English

NOT_FOLLOWED = ("/api/", "/i18n/", "/accounts/logout/", "/static/", "/media/")
DOWNLOAD = re.compile(r"\.(pdf|csv|xlsx|ics)$")


class _Reading(HTMLParser):
    """What the crawl needs of a page: its links, the status in its header, the shape of its <main>."""

    def __init__(self):
        super().__init__()
        self.hrefs = []
        self.status = ""
        self.shape = set()
        self._main = self._header = self._header_read = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "main":
            self._main = True
        if not self._main:
            return
        classes = (attrs.get("class") or "").split()
        name, ident = (re.sub(r"\d+", "N", attrs.get(key) or "") for key in ("name", "id"))
        self.shape.add((tag, attrs.get("type") or "", name, ident))
        if tag == "header" and not self._header_read:
            self._header = True
        if self._header and not self.status:
            badge = next((c[7:] for c in classes if c.startswith("status-") and c != "status-badge"), "")
            self.status = attrs.get("data-status") or badge

    def handle_endtag(self, tag):
        if tag == "header" and self._header:
            self._header, self._header_read = False, True


def _route(path):
    try:
        return resolve(path)
    except Resolver404:
        return None


def _words(match):
    return tuple(sorted((key, value) for key, value in match.kwargs.items() if not isinstance(value, int)))


def _slug(path):
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"


def _followed(path):
    admin_index = reverse("admin:index")
    if path.startswith(admin_index):
        return path == admin_index  # Django's own admin: its index only
    return not path.startswith(NOT_FOLLOWED) and not DOWNLOAD.search(path)


def _visit(target):
    """What makes a link worth a visit: its route, object and kind of query ("?page=2" and "?page=3" are one)."""
    match = _route(target.path)
    if match is None:
        return None
    query_keys = frozenset(part.split("=")[0] for part in target.query.split("&") if part)
    return match.view_name, tuple(sorted(match.kwargs.items())), query_keys


def crawl(client, drawn, start="/"):
    """The paths of the pages to draw for the person `client` is logged in as (or the public), see the
    module's docstring; `drawn` holds the shapes drawn for others before and is updated."""
    asked, expanded, pages = {_visit(urlsplit(start))}, set(), []
    frontier = [start]
    for level in range(DEPTH + 1):
        found = []
        for url in frontier:
            response = client.get(url, follow=True)
            response.close()  # a download's file
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue  # a download, or a link the person may not follow
            path, query = response.request["PATH_INFO"], response.request.get("QUERY_STRING", "")
            match = _route(path)
            if match is None:
                continue
            reading = _Reading()
            reading.feed(response.content.decode())
            shape = (match.view_name, _words(match), frozenset(reading.shape))
            if url == start or shape not in drawn:
                drawn.add(shape)
                pages.append(path + (f"?{query}" if query else ""))
            state = (match.view_name, _words(match), reading.status)
            if level == DEPTH or state in expanded:
                continue
            expanded.add(state)
            for href in reading.hrefs:
                target = urlsplit(urljoin(f"http://testserver{url}", href))
                if target.netloc != "testserver" or not _followed(target.path):
                    continue  # another site, mailto:, or a page not to visit
                visit = _visit(target)
                if visit is not None and visit not in asked:
                    asked.add(visit)
                    found.append(target.path + (f"?{target.query}" if target.query else ""))
        frontier = found
    return pages


def open_as(browser, base_url, client, lang):
    """A browser sharing `client`'s session (the same person, or nobody), its portal in `lang`. Reduced
    motion: Bootstrap then opens menus without an animation to wait for."""
    width = next(iter(WINDOWS))
    context = browser.new_context(locale="zh-CN" if lang.startswith("zh") else "en-US", base_url=base_url,
                                  viewport={"width": width, "height": WINDOWS[width]}, reduced_motion="reduce")
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base_url}]
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if session is not None:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": base_url})
    context.add_cookies(cookies)
    return context


class Walk:
    """Draws pages and collects what is wrong with them, to report at the end, all at once."""

    def __init__(self, artifacts=ARTIFACTS):
        self.artifacts = artifacts
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.problems = defaultdict(lambda: defaultdict(list))  # problem -> (who, lang, width) -> paths
        self.drawn = 0

    def forget(self, who):
        """Screenshots of an earlier run for `who`, no longer what the pages look like."""
        for old in self.artifacts.glob(f"{who}-*.jpg"):
            old.unlink()

    def draw(self, context, pages, *, who, lang, menus=()):
        """Each of `pages` at each width, checked; with its menus opened at the `menus` widths."""
        page = context.new_page()
        widths = tuple(WINDOWS)
        for index, path in enumerate(pages):
            page.goto(path, wait_until="domcontentloaded")
            for width in widths if index % 2 == 0 else widths[::-1]:  # the next page opens at the last width
                page.set_viewport_size({"width": width, "height": WINDOWS[width]})
                self._check(page, who, lang, width, path, _slug(path), keep=width in menus)
                if width in menus:
                    self._open_menus(page, who, lang, width, path)
            self.drawn += 1
        page.close()

    def _check(self, page, who, lang, width, path, name, keep):
        """The page checked; kept as a screenshot if asked to (`keep`) or if anything is wrong with it."""
        problems = page.evaluate(CHECK, {"lang": lang, "minContrast": MIN_CONTRAST})
        for problem in problems:
            self.problems[problem][(who, lang, width)].append(path)
        if keep or problems:
            prefix = who if lang.startswith("zh") else f"{who}-{lang}"
            page.screenshot(path=str(self.artifacts / f"{prefix}-{width}-{name}.jpg"), type="jpeg", quality=80)

    def _open_menus(self, page, who, lang, width, path):
        """Each menu of the navbar opened in turn (on a phone, behind its toggler first), checked and kept."""
        toggler = page.locator("nav.navbar .navbar-toggler")
        folded = toggler.is_visible()
        if folded:
            toggler.click()
            page.locator("nav.navbar .navbar-collapse.show").wait_for()
        dropdowns = page.locator("nav.navbar [data-bs-toggle=dropdown]")
        for index in range(dropdowns.count()):
            dropdown = dropdowns.nth(index)
            dropdown.click()
            expect(dropdown).to_have_attribute("aria-expanded", "true")
            self._check(page, who, lang, width, f"{path} (menu {index + 1} open)", f"{_slug(path)}-menu-{index + 1}",
                        keep=True)
            page.keyboard.press("Escape")
            expect(dropdown).to_have_attribute("aria-expanded", "false")
        if folded:
            toggler.click()

    def report(self):
        """Every problem once, with where it shows: person · language · width: pages."""
        lines = []
        for problem, places in self.problems.items():
            lines.append(problem)
            for (who, lang, width), paths in places.items():
                shown = ", ".join(paths[:6]) + (f" and {len(paths) - 6} more" if len(paths) > 6 else "")
                lines.append(f"    {who} · {lang} · {width} px: {shown}")
        return "\n".join(lines)


class Stopwatch:
    """Wall and CPU seconds (this process: the test and the live server's threads) of each step, for the log:
    the walk has a time budget."""

    def __init__(self):
        self.laps = []
        self._last = (time.monotonic(), time.process_time())

    def lap(self, what):
        now = (time.monotonic(), time.process_time())
        self.laps.append(f"{what} in {now[0] - self._last[0]:.1f} s ({now[1] - self._last[1]:.1f} s CPU)")
        self._last = now

    def __str__(self):
        return ", ".join(self.laps)


def look_at(browser, base_url, found, artifacts=ARTIFACTS):
    """Draw and check the pages `found` for each person ({who: (their client, pages)}): in Chinese all of
    them, in English each home page with its menus."""
    walk = Walk(artifacts)
    for who in found:
        walk.forget(who)
    for lang in LANGUAGES:
        for who, (client, pages) in found.items():
            context = open_as(browser, base_url, client, lang)
            if lang == LANGUAGES[0]:
                walk.draw(context, pages[:1], who=who, lang=lang, menus=SHOWN_WIDTHS)
                walk.draw(context, pages[1:], who=who, lang=lang)
            else:  # the longer English labels: the navbar and its menus on the laptop
                walk.draw(context, pages[:1], who=who, lang=lang, menus=(1366,))
            context.close()
    return walk


def walk_the_demo(chromium, live_server, settings, tmp_path, people):
    """On the demo (tests.demo), find the pages of each of `people` (demo usernames, or PUBLIC), draw and check
    them; fail once, naming every problem. The cache gets a prefix of its own (CI's Redis is shared). The demo's
    issued documents are never rendered during the walk: seventy-odd PDFs would take a minute of it, and the walk
    follows no download (a document's page shows "being prepared"; the PDFs' layout is tested in
    test_decision_documents)."""
    clock = Stopwatch()
    with mock.patch.object(documents, "_enqueue", lambda pk: None), the_demo(tmp_path / "demo_media"):
        clock.lap("demo copied")
        _walk(chromium, live_server, settings, people, clock)


def _walk(chromium, live_server, settings, people, clock):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"layout-{uuid.uuid4().hex}"}}
    drawn, found = set(), {}
    for who in people:
        client = Client()
        if who != PUBLIC:
            client.force_login(User.objects.get(username=who))
        found[who] = (client, crawl(client, drawn))
    clock.lap(f"{sum(len(pages) for _, pages in found.values())} pages found")
    walk = look_at(chromium.browser(), live_server.url, found)
    clock.lap(f"{walk.drawn} drawn and checked")
    print(f"layout of {', '.join(people)}: {clock}")
    assert not walk.problems, (
        f"What a person would see as broken (screenshots in {walk.artifacts}):\n{walk.report()}"
    )
