"""`make bench`: the key pages at national scale (issue 16), measured against a hello-world view.

The scale database (`bench/scale.py`: 10,000 applications, 2,000 laboratories, ...) is built once in its own
PostgreSQL database (`BENCH_SCALE_DATABASE`, default labportal_scale beside `DATABASE_URL`'s) and reused while its
builder's version and scale hold. gunicorn serves it with the production settings (`bench/server_settings.py`, the
Dockerfile's flags but no recycling during the measurement, which would cut the hello-world rate) and wrk measures each
page with 8 connections right after the hello-world view of the same process (`bench/urls.py`), round after round:
the table gives the medians over the rounds of requests per second, the ratio to the hello-world rate just before,
p50 and p99, and the queries of one request (Django's test client on the same database). Logged-in pages are asked
with the session of a role's account, its second factor verified. Then item 4: a logged-in home page's p99 alone and
during a burst of 200 anonymous requests to the public directory, notices and approved list.

Targets (read, never asserted on a clock): every page ≥ 10 % of the hello-world rate, p99 ≤ 250 ms.
Run: `python bench/pages.py` (`make bench`, after the pytest benches); `BENCH_SCALE=0.1` for a smaller database,
`BENCH_ROUNDS`, `BENCH_SECONDS` for shorter runs."""

import hashlib
import os
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

import psycopg2  # noqa: E402  (after the path: this file runs as a script)

from bench.servers import GUNICORN, Services, get, server_environment  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
CONNECTIONS = 8
WORKERS = int(GUNICORN[GUNICORN.index("--workers") + 1])
MINIMUM_REQUESTS, SLOW_PAGE_SECONDS = 16, 30  # a page answering fewer in its seconds is measured for 30 s
BURST = 200
DRAWN_TIMES = 15
DEMO_DATABASE = os.environ.get("BENCH_DEMO_DATABASE", "labportal_benchdemo")
SEED_CODE = [ROOT / "labportal" / "management" / "commands" / "seed_demo.py", ROOT / "labportal" / "journeys.py"]
# No --max-requests while measuring: recycling a worker every few hundred hello-world requests would measure
# gunicorn's restarts, not the pages.
SERVING = [flag for i, flag in enumerate(GUNICORN)
           if not flag.startswith("--max-requests") and not GUNICORN[i - 1].startswith("--max-requests")]


def log(text):
    print(text, flush=True)


# --- the database ------------------------------------------------------------------------------------------


def scale_database_url():
    named = os.environ.get("BENCH_SCALE_DATABASE", "labportal_scale")
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labportal"))
    return urlunsplit(parts._replace(path=f"/{named}"))


def _built(url):
    """(version, scale) of the build the database holds, or None (no database, no build)."""
    try:
        db = psycopg2.connect(url)
    except psycopg2.OperationalError:  # no such database
        return None
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_scale_build')")
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute("SELECT version, scale FROM bench_scale_build ORDER BY built_at DESC")
            return tuple(cursor.fetchone())
    finally:
        db.close()


def _recreate(url):
    name = urlsplit(url).path[1:]
    admin = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()


def ensure_database(url):
    """The scale database of this builder's version and scale: reused, or dropped, migrated and built anew."""
    from bench.scale import VERSION  # noqa: PLC0415  (imports models: only under Django, see below)

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "labportal.settings.test"}
    if _built(url) == (VERSION, SCALE):
        # migrations added since the build (new columns, new tables) are applied to the rows as they are
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        log(f"scale database {urlsplit(url).path[1:]}: version {VERSION} at scale {SCALE}, reused")
        return
    name = urlsplit(url).path[1:]
    _recreate(url)
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    log(f"scale database {name}: migrated in {time.perf_counter() - started:.0f} s; building at scale {SCALE}")
    subprocess.run([sys.executable, "-c", f"import django; django.setup(); from bench import scale; "
                    f"scale.ensure({SCALE!r})"], cwd=ROOT, env=env, check=True)


# --- who asks ----------------------------------------------------------------------------------------------


def sessions_and_pages():
    """A verified session per role and the key pages' addresses, with each page's query count and status."""
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: PLC0415
    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.db.models import Count, Exists, OuterRef  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415
    from django_otp import DEVICE_ID_SESSION_KEY  # noqa: PLC0415
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    from accounts.middleware import SEEN, STARTED  # noqa: PLC0415
    from accounts.models import OrganisationKind, Role, User  # noqa: PLC0415
    from accounts.rules import needs_second_factor  # noqa: PLC0415
    from accounts.second_factor import DEVICE_NAME, confirmed_device  # noqa: PLC0415
    from evaluations.models import Laboratory  # noqa: PLC0415
    from evaluations.states import LabStatus  # noqa: PLC0415
    from reviews.models import Assignment, ReviewRound  # noqa: PLC0415

    staff = User.objects.filter(role=Role.MINISTRY_STAFF, is_active=True, organisation__kind=OrganisationKind.SAMR,
                                ).order_by("pk").first()
    # the biggest round with an expert at work in it (the scale database's 500 entries; the demo's own)
    at_work = Assignment.objects.filter(round=OuterRef("pk"), status="accepted")
    big_round = ReviewRound.objects.filter(Exists(at_work)).annotate(size=Count("entries")).order_by("-size", "pk").first()
    assignment = Assignment.objects.filter(round=big_round, status="accepted").order_by("pk").first()
    lab = Laboratory.objects.filter(status=LabStatus.OPERATING).order_by("-pk").first()
    applicant = User.objects.get(pk=lab.application.created_by_id)
    province_recommenders = User.objects.filter(role=Role.RECOMMENDER, is_active=True,
                                                organisation__province=applicant.organisation.province).order_by("pk")
    recommender = (province_recommenders.filter(username__startswith="bench-").first()
                   or province_recommenders.first())
    administrator, _ = User.objects.get_or_create(
        username="bench-administrator", defaults={"role": Role.ADMINISTRATOR, "full_name": "系统管理员",
                                                  "email": "admin@bench.example.cn", "password": "!"})
    app = lab.application
    people = {"applicant": applicant, "recommender": recommender, "ministry staff": staff,
              "expert": assignment.expert, "administrator": administrator}

    clients, cookies = {}, {None: ""}
    for role, user in people.items():
        # The session a login leaves (accounts.middleware's clocks, the second factor confirmed), written as is: a
        # login through the client would also go through the login guard, which wants a client address.
        session = SessionStore()
        session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: user.get_session_auth_hash(), STARTED: time.time(), SEEN: time.time()})
        if needs_second_factor(user):
            device = confirmed_device(user) or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        clients[role] = client
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    clients[None] = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")

    pages = [(f"home page · {role}", "/", role) for role in people] + [
        ("ministry queue", "/reviews/", "ministry staff"),
        ("application list", "/applications/", "ministry staff"),
        ("application detail (approved)", f"/applications/{app.pk}/", "ministry staff"),
        ("expert's scoring page", f"/experts/assignments/{assignment.pk}/", "expert"),
        ("public directory", "/directory/", None),
        ("laboratory detail (operating)", f"/labs/{lab.pk}/", "ministry staff"),
        ("dashboard", "/dashboard/", "ministry staff"),
        ("rounds list", "/reviews/rounds/", "ministry staff"),
        ("biggest round", f"/reviews/rounds/{big_round.pk}/", "ministry staff"),
        ("/api/applications/", "/api/applications/", "ministry staff"),
        ("/api/laboratories/", "/api/laboratories/", "ministry staff"),
    ]
    measured = []
    for label, path, role in pages:
        with CaptureQueriesContext(connection) as queries:
            response = clients[role].get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {path} answered {response.status_code} to {role or 'a visitor'}")
        measured.append({"label": label, "path": path, "cookie": cookies[role], "queries": len(queries),
                         "bytes": len(response.content), "drawn": drawn_ms(clients[role], path),
                         "round size": big_round.size})
    return measured, cookies["ministry staff"]


def drawn_ms(client, path, times=DRAWN_TIMES):
    """The median time of drawing the page in this process (Django's test client), kept copies turned off: the work
    each page does when nothing is kept, which the demo-versus-scale comparison reads."""
    from unittest import mock  # noqa: PLC0415

    from django.test import override_settings  # noqa: PLC0415

    timings = []
    with override_settings(PERSONAL_PAGE_SECONDS=0), mock.patch("kernel.shared_pages._shareable", return_value=False):
        for _ in range(times):
            started = time.perf_counter()
            client.get(path, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# --- the demo database, the yardstick of "no slower at 10k than twice the demo" ---------------------------


def demo_database_url():
    return urlunsplit(urlsplit(scale_database_url())._replace(path=f"/{DEMO_DATABASE}"))


def ensure_demo_database(url):
    """`manage.py seed_demo` in a database of its own, reseeded when the seed's code changed."""
    seed = hashlib.sha256(b"".join(path.read_bytes() for path in SEED_CODE)).hexdigest()[:16]
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "labportal.settings.test",
           "CELERY_TASK_ALWAYS_EAGER": "0"}
    if _built(url) == (seed, 0.0):
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        log(f"demo database {DEMO_DATABASE}: seeded by this code, reused")
        return
    _recreate(url)
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    db = psycopg2.connect(url)
    db.autocommit = True  # VACUUM runs outside a transaction
    try:
        with db.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_scale_build (version text, scale float, built_at timestamptz)")
            cursor.execute("INSERT INTO bench_scale_build VALUES (%s, 0, now())", [seed])
            cursor.execute("VACUUM ANALYZE")  # as the scale database's builder does
    finally:
        db.close()
    log(f"demo database {DEMO_DATABASE}: seeded in {time.perf_counter() - started:.0f} s")


def demo_pages():
    """The key pages drawn on the demo database, by label (this process's connection moved there and back)."""
    from django.db import connection  # noqa: PLC0415

    url = demo_database_url()
    ensure_demo_database(url)
    scale_name = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = DEMO_DATABASE
    try:
        return {page["label"]: page for page in sessions_and_pages()[0]}
    finally:
        connection.close()
        connection.settings_dict["NAME"] = scale_name


def comparison(pages, demo):
    log(f"\ndrawn in one process, kept copies off (median of {DRAWN_TIMES}): the demo database against the scale "
        f"database (target: at most twice)")
    log(f"| {'page':<34} | {'demo ms':>7} | {'10k ms':>7} | {'× demo':>6} |")
    log(f"|{'-' * 36}|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|")
    for page in pages:
        other = demo.get(page["label"])
        if other is None:
            continue
        log(f"| {page['label']:<34} | {other['drawn']:7.1f} | {page['drawn']:7.1f} | "
            f"{page['drawn'] / other['drawn']:6.2f} |")


# --- wrk ---------------------------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(url, cookie="", seconds=SECONDS, connections=CONNECTIONS):
    """requests/s, p50 and p99 in ms, and the non-2xx count of `seconds` of wrk at `connections`."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "60s", "--latency",
               "-H", "X-Forwarded-Proto: https", "-H", "Accept-Language: zh-CN"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def latency(percentile):
        found = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        return float(found.group(1)) * UNITS[found.group(2)] if found else float("nan")

    if int(re.search(r"(\d+) requests in", out).group(1)) < MINIMUM_REQUESTS and seconds < SLOW_PAGE_SECONDS:
        return wrk(url, cookie, SLOW_PAGE_SECONDS, connections)  # a slow page: long enough for a p99 of something
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return (rate, latency(50), latency(99),
            (int(errors.group(1)) if errors else 0) + (int(timeouts.group(1)) if timeouts else 0))


def settle(services):
    """Until the workers have finished the requests wrk left behind (a slow page keeps them busy after wrk stops)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        waits = []

        def hello(waits=waits):
            waits.append(get(services.url("/bench/hello/"))[0])

        threads = [threading.Thread(target=hello) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if max(waits) < 0.2:
            return


def measure(services, pages):
    hello = services.url("/bench/hello/")
    for page in pages:  # every worker has served every page once before the clock runs
        for _ in range(3):
            get(services.url("/bench/hello/"))
            get(services.url(page["path"]), headers={"Cookie": page["cookie"]} if page["cookie"] else None)
        page.update(rates=[], ratios=[], p50=[], p99=[], errors=0)
    hello_rates = []
    for round_number in range(1, ROUNDS + 1):
        started = time.perf_counter()
        for page in pages:
            hello_rate = wrk(hello)[0]
            rate, p50, p99, errors = wrk(services.url(page["path"]), page["cookie"])
            settle(services)
            hello_rates.append(hello_rate)
            page["rates"].append(rate)
            page["ratios"].append(rate / hello_rate)
            page["p50"].append(p50)
            page["p99"].append(p99)
            page["errors"] += errors
        log(f"  round {round_number}/{ROUNDS}: {time.perf_counter() - started:.0f} s")
    return statistics.median(hello_rates)


def table(pages, hello_rate):
    log(f"\nkey pages at scale {SCALE:g}: wrk, {CONNECTIONS} connections, {SECONDS} s per page after {SECONDS} s of the "
        f"hello-world view, medians of {ROUNDS} rounds (hello world: {hello_rate:.0f} requests/s); 'drawn ms': one "
        f"request in this process with kept copies off")
    log(f"| {'page':<34} | {'req/s':>7} | {'of hello':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'drawn ms':>8} | "
        f"{'queries':>7} | {'KB':>6} |")
    log(f"|{'-' * 36}|{'-' * 9}:|{'-' * 9}:|{'-' * 8}:|{'-' * 8}:|{'-' * 9}:|{'-' * 8}:|{'-' * 7}:|")
    for page in pages:
        label = f"round of {page['round size']} entries" if page["label"] == "biggest round" else page["label"]
        errors = f" ({page['errors']} failed)" if page["errors"] else ""
        log(f"| {label + errors:<34} | {statistics.median(page['rates']):7.1f} | "
            f"{statistics.median(page['ratios']) * 100:7.1f}% | {statistics.median(page['p50']):7.0f} | "
            f"{statistics.median(page['p99']):7.0f} | {page['drawn']:8.1f} | {page['queries']:7d} | "
            f"{page['bytes'] / 1024:6.0f} |")


# --- item 4: a burst of anonymous visitors ------------------------------------------------------------------

PUBLIC = ["/directory/", "/public/", "/public/approved/"]


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else float("nan")


def _home_page_timings(services, cookie, keep_going, clients=2, minimum=20):
    timings, lock = [], threading.Lock()

    def client():
        while keep_going() or len(timings) < minimum:
            asked = time.perf_counter()
            seconds, status, _ = get(services.url("/"), headers={"Cookie": cookie})
            assert status == 200, status
            with lock:
                timings.append((asked, seconds))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    return threads, timings


def crowd(services, paths):
    """Every request of `paths` sent at once, each on its own connection, by one thread watching them all (a crowd
    comes from other machines: 200 client threads here would take the server's own CPU): seconds and status each."""
    host, port = urlsplit(services.url("/")).netloc.split(":")
    selector, answers = selectors.DefaultSelector(), []
    started = time.perf_counter()
    for path in paths:
        connection = socket.create_connection((host, int(port)))
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-Proto: https\r\n"
                           f"Accept-Language: zh-CN\r\nConnection: close\r\n\r\n".encode())
        selector.register(connection, selectors.EVENT_READ, bytearray())
    while selector.get_map():
        for key, _ in selector.select(timeout=60):
            chunk = key.fileobj.recv(65536)
            if chunk:
                key.data.extend(chunk)
                continue
            selector.unregister(key.fileobj)
            key.fileobj.close()
            status = int(key.data.split(b" ", 2)[1]) if key.data.startswith(b"HTTP/") else 0
            answers.append((time.perf_counter() - started, status))
    return answers


def burst(services, cookie):
    """The ministry staff's home page, asked by two clients: alone for a few seconds, then while 200 anonymous
    requests to the public pages arrive at once (`crowd`)."""
    for path in PUBLIC:  # kept in the cache, as a crowd finds them: the first visitor after a change draws the page
        get(services.url(path))
    until = time.monotonic() + 2 * SECONDS
    threads, alone = _home_page_timings(services, cookie, lambda: time.monotonic() < until)
    for thread in threads:
        thread.join()
    running = threading.Event()
    threads, during = _home_page_timings(services, cookie, lambda: not running.is_set())
    time.sleep(0.2)  # the two clients at work before the crowd arrives
    started = time.perf_counter()
    public = crowd(services, [PUBLIC[i % len(PUBLIC)] for i in range(BURST)])
    burst_seconds = time.perf_counter() - started
    running.set()
    for thread in threads:
        thread.join()
    alone = [seconds for _, seconds in alone]
    during = [seconds for asked, seconds in during if started <= asked <= started + burst_seconds]  # asked meanwhile
    statuses = sorted({status for _, status in public})
    log(f"\nitem 4: a burst of {BURST} anonymous requests at once to {', '.join(PUBLIC)} (answered {statuses}, the "
        f"last after {burst_seconds:.1f} s; p50 {_percentile([s for s, _ in public], 0.5):.0f} ms, p99 "
        f"{_percentile([s for s, _ in public], 0.99):.0f} ms)")
    log(f"ministry staff's home page, 2 clients: p99 {_percentile(alone, 0.99):.0f} ms alone (p50 "
        f"{_percentile(alone, 0.5):.0f} ms, n={len(alone)}), p99 {_percentile(during, 0.99):.0f} ms during the burst "
        f"(p50 {_percentile(during, 0.5):.0f} ms, n={len(during)}); target p99 ≤ 250 ms")


# --- the run -----------------------------------------------------------------------------------------------


def machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return f"{os.cpu_count()} CPUs ({model}), {memory / 1024 ** 2:.0f} GB RAM, load average {os.getloadavg()[0]:.1f}"


def main():
    if not shutil.which("wrk"):
        raise SystemExit("bench/pages.py measures with wrk: apt-get install wrk (make bench does, WITH_BENCH=1)")
    started = time.perf_counter()
    url = scale_database_url()
    log(f"\nkey pages at national scale on {machine()}")
    workdir = Path(tempfile.mkdtemp(prefix="labportal-bench-"))
    (workdir / "media").mkdir()
    # This process asks the pages through Django's test client with the servers' settings and keys.
    environment = server_environment(url, workdir / "media", workdir, 0)
    environment["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ.update(environment)
    del environment["SITE_URL"]  # the servers' own, with their port
    import django  # noqa: PLC0415

    django.setup()
    ensure_database(url)
    pages, staff_cookie = sessions_and_pages()
    demo = demo_pages()
    services = Services(workdir / "media", workdir, database=url, env=environment, gunicorn=SERVING,
                        worker=False).start()
    try:
        hello_rate = measure(services, pages)
        table(pages, hello_rate)
        comparison(pages, demo)
        burst(services, staff_cookie)
    finally:
        services.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"\nbench/pages.py: {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
