"""Reminders and notices reach each person once (issue 14, item 6): the sweep writes them (the inbox rows, the
mail's outbox) with its `ReminderSent` markers in its batch's transaction and queues their e-mail after the
commit; each e-mail is claimed before it is sent and marked as soon as the server accepted it, and the outbox
task sends what a killed worker or a lost task left, once. A vanished sweep's locks do not outlive the next beat;
tasks are acknowledged late within time limits; broker and cache are two Redis databases; a subject is one line."""

import datetime
import threading
import time
from collections import Counter
from email.header import decode_header, make_header

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend
from django.db import OperationalError, connection, connections
from django.utils import timezone

from accounts.models import NotificationPreference
from kernel.checks import broker_and_cache_apart
from kernel.deadlines import DeadlineKind, expire_locks_of_a_vanished_sweep, open_deadline, registry, sweep
from kernel.models import Deadline, Notification, ReminderSent
from kernel.notifications import email_notifications, email_outbox, send_emails
from kernel.tasks import send_daily_digests, sweep_deadlines
from kernel.transitions import run_transition
from labportal.celery import app as celery_app
from labportal.settings.base import redis_db_url
from tests.factories import UserFactory, applicant_of, complete_dossier, provincial_body, recommender_of

DUE = datetime.date(2026, 3, 20)  # a Friday
REMINDER_DAY = DUE - datetime.timedelta(days=5)


class Killed(BaseException):
    """The worker's process dies here: nothing after this line of the task runs (not even an `except Exception`)."""


class KilledAtTheSecondMessage(MemoryBackend):
    """A mail server connection whose worker is killed while handing over the second message."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 2:
            raise Killed
        return super().send_messages(messages)


class NotAccepted(MemoryBackend):
    """A backend that takes nothing and says so (0 messages sent), as a silenced failure would."""

    def send_messages(self, messages):
        return 0


class Slow(MemoryBackend):
    """A mail server that takes its time, so that two senders overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


@pytest.fixture
def reminded_kind():
    kind = DeadlineKind(code="test.reliable", label="年度报告", article="Art. 18", reminder_days=(5, 1))
    registry[kind.code] = kind
    yield kind
    registry.pop(kind.code)


def host_with_people(n=3):
    """A dossier whose host has `n` people who chose immediate e-mail."""
    app = complete_dossier()
    people = [app.created_by] + [applicant_of(app.host) for _ in range(n - 1)]
    return app, people


def e_mails_per_person():
    return Counter(m.to[0] for m in mail.outbox)


# --- exactly once per person and reminder -------------------------------------------------------------------


@pytest.mark.django_db
def test_reminder_emailed_once_when_worker_killed_after_claim(
        reminded_kind, settings, django_capture_on_commit_callbacks):
    app, people = host_with_people(3)
    open_deadline(app, reminded_kind.code, DUE, [app.host])
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 3, 15, 9)), tick=True) as clock:
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert sweep(as_of=REMINDER_DAY).reminders == 3
        notes = Notification.objects.filter(recipient__in=people)
        assert notes.count() == 3 and ReminderSent.objects.count() == 3  # written with the markers, nothing sent
        assert mail.outbox == []

        settings.EMAIL_BACKEND = "tests.security.test_reliable_mail.KilledAtTheSecondMessage"
        KilledAtTheSecondMessage.calls = 0
        with pytest.raises(Killed):
            for callback in queued:  # the e-mail task, queued after the commit, dies at the second message
                callback()
        assert notes.filter(emailed_at__isnull=False).count() == 1
        assert notes.filter(emailed_at__isnull=True).exclude(email_claim="").count() == 1  # claimed when killed

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        email_notifications.delay([n.pk for n in notes])  # the broker hands the task out again: the third leaves
        assert email_outbox.delay().get() == {"sent": 0, "refused": 0}  # the killed claim is still fresh
        assert notes.filter(emailed_at__isnull=True).count() == 1

        clock.shift(datetime.timedelta(minutes=settings.MAIL_CLAIM_STALE_MINUTES + 1))
        assert email_outbox.delay().get() == {"sent": 1, "refused": 0}  # the dead worker's message, once
        assert email_outbox.delay().get() == {"sent": 0, "refused": 0}
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep(as_of=REMINDER_DAY).reminders == 0

    assert notes.filter(emailed_at__isnull=True).count() == 0
    # the first left before the kill, the third with the task handed out again, the second by the outbox
    assert e_mails_per_person() == {p.email: 1 for p in people}


@pytest.mark.django_db
def test_mail_task_lost_after_the_sweep_committed_is_sent_by_the_outbox(
        reminded_kind, settings, django_capture_on_commit_callbacks):
    app, people = host_with_people(2)
    open_deadline(app, reminded_kind.code, DUE, [app.host])
    start = timezone.make_aware(datetime.datetime(2026, 3, 15, 9))
    with time_machine.travel(start, tick=True) as clock:
        with django_capture_on_commit_callbacks(execute=False):  # the worker died before queueing the e-mail
            assert sweep(as_of=REMINDER_DAY).reminders == 2
        assert email_outbox.delay().get()["sent"] == 0  # within the grace minute its task may still come
        clock.shift(datetime.timedelta(seconds=settings.MAIL_OUTBOX_GRACE_SECONDS + 1))
        assert email_outbox.delay().get() == {"sent": 2, "refused": 0}
        assert email_outbox.delay().get() == {"sent": 0, "refused": 0}
    assert e_mails_per_person() == {p.email: 1 for p in people}


@pytest.mark.django_db
def test_sweep_killed_mid_batch_records_nothing_and_the_next_sweep_sends_once(
        reminded_kind, django_capture_on_commit_callbacks):
    app, people = host_with_people(2)
    calls = []

    def dies_on_first_call(deadline, subject):
        calls.append(deadline.pk)
        if len(calls) == 1:
            raise Killed

    lapsing = DeadlineKind(code="test.lapsing", label="验收申请", article="Art. 18", reminder_days=(),
                           on_missed=dies_on_first_call)
    registry[lapsing.code] = lapsing
    try:
        open_deadline(app, reminded_kind.code, DUE, [app.host])
        open_deadline(app, lapsing.code, REMINDER_DAY - datetime.timedelta(days=3), [app.host])  # a Thursday
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Killed):
            sweep(as_of=REMINDER_DAY)
        # the reminders' batch had committed (and its mail left); the lapse's batch rolled back whole
        assert Deadline.objects.filter(kind=lapsing.code).get().state == Deadline.State.OPEN
        assert Notification.objects.filter(subject__contains="验收申请").count() == 0
        with django_capture_on_commit_callbacks(execute=True):
            result = sweep(as_of=REMINDER_DAY)
        assert (result.reminders, result.missed) == (0, 1)
    finally:
        registry.pop(lapsing.code)
    assert Counter(m.to[0] for m in mail.outbox if "验收申请" in m.subject) == {p.email: 1 for p in people}
    assert Counter(m.to[0] for m in mail.outbox if "年度报告" in m.subject) == {p.email: 1 for p in people}


@pytest.mark.django_db
def test_sweep_twice_sends_no_duplicate(reminded_kind, django_capture_on_commit_callbacks):
    app, people = host_with_people(2)
    open_deadline(app, reminded_kind.code, DUE, [app.host])
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_deadlines.delay(as_of=REMINDER_DAY.isoformat()).get()["reminders"] == 2
        assert sweep_deadlines.delay(as_of=REMINDER_DAY.isoformat()).get()["reminders"] == 0
        ids = list(Notification.objects.values_list("pk", flat=True))
        email_notifications.delay(ids)  # the e-mail task handed out twice
        assert sweep(as_of=DUE - datetime.timedelta(days=1)).reminders == 2
        assert sweep(as_of=DUE - datetime.timedelta(days=1)).reminders == 0
    assert e_mails_per_person() == {p.email: 2 for p in people}  # the 5-day and the 1-day reminder, each once


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_and_senders_send_each_reminder_once(reminded_kind, settings):
    settings.EMAIL_BACKEND = "tests.security.test_reliable_mail.Slow"
    app, people = host_with_people(3)
    open_deadline(app, reminded_kind.code, DUE, [app.host])
    start, results = threading.Barrier(3), []

    def sweeper():
        try:
            start.wait()
            results.append(sweep(as_of=REMINDER_DAY).reminders)  # its e-mail task runs at its commit (eager)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 0, 3]

    def sender(ids):
        try:
            send_emails(ids)
        finally:
            connection.close()

    ids = list(Notification.objects.filter(recipient__in=people).values_list("pk", flat=True))  # the reminders
    Notification.objects.update(emailed_at=None, email_claim="", email_claimed_at=None)  # as if never sent
    mail.outbox.clear()
    threads = [threading.Thread(target=sender, args=(ids,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert e_mails_per_person() == {p.email: 1 for p in people}


@pytest.mark.django_db
def test_consequence_notices_are_recorded_in_the_sweeps_transaction(django_capture_on_commit_callbacks):
    """A lapse's consequence (here: the dossier withdrawn) tells its people in the batch's own transaction: the
    notices are there before the commit's callbacks run, so no worker dying after the commit leaves it untold."""
    app = complete_dossier()
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    recommender_of(provincial_body("provincial_miit", app.host.province))
    app = run_transition(app, "submit", app.created_by)
    Notification.objects.all().delete()
    lapsing = DeadlineKind(code="test.withdrawing", label="补充材料", article="Art. 13", reminder_days=(),
                           on_missed=lambda deadline, subject: run_transition(subject, "withdraw", subject.created_by))
    registry[lapsing.code] = lapsing
    try:
        open_deadline(app, lapsing.code, REMINDER_DAY - datetime.timedelta(days=3), [app.host])
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert sweep(as_of=REMINDER_DAY).missed == 1
            withdrawn = Notification.objects.filter(recipient=samr, url=app.get_absolute_url())
            assert withdrawn.count() == 1 and withdrawn.get().emailed_at is None
        for callback in queued:  # after the commit: the e-mail
            callback()
    finally:
        registry.pop(lapsing.code)
    assert [m.to for m in mail.outbox if m.to == [samr.email]] == [[samr.email]]


@pytest.mark.django_db
def test_digest_killed_mid_run_sends_each_digest_once(settings):
    readers = [UserFactory(notification_preference=NotificationPreference.DAILY_DIGEST) for _ in range(3)]
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 3, 16, 7)), tick=True) as clock:
        for reader in readers:
            Notification.objects.create(recipient=reader, subject="通知一")
            Notification.objects.create(recipient=reader, subject="通知二")
        settings.EMAIL_BACKEND = "tests.security.test_reliable_mail.KilledAtTheSecondMessage"
        KilledAtTheSecondMessage.calls = 0
        with pytest.raises(Killed):
            send_daily_digests.delay()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert send_daily_digests.delay().get() == 1  # handed out again: the third reader's
        clock.shift(datetime.timedelta(minutes=settings.MAIL_CLAIM_STALE_MINUTES + 1))
        assert send_daily_digests.delay().get() == 1  # the killed one's, once its claim went stale
        assert send_daily_digests.delay().get() == 0
    assert e_mails_per_person() == {r.email: 1 for r in readers}
    assert all(m.body.count("通知") == 2 for m in mail.outbox)


# --- a vanished sweep's locks --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stale_sweep_lock_does_not_stall_next_beat(reminded_kind, settings):
    """A sweep whose machine vanished mid-batch holds its deadlines' row locks on a connection nobody closes; the
    next sweeps skip those rows (SKIP LOCKED) only until PostgreSQL ends the idle session."""
    assert connection.vendor == "postgresql", "row locks and their expiry are PostgreSQL's (make test)"
    settings.SWEEP_LOCK_TIMEOUT_SECONDS = 1
    app, people = host_with_people(1)
    deadline = open_deadline(app, reminded_kind.code, DUE, [app.host])
    vanished = connections.create_connection("default")
    try:
        vanished.set_autocommit(False)
        expire_locks_of_a_vanished_sweep(vanished)  # as the sweep begins its batch
        with vanished.cursor() as cursor:
            cursor.execute("SELECT id FROM labportal_deadline WHERE id = %s FOR UPDATE SKIP LOCKED", [deadline.pk])
            assert cursor.fetchall() == [(deadline.pk,)]
        # ... and its machine is gone: the connection stays open, idle in its transaction
        assert sweep(as_of=REMINDER_DAY).reminders == 0  # the locked deadline is skipped, for now
        time.sleep(2)
        assert sweep(as_of=REMINDER_DAY).reminders == 1  # the session was ended and its locks with it
        with pytest.raises(OperationalError), vanished.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        vanished.close()
    assert ReminderSent.objects.filter(recipient=people[0]).count() == 1


# --- the Celery and Redis settings -------------------------------------------------------------------------------


def test_tasks_are_acknowledged_late_within_time_limits_below_the_visibility_timeout():
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility < 3600  # a dead worker's task comes back before the next hourly sweep
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit < visibility
    for task in (sweep_deadlines, email_notifications, email_outbox, send_daily_digests):
        assert task.acks_late and task.soft_time_limit < task.time_limit < visibility, task.name
    # a retry waiting longer than the visibility timeout would be handed out twice
    assert email_notifications.retry_backoff_max < visibility
    # a live sender's claim never goes stale: senders are killed by their time limit first
    assert email_notifications.time_limit < django_settings.MAIL_CLAIM_STALE_MINUTES * 60
    assert email_outbox.time_limit < django_settings.MAIL_CLAIM_STALE_MINUTES * 60


def test_broker_and_cache_use_separate_redis_databases(settings):
    assert settings.REDIS_URL, "the suite runs with REDIS_URL (make test)"
    base = settings.REDIS_URL.rstrip("/").rsplit("/", 1)
    assert settings.CELERY_BROKER_URL == celery_app.conf.broker_url == redis_db_url(settings.REDIS_URL,
                                                                                    settings.REDIS_BROKER_DB)
    assert settings.CACHES["default"]["LOCATION"] == redis_db_url(settings.REDIS_URL, settings.REDIS_CACHE_DB)
    assert settings.REDIS_CACHE_DB != settings.REDIS_BROKER_DB
    if base[-1].isdigit():  # redis://host:port/N: the broker N, the cache N + 1
        assert (settings.REDIS_BROKER_DB, settings.REDIS_CACHE_DB) == (int(base[-1]), int(base[-1]) + 1)
    assert broker_and_cache_apart() == []

    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": settings.CELERY_BROKER_URL}}
    [error] = broker_and_cache_apart()
    assert error.id == "labportal.E001" and "REDIS_CACHE_DB" in error.hint


def test_redis_database_is_replaced_keeping_password_and_options():
    assert redis_db_url("redis://:secret@redis:6379/3?socket_timeout=5", 4) == "redis://:secret@redis:6379/4?socket_timeout=5"
    assert redis_db_url("redis://127.0.0.1:6379", 1) == "redis://127.0.0.1:6379/1"


# --- what leaves is what was accepted, on one line -------------------------------------------------------------


@pytest.mark.django_db
def test_subject_with_newline_is_sent_on_one_line():
    user = UserFactory(email="zhang@example.cn")
    note = Notification.objects.create(recipient=user, subject="甲\r\n乙质量国家质量标准实验室\n已受理", body="正文")
    assert email_notifications.delay([note.pk]).get() == {"sent": 1, "refused": 0}
    [email] = mail.outbox
    assert email.subject == "甲 乙质量国家质量标准实验室 已受理"
    assert str(make_header(decode_header(email.message()["Subject"]))) == email.subject  # as the reader sees it
    note.refresh_from_db()
    assert note.emailed_at is not None


@pytest.mark.django_db
def test_message_the_backend_did_not_accept_is_not_marked_sent(settings):
    settings.EMAIL_BACKEND = "tests.security.test_reliable_mail.NotAccepted"
    note = Notification.objects.create(recipient=UserFactory(), subject="通知", body="正文")
    assert email_notifications.delay([note.pk]).get() == {"sent": 0, "refused": 1}
    note.refresh_from_db()
    assert note.emailed_at is None and note.email_failed_at is not None  # given up, and not sent again
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_notifications.delay([note.pk]).get() == {"sent": 0, "refused": 0}


@pytest.mark.django_db
def test_outbox_leaves_digest_readers_and_old_messages_alone(settings):
    digest = UserFactory(notification_preference=NotificationPreference.DAILY_DIGEST)
    start = timezone.make_aware(datetime.datetime(2026, 3, 15, 9))
    with time_machine.travel(start, tick=True) as clock:
        old = Notification.objects.create(recipient=UserFactory(), subject="旧通知")
        clock.shift(datetime.timedelta(hours=settings.MAIL_OUTBOX_MAX_AGE_HOURS + 1))
        Notification.objects.create(recipient=digest, subject="摘要中的通知")
        recent = Notification.objects.create(recipient=UserFactory(), subject="新通知")
        clock.shift(datetime.timedelta(minutes=2))
        assert email_outbox.delay().get() == {"sent": 1, "refused": 0}
    assert [m.subject for m in mail.outbox] == ["新通知"]
    assert Notification.objects.get(pk=old.pk).emailed_at is None
    assert Notification.objects.get(pk=recent.pk).emailed_at is not None
