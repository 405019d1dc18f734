"""The seeded demo read as people read it: every page reachable from each role's home page, over HTTP. In
Chinese no English article citation ("Art. 12 (1)"; the issue counted 115 on 25 pages), no ISO date, no
heading glossed with itself (公示（公示）) and no half-width colon after a label; in English one date format
(ISO), never Django's "Dec. 3, 2026, 2 p.m.", and lists separated by commas, not 、."""

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import User
from tests.demo import the_demo

START = ("/", "/public/", "/public/approved/", "/directory/")
SKIP = re.compile(r"^/(accounts/logout|admin/|api/|static/|media/|i18n/)|/transitions/|/feed/|\.(pdf|csv|ics|xlsx)$")
ROLES = (None, "applicant", "samr_js", "samr_staff", "expert")
PER_SHAPE = 2  # pages per URL pattern (ids replaced): two applications, two labs, two notices, … of each kind

CHINESE_FAULTS = {
    "English article citation": re.compile(r"\bArts?\.\s*\d+[^\s<]*"),
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "heading glossed with itself": re.compile(r"([\u4e00-\u9fff]{2,})\s*[（(]\1[）)]"),
    "half-width colon after a Chinese label": re.compile(r"[\u4e00-\u9fff]: "),
}
ENGLISH_FAULTS = {
    "Django's default date format": re.compile(
        r"\b(?:Jan|Feb|March|April|May|June|July|Aug|Sept|Oct|Nov|Dec)\.? \d{1,2}, \d{4}|\b\d{1,2}(?::\d\d)? [ap]\.m\.|\bmidnight\b"
    ),
    "Chinese date in English": re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"),
    "Chinese list separator between English words": re.compile(r"[A-Za-z)]、[A-Za-z(]"),
}


class VisibleText(HTMLParser):
    """The text a reader sees: no attributes, no scripts or styles, no code; and, when `other_language` is
    given, none of the passages marked as written in it (`lang="zh-CN"` on an English page: the Measures'
    authoritative text, inbox messages stored in the portal's language)."""

    HIDDEN = {"script", "style", "code", "pre", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, other_language=""):
        super().__init__()
        self.parts, self.hidden, self.other_language = [], 0, other_language
        self.open_tags, self.foreign_depth = [], None  # foreign_depth: where a passage in the other language began

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in self.HIDDEN
        if tag in self.VOID:
            return
        self.open_tags.append(tag)
        lang = dict(attrs).get("lang") or ""
        if self.other_language and self.foreign_depth is None and lang.startswith(self.other_language):
            self.foreign_depth = len(self.open_tags)

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN
        if tag in self.VOID or tag not in self.open_tags:
            return
        while self.open_tags and self.open_tags.pop() != tag:
            pass
        if self.foreign_depth is not None and len(self.open_tags) < self.foreign_depth:
            self.foreign_depth = None

    def handle_data(self, data):
        if not self.hidden and self.foreign_depth is None:
            self.parts.append(data)


def visible_text(html, other_language=""):
    parser = VisibleText(other_language)
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def crawl(client, per_shape=PER_SHAPE, other_language=""):
    """{url: visible text} of the HTML pages reachable by links from START, `per_shape` pages per URL pattern."""
    queue, seen, shapes, pages = list(START), set(), Counter(), {}
    while queue:
        url = queue.pop(0)
        shape = re.sub(r"\d+", "N", url)
        if url in seen or shapes[shape] >= per_shape:
            continue
        seen.add(url)
        shapes[shape] += 1
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        pages[url] = visible_text(html, other_language)
        for href in re.findall(r'href="([^"#]+)', html):
            link = urlsplit(href.replace("&amp;", "&"))
            if link.netloc or not link.path.startswith("/") or SKIP.search(link.path) or "page=" in link.query:
                continue
            queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return pages


def faults(pages, checks):
    found = []
    for url, text in pages.items():
        for name, pattern in checks.items():
            found += [f"{url}: {name}: …{text[max(0, m.start() - 30) : m.end() + 10]}…" for m in pattern.finditer(text)]
    return found


def client_for(username, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if username:
        client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded demo, once for the module."""
    with django_db_blocker.unblock(), the_demo(tmp_path_factory.mktemp("demo_media")):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("username", ROLES)
def test_chinese_pages_cite_articles_and_dates_in_chinese(username):
    pages = crawl(client_for(username, "zh-hans"))
    assert len(pages) >= (5 if username is None else 12)  # the crawl really walked the role's pages
    assert faults(pages, CHINESE_FAULTS) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("username", ("applicant", "samr_staff"))
def test_english_pages_use_one_date_format_and_english_lists(username):
    pages = crawl(client_for(username, "en"), per_shape=1, other_language="zh")
    assert len(pages) >= 12
    assert faults(pages, ENGLISH_FAULTS) == []
