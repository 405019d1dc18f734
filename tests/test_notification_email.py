"""The e-mail copy of a notification leaves through a Celery task that retries a failed mail server with a
backoff, logs failures (by notification id, never the content), and marks a message e-mailed only once its
mail was accepted; the daily digest likewise."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend

from accounts.models import NotificationPreference
from kernel.models import Notification
from kernel.notifications import Message, deliver
from kernel.tasks import email_notifications, send_daily_digests
from labportal.celery import app as celery_app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class DownBackend(BaseEmailBackend):
    """A mail server that drops every connection."""

    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FlakyBackend(MemoryBackend):
    """A mail server that drops the connection once, at the second message."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 2:
            raise TimeoutError("timed out")
        return super().send_messages(messages)


class RefusingBackend(MemoryBackend):
    """A mail server that refuses one address."""

    def send_messages(self, messages):
        if messages[0].to == ["nobody@example.cn"]:
            raise smtplib.SMTPRecipientsRefused({"nobody@example.cn": (550, b"no such user")})
        return super().send_messages(messages)


@pytest.fixture
def eager_retries():
    """Tasks run eagerly (as everywhere in tests), their retries at once, and a last failure is reported in the
    result instead of raised."""
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = propagates


def inbox_rows(*users, body="机密的申报意见"):
    """One notification per user, recorded as `deliver` records them, but not yet e-mailed."""
    return [Notification.objects.create(recipient=u, subject="通知", body=body, url="/applications/1/") for u in users]


def test_sent_mail_marks_the_message_e_mailed():
    user = UserFactory(email="wang@example.cn")
    [note] = inbox_rows(user)
    assert email_notifications.delay([note.pk]).get() == {"sent": 1, "refused": 0}
    note.refresh_from_db()
    assert note.emailed_at is not None
    [email] = mail.outbox
    assert email.to == ["wang@example.cn"] and email.subject == "通知" and "机密的申报意见" in email.body
    assert email_notifications.delay([note.pk]).get() == {"sent": 0, "refused": 0}  # never twice
    assert len(mail.outbox) == 1


def test_a_down_mail_server_is_retried_with_backoff_then_logged_and_the_message_stays_unsent(
        settings, caplog, eager_retries):
    settings.EMAIL_BACKEND = "tests.test_notification_email.DownBackend"
    DownBackend.attempts = 0
    [note] = inbox_rows(UserFactory())
    with caplog.at_level(logging.WARNING, logger="kernel.notifications"):
        result = email_notifications.delay([note.pk])
    assert result.failed() and isinstance(result.result, smtplib.SMTPServerDisconnected)
    assert email_notifications.max_retries == 5 and email_notifications.retry_backoff
    assert DownBackend.attempts == email_notifications.max_retries + 1
    note.refresh_from_db()
    assert note.emailed_at is None
    failures = [r.getMessage() for r in caplog.records if r.name == "kernel.notifications"]
    assert len(failures) == DownBackend.attempts
    assert all("SMTPServerDisconnected" in text and str(note.pk) in text for text in failures)
    assert not any("机密的申报意见" in r.getMessage() or "通知" in r.getMessage() for r in caplog.records)


def test_a_retry_sends_only_what_the_failed_attempt_left(settings, eager_retries):
    settings.EMAIL_BACKEND = "tests.test_notification_email.FlakyBackend"
    FlakyBackend.calls = 0
    users = [UserFactory(email=f"u{i}@example.cn") for i in range(3)]
    notes = inbox_rows(*users)
    assert email_notifications.delay([n.pk for n in notes]).successful()
    assert sorted(m.to[0] for m in mail.outbox) == ["u0@example.cn", "u1@example.cn", "u2@example.cn"]  # each once
    assert FlakyBackend.calls == 4  # u0, u1 (timed out), then the retry: u1, u2
    assert Notification.objects.filter(pk__in=[n.pk for n in notes], emailed_at__isnull=True).count() == 0


def test_a_refused_address_is_logged_and_skipped_without_holding_back_the_others(settings, caplog):
    settings.EMAIL_BACKEND = "tests.test_notification_email.RefusingBackend"
    refused, fine = inbox_rows(UserFactory(email="nobody@example.cn"), UserFactory(email="li@example.cn"))
    with caplog.at_level(logging.WARNING, logger="kernel.notifications"):
        assert email_notifications.delay([refused.pk, fine.pk]).get() == {"sent": 1, "refused": 1}
    refused.refresh_from_db()
    fine.refresh_from_db()
    assert refused.emailed_at is None and fine.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["li@example.cn"]]
    assert f"notification {refused.pk}" in caplog.text and "nobody@example.cn" not in caplog.text


def test_deliver_queues_the_mail_after_commit_only_for_immediate_readers(django_capture_on_commit_callbacks):
    immediate = UserFactory(email="now@example.cn")
    digest = UserFactory(email="later@example.cn", notification_preference=NotificationPreference.DAILY_DIGEST)
    no_address = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliver([Message(u, "通知", "正文", "/x/") for u in (immediate, digest, no_address)])
    assert len(callbacks) == 1 and mail.outbox == []  # nothing leaves before the commit
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["now@example.cn"]]
    assert set(Notification.objects.filter(emailed_at__isnull=False).values_list("recipient", flat=True)) == {immediate.pk}


def test_the_smtp_connection_has_a_timeout(settings):
    assert settings.EMAIL_TIMEOUT == 20
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 20
    assert email_notifications.soft_time_limit and OSError in email_notifications.autoretry_for


def test_daily_digest_marks_only_what_it_sent(settings, caplog, eager_retries):
    reader = UserFactory(email="digest@example.cn", notification_preference=NotificationPreference.DAILY_DIGEST)
    notes = inbox_rows(reader, reader)
    settings.EMAIL_BACKEND = "tests.test_notification_email.DownBackend"
    with caplog.at_level(logging.WARNING, logger="kernel.notifications"):
        assert send_daily_digests.delay().failed()
    assert Notification.objects.filter(pk__in=[n.pk for n in notes], emailed_at__isnull=True).count() == 2
    assert "Daily digest failed (SMTPServerDisconnected)" in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_daily_digests.delay().get() == 1
    [digest] = mail.outbox
    assert digest.to == ["digest@example.cn"] and digest.body.count("机密的申报意见") == 2
    assert Notification.objects.filter(pk__in=[n.pk for n in notes], emailed_at__isnull=True).count() == 0
