"""Documents rendered once and then only served: official documents with a number (`issue`) and big generated
files (`prepare`: a dossier book, the approved list, a round summary). Rendering is a Celery task
(`labportal.tasks.render_document`), never a web request's work: a request gets the stored file, or the
"being prepared" page that turns into the download (`document_response`).

An issued document's content is frozen as JSON in the decision's transaction, so what it says is what was
decided, whatever changes later; its number is taken under a row lock of the issuer's counter for the year, so
numbers are gapless and never given twice. Each app registers the kinds it issues (`register_kind`), saying
whether anyone may read them (`public`) or who (`may_read`)."""

import datetime
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from . import signing
from .citations import cite
from .models import Document, DocumentCounter
from .pdf import render_pdf

logger = logging.getLogger(__name__)

OFFICIAL_TEMPLATE = "pdf/official_document.html"


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str
    public: bool = False
    may_read: Callable | None = None  # (user, document) -> bool, for a kind that is not public


_kinds: dict[str, DocumentKind] = {}


def register_kind(kind):
    _kinds[kind.code] = kind
    return kind


def kind_of(code):
    return _kinds.get(code)


def public_kinds():
    """The codes of the kinds anyone may read."""
    return [code for code, kind in _kinds.items() if kind.public]


def readable(user, document):
    """Anyone may read a public kind's ready document; otherwise the kind's own rule decides (ministry staff read
    every issued document, as the register lists them)."""
    kind = kind_of(document.kind)
    if kind is None:
        return False
    if kind.public:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if document.number and reads_register(user):
        return True
    return bool(kind.may_read and kind.may_read(user, document))


# Roles that read the register of issued documents (the ministries' general office); stable role codes.
_REGISTER_READERS = {"ministry_staff", "administrator"}


def reads_register(user):
    """Ministry staff and administrators read every issued document; others the public ones (and their own)."""
    return getattr(user, "is_authenticated", False) and getattr(user, "role", None) in _REGISTER_READERS


# --- numbers ----------------------------------------------------------------------------------------------

def issuer_config(issuer):
    """The configured name and 机关代字 of a ministry issuer (`DOCUMENT_ISSUERS`)."""
    return settings.DOCUMENT_ISSUERS[issuer]


def format_number(prefix, year, serial):
    """GB/T 9704-2012 7.2.2: 机关代字, the year in hexagonal brackets 〔〕, the serial without leading zeros, 号."""
    return f"{prefix}〔{year}〕{serial}号"


def _take_serial(issuer, year):
    """The next serial of `issuer` in `year`, under a lock held until the decision's transaction ends."""
    DocumentCounter.objects.bulk_create([DocumentCounter(issuer=issuer, year=year)], ignore_conflicts=True)
    counter = DocumentCounter.objects.select_for_update().get(issuer=issuer, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _subject_fields(subject):
    if subject is None:
        return {}
    return {"content_type": ContentType.objects.get_for_model(subject), "object_id": subject.pk}


def issue(*, kind, subject, issuer, title, content, issuer_name=None, prefix=None, issued_on=None, filename=None):
    """Issue an official document as part of the decision being taken: a number, the frozen `content`, and its
    rendering queued for when the decision commits. `issuer` is a key of `DOCUMENT_ISSUERS`, or an organisation's
    code with its `issuer_name` and `prefix` given. Call it inside the decision's transaction."""
    if kind_of(kind) is None:
        raise ValueError(f"Unregistered document kind: {kind}")
    if issuer in settings.DOCUMENT_ISSUERS:
        config = issuer_config(issuer)
        issuer_name = issuer_name or config["name"]
        prefix = prefix or config["prefix"]
    if not (issuer_name and prefix):
        raise ValueError(f"Issuer {issuer} needs a name and a prefix.")
    issued_on = issued_on or timezone.localdate()
    content = {"issuers": _signatories(issuer, issuer_name), **content}
    with transaction.atomic():
        serial = _take_serial(issuer, issued_on.year)
        number = format_number(prefix, issued_on.year, serial)
        document = Document.objects.create(
            kind=kind, key=f"issued:{issuer}:{issued_on.year}:{serial}", title=title, issuer=issuer,
            issuer_name=issuer_name, year=issued_on.year, serial=serial, number=number, issued_on=issued_on,
            content=content, filename=filename or f"{number} {title}.pdf", queued_at=timezone.now(),
            **_subject_fields(subject))
        _queue(document)
    return document


def _signatories(issuer, issuer_name):
    """Who signs: both ministries for a joint document (SAMR first, the lead), else the issuer."""
    if issuer == "joint":
        return [issuer_config("samr")["name"], issuer_config("miit")["name"]]
    return [issuer_name]


def issued_for(subject, kind):
    """The documents of `kind` issued about `subject`, newest first."""
    return Document.objects.issued().filter(kind=kind, **_subject_fields(subject)).order_by("-issued_on", "-serial")


def issued_for_each(subjects, kinds, user=None):
    """{subject pk: [documents of `kinds` issued about it, oldest first]} for the rows of one model a page lists,
    in one query; with `user`, only those the user may read (a page links nothing that would answer 404)."""
    subjects = [subject for subject in subjects if subject is not None]
    if not subjects:
        return {}
    content_type = ContentType.objects.get_for_model(subjects[0])
    found = {}
    for document in Document.objects.issued().filter(
            kind__in=list(kinds), content_type=content_type, object_id__in=[subject.pk for subject in subjects],
    ).order_by("issued_on", "serial").defer("content", "params"):
        if user is None or readable(user, document):
            document.kind_label = kind_of(document.kind).label if kind_of(document.kind) else ""
            found.setdefault(document.object_id, []).append(document)
    return found


def in_chinese(code):
    """An article code as an issued document cites it, whatever the reader's language: 第十三条、第十九条."""
    return cite(code, "zh-hans")


def chinese(label):
    """A translatable label (a field's choice) as an issued document says it: in Chinese, whoever decided."""
    with translation.override("zh-hans"):
        return str(label)


def chinese_date(day):
    """2026年12月3日, as the body of an issued document writes a date (GB/T 9704-2012: Arabic numerals)."""
    return f"{day.year}年{day.month}月{day.day}日"


def sentence(text):
    """Someone's words (a comment, an opinion) as a sentence of an issued document: trimmed, ending with 。."""
    text = (text or "").strip()
    return text if not text or text[-1] in "。！？.!?" else f"{text}。"


# How an issued document names the Measures the first time, then after (GB/T 9704: 以下简称).
MEASURES = "《国家质量标准实验室管理办法》（国市监质发〔2023〕92号，以下简称《办法》）"
MEASURES_SHORT = "《办法》"


# --- prepared files ---------------------------------------------------------------------------------------

def prepare(*, kind, key, title, build, filename, subject=None, params=None, media_type="application/pdf"):
    """The stored file for `key`, queued for rendering when it is new (or failed, or its worker died): `build` is
    the dotted path of `build(document, progress, **params)`, run in a worker, returning bytes or an open binary file
    (which the worker stores and closes)."""
    if kind_of(kind) is None:
        raise ValueError(f"Unregistered document kind: {kind}")
    defaults = {"kind": kind, "title": title, "builder": build, "params": params or {}, "filename": filename,
                "content_type_header": media_type, "queued_at": timezone.now(), **_subject_fields(subject)}
    try:
        with transaction.atomic():
            document, created = Document.objects.get_or_create(key=key, defaults=defaults)
    except IntegrityError:  # another request created it between our look and our insert
        document, created = Document.objects.get(key=key), False
    if created:
        _queue(document)
    else:
        requeue_if_stuck(document)
    return document


def requeue_if_stuck(document):
    """Queue again a document whose rendering failed or whose worker died (`DOCUMENT_RENDER_STALE_MINUTES`)."""
    if _needs_requeue(document) and Document.objects.filter(pk=document.pk, state=document.state).update(
            state=Document.State.PENDING, queued_at=timezone.now(), error="", progress=0):
        _queue(document)
        document.refresh_from_db()


def _needs_requeue(document):
    if document.state == Document.State.FAILED:
        return True
    stale = timezone.now() - datetime.timedelta(minutes=settings.DOCUMENT_RENDER_STALE_MINUTES)
    return document.state == Document.State.PENDING and (document.queued_at is None or document.queued_at < stale)


class _RenderAfterCommit:
    """The after-commit callback that queues a document's rendering. Unlike a notification it is not tied to the
    moment of the decision (the document's date is frozen in it), so a walk that runs a step's after-commit work at
    the step's moment (`labportal.journeys.happening_at`) leaves this to the real commit (`at_the_moment`)."""

    at_the_moment = False

    def __init__(self, pk):
        self.pk = pk

    def __call__(self):
        _enqueue(self.pk)


def _queue(document):
    # robust: a broker that is down must not undo a decision; the document waits and is queued again when asked for
    transaction.on_commit(_RenderAfterCommit(document.pk), robust=True)


def _enqueue(pk):
    from .tasks import render_document  # the task module imports this one

    render_document.delay(pk)


# --- rendering (in the worker) ----------------------------------------------------------------------------

def render(pk):
    """Render document `pk` and store it, once: a second worker finding it ready does nothing, and of two that
    rendered at once only the first keeps its file. A failure is recorded on the row (and logged), never raised into
    the decision that queued it; the next request for the document queues it again."""
    document = Document.objects.get(pk=pk)
    if document.ready:
        return document

    def progress(percent):
        Document.objects.filter(pk=pk, state=Document.State.PENDING).update(progress=max(0, min(int(percent), 99)))

    try:
        data = _render_official(document) if document.number else import_string(document.builder)(
            document, progress, **document.params)
        if document.number:  # signed by its issuing authority (`kernel.signing`), before it is stored and hashed
            data = signing.sign_pdf(data, issuer=document.issuer, reason=f"{document.issuer_name} {document.number}")
    except Exception as exc:  # noqa: BLE001  (any failure is recorded on the row and shown; the worker lives on)
        logger.exception("Document %s could not be rendered", pk)
        Document.objects.filter(pk=pk, state=Document.State.PENDING).update(
            state=Document.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        return Document.objects.get(pk=pk)
    digest, size, data = _measured(data)
    try:
        name = default_storage.save(f"private/documents/{timezone.localdate():%Y}/{uuid.uuid4().hex}", data)
    finally:
        data.close()
    stored = Document.objects.filter(pk=pk).exclude(state=Document.State.READY).update(
        state=Document.State.READY, file=name, sha256=digest, size=size,
        signed=bool(document.number),
        progress=100, error="", rendered_at=timezone.now())
    if not stored:
        default_storage.delete(name)
    return Document.objects.get(pk=pk)


def _measured(data):
    """(SHA-256, size, a File to store) of what a builder returned: bytes, or an open binary file (a big archive built
    in a temporary file, never held in memory), read once in chunks for its digest and rewound for storing."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), len(data), ContentFile(data)
    digest, size = hashlib.sha256(), 0
    data.seek(0)
    for chunk in iter(lambda: data.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    data.seek(0)
    return digest.hexdigest(), size, File(data)


def _render_official(document):
    """An issued document in the GB/T 9704-2012 layout, always in Chinese, from its frozen content."""
    return render_pdf(OFFICIAL_TEMPLATE, {"document": document, "content": document.content,
                                          "joint": document.issuer == "joint"}, language="zh-hans")
