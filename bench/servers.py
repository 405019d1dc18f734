"""The servers a bench measures: gunicorn with the production settings (`bench/server_settings.py`: the portal's
addresses, static files found in place, and the hello-world yardstick) and, when asked, a Celery worker on a Redis
queue of its own. Each runs in its own process group and is stopped by it."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
# The Dockerfile's flags.
GUNICORN = ["--workers", "3", "--timeout", "60", "--max-requests", "1000", "--max-requests-jitter", "100",
            "--limit-request-line", "8190", "--limit-request-fields", "100", "--limit-request-field_size", "8190"]


def database_url():
    """The address of the database this process is connected to, for the servers."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database, media_root, log_dir, port):
    """The production settings' environment: throwaway keys, this host, eager tasks off."""
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "server_settings", "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
        "DATABASE_URL": database, "REDIS_URL": os.environ["REDIS_URL"], "MEDIA_ROOT": str(media_root),
        "DOCUMENT_SIGNING_DIR": str(log_dir / "signing"),
        "SECRET_KEY": secrets.token_urlsafe(48), "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
        "PII_ENCRYPTION_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}", "CELERY_TASK_ALWAYS_EAGER": "false",
    }


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
    """gunicorn and (with `worker`) one Celery worker on the bench's database and a Redis queue of their own."""

    def __init__(self, media_root, log_dir, database=None, env=None, gunicorn=GUNICORN, worker=True):
        self.port = free_port()
        self.queue = f"bench-{uuid.uuid4().hex[:8]}"
        self.env = {**server_environment(database or database_url(), media_root, log_dir, self.port), **(env or {}),
                    "CELERY_TASK_DEFAULT_QUEUE": self.queue}
        self.logs = log_dir
        self.gunicorn, self.with_worker = gunicorn, worker
        self.processes = []

    def start(self):
        bin_dir = Path(sys.executable).parent
        self.web = self._spawn("gunicorn", [str(bin_dir / "gunicorn"), "labportal.wsgi", "--bind",
                                            f"127.0.0.1:{self.port}", *self.gunicorn])
        if self.with_worker:
            self.worker = self._spawn("worker", [str(bin_dir / "celery"), "-A", "labportal", "worker", "-l", "warning",
                                                 "-Q", self.queue, "--concurrency", "1", "--without-heartbeat",
                                                 "--without-gossip", "--without-mingle"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(self.url("/"))[1] == 200:
                    return self
            except OSError:  # not listening yet
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within a minute: see {self.logs / 'gunicorn.log'}")

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
        self.processes = []


def get(url, headers=None):
    """One request as a browser behind the TLS proxy makes it: seconds, status, bytes."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Accept-Language": "zh-CN",
                                                  **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  (our own server)
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return time.perf_counter() - started, status, len(body)
