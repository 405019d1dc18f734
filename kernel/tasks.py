"""Celery tasks: the periodic sweep and digest (django-celery-beat, editable in the admin; migration 0003)
and the e-mail copy of notifications. Their names stay `labportal.tasks.*`, as the schedule rows and
queued messages know them."""

import datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

# Sending mail: SMTP errors and socket timeouts (settings.EMAIL_TIMEOUT) are OSErrors. Retried with an
# exponential backoff (30 s, 1 min, 2 min, ... at most an hour, jittered), five times; what was sent before a
# failure is marked and not sent again.
MAIL_RETRY = {
    "autoretry_for": (OSError, OperationalError, SoftTimeLimitExceeded),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="labportal.tasks.sweep_deadlines", bind=True, acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def sweep_deadlines(self, as_of=None, batch_size=500):
    """Remind and apply lapses; idempotent, so a redelivered or parallel run does no harm."""
    from .deadlines import sweep

    date = datetime.date.fromisoformat(as_of) if as_of else None
    result = sweep(as_of=date, batch_size=batch_size)
    return {"reminders": result.reminders, "missed": result.missed, "batches": result.batches}


@shared_task(name="labportal.tasks.email_notifications", acks_late=True, soft_time_limit=120, time_limit=180,
             **MAIL_RETRY)
def email_notifications(ids):
    """E-mail the notifications `ids` (queued by `notifications.deliver` after commit)."""
    from .notifications import email_notifications as send

    return send(ids)


@shared_task(name="labportal.tasks.send_daily_digests", acks_late=True, soft_time_limit=1200, time_limit=1500,
             **MAIL_RETRY)
def send_daily_digests():
    from .notifications import send_daily_digests as send

    return send()
