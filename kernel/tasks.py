"""Celery tasks: the periodic sweep and digest (django-celery-beat, editable in the admin; migration 0003), the
audit purge (migration 0009) and the e-mail copy of notifications. Their names stay `labportal.tasks.*`, as the schedule rows and
queued messages know them; the mail tasks are defined in `notifications`, beside the mail they send, and
imported here, where Celery discovers tasks."""

import datetime

from celery import shared_task
from django.db import OperationalError

from . import audit
from .deadlines import sweep
from .notifications import email_notifications, send_daily_digests  # noqa: F401  (defined beside the mail they send)


@shared_task(name="labportal.tasks.sweep_deadlines", bind=True, acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def sweep_deadlines(self, as_of=None, batch_size=500):
    """Remind and apply lapses; idempotent, so a redelivered or parallel run does no harm."""
    date = datetime.date.fromisoformat(as_of) if as_of else None
    result = sweep(as_of=date, batch_size=batch_size)
    return {"reminders": result.reminders, "missed": result.missed, "batches": result.batches}


@shared_task(name="labportal.tasks.purge_audit", acks_late=True)
def purge_audit():
    """Delete audit records past `AUDIT_RETENTION_DAYS`, keeping a checkpoint (daily, migration 0009)."""
    return {"purged": audit.purge()}
