"""`make bench`: big documents. (a) The approved list of 2,000 laboratories rendered as the worker renders it: time,
pages, size, memory. (b) Stored documents served by gunicorn (production settings, the Dockerfile's flags) while a
real Celery worker on Redis renders a big list: the 50th and 90th percentiles of downloads (target ≤ 50 ms at the 90th
while the worker renders), with the same figures on an idle worker beside them. Prints a table; no clock is asserted,
only that the crowd asking for the list being prepared shared one rendering."""

import datetime
import os
import resource
import statistics
import threading
import time

import pytest
from pypdf import PdfReader

from bench.servers import GUNICORN, Services
from bench.servers import get as _get
from kernel import documents
from kernel.models import Document
from kernel.signing_keys import write_demo_keys
from reviews import prepared
from tests.bulk import approved_laboratories

LABS = 2000
CROWD = 4  # concurrent downloaders, one more than gunicorn's workers
PER_URL = 100  # requests per address, phase and crowd


def _load(services, paths, clients, per_url=PER_URL, keep_going=lambda: True):
    """`clients` threads downloading `paths` round robin, `per_url` times each (fewer if `keep_going` says stop)."""
    jobs = [path for _ in range(per_url) for path in paths]
    lock = threading.Lock()
    timings = {path: [] for path in paths}
    statuses = {path: set() for path in paths}

    def client():
        while keep_going():
            with lock:
                if not jobs:
                    return
                path = jobs.pop(0)
            seconds, status, _size = _get(services.url(path))
            with lock:
                timings[path].append(seconds)
                statuses[path].add(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, statuses


def _percentiles(values):
    if len(values) < 2:
        return (values[0] * 1000,) * 2 if values else (float("nan"),) * 2
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return statistics.median(values) * 1000, cuts[8] * 1000


def _render_timed(document):
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    document = documents.render(document.pk)
    elapsed = time.perf_counter() - started
    assert document.ready, document.error
    pages = len(PdfReader(document.file.path).pages)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    return document, elapsed, pages, grown


# serialized_rollback: the migrations' reference data (SAMR, MIIT, ...) back, whatever bench flushed it before
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_big_documents_render_in_a_worker_and_are_served_stored(tmp_path, settings, monkeypatch):
    if not os.environ.get("REDIS_URL"):
        pytest.fail("The bench runs a Celery worker on Redis: set REDIS_URL (make bench does).", pytrace=False)
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    signing = tmp_path / "signing"  # the issued document is signed, with the demo's kind of keys
    signing.mkdir()
    for name, value in write_demo_keys(signing, ca_name="labportal bench CA").items():
        setattr(settings, name, value)
    settings.DOCUMENT_SIGNING_DIR = str(signing)
    # This process's Celery is eager (test settings): it queues nothing, and renders below when it says so.
    monkeypatch.setattr(documents, "_enqueue", lambda pk: None)
    started = time.perf_counter()
    approved_laboratories(LABS, first_year=2021, years=5)
    print(f"\n{LABS} approved laboratories built with bulk_create in {time.perf_counter() - started:.1f} s")

    # (a) the whole list, rendered as the worker does (documents.render); a year's list; an issued document
    full, seconds, pages, grown = _render_timed(prepared.approved_list())
    print(f"(a) approved list, {LABS} laboratories: rendered in {seconds:.1f} s, {pages} pages, "
          f"{full.size / 1e6:.2f} MB, peak memory +{grown:.0f} MB (in the worker, never in a request)")
    year, year_seconds, year_pages, _ = _render_timed(prepared.approved_list(year=2023))
    print(f"    the 2023 list, {LABS // 5} laboratories: {year_seconds:.1f} s, {year_pages} pages, {year.size / 1e6:.2f} MB")
    issued = documents.issue(kind=prepared.APPROVED_LIST.code, subject=None, issuer="joint",
                             title="关于公布国家质量标准实验室建设名单的通知", issued_on=datetime.date(2026, 12, 3),
                             content={"addressees": "各省、自治区、直辖市市场监管局、工业和信息化主管部门",
                                      "paragraphs": ["现将国家质量标准实验室建设名单予以公布。"]})
    issued = documents.render(issued.pk)
    assert issued.ready and issued.signed, issued.error

    services = Services(media, tmp_path).start()
    try:
        rss_start = services.web_rss()
        stored = {
            f"/documents/{full.pk}/": f"stored list, {LABS} rows ({full.size / 1e6:.1f} MB)",
            f"/documents/{issued.pk}/": f"issued document {issued.number}",
            "/public/approved.pdf?year=2023": "/public/approved.pdf?year=2023 (digest + stored file)",
        }
        paths = [*stored, "/public/approved.pdf", "/"]
        idle, idle_status = _load(services, paths, 1)

        # The list changes: the next visitor's request queues its rendering in the worker; the crowd shares it.
        approved_laboratories(1, first_year=2021, years=1, prefix="新批")
        seconds, status, _ = _get(services.url("/public/approved.pdf"))
        new = Document.objects.filter(kind="approved_list").latest("created_at")
        assert status == 200 and not new.ready and new.pk not in (full.pk, year.pk)
        deadline = time.monotonic() + 300
        while Document.objects.get(pk=new.pk).progress < 10 and time.monotonic() < deadline:
            time.sleep(0.2)  # until the worker is laying it out

        def rendering():
            return not Document.objects.filter(pk=new.pk, state=Document.State.READY).exists()

        busy, busy_status = _load(services, paths, 1, keep_going=rendering)
        crowd, crowd_status = _load(services, paths, CROWD, keep_going=rendering)
        still_rendering = rendering()
        while rendering() and time.monotonic() < deadline:
            time.sleep(0.5)
        new.refresh_from_db()
        rss_end = services.web_rss()
    finally:
        services.stop()

    assert new.ready, f"the worker did not render the list: {new.error or 'still pending'}"
    assert Document.objects.filter(key=new.key).count() == 1
    assert Document.objects.filter(kind="approved_list", number="").count() == 3  # whole, 2023, whole again: no duplicate
    labels = {**stored, "/public/approved.pdf": "/public/approved.pdf (idle: stored; busy: being prepared)",
              "/": "home page"}
    print(f"(b) gunicorn ({' '.join(GUNICORN[:8])}) on the production settings; busy = while one Celery worker renders "
          f"the changed {LABS + 1}-row list (stored {(new.rendered_at - new.queued_at).total_seconds():.1f} s after the "
          f"request that queued it); 1 client, then a crowd of {CROWD}")
    print(f"    {'address':<58} {'idle p50':>9} {'idle p90':>9} {'busy p50':>9} {'busy p90':>9} "
          f"{'crowd p50':>9} {'crowd p90':>9} {'n':>4}")
    for path, label in labels.items():
        figures = [*_percentiles(idle[path]), *_percentiles(busy[path]), *_percentiles(crowd[path])]
        print(f"    {label:<58} " + " ".join(f"{ms:7.1f}ms" for ms in figures) + f" {len(crowd[path]):4d}")
        assert idle_status[path] == busy_status[path] == crowd_status[path] == {200}, path
    print(f"    the render was still running when the last download ended: {'yes' if still_rendering else 'no'}; "
          f"the request that queued it answered in {seconds * 1000:.0f} ms")
    print(f"    gunicorn workers' memory: {', '.join(f'{mb:.0f}' for mb in rss_start)} MB at start, "
          f"{', '.join(f'{mb:.0f}' for mb in rss_end)} MB at the end")
