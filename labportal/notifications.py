"""`messenger()`: the one entry point for every notification (in-app inbox + e-mail)."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from .models import Notification


def messenger(recipients, subject, body="", url=""):
    """Record an inbox message for each active recipient and e-mail those who want it at once.

    Call it after commit (transitions do so through `notify_transition`).
    """
    from accounts.models import NotificationPreference

    sent = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        with translation.override(settings.LANGUAGE_CODE):
            subject_text, body_text = str(subject), str(body)
        note = Notification.objects.create(recipient=user, subject=subject_text[:200], body=body_text, url=url)
        if user.email and user.notification_preference == NotificationPreference.IMMEDIATE:
            send_mail(subject_text, f"{body_text}\n\n{url}".strip(), None, [user.email], fail_silently=True)
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
        sent.append(note)
    return sent
