"""The deadline engine: a registry of obligation kinds, opening/closing clocks, and the sweep.

A transition that starts a clock calls `open_deadline`; the one that meets it calls `close_deadlines`,
inside the same transaction. One periodic task (`kernel.tasks.sweep_deadlines`) calls `sweep`,
which sends due reminders once per person and offset, and marks lapsed deadlines missed and applies
their consequence exactly once (rows locked with SKIP LOCKED, so parallel sweeps share the work). Each batch
writes its reminders and notices (inbox rows, the mail's outbox) with its `ReminderSent` markers and its
consequences in one transaction; their e-mail is queued after the commit (`kernel.notifications`). A sweep
killed mid-batch has written and sent nothing of it; its locks die with its session (at the latest after
SWEEP_LOCK_TIMEOUT_SECONDS idle, should its machine vanish), so the next beat's sweep does the batch. A period
ending on a rest day lapses only after the next working day (`still_running`, Civil Code Art. 203).
"""

import datetime
import logging
from contextlib import closing
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .citations import cite
from .deadline_kinds import DeadlineKind, register, registry  # noqa: F401  (the apps register their kinds through here)
from .formatting import format_date
from .models import Deadline, ReminderSent
from .notifications import Message, deliver, recorded_in_the_transaction
from .workdays import is_working_day, working_days_between

logger = logging.getLogger(__name__)

# The longest run of rest days in a State Council schedule (the Spring Festival and National Day weeks, with the
# weekend beside them) is well under this.
MAX_REST_DAYS = 14


def open_deadline(subject, kind_code, due_date, organisations):
    """Start a clock (call inside the transition that starts it). Replaces an open one of the same kind."""
    kind = registry[kind_code]
    close_deadlines(subject, kind_code, Deadline.State.CANCELLED)
    deadline = Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind.code,
        article=kind.article,
        due_date=due_date,
    )
    deadline.organisations.set(organisations)
    return deadline


def close_deadlines(subject, kind_code, state=Deadline.State.MET):
    """Meet (or cancel) the open clock(s) of `kind_code` on `subject`."""
    return Deadline.objects.for_object(subject).open().filter(kind=kind_code).update(state=state, closed_at=timezone.now())


@dataclass(frozen=True)
class TimeLeft:
    """Time until a due date: calendar days, and working days where the rule counts them (“剩余3个工作日”)."""

    days: int
    working_days: int | None = None
    # the span the working days were counted over (today, the due date), for the Monday-Friday flag
    counted_from: datetime.date | None = None
    counted_to: datetime.date | None = None

    @property
    def overdue(self):
        return self.days < 0

    @property
    def overdue_days(self):
        return max(-self.days, 0)

    def __str__(self):
        if self.days < 0:
            return str(_("overdue"))
        if self.days == 0:
            return str(_("due today"))
        if self.working_days is not None:
            n = self.working_days
            return ngettext("%(n)s working day left", "%(n)s working days left", n) % {"n": n}
        return ngettext("%(n)s day left", "%(n)s days left", self.days) % {"n": self.days}


def time_left(deadlines, today=None):
    """A TimeLeft per deadline (same order): working days for the kinds whose rule counts them, in one query."""
    today = today or timezone.localdate()
    counted = [d for d in deadlines if d.counts_working_days]
    counts = working_days_between(today, {d.due_date for d in counted})
    return [TimeLeft(d.days_left(today), counts[d.due_date], today, d.due_date) if d.counts_working_days
            else TimeLeft(d.days_left(today)) for d in deadlines]


@dataclass
class SweepResult:
    reminders: int = 0
    missed: int = 0
    batches: int = 0
    fired: int = 0  # scheduled steps run on their day (`DeadlineKind.on_due`)


def sweep(as_of=None, batch_size=500):
    """Send due reminders and apply lapses as of the date `as_of` (today in Asia/Shanghai by default)."""
    as_of = as_of or timezone.localdate()
    result = SweepResult()
    # messages in the portal's language, whoever runs it; the consequences' notices recorded in each batch
    with translation.override(settings.LANGUAGE_CODE), recorded_in_the_transaction():
        _fire(as_of, batch_size, result)
        _remind(as_of, batch_size, result)
        _lapse(as_of, batch_size, result)
    return result


def _batches(queryset, batch_size, result):
    """Yield locked batches of open deadlines in primary-key order, each in its own transaction."""
    last_pk = 0
    while True:
        with transaction.atomic():
            expire_locks_of_a_vanished_sweep()
            batch = list(
                queryset.filter(pk__gt=last_pk)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return
            result.batches += 1
            yield batch
            last_pk = batch[-1].pk


def expire_locks_of_a_vanished_sweep(db=connection):
    """Have PostgreSQL end the session of `db`, and release its batch's row locks, should it sit idle in its
    transaction for SWEEP_LOCK_TIMEOUT_SECONDS: what happens when the worker's machine dies without closing its
    connection (a killed process closes it, and the locks go at once). Well within the hourly beat, far beyond any
    pause of a sweep between two of its queries. For this transaction only (`set_config(..., true)`)."""
    if db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, true)",
                       [str(int(settings.SWEEP_LOCK_TIMEOUT_SECONDS * 1000))])


def _recipients(batch):
    """{deadline pk: [users]} for a batch, in two queries."""
    User = get_user_model()
    through = Deadline.organisations.through
    links = list(through.objects.filter(deadline_id__in=[d.pk for d in batch]).values_list("deadline_id", "organisation_id"))
    users = User.objects.filter(organisation_id__in={o for _, o in links}, is_active=True)
    by_org = {}
    for user in users:
        by_org.setdefault(user.organisation_id, []).append(user)
    kinds = {d.pk: registry.get(d.kind) for d in batch}
    out = {}
    for deadline_id, org_id in links:
        roles = kinds[deadline_id].roles if kinds[deadline_id] else ()
        out.setdefault(deadline_id, []).extend(u for u in by_org.get(org_id, []) if not roles or u.role in roles)
    return out


def _subjects(batch):
    """{deadline pk: subject} with one query per model."""
    wanted = {}
    for d in batch:
        wanted.setdefault(d.content_type_id, set()).add(d.object_id)
    loaded = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        loaded[ct_id] = model._base_manager.in_bulk(ids)
    return {d.pk: loaded[d.content_type_id].get(d.object_id) for d in batch}


def _fire(as_of, batch_size, result):
    """Run the scheduled steps whose day has come (`DeadlineKind.on_due`), each in a savepoint: one that fails is
    logged and left open for the next sweep, the others go on."""
    kinds = [code for code, kind in registry.items() if kind.on_due]
    if not kinds:
        return
    due = Deadline.objects.open().filter(kind__in=kinds, due_date__lte=as_of)
    with closing(_batches(due, batch_size, result)) as batches:
        for batch in batches:
            subjects = _subjects(batch)
            for deadline in batch:
                subject = subjects[deadline.pk]
                try:
                    with transaction.atomic():
                        if subject is not None:
                            registry[deadline.kind].on_due(deadline, subject)
                        Deadline.objects.filter(pk=deadline.pk).update(state=Deadline.State.MET, closed_at=timezone.now())
                except SoftTimeLimitExceeded:
                    raise  # the task's time is up: stop, the next sweep goes on
                except Exception:
                    logger.exception("Scheduled step %s of deadline %s failed; left open for the next sweep",
                                     deadline.kind, deadline.pk)
                    continue
                result.fired += 1


def _remind(as_of, batch_size, result):
    horizon = max((max(k.reminder_days, default=0) for k in registry.values()), default=0)
    candidates = Deadline.objects.open().filter(due_date__gte=as_of, due_date__lte=as_of + datetime.timedelta(days=horizon))
    with closing(_batches(candidates, batch_size, result)) as batches:  # an exception rolls its batch back at once
        for batch in batches:
            recipients = _recipients(batch)
            subjects = _subjects(batch)
            sent = set(
                ReminderSent.objects.filter(deadline__in=batch).values_list("deadline_id", "recipient_id", "days_before")
            )
            records, messages = [], []
            left = dict(zip((d.pk for d in batch), time_left(batch, as_of)))
            for deadline in batch:
                kind = registry.get(deadline.kind)
                if kind is None:
                    continue
                due_offsets = [d for d in kind.reminder_days if deadline.due_date - datetime.timedelta(days=d) <= as_of]
                if not due_offsets:
                    continue
                nearest = min(due_offsets)
                subject = subjects[deadline.pk]
                people = kind.reminded(subject) if kind.reminded and subject is not None else recipients.get(deadline.pk, [])
                for user in people:
                    fresh = [d for d in due_offsets if (deadline.pk, user.pk, d) not in sent]
                    if not fresh:
                        continue
                    records.extend(ReminderSent(deadline=deadline, recipient=user, days_before=d) for d in fresh)
                    if nearest in fresh:  # one message for the nearest offset; older ones lapsed unsent
                        messages.append(Message(
                            user,
                            _("Reminder: %(what)s due %(date)s (%(article)s)") % {
                                "what": kind.label, "date": format_date(deadline.due_date), "article": cite(kind.article)},
                            _("%(subject)s: %(left)s.") % {"subject": subject, "left": left[deadline.pk]},
                            (kind.reminded_url or kind.url)(subject) if subject is not None else "",
                        ))
            ReminderSent.objects.bulk_create(records, ignore_conflicts=True)
            deliver(messages)
            result.reminders += len(messages)


def still_running(as_of):
    """Due dates before `as_of` whose period has not ended yet: a period ending on a rest day runs to the end of the
    next working day (Civil Code Art. 203), so a due date in the rest days right before `as_of` has not lapsed."""
    days, day = [], as_of - datetime.timedelta(days=1)
    while not is_working_day(day) and len(days) < MAX_REST_DAYS:
        days.append(day)
        day -= datetime.timedelta(days=1)
    return days


def _lapse(as_of, batch_size, result):
    lapsed = Deadline.objects.open().filter(due_date__lt=as_of).exclude(due_date__in=still_running(as_of))
    with closing(_batches(lapsed, batch_size, result)) as batches:  # an exception rolls its batch back at once
        for batch in batches:
            recipients = _recipients(batch)
            subjects = _subjects(batch)
            now = timezone.now()
            messages = []
            optional = {d.pk for d in batch if getattr(registry.get(d.kind), "optional", False)}
            Deadline.objects.filter(pk__in=optional).update(state=Deadline.State.CANCELLED, closed_at=now)
            Deadline.objects.filter(pk__in=[d.pk for d in batch if d.pk not in optional]).update(
                state=Deadline.State.MISSED, closed_at=now)
            for deadline in batch:
                if deadline.pk in optional:
                    continue
                kind = registry.get(deadline.kind)
                subject = subjects[deadline.pk]
                if kind and kind.on_missed and subject is not None:
                    kind.on_missed(deadline, subject)
                label = kind.label if kind else deadline.kind
                for user in recipients.get(deadline.pk, []):
                    messages.append(Message(
                        user,
                        _("Deadline missed: %(what)s (%(article)s)") % {"what": label, "article": cite(deadline.article)},
                        _("%(subject)s: the deadline of %(date)s has passed.") % {
                            "subject": subject, "date": format_date(deadline.due_date)},
                        kind.url(subject) if kind and subject is not None else "",
                    ))
                result.missed += 1
            deliver(messages)
