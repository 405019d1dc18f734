"""Browser tests: Playwright drives Debian's headless Chromium (/usr/bin/chromium-headless-shell) against pytest-django's
live server on the test database (PostgreSQL in `make test` and CI).

Nothing here downloads a browser: the Debian package is installed by scripts/system-deps.sh (as root) and
a missing one FAILS the test with a message saying so. On failure the current page is saved
for the log: test-artifacts/browser/<test name>.png and .html.
"""

import uuid
from pathlib import Path

import pytest
import time_machine

from tests.browser.portal import Chromium, Portal

ARTIFACTS = Path("test-artifacts") / "browser"


@pytest.fixture
def chromium(monkeypatch):
    """Chromium for one journey, launched on first use (a missing Chromium fails the test, not its setup).

    Playwright's sync API keeps an asyncio loop running in this thread while it is started: Django would
    refuse the test's own ORM calls (the cast, the sweep) with SynchronousOnlyOperation, hence
    DJANGO_ALLOW_ASYNC_UNSAFE. The loop is stopped again after the test: while it runs, asgiref gives this
    thread a separate set of database connections, and a loop left running for the rest of the session
    would keep pytest-django from restoring the migrations' reference data (serialized_rollback) for the
    transactional tests that come after it in the same worker."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    launcher = Chromium()
    yield launcher
    launcher.close()


@pytest.fixture
def portal(chromium, live_server, settings):
    """The live portal. The cache (the objection throttle's counters) gets a key prefix of its own: CI's
    Redis is shared by the parallel workers, and `cache.clear()` would empty it for all of them."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"browser-{uuid.uuid4().hex}"}}
    portal = Portal(chromium, live_server.url)
    yield portal
    portal.close()


@pytest.fixture
def documents_stay_queued(monkeypatch):
    """The issued documents of a journey's decisions stay queued instead of being rendered at each commit: a journey
    clicks through the pages and downloads none of them (their PDFs are tested in tests/test_decision_documents.py),
    and a dozen renderings would be a fifth of its time."""
    from kernel import documents

    monkeypatch.setattr(documents, "_enqueue", lambda pk: None)


@pytest.fixture
def clock(request):
    """The clock of the whole test process, the live server's thread included (time-machine patches the
    process's clock, not the monotonic one Playwright's loop runs on), ticking from the module's START."""
    with time_machine.travel(request.module.START, tick=True) as traveller:
        yield traveller


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, keep what the person last saw: a screenshot and the HTML of the current page."""
    report = yield
    if report.when != "call":
        return report
    folder = Path(item.config.rootpath) / ARTIFACTS
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in item.name)
    if report.passed:  # what an earlier failure saved is no longer what the test sees
        for suffix in (".png", ".html"):
            (folder / f"{name}{suffix}").unlink(missing_ok=True)
    elif report.failed:
        portal = item.funcargs.get("portal") if hasattr(item, "funcargs") else None
        page = portal.current_page if portal is not None else None
        if page is not None and not page.is_closed():
            folder.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                (folder / f"{name}.html").write_text(page.content(), encoding="utf-8")
                report.sections.append(("browser", f"page {page.url} saved to {folder / name}.png and .html"))
            except Exception as exc:  # noqa: BLE001 - keep the original failure, note why nothing was saved
                report.sections.append(("browser", f"could not save the page: {exc!r}"))
    return report
