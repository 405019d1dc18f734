"""A laboratory's archive (档案): its whole record as one zip, for an audit or a handover, built by a worker
(`kernel.documents.prepare`, kind `lab_archive`) and read by ministry staff and the host (`rules.reads_archive`).

The zip holds every issued document of the lab and of its application (the stored, signed PDFs), every revision of
the dossier as its book (`applications.dossier_book`), every uploaded file (the dossier's attachments, the files of
the host's written statements), the lab's reports and requests as JSON, the audit trail of the lab, its application
and their rows as JSON and as a readable PDF, a `manifest.json` of every file with its SHA-256 and size, and an
`index.html` that says the same to a person. A document or book not yet rendered is rendered here; one that cannot
be, or a file gone from storage, is listed in the manifest as missing with the reason, never left out.

The archive is the record at the moment it was asked for: its key carries a digest of the record (the lab's rows,
the documents, revisions and files, the head of the audit trail, reads aside), so an unchanged record is the stored
zip and a changed one a new zip; the manifest says the moment and the last audit record it includes."""

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import dossier_book
from applications.models import Application, Attachment, PreliminaryReview, Revision
from kernel import audit, documents
from kernel.audit_labels import register_action, state_label, transition_label
from kernel.citations import cite
from kernel.models import AuditEntry, Document
from kernel.pdf import render_pdf
from reviews.models import PublicityNotice

from .documents import LAB_ARCHIVE
from .models import (
    AcceptanceApplication,
    AdverseProposal,
    AnnualReport,
    ChangeReport,
    Evaluation,
    ExtensionRequest,
    Laboratory,
    ReportOutput,
    StatementAttachment,
)

BUILD = "evaluations.archive.build"
AUDIT_TEMPLATE = "pdf/lab_archive_audit.html"
INDEX_TEMPLATE = "archive/index.html"
ARCHIVE_REQUESTED = "archive_requested"
register_action(ARCHIVE_REQUESTED, gettext_lazy("Archive requested"))
# Reading the record does not change it: these records are in an archive's audit trail but make no new archive.
READS = ("download", ARCHIVE_REQUESTED)
CHUNK = 1 << 20

# The lab's own rows, each written to the archive as JSON (records/<name>.json) and part of the record's digest.
LAB_ROWS = {
    "acceptance_applications": AcceptanceApplication,
    "extension_requests": ExtensionRequest,
    "annual_reports": AnnualReport,
    "evaluations": Evaluation,
    "change_reports": ChangeReport,
    "proposals": AdverseProposal,
}


@dataclass
class Record:
    """What the archive of `lab` holds, read in a bounded number of queries (one per table)."""

    lab: Laboratory
    rows: dict = field(default_factory=dict)  # name: [row dicts]
    subjects: dict = field(default_factory=dict)  # model: [pks] whose documents and audit records belong here

    @classmethod
    def of(cls, lab):
        record = cls(lab)
        record.rows["laboratory"] = list(Laboratory.objects.filter(pk=lab.pk).values())
        for name, model in LAB_ROWS.items():
            record.rows[name] = list(model.objects.filter(laboratory=lab).order_by("pk").values())
        record.rows["report_outputs"] = list(ReportOutput.objects.filter(report__laboratory=lab).order_by("pk").values())
        record.rows["statement_files"] = list(StatementAttachment.objects.filter(proposal__laboratory=lab).order_by("pk")
                                              .values("pk", "proposal_id", "original_name", "content_type", "size",
                                                      "sha256", "uploaded_by_id", "uploaded_at"))
        application_id = lab.application_id
        record.rows["attachments"] = list(Attachment.objects.filter(application_id=application_id).order_by("pk")
                                          .values("pk", "section", "original_name", "content_type", "size", "sha256",
                                                  "description", "uploaded_at"))
        record.rows["revisions"] = list(Revision.objects.filter(application_id=application_id).order_by("number")
                                        .values("pk", "number", "submitted_at", "submitted_by_id"))
        record.subjects = {
            Laboratory: [lab.pk],
            Application: [application_id],
            PreliminaryReview: list(PreliminaryReview.objects.filter(application_id=application_id)
                                    .values_list("pk", flat=True)),
            PublicityNotice: list(PublicityNotice.objects.filter(applications=application_id).values_list("pk", flat=True)),
            Revision: [row["pk"] for row in record.rows["revisions"]],
            Attachment: [row["pk"] for row in record.rows["attachments"]],
            **{model: [row["id"] for row in record.rows[name]] for name, model in LAB_ROWS.items()},
        }
        return record

    def condition(self, extra=()):
        """The Q of rows about any of the record's subjects (a document, an audit record), with `extra` subjects."""
        types = ContentType.objects.get_for_models(*self.subjects, *(model for model, _pks in extra))
        condition = Q(pk__in=[])
        for model, pks in (*self.subjects.items(), *extra):
            if pks:
                condition |= Q(content_type=types[model], object_id__in=pks)
        return condition

    def issued(self):
        return list(Document.objects.issued().filter(self.condition()).order_by("issued_on", "issuer", "serial"))

    def books(self):
        """{revision number: the readers' copy of its book, or None when none was ever asked for}."""
        keys = {dossier_book.document_key(Revision(pk=row["pk"])): row["number"] for row in self.rows["revisions"]}
        found = {document.key: document for document in Document.objects.filter(key__in=keys)}
        return {number: found.get(key) for key, number in keys.items()}

    def audit(self, head=None):
        """The audit records of the lab, its application and their rows and documents (up to record `head`)."""
        # the documents about those subjects: issued ones, the books (about a revision), the archives (about the lab)
        document_pks = list(Document.objects.filter(self.condition()).values_list("pk", flat=True))
        entries = AuditEntry.objects.filter(self.condition(extra=[(Document, document_pks)]))
        return entries if head is None else entries.filter(pk__lte=head)

    def digest(self):
        """A digest of the record as it stands: its rows (revisions and files among them), issued documents and the
        audit trail's head, the records of reads aside (downloading the archive does not make a new one), and not
        whether a document is rendered yet (building an archive renders them: the next request finds the same)."""
        head = self.audit().exclude(transition__in=READS).aggregate(head=Max("pk"))["head"]
        parts = [sorted(self.rows.items()), [(d.pk, d.number) for d in self.issued()], head]  # books: rows["revisions"]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def archive_for(lab):
    """The stored archive of `lab`'s record as it is now, or the one being prepared (`kernel.documents.prepare`)."""
    record = Record.of(lab)
    now = timezone.now()
    head = record.audit().aggregate(head=Max("pk"))["head"] or 0
    local = timezone.localtime(now)
    return documents.prepare(
        kind=LAB_ARCHIVE, key=f"lab-archive:{lab.pk}:{record.digest()}", title=f"{lab.name_zh}档案",
        build=BUILD, filename=f"{lab.name_zh}档案-{local:%Y%m%d-%H%M}.zip", subject=lab,
        params={"laboratory_id": lab.pk, "as_of": now.isoformat(), "audit_head": head},
        media_type="application/zip")


def request_archive(lab, user, request=None):
    """`user` asks for the archive of `lab` (who may: `rules.reads_archive`): the archive, and the audit record of
    who asked for which (its download is recorded when the file is handed over)."""
    document = archive_for(lab)
    audit.record(ARCHIVE_REQUESTED, lab, actor=user, request=request,
                 data={"document": document.pk, "key": document.key, "state": document.state})
    return document


# --- the worker -------------------------------------------------------------------------------------------


def _safe(name):
    """A file name as a zip entry's last part: no folders, no control characters."""
    cleaned = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name).strip(" .")
    return cleaned[:150] or "file"


class _Zip:
    """The zip being written to a temporary file, entry by entry, each file copied in chunks while hashed."""

    def __init__(self, handle, moment):
        self.zip = zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.date_time = timezone.localtime(moment).timetuple()[:6]
        self.files, self.missing, self.paths = [], [], set()

    def _path(self, path):
        stem, dot, extension = path.rpartition(".")
        candidate, n = path, 1
        while candidate in self.paths:
            n += 1
            candidate = f"{stem}-{n}.{extension}" if dot else f"{path}-{n}"
        self.paths.add(candidate)
        return candidate

    def write(self, path, chunks, *, stored=False, listed=True, **about):
        info = zipfile.ZipInfo(self._path(path), date_time=self.date_time)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        digest, size = hashlib.sha256(), 0
        with self.zip.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        entry = {"path": info.filename, "sha256": digest.hexdigest(), "size": size, **about}
        if listed:
            self.files.append(entry)
        return entry

    def write_file(self, path, stored_file, *, title, kind, stored=False, **about):
        """A stored file (a document, an upload) copied in, or listed as missing when storage has lost it."""
        try:
            handle = stored_file.open("rb")
        except (FileNotFoundError, ValueError):
            self.miss(title, kind, _("The stored file is missing."), **about)
            return None
        with handle:
            entry = self.write(path, iter(lambda: handle.read(CHUNK), b""), stored=stored, title=title, kind=kind,
                               **about)
        if about.get("recorded_sha256") and about["recorded_sha256"] != entry["sha256"]:
            entry["note"] = _("The file's bytes differ from the SHA-256 recorded when it was stored.")
        return entry

    def write_json(self, path, data, **about):
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
        return self.write(path, [text], **about)

    def miss(self, title, kind, reason, **about):
        self.missing.append({"title": title, "kind": kind, "reason": str(reason), **about})


def _rendered(document):
    """`document`, rendered here when no worker has yet (an issued document queued, a book never asked for)."""
    if document.state != Document.State.READY:
        document = documents.render(document.pk)
    return document


def _add_documents(archive, record, moment):
    """The issued documents of the record at `moment` (one issued while the worker waited belongs to the next)."""
    for n, document in enumerate((d for d in record.issued() if d.created_at <= moment), 1):
        document = _rendered(document)
        title = f"{document.number} {document.title}"
        kind = documents.kind_of(document.kind)
        about = {"document": document.pk, "number": document.number, "issued_on": document.issued_on,
                 "document_kind": document.kind, "recorded_sha256": document.sha256}
        if document.state != Document.State.READY:
            archive.miss(title, "document", _("It could not be rendered: %(error)s") % {"error": document.error},
                         **about)
            continue
        archive.write_file(f"documents/{n:02d} {_safe(document.filename)}", document.file, title=title,
                           kind="document", stored=True, label=str(kind.label) if kind else "", **about)


def _add_books(archive, record):
    revisions = {r.number: r for r in Revision.objects.filter(application_id=record.lab.application_id)
                 .select_related("application", "application__host")}
    for number, book in sorted(record.books().items()):
        revision = revisions[number]
        if book is None:
            book = documents.prepare(
                kind=dossier_book.KIND, key=dossier_book.document_key(revision), title=dossier_book.title_of(revision),
                build=dossier_book.BUILD, filename=dossier_book.filename_of(revision), subject=revision,
                params={"revision_id": revision.pk})
        book = _rendered(book)
        title = book.title
        about = {"revision": number, "document": book.pk, "recorded_sha256": book.sha256}
        if book.state != Document.State.READY:
            archive.miss(title, "dossier", _("It could not be rendered: %(error)s") % {"error": book.error}, **about)
            continue
        archive.write_file(f"dossier/{_safe(book.filename)}", book.file, title=title, kind="dossier", stored=True,
                           **about)


def _add_uploads(archive, record):
    """The dossier's attachments and the statements' files; then each file a revision froze (by its SHA-256): in
    the archive, or missing because it was deleted after that revision was submitted."""
    for attachment in Attachment.objects.filter(application_id=record.lab.application_id).order_by("pk"):
        archive.write_file(f"attachments/{attachment.pk}-{_safe(attachment.original_name)}", attachment.file,
                           title=attachment.original_name, kind="attachment", attachment=attachment.pk,
                           section=attachment.section, recorded_sha256=attachment.sha256,
                           stored=attachment.content_type == "application/pdf")
    for attachment in StatementAttachment.objects.filter(proposal__laboratory=record.lab).order_by("pk"):
        archive.write_file(f"statements/{attachment.pk}-{_safe(attachment.original_name)}", attachment.file,
                           title=attachment.original_name, kind="statement_file", proposal=attachment.proposal_id,
                           recorded_sha256=attachment.sha256, stored=attachment.content_type == "application/pdf")
    held = {entry["sha256"]: entry["path"] for entry in archive.files}
    frozen = []
    for revision in Revision.objects.filter(application_id=record.lab.application_id).order_by("number"):
        for section, name, sha256, size in revision.snapshot.get("attachments", []):
            row = {"revision": revision.number, "section": section, "name": name, "sha256": sha256, "size": size,
                   "path": held.get(sha256)}
            frozen.append(row)
            if row["path"] is None:
                archive.miss(name, "frozen_attachment", _(
                    "Revision %(number)s lists this file, which was deleted from the dossier after that revision; "
                    "its SHA-256 and size are kept in the revision.") % {"number": revision.number},
                    revision=revision.number, recorded_sha256=sha256, size=size)
    return frozen


def _model_of(content_type_id):
    return ContentType.objects.get_for_id(content_type_id).model_class() if content_type_id else None


def audit_rows(entries):
    """The audit records as the archive writes them: the chain's fields (so they can be checked against the
    portal's chain), who acted and the labels a person reads. No client address: the host reads the archive too."""
    rows = []
    for entry in entries.select_related("actor", "actor__organisation").order_by("sequence"):
        model = _model_of(entry.content_type_id)
        actor = entry.actor
        rows.append({
            "sequence": entry.sequence, "at": timezone.localtime(entry.at).isoformat(),
            "subject": {"type": model._meta.label_lower if model else "", "id": entry.object_id,
                        "label": str(model._meta.verbose_name) if model else ""},
            "action": entry.transition, "action_label": str(transition_label(model, entry.transition)),
            "from": entry.source_state, "to": entry.target_state,
            "from_label": str(state_label(model, entry.source_state)) if entry.source_state else "",
            "to_label": str(state_label(model, entry.target_state)) if entry.target_state else "",
            "actor": {"id": actor.pk, "name": str(actor),
                      "organisation": actor.organisation.name if actor.organisation_id else ""} if actor else None,
            "comment": entry.comment, "article": entry.article,
            "citation": cite(entry.article, settings.LANGUAGE_CODE) if entry.article else "",
            "data": entry.data, "digest": entry.digest, "previous_digest": entry.previous_digest,
            "algorithm": entry.algorithm,
        })
    return rows


def build(document, progress, laboratory_id, as_of, audit_head):
    """`kernel.documents`' rendering task: the zip of the lab's record, written to a temporary file (returned open,
    for the task to hash and store); PDFs are stored as they are, the rest deflated."""
    lab = Laboratory.objects.select_related("host", "application").get(pk=laboratory_id)
    moment = parse_datetime(as_of)
    record = Record.of(lab)
    handle = tempfile.NamedTemporaryFile(suffix=".zip")  # noqa: SIM115  (the task stores and closes it)
    archive = _Zip(handle, moment)
    with translation.override(settings.LANGUAGE_CODE):
        progress(5)
        _add_documents(archive, record, moment)
        progress(40)
        _add_books(archive, record)
        progress(70)
        frozen = _add_uploads(archive, record)
        progress(80)
        for name, rows in record.rows.items():
            if name not in ("attachments", "revisions", "statement_files"):
                archive.write_json(f"records/{name}.json", rows, title=name, kind="record")
        entries = audit_rows(record.audit(head=audit_head))
        archive.write_json("audit/audit.json", entries, title=_("Audit trail"), kind="audit")
        context = {"lab": lab, "entries": entries, "as_of": moment}
        archive.write("audit/audit.pdf", [render_pdf(AUDIT_TEMPLATE, context)], stored=True, title=_("Audit trail"),
                      kind="audit")
        progress(95)
        manifest = {
            "laboratory": {"id": lab.pk, "name_zh": lab.name_zh, "name_en": lab.name_en, "host": lab.host.name,
                           "status": lab.status},
            "record_as_of": timezone.localtime(moment).isoformat(),
            "generated_at": timezone.localtime().isoformat(),
            "audit_head": entries[-1]["sequence"] if entries else None,
            "key": document.key,
            "files": archive.files,
            "missing": archive.missing,
            "frozen_attachments": frozen,
        }
        archive.write_json("manifest.json", manifest, listed=False)
        index = render_to_string(INDEX_TEMPLATE, {"lab": lab, "manifest": manifest, "as_of": moment})
        archive.write("index.html", [index.encode()], listed=False)
    archive.zip.close()
    return handle
