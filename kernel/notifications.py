"""Who hears of what, and how: the notification engine, the inbox and the e-mail copy.

Each app declares in one table (`<app>/notifications.py`, `NOTIFICATION_RULES`) who hears of every
transition of its state machines and of every other decision its services take, and registers it with
`register` when Django starts. `notify(event, obj, ...)` (called for every transition by `signals.py`,
and by the services for their other decisions) writes the messages its rules call for, in the portal's
language, and `deliver` records them as inbox `Notification`s once the transaction commits (in the transaction
itself inside `recorded_in_the_transaction`, as the sweep runs). The inbox rows are the mail's outbox: e-mail
copies leave through the Celery task `email_notifications`, queued after the commit (users who chose immediate
e-mail, and outside addressees such as an objector), or the daily digest; each row is claimed before it is sent
and marked e-mailed only once the mail server accepted it, and the `email_outbox` task sends what a killed worker
or a lost task left (see "the outbox" below).
"""

import contextlib
import contextvars
import datetime
import logging
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Deadline, Notification, NotificationPreference

logger = logging.getLogger(__name__)


# --- the tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One thing that happened to `obj`: a transition (with its states) or a named decision of a service."""

    name: str
    obj: Any
    actor: Any = None
    comment: str = ""
    source: str = ""
    target: str = ""


@dataclass(frozen=True)
class Rule:
    """Who hears of an event (`to`: functions of the event returning users, or e-mail addresses of people
    without an account), and what. `subject` and `body` are translatable templates filled with `name` (the
    object), `actor_org` (the organisation of the person who acted) and what `facts(event)` adds (deadlines,
    dates, titles); a comment given with the decision follows the body unless `show_comment` is off.
    `targets` limits the rule to transitions ending in those states, `when` to events it returns true for.
    The person who acted hears only of a rule marked `actor_too` (a receipt)."""

    to: tuple
    subject: Any
    body: Any = ""
    facts: Callable | None = None
    link: Callable | None = None
    targets: tuple = ()
    when: Callable | None = None
    actor_too: bool = False
    show_comment: bool = True

    def applies(self, event):
        return (not self.targets or event.target in self.targets) and (self.when is None or self.when(event))

    def recipients(self, event):
        found = [who for resolve in self.to for who in resolve(event)]
        actor_pk = getattr(event.actor, "pk", None)
        return [who for who in found if self.actor_too or isinstance(who, str) or who.pk != actor_pk]

    def render(self, event):
        """(subject, body, url), in the active language."""
        values = {"name": str(event.obj), "actor_org": _organisation_of(event.actor), "comment": event.comment}
        values.update(self.facts(event) if self.facts else {})
        body = str(self.body) % values
        if self.show_comment and event.comment:
            body = "\n".join(part for part in (body, _("Comment: %(comment)s") % {"comment": event.comment}) if part)
        url = self.link(event) if self.link else _url_of(event.obj)
        return str(self.subject) % values, body, url


@dataclass(frozen=True)
class Silent:
    """Nobody needs to hear of this event, for `reason`: declared, so that a forgotten event stands out."""

    reason: str


_tables: dict[tuple[str, str], tuple | Silent] = {}


def register(table):
    """Add an app's table, `{Model: {event: Rule | (Rule, ...) | Silent}}`. An app above may add the people
    of its own stage to an event of an app below (more rules); declaring an event silent and not is an error."""
    for model, events in table.items():
        for name, rules in events.items():
            key = (model._meta.label_lower, name)
            known = _tables.get(key)
            if isinstance(rules, Silent) or isinstance(known, Silent):
                if known is not None:
                    raise ImproperlyConfigured(f"Notification rules for {key} are declared twice, one of them silent.")
                _tables[key] = rules
                continue
            _tables[key] = (*(known or ()), *(rules if isinstance(rules, (tuple, list)) else (rules,)))


def rules_for(model, name):
    """The registered rules (a tuple or `Silent`) of event `name` on `model`, or None when none are declared."""
    return _tables.get((model._meta.label_lower, name))


def declared_events():
    """Every (model label, event) a table speaks of."""
    return set(_tables)


def notify(name, obj, *, actor=None, comment="", source="", target=""):
    """Tell whoever the tables name of event `name` on `obj`. The messages are written now, as things stand at
    the decision (its deadline, its notice), and recorded and sent once the transaction commits (at once
    outside one): a decision rolled back tells nobody. A failing rule is logged and never undoes the decision."""
    event = Event(name, obj, actor, (comment or "").strip(), str(source or ""), str(target or ""))
    messages = compose(event)
    if not messages:
        return
    if _in_the_transaction.get():
        try:
            with transaction.atomic():  # a failure rolls back to here, never the decision
                deliver(messages)
        except Exception:
            logger.exception("Notifications of %s.%s could not be recorded", type(obj)._meta.label_lower, name)
    else:
        transaction.on_commit(lambda: deliver(messages), robust=True)


_in_the_transaction = contextvars.ContextVar("notifications_in_the_transaction", default=False)


@contextlib.contextmanager
def recorded_in_the_transaction():
    """Inside, `notify` records its messages in the current transaction rather than after its commit: the sweep's
    consequences and their notices commit together (or not at all), and a worker killed right after the commit
    leaves no decision untold (the outbox task e-mails the rows whose task was lost)."""
    reset = _in_the_transaction.set(True)
    try:
        yield
    finally:
        _in_the_transaction.reset(reset)


def compose(event):
    """The messages the rules of `event` call for, in the portal's language (whatever the actor browses in)."""
    label = type(event.obj)._meta.label_lower
    rules = rules_for(type(event.obj), event.name)
    if rules is None:
        logger.error("No notification rule for %s.%s", label, event.name)
        return []
    if isinstance(rules, Silent):
        return []
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for number, rule in enumerate(rules, 1):
            try:
                with transaction.atomic():  # a failing query rolls back to here, not the decision
                    if rule.applies(event):
                        messages += addressed(rule.recipients(event), *rule.render(event))
            except Exception:  # one broken rule does not silence the others
                logger.exception("Notification rule %s of %s.%s failed", number, label, event.name)
    return messages


def _organisation_of(user):
    organisation = getattr(user, "organisation", None)
    return str(organisation) if organisation is not None else ""


def _url_of(obj):
    return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""


def open_due_date(obj, kind_code):
    """The due date of `obj`'s open deadline of `kind_code` (None when none is open): a rule's facts name it."""
    return Deadline.objects.for_object(obj).open().filter(kind=kind_code).values_list("due_date", flat=True).first()


# --- inbox and e-mail ---------------------------------------------------------------------------


@dataclass
class Message:
    recipient: object  # a user, or None for an outside addressee (`address`)
    subject: object
    body: object = ""
    url: str = ""
    address: str = ""


def addressed(recipients, subject, body="", url=""):
    """One message to each active user and each e-mail address among `recipients`, each once."""
    users = {u.pk: u for u in recipients if not isinstance(u, str) and u is not None and u.is_active}.values()
    addresses = dict.fromkeys(a.strip() for a in recipients if isinstance(a, str) and a.strip())
    return ([Message(u, subject, body, url) for u in users]
            + [Message(None, subject, body, url, address=a) for a in addresses])


def deliver(messages):
    """Record the messages (inbox rows; an outside addressee's are kept as the record of what was sent) and
    queue the e-mail of those to send now, after commit; bounded queries."""
    if not messages:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        notes = [
            Notification(recipient=m.recipient, address="" if m.recipient else m.address,
                         subject=str(m.subject)[:200], body=str(m.body), url=m.url)
            for m in messages
        ]
    notes = Notification.objects.bulk_create(notes)
    now = [
        n.pk for n, m in zip(notes, messages)
        if n.pk and (m.recipient is None
                     or (m.recipient.email and m.recipient.notification_preference == NotificationPreference.IMMEDIATE))
    ]
    if now:
        transaction.on_commit(lambda: _queue_emails(now), robust=True)
    return notes


def _queue_emails(ids):
    email_notifications.delay(ids)


def _absolute(url):
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def one_line(subject):
    """A subject on one line: its line breaks (of any kind) become spaces. A header cannot hold a line break, and a
    name that brought one must not keep its message from leaving."""
    return " ".join(part.strip() for part in str(subject).splitlines() if part.strip())


def _email(subject, body, address):
    footer = _("This message was sent automatically by the State Quality & Standards Laboratory portal; please do not reply.")
    return EmailMessage(one_line(subject), f"{body.strip()}\n\n-- \n{footer}", None, [address])


# --- the outbox: each e-mail copy sent once ----------------------------------------------------------------
#
# The inbox rows are the outbox: written in the transaction of what they tell (the sweep writes its reminders
# beside their `ReminderSent` markers), their e-mail queued after the commit. A sender claims a row with one
# conditional UPDATE (not e-mailed, not given up, unclaimed or claimed longer than MAIL_CLAIM_STALE_MINUTES ago:
# of two senders exactly one gets it), sends it, and marks it e-mailed at once, row by row. A worker killed
# before the send leaves a claim that goes stale and the outbox task sends the row again, once; a row whose task
# was never queued (a worker killed right after the commit) is found by the same task a minute later.
# What remains is the moment between the mail server's acceptance and the mark's commit: a worker killed just
# then (or a database lost just then) sends that one message again when its claim goes stale. At the SMTP
# boundary at-least-once is all there is (the server may have taken a message whose answer never arrived);
# the window is one message wide and a few milliseconds long.


def _claimable(now):
    stale = now - datetime.timedelta(minutes=settings.MAIL_CLAIM_STALE_MINUTES)
    return Q(emailed_at__isnull=True, email_failed_at__isnull=True) & (
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))


def _sent_one_by_one():
    """The rows e-mailed one by one (the others wait for the digest): outside addressees, and active users with an
    address who chose immediate e-mail (as `deliver` queues them)."""
    return Q(recipient__isnull=True) | (
        Q(recipient__notification_preference=NotificationPreference.IMMEDIATE, recipient__is_active=True)
        & ~Q(recipient__email=""))


def claim(pks):
    """Claim the rows `pks` still to be e-mailed, in one UPDATE; the token names them among `pks` (None: nothing
    claimed). Every query of a claim names its rows' keys: no scan of the table."""
    token, now = uuid.uuid4().hex, timezone.now()
    claimed = Notification.objects.filter(_claimable(now), pk__in=pks).update(email_claim=token, email_claimed_at=now)
    return token if claimed else None


def _claimed(pks, token):
    return Notification.objects.filter(pk__in=pks, email_claim=token, emailed_at__isnull=True)


def _mark_sent(pks, token, when=None):
    _claimed(pks, token).update(emailed_at=when or timezone.now())


def _release(pks, token):
    _claimed(pks, token).update(email_claim="", email_claimed_at=None)


def _give_up(pks, token):
    _claimed(pks, token).update(email_failed_at=timezone.now())


def send_emails(ids):
    """E-mail the notifications `ids` not yet e-mailed, each claimed first and marked as soon as the server accepted
    it (`send_messages` answered 1). An address the server refuses, or a message it cannot take, is logged and given
    up; a failed connection (SMTP error, timeout) stops the run and is raised, so that the task retries what is
    left. Logs name notification ids, never their content."""
    notes = list(Notification.objects.filter(pk__in=ids, emailed_at__isnull=True, email_failed_at__isnull=True)
                 .select_related("recipient").order_by("pk"))
    notes = [n for n in notes if (n.recipient.email if n.recipient_id else n.address)]
    sent, refused = [], []
    if not notes:
        return {"sent": 0, "refused": 0}
    try:
        with translation.override(settings.LANGUAGE_CODE), get_connection(fail_silently=False) as connection:
            for note in notes:
                token = claim([note.pk])
                if token is None:  # sent meanwhile, or another sender has it
                    continue
                address = note.recipient.email if note.recipient_id else note.address
                email = _email(note.subject, f"{note.body}\n\n{_absolute(note.url)}", address)
                try:
                    accepted = connection.send_messages([email])
                except smtplib.SMTPRecipientsRefused:
                    logger.warning("E-mail of notification %s: the mail server refused the address", note.pk)
                    accepted = None
                except OSError:
                    _release([note.pk], token)
                    raise
                except ValueError:  # a header or an encoding the backend cannot put in a message
                    logger.exception("E-mail of notification %s could not be built", note.pk)
                    accepted = None
                if accepted == 1:
                    _mark_sent([note.pk], token)  # at once: the only window left is between the acceptance and this commit
                    sent.append(note.pk)
                else:
                    if accepted is not None:
                        logger.warning("E-mail of notification %s: the mail backend did not accept it", note.pk)
                    _give_up([note.pk], token)
                    refused.append(note.pk)
    except OSError as exc:  # smtplib's errors and socket timeouts (EMAIL_TIMEOUT) are OSErrors
        unsent = [n.pk for n in notes if n.pk not in sent and n.pk not in refused]
        logger.warning("E-mail of notifications failed (%s); not sent yet: %s", type(exc).__name__, unsent)
        raise
    return {"sent": len(sent), "refused": len(refused)}


def send_outbox():
    """Send again what never left: rows to e-mail one by one, not e-mailed, whose claim went stale (a killed worker)
    or that nobody claimed within MAIL_OUTBOX_GRACE_SECONDS (their task was lost), at most
    MAIL_OUTBOX_MAX_AGE_HOURS old; OUTBOX_BATCH at a time (the next run takes the rest)."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            _sent_one_by_one(), _claimable(now),
            created_at__lte=now - datetime.timedelta(seconds=settings.MAIL_OUTBOX_GRACE_SECONDS),
            created_at__gte=now - datetime.timedelta(hours=settings.MAIL_OUTBOX_MAX_AGE_HOURS),
        ).order_by("pk").values_list("pk", flat=True)[:OUTBOX_BATCH]
    )
    if ids:
        logger.info("Mail outbox: sending %s notifications that never left: %s", len(ids), ids)
    return send_emails(ids)


OUTBOX_BATCH = 100


def send_digests(now=None):
    """One e-mail per digest user with what reached their inbox since the last digest. Each user's messages are
    claimed before their digest is sent and marked e-mailed once it was accepted (a refused address keeps them for
    the next digest; a failed connection is raised, for a retry)."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(
            _claimable(timezone.now()), recipient__notification_preference=NotificationPreference.DAILY_DIGEST,
            recipient__is_active=True, created_at__lte=now,
        ).exclude(recipient__email="").select_related("recipient").order_by("recipient_id", "created_at")
    )
    by_user = {}
    for note in pending:
        by_user.setdefault(note.recipient, []).append(note)
    if not by_user:
        return 0
    sent = []
    try:
        with translation.override(settings.LANGUAGE_CODE), get_connection(fail_silently=False) as connection:
            for user, notes in by_user.items():
                pks = [n.pk for n in notes]
                token = claim(pks)
                if token is None:
                    continue
                mine = set(_claimed(pks, token).values_list("pk", flat=True))
                notes = [n for n in notes if n.pk in mine]
                body = "\n\n".join(f"· {one_line(n.subject)}\n{n.body}\n{_absolute(n.url)}".strip() for n in notes)
                subject = _("Your labportal digest: %(n)s messages") % {"n": len(notes)}
                try:
                    accepted = connection.send_messages([_email(subject, body, user.email)])
                except smtplib.SMTPRecipientsRefused:
                    logger.warning("Digest for user %s: the mail server refused the address", user.pk)
                    accepted = None
                except OSError:
                    _release(pks, token)
                    raise
                if accepted == 1:
                    _mark_sent(pks, token, now)
                    sent.append(user)
                else:
                    if accepted is not None:
                        logger.warning("Digest for user %s: the mail backend did not accept it", user.pk)
                    _release(pks, token)  # kept for the next digest
    except OSError as exc:
        logger.warning("Daily digest failed (%s) after %s of %s users", type(exc).__name__, len(sent), len(by_user))
        raise
    return len(sent)


# Sending mail: SMTP errors and socket timeouts (settings.EMAIL_TIMEOUT) are OSErrors. Retried with an
# exponential backoff (30 s, 1 min, 2 min, ... at most 15 minutes, below the broker's visibility timeout,
# jittered), five times; what was sent before a failure is marked and not sent again, and what the retries could
# not send the outbox task sends once the mail server is back (within MAIL_OUTBOX_MAX_AGE_HOURS).
MAIL_RETRY = {
    "autoretry_for": (OSError, OperationalError, SoftTimeLimitExceeded),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="labportal.tasks.email_notifications", acks_late=True, soft_time_limit=120, time_limit=180,
             **MAIL_RETRY)
def email_notifications(ids):
    """E-mail the notifications `ids` (queued by `deliver` after commit)."""
    return send_emails(ids)


@shared_task(name="labportal.tasks.email_outbox", acks_late=True, soft_time_limit=240, time_limit=300)
def email_outbox():
    """Every five minutes (beat): e-mail what a killed worker or a lost task left unsent."""
    return send_outbox()


@shared_task(name="labportal.tasks.send_daily_digests", acks_late=True, soft_time_limit=1200, time_limit=1500,
             **MAIL_RETRY)
def send_daily_digests():
    return send_digests()
