"""End to end with real Celery workers on the Redis at 127.0.0.1 and the test PostgreSQL database:
the sweep runs in the worker, two workers sweeping at once send nothing twice, and the reminder's e-mail
leaves through the e-mail task in a worker, which marks it e-mailed."""

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kernel.models import Deadline, Notification, ReminderSent
from kernel.tasks import sweep_deadlines
from kernel.transitions import run_transition
from labportal.celery import app as celery_app
from tests.factories import complete_dossier, provincial_body, recommender_of

ROOT = Path(__file__).resolve().parent.parent


def _start_worker(queue, name):
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "labportal.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # what the workers' tasks queue (the e-mail) stays in the test's queue
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "labportal", "worker", "--pool=solo", "-Q", queue,
         "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def workers():
    assert connection.vendor == "postgresql", "the worker test needs the PostgreSQL test database (make test)"
    assert settings.REDIS_URL, "the worker test needs REDIS_URL (make test sets it)"
    queue = f"labportal-test-{uuid.uuid4().hex[:8]}"
    started = [_start_worker(queue, f"w{i}-{queue}") for i in range(2)]
    celery_app.conf.task_always_eager = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(timeout=1.0) or []
        if sum(1 for r in replies for name in r if queue in name) == 2:
            break
    else:
        pytest.fail("Celery workers did not start")
    yield queue
    celery_app.conf.task_always_eager = True
    for proc in started:
        proc.terminate()
    for proc in started:
        proc.wait(timeout=30)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sweep_in_two_real_workers_sends_each_reminder_once(workers):
    app = complete_dossier()
    applicant = app.created_by
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    recommender_of(provincial_body("provincial_miit", app.host.province))
    app = run_transition(app, "submit", applicant)
    app = run_transition(app, "return_for_revision", samr, comment="请补充")
    Notification.objects.all().delete()
    due = Deadline.objects.for_object(app).get().due_date
    reminder_day = (due - datetime.timedelta(days=5)).isoformat()

    results = [sweep_deadlines.apply_async(kwargs={"as_of": reminder_day}, queue=workers) for _ in range(4)]
    totals = [r.get(timeout=60) for r in results]
    assert sum(t["reminders"] for t in totals) == 1
    assert Notification.objects.filter(recipient=applicant).count() == 1
    assert ReminderSent.objects.filter(recipient=applicant, days_before=5).count() == 1
    waited = time.monotonic() + 30
    while not Notification.objects.filter(recipient=applicant, emailed_at__isnull=False).exists():
        assert time.monotonic() < waited, "the reminder was never e-mailed by a worker"
        time.sleep(0.2)

    lapse_day = (due + datetime.timedelta(days=1)).isoformat()
    results = [sweep_deadlines.apply_async(kwargs={"as_of": lapse_day}, queue=workers) for _ in range(2)]
    assert sum(r.get(timeout=60)["missed"] for r in results) == 1
    assert Deadline.objects.for_object(app).get().state == Deadline.State.MISSED
