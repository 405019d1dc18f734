"""Celery tasks: the periodic sweep and digest (django-celery-beat, editable in the admin; migration 0003), the
mail outbox (every five minutes; migration 0008), the audit check and purge (nightly; migrations 0012, 0010), the
purge of list exports (hourly; migration 0015) and the e-mail copy of notifications. Their names stay
`labportal.tasks.*`, as the schedule rows and queued messages know them; the mail tasks are defined in
`notifications`, beside the mail they send, and imported here, where Celery discovers tasks."""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import translation

from . import audit, documents, exports
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


@shared_task(name="labportal.tasks.verify_audit", acks_late=True, soft_time_limit=1500, time_limit=1700)
def verify_audit(user_id=None):
    """Walk the audit chain and record the outcome (nightly, migration 0012; or asked for on the staff page)."""
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with translation.override(settings.LANGUAGE_CODE):  # the outcome's words in the portal's language
        result = audit.check(by=by)
    return {"intact": result.intact, "count": result.count}


@shared_task(name="labportal.tasks.purge_audit", acks_late=True)
def purge_audit():
    """Delete audit records past `AUDIT_RETENTION_DAYS`, keeping a checkpoint (daily, migration 0010)."""
    return {"purged": audit.purge()}


# A big list takes minutes to lay out; a dead worker's document is queued again by the next request for it.
@shared_task(name="labportal.tasks.render_document", acks_late=True, soft_time_limit=900, time_limit=960)
def render_document(pk):
    """Render and store one document (`kernel.documents.render`): a decision's official document, a dossier book,
    a big list."""
    document = documents.render(pk)
    return {"state": document.state, "sha256": document.sha256}


@shared_task(name="labportal.tasks.purge_exports", acks_late=True)
def purge_exports():
    """Delete the list exports made by a worker once past `EXPORT_RETENTION_HOURS` (hourly, migration 0015)."""
    return {"purged": exports.purge()}
