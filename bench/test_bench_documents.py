"""`make bench`: big documents. (a) The approved list of 2,000 laboratories rendered as the worker renders it: time,
pages, size, memory. (b) Stored documents served by gunicorn (production settings, the Dockerfile's flags) while a
real Celery worker on Redis renders a big list: the 50th and 90th percentiles of downloads (target ≤ 50 ms at the 90th
while the worker renders), with the same figures on an idle worker beside them. Prints a table; no clock is asserted,
only that the crowd asking for the list being prepared shared one rendering."""

import datetime
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection
from pypdf import PdfReader

from kernel import documents
from kernel.models import Document
from kernel.signing_keys import write_demo_keys
from reviews import prepared
from tests.bulk import approved_laboratories

ROOT = Path(__file__).resolve().parent.parent
LABS = 2000
CROWD = 4  # concurrent downloaders, one more than gunicorn's workers
PER_URL = 100  # requests per address, phase and crowd
GUNICORN = ["--workers", "3", "--timeout", "60", "--max-requests", "1000", "--max-requests-jitter", "100",
            "--limit-request-line", "8190", "--limit-request-fields", "100", "--limit-request-field_size", "8190"]


def _database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Services:
    """gunicorn and one Celery worker on the bench's database and a Redis queue of their own."""

    def __init__(self, media_root, log_dir):
        self.port = _free_port()
        self.queue = f"bench-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "server_settings", "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
            "DATABASE_URL": _database_url(), "REDIS_URL": os.environ["REDIS_URL"], "MEDIA_ROOT": str(media_root),
            "DOCUMENT_SIGNING_DIR": str(log_dir / "signing"),
            "SECRET_KEY": secrets.token_urlsafe(48), "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
            "PII_ENCRYPTION_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{self.port}", "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
        self.logs = log_dir
        self.processes = []

    def start(self):
        bin_dir = Path(sys.executable).parent
        self.web = self._spawn("gunicorn", [str(bin_dir / "gunicorn"), "labportal.wsgi", "--bind",
                                            f"127.0.0.1:{self.port}", *GUNICORN])
        self.worker = self._spawn("worker", [str(bin_dir / "celery"), "-A", "labportal", "worker", "-l", "warning",
                                             "-Q", self.queue, "--concurrency", "1", "--without-heartbeat",
                                             "--without-gossip", "--without-mingle"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(self.url("/"))[1] == 200:
                    return self
            except OSError:  # not listening yet
                pass
            time.sleep(0.5)
        pytest.fail(f"gunicorn did not answer within a minute: see {self.logs / 'gunicorn.log'}")

    def _spawn(self, name, command):
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append((process, log))
        return process

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def web_rss(self):
        return [_rss_mb(pid) for pid in _children(self.web.pid)]

    def stop(self):
        for process, log in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # this process's own group (start_new_session)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.close()


def _get(url):
    """One download as a browser behind the TLS proxy makes it: seconds, status, bytes."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Accept-Language": "zh-CN"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  (our own server)
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return time.perf_counter() - started, status, len(body)


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


@pytest.mark.django_db(transaction=True)
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
