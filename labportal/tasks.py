"""Periodic work, scheduled with django-celery-beat (editable in the admin; migration 0003)."""

import datetime

from celery import shared_task
from django.db import OperationalError


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sweep_deadlines(self, as_of=None, batch_size=500):
    """Remind and apply lapses; idempotent, so a redelivered or parallel run does no harm."""
    from .deadlines import sweep

    date = datetime.date.fromisoformat(as_of) if as_of else None
    result = sweep(as_of=date, batch_size=batch_size)
    return {"reminders": result.reminders, "missed": result.missed, "batches": result.batches}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_daily_digests():
    from .notifications import send_daily_digests as send

    return send()
