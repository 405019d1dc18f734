"""The audit trail (GB/T 22239-2019 8.1.4.3, level 3; GB/T 39786-2021): the one way a record is written, by a
transition (`kernel.signals`) or by any other security-relevant action (a login or failed login, an assignment,
scores saved, an upload or download, an export, a sign-off, a change of role or permissions, an ID number revealed);
how the chain is verified; and the retention purge.

Tamper evidence: each record stores its `sequence` (1, 2, 3... with no gap), the previous record's digest and its
own `digest`, a keyed hash (`AUDIT_HMAC_ALGORITHM`: HMAC-SM3 by default, GB/T 32905 / GB/T 15852.2; or HMAC-SHA-256)
with `AUDIT_HMAC_KEY` over a canonical serialisation of every field. Whoever edits a row in the database without the
key cannot give it a matching digest; deleting a row leaves a gap in the sequence; an inserted row has no valid
digest. Appends are serialised by locking the chain's head row (`AuditCheckpoint`, kind `head`) in the writer's
transaction, so concurrent writers make one linear chain: a record costs three small queries (lock and read the
head, insert, advance the head). The head also holds the newest record's sequence, so deleting the newest records
shows too. The retention purge deletes records older than `AUDIT_RETENTION_DAYS` and keeps a sealed checkpoint
(sequence and digest of the last purged record) from which verification starts.
"""

import contextvars
import datetime
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from .models import AuditCheckpoint, AuditEntry
from .throttle import client_ip

ALGORITHMS = {"sm3": hashes.SM3, "sha256": hashes.SHA256}
VERIFY_CHUNK = 2000

_request = contextvars.ContextVar("audit_request", default=None)


class AuditContextMiddleware:
    """Makes the request being served known to `record`, so every record written while serving it (a transition
    included) carries the client's address (`kernel.throttle.client_ip`) and, for security records, who acted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_request():
    return _request.get()


def current_user():
    """The signed-in user of the request being served, or None (a task, a command, a visitor)."""
    user = getattr(current_request(), "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# --- the keyed hash -----------------------------------------------------------------------------------


def _key():
    configured = settings.AUDIT_HMAC_KEY
    if configured:
        return configured.encode("utf-8")
    # dev and test only (production requires AUDIT_HMAC_KEY): a key derived from SECRET_KEY, never SECRET_KEY itself
    return salted_hmac("labportal.audit.chain", "audit-hmac-key", algorithm="sha256").digest()


def algorithm():
    name = settings.AUDIT_HMAC_ALGORITHM
    if name not in ALGORITHMS:
        raise ValueError(f"AUDIT_HMAC_ALGORITHM must be one of {', '.join(ALGORITHMS)}, not {name!r}")
    return name


def _mac(payload, name):
    mac = hmac.HMAC(_key(), ALGORITHMS[name]())
    mac.update(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return mac.finalize().hex()


def _timestamp(value):
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(*, sequence, previous_digest, at, actor_id, subject_type, object_id, action, source, target, comment,
              article, data, client_ip, algorithm):
    """Every field of a record as one JSON object (sorted keys, no spaces, UTF-8 when hashed): the object type by
    its natural key ("applications.application"), so a dump restored elsewhere still verifies."""
    return {
        "sequence": sequence, "previous": previous_digest, "at": _timestamp(at), "actor": actor_id,
        "subject_type": subject_type or "", "object_id": object_id, "action": action, "source": source,
        "target": target, "comment": comment, "article": article, "data": data, "ip": client_ip or "",
        "algorithm": algorithm,
    }


def digest_of(fields):
    """The digest of a record given as `canonical`'s keyword arguments (the migration chaining old rows uses it)."""
    return _mac(canonical(**fields), fields["algorithm"])


def seal(checkpoint, name=None):
    """The MAC of a checkpoint's values: a head or purge checkpoint edited in the database does not verify."""
    return _mac({"kind": checkpoint.kind, "sequence": checkpoint.sequence, "digest": checkpoint.digest,
                 "purged": checkpoint.purged}, name or algorithm())


def sealed(checkpoint):
    """Whether the checkpoint's seal is right (under either algorithm: one sealed before a change of
    `AUDIT_HMAC_ALGORITHM` still is)."""
    return any(checkpoint.mac == seal(checkpoint, name) for name in ALGORITHMS)


def _natural_key(content_type):
    return f"{content_type.app_label}.{content_type.model}" if content_type is not None else ""


# --- writing ------------------------------------------------------------------------------------------


def _locked_head():
    head = AuditCheckpoint.objects.select_for_update().filter(kind=AuditCheckpoint.Kind.HEAD).first()
    if head is None:  # a new database (the migration makes it; a test's flush removes it)
        last = AuditEntry.objects.order_by("-sequence").only("sequence", "digest").first()
        head = AuditCheckpoint(kind=AuditCheckpoint.Kind.HEAD, sequence=last.sequence if last else 0,
                               digest=last.digest if last else "")
        head.mac = seal(head)
        head.save()
    return head


def _address(request):
    if request is None:
        return None
    address = client_ip(request)
    return None if address == "unknown" else AuditEntry._meta.get_field("client_ip").to_python(address)


def record(action, subject=None, *, actor=None, comment="", article="", data=None, source="", target="", request=None):
    """Write one audit record of `action` on `subject` (None for an action on no object, such as a failed login of
    an unknown user name) and chain it. A non-transition action keeps the state fields empty. `request` (else the
    request being served, `AuditContextMiddleware`) gives the client's address. `data` must be JSON (dates and
    decimals become text); never put a password or other secret in it."""
    content_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    actor = actor if getattr(actor, "is_authenticated", False) else None
    data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    name = algorithm()
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        entry = AuditEntry(
            content_type=content_type, object_id=subject.pk if subject is not None else None, transition=action,
            source_state=source, target_state=target, actor=actor, at=timezone.now(), comment=comment or "",
            article=article or "", data=data, client_ip=_address(request or current_request()),
            sequence=head.sequence + 1, previous_digest=head.digest, algorithm=name,
        )
        entry.digest = digest_of(_fields(entry, _natural_key(content_type)))
        entry.save(force_insert=True)
        head.sequence, head.digest, head.at = entry.sequence, entry.digest, entry.at
        head.mac = seal(head)
        AuditCheckpoint.objects.filter(pk=head.pk).update(sequence=head.sequence, digest=head.digest, at=head.at,
                                                          mac=head.mac)
    return entry


def _fields(entry, subject_type):
    return {
        "sequence": entry.sequence, "previous_digest": entry.previous_digest, "at": entry.at,
        "actor_id": entry.actor_id, "subject_type": subject_type, "object_id": entry.object_id,
        "action": entry.transition, "source": entry.source_state, "target": entry.target_state,
        "comment": entry.comment, "article": entry.article, "data": entry.data, "client_ip": entry.client_ip,
        "algorithm": entry.algorithm,
    }


def record_download(request, subject, name, **data):
    """A file of `subject` handed to `request.user` (an attachment, a statement's file, a seal scan, a report)."""
    return record("download", subject, actor=request.user, data={"file": name, **data}, request=request)


# --- verifying ----------------------------------------------------------------------------------------

FIELDS = ["pk", "sequence", "previous_digest", "digest", "at", "actor_id", "content_type__app_label",
          "content_type__model", "object_id", "transition", "source_state", "target_state", "comment", "article",
          "data", "client_ip", "algorithm"]


@dataclass
class Verification:
    """The chain's state: intact with `count` records after the starting checkpoint, or the first broken link."""

    intact: bool
    count: int
    problem: str = ""  # "edited", "deleted", "previous", "inserted", "head", "checkpoint"
    entry_id: int | None = None
    sequence: int | None = None
    message: str = ""
    start: int = 0  # the sequence verification started after (the last purged record), 0 from the beginning

    def __str__(self):
        if self.intact:
            return _("Audit chain intact: %(count)s records.") % {"count": self.count}
        return self.message


def _row_digest(row):
    subject_type = f"{row['content_type__app_label']}.{row['content_type__model']}" if row["content_type__model"] else ""
    return digest_of({
        "sequence": row["sequence"], "previous_digest": row["previous_digest"], "at": row["at"],
        "actor_id": row["actor_id"], "subject_type": subject_type, "object_id": row["object_id"],
        "action": row["transition"], "source": row["source_state"], "target": row["target_state"],
        "comment": row["comment"], "article": row["article"], "data": row["data"], "client_ip": row["client_ip"],
        "algorithm": row["algorithm"],
    })


def _rows(after, through=None, chunk=VERIFY_CHUNK):
    """The records after sequence `after` (up to `through`), in order, a chunk at a time (keyset pages)."""
    while True:
        page = AuditEntry.objects.filter(sequence__gt=after)
        if through is not None:
            page = page.filter(sequence__lte=through)
        rows = list(page.order_by("sequence").values(*FIELDS)[:chunk])
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1]["sequence"]


def _broken(problem, row, message, count, start):
    return Verification(False, count, problem, row["pk"] if row else None, row["sequence"] if row else None,
                        message, start)


def _check_rows(rows, sequence, previous, start):
    """(count, last sequence, last digest, Verification of the first broken link or None)."""
    count = 0
    for row in rows:
        number = row["sequence"]
        where = {"id": row["pk"], "sequence": number}
        if number != sequence + 1:
            return count, sequence, previous, _broken("deleted", row, _(
                "Record %(id)s (sequence %(sequence)s): records with sequence %(first)s to %(last)s are missing: "
                "deleted.") % {**where, "first": sequence + 1, "last": number - 1}, count, start)
        if row["previous_digest"] != previous:
            return count, sequence, previous, _broken("previous", row, _(
                "Record %(id)s (sequence %(sequence)s): the previous record's digest does not match: the record "
                "before it was replaced, or this one was inserted.") % where, count, start)
        if row["algorithm"] not in ALGORITHMS or _row_digest(row) != row["digest"]:
            return count, sequence, previous, _broken("edited", row, _(
                "Record %(id)s (sequence %(sequence)s): its digest does not match its contents: it was edited.")
                % where, count, start)
        count, sequence, previous = count + 1, number, row["digest"]
    return count, sequence, previous, None


def _start():
    """(sequence, digest) verification starts after: the newest purge checkpoint, or the chain's beginning."""
    checkpoint = AuditCheckpoint.objects.filter(kind=AuditCheckpoint.Kind.PURGE).order_by("-sequence").first()
    if checkpoint is None:
        return 0, "", None
    return checkpoint.sequence, checkpoint.digest, checkpoint


def verify(chunk=VERIFY_CHUNK):
    """Walk the chain from the last purge checkpoint (or its beginning) to the head, a chunk at a time; stop at the
    first broken link. The head is read first and the walk stops at it: a record appended meanwhile is not taken for
    one added outside the portal (it is checked next time)."""
    start, previous, checkpoint = _start()
    if checkpoint is not None and not sealed(checkpoint):
        return Verification(False, 0, "checkpoint", None, checkpoint.sequence, _(
            "The purge checkpoint at sequence %(sequence)s was altered.") % {"sequence": checkpoint.sequence}, start)
    head = chain_head()
    through = head.sequence if head is not None else None
    count, sequence, previous, broken = _check_rows(_rows(start, through=through, chunk=chunk), start, previous, start)
    if broken is not None:
        return broken
    if head is None:
        if count == 0:
            return Verification(True, 0, start=start)
        return Verification(False, count, "head", None, sequence, _("The chain's head record is missing."), start)
    if not sealed(head):
        return Verification(False, count, "head", None, head.sequence, _("The chain's head was altered."), start)
    if head.sequence > sequence:
        return Verification(False, count, "deleted", None, sequence + 1, _(
            "The newest records, sequence %(first)s to %(last)s, are missing: deleted.")
            % {"first": sequence + 1, "last": head.sequence}, start)
    newest = AuditEntry.objects.filter(sequence__gt=head.sequence).order_by("-sequence").values_list("sequence", flat=True).first()
    now = chain_head()
    outside = newest is not None and (now is None or newest > now.sequence)
    if outside:  # past the head, even now: name the first forged record when its digest shows it
        broken = _check_rows(_rows(head.sequence, chunk=chunk), sequence, previous, start)[3]
        if broken is not None:
            return broken
    if head.digest != previous or outside:
        return Verification(False, count, "inserted", None, head.sequence + 1, _(
            "Records after sequence %(sequence)s were added outside the portal.") % {"sequence": head.sequence}, start)
    return Verification(True, count, start=start)


def chain_head():
    """The chain's head row (the newest record's sequence and digest), or None before the first record."""
    return AuditCheckpoint.objects.filter(kind=AuditCheckpoint.Kind.HEAD).first()


# --- retention ----------------------------------------------------------------------------------------


CHECK_ACTION = "verify_audit"


def check(by=None):
    """Verify the chain and record the outcome as a record of its own (the nightly task, "Check now" on the staff
    page, `manage.py verify_audit`), so that the page reads the last outcome instead of walking the chain in a
    request."""
    result = verify()
    record(CHECK_ACTION, actor=by, data={
        "intact": result.intact, "count": result.count, "problem": result.problem, "entry_id": result.entry_id,
        "sequence": result.sequence, "message": str(result),
    })
    return result


def last_check():
    """The newest recorded check of the chain, or None."""
    return AuditEntry.objects.filter(transition=CHECK_ACTION).select_related("actor").order_by("-sequence").first()


def purge(now=None):
    """Delete the records older than `AUDIT_RETENTION_DAYS`, oldest first and without a gap (a record is kept while
    an older one must be), after checking that what is purged is intact; a sealed checkpoint keeps the sequence and
    digest of the last purged record, and the purge itself is recorded. Returns the number of records deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    with transaction.atomic():
        _locked_head()  # no record is appended meanwhile
        start, previous, checkpoint = _start()
        kept = AuditEntry.objects.filter(sequence__gt=start, at__gte=cutoff).order_by("sequence").first()
        through = (kept.sequence - 1) if kept else (
            AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or start)
        if through <= start:
            return 0
        if checkpoint is not None and not sealed(checkpoint):
            raise AuditRecordBroken(_("The purge checkpoint at sequence %(sequence)s was altered.")
                                    % {"sequence": checkpoint.sequence})
        count, sequence, last_digest, broken = _check_rows(_rows(start, through), start, previous, start)
        if broken is not None:
            raise AuditRecordBroken(broken.message)  # evidence of tampering is never purged
        purged = AuditEntry.objects.filter(sequence__gt=start, sequence__lte=through)._purge()
        mark = AuditCheckpoint(kind=AuditCheckpoint.Kind.PURGE, sequence=through, digest=last_digest, purged=purged)
        mark.mac = seal(mark)
        mark.save()
        record("purge_audit", data={"through_sequence": through, "records": purged, "older_than": cutoff,
                                    "retention_days": settings.AUDIT_RETENTION_DAYS})
    return purged


class AuditRecordBroken(Exception):
    """The part of the chain a purge would delete does not verify: it is kept, as evidence."""
