"""`make bench`: the deadline sweep over 100,000 open deadlines. Prints time and queries; the target
(≤ 10 s) is read from the output, never asserted on a clock. Query counts must stay per batch."""

import datetime
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.deadlines import RETURNED_DOSSIER_FIX
from kernel.deadlines import sweep
from kernel.models import Deadline
from tests.factories import ApplicationFactory, applicant_of

TOTAL = 100_000
BATCH = 1000


# serialized_rollback: the migrations' reference data (SAMR, MIIT, ...) back, whatever bench flushed it before
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sweep_over_100k_open_deadlines(monkeypatch):
    as_of = datetime.date(2026, 6, 2)  # a Tuesday: the lapsed due date (Monday) is a working day
    apps = [ApplicationFactory() for _ in range(50)]
    for app in apps:
        applicant_of(app.host)
    ct = ContentType.objects.get_for_model(apps[0])
    rows = []
    for i in range(TOTAL):
        app = apps[i % len(apps)]
        if i % 100 == 0:
            due = as_of - datetime.timedelta(days=1)  # 1% lapsed
        elif i % 10 == 0:
            due = as_of + datetime.timedelta(days=1 + i % 5)  # 9% in the reminder window
        else:
            due = as_of + datetime.timedelta(days=60 + i % 300)
        rows.append(Deadline(content_type=ct, object_id=apps[0].pk + i, kind=RETURNED_DOSSIER_FIX.code,
                             article="Art. 13", due_date=due))
    # One open deadline per object: ids past the 50 real applications stand for objects not loaded.
    Deadline.objects.bulk_create(rows, batch_size=5000)
    through = Deadline.organisations.through
    links = [through(deadline_id=pk, organisation_id=apps[(obj - apps[0].pk) % len(apps)].host_id)
             for pk, obj in Deadline.objects.values_list("pk", "object_id")]
    through.objects.bulk_create(links, batch_size=5000)

    queued = []  # the e-mail is its own task (claimed and marked message by message), not the sweep's work
    monkeypatch.setattr("kernel.notifications._queue_emails", queued.extend)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = sweep(as_of=as_of, batch_size=BATCH)
    elapsed = time.perf_counter() - started
    print(f"\nsweep over {TOTAL} open deadlines: {elapsed:.2f} s, {len(queries)} queries, "
          f"{result.batches} batches, {result.reminders} reminders, {result.missed} missed, {len(queued)} e-mails queued")
    assert result.missed == TOTAL // 100
    assert result.reminders > 0 and queued
    assert len(queries) <= 20 * (result.batches + 2), "queries must be bounded per batch, not per deadline"
