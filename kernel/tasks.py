"""Celery tasks: the periodic sweep and digest (django-celery-beat, editable in the admin; migration 0003), the
mail outbox (every five minutes; migration 0008), the audit purge (daily; migration 0010) and the e-mail copy of
notifications. Their names stay `labportal.tasks.*`, as the schedule rows and queued messages know them; the mail
tasks are defined in `notifications`, beside the mail they send, and imported here, where Celery discovers tasks."""

import datetime

from celery import shared_task
from django.db import OperationalError

from . import audit
from .deadlines import sweep
from .notifications import email_notifications, email_outbox, send_daily_digests  # noqa: F401  (beside their mail)


# Time limits below the broker's visibility timeout (settings.CELERY_VISIBILITY_TIMEOUT): a sweep stopped by them
# has committed its finished batches, and the next beat does the rest.
@shared_task(name="labportal.tasks.sweep_deadlines", bind=True, acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5, soft_time_limit=1200, time_limit=1500)
def sweep_deadlines(self, as_of=None, batch_size=500):
    """Remind and apply lapses; idempotent, so a redelivered or parallel run does no harm."""
    date = datetime.date.fromisoformat(as_of) if as_of else None
    result = sweep(as_of=date, batch_size=batch_size)
    return {"reminders": result.reminders, "missed": result.missed, "fired": result.fired, "batches": result.batches}


@shared_task(name="labportal.tasks.purge_audit", acks_late=True)
def purge_audit():
    """Delete audit records past `AUDIT_RETENTION_DAYS`, keeping a checkpoint (daily, migration 0010)."""
    return {"purged": audit.purge()}
