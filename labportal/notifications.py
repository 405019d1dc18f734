"""`messenger()`: the one entry point for every notification (in-app inbox + e-mail).

Users choose immediate e-mail or a daily digest (`send_daily_digests`); every message is recorded
as a `Notification`, e-mailed or not.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification


@dataclass
class Message:
    recipient: object
    subject: object
    body: object = ""
    url: str = ""


def messenger(recipients, subject, body="", url=""):
    """Send one message to each active recipient (call after commit; transitions do so)."""
    unique = {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    return deliver([Message(u, subject, body, url) for u in unique])


def deliver(messages):
    """Record messages in the inbox and e-mail those whose recipients want it at once; bounded queries."""
    from accounts.models import NotificationPreference

    if not messages:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        notes = [
            Notification(recipient=m.recipient, subject=str(m.subject)[:200], body=str(m.body), url=m.url)
            for m in messages
        ]
    notes = Notification.objects.bulk_create(notes)
    immediate = [
        n for n, m in zip(notes, messages)
        if m.recipient.email and m.recipient.notification_preference == NotificationPreference.IMMEDIATE
    ]
    if immediate:
        emails = [
            EmailMessage(n.subject, f"{n.body}\n\n{_absolute(n.url)}".strip(), None, [n.recipient.email])
            for n in immediate
        ]
        get_connection(fail_silently=True).send_messages(emails)
        Notification.objects.filter(pk__in=[n.pk for n in immediate if n.pk]).update(emailed_at=timezone.now())
    return notes


def _absolute(url):
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def send_daily_digests(now=None):
    """One e-mail per digest user with what reached their inbox since the last digest."""
    from accounts.models import NotificationPreference

    now = now or timezone.now()
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True, recipient__notification_preference=NotificationPreference.DAILY_DIGEST,
            recipient__is_active=True, created_at__lte=now,
        ).exclude(recipient__email="").select_related("recipient").order_by("recipient_id", "created_at")
    )
    by_user = {}
    for note in pending:
        by_user.setdefault(note.recipient, []).append(note)
    emails = []
    with translation.override(settings.LANGUAGE_CODE):
        for user, notes in by_user.items():
            body = "\n\n".join(f"· {n.subject}\n{n.body}\n{_absolute(n.url)}".strip() for n in notes)
            emails.append(EmailMessage(_("Your labportal digest: %(n)s messages") % {"n": len(notes)}, body, None, [user.email]))
    if emails:
        get_connection(fail_silently=True).send_messages(emails)
        Notification.objects.filter(pk__in=[n.pk for notes in by_user.values() for n in notes]).update(emailed_at=now)
    return len(emails)
