"""The dossier as a document (申报书): one revision printed as a book, from its frozen snapshot, so that any
revision prints as it was submitted.

The book: a cover (the lab, its host and recommenders, direction and field, the call, the revision and its date);
the host's commitment with signature and seal blocks (Art. 12 (5), Art. 11); a table of contents with page
numbers; the sections of Art. 11-12 with their tables; the Art. 12 self-check of that revision; the index of
attachments with SHA-256 and size. An expert's copy carries a "for review only" watermark naming the expert on
every page.

It is a `kernel.documents` document of kind "dossier", rendered off the request path: `build` is what the
rendering task calls; `document_key` names the stored file (one per revision, one per revision and expert);
`may_read` decides who may download one (`rules.may_print_revision`).
"""

import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader, PdfWriter

from accounts.rules import is_expert
from kernel.formatting import is_chinese
from kernel.models import Document
from kernel.pdf import render_pdf

from .frozen import FrozenDossier
from .models import Application, PreliminaryReview, Revision
from .rules import may_print_revision

KIND = "dossier"
KIND_LABEL = gettext_lazy("Application dossier (申报书)")
TEMPLATE = "pdf/dossier_book.html"
WATERMARK_TEMPLATE = "pdf/dossier_watermark.html"
BUILD = "applications.dossier_book.build"

CHINESE_NUMERALS = "一二三四五六七八九十"

# The book's numbered sections, in the order of Art. 11-12: (anchor, title, article).
SECTIONS = [
    ("overview", gettext_lazy("Overview"), "Art. 3, 4, 5, 31"),
    ("plan", gettext_lazy("Build plan"), "Art. 11 (1)"),
    ("facilities", gettext_lazy("Facilities"), "Art. 12 (1)"),
    ("team", gettext_lazy("Academic team"), "Art. 12 (2)"),
    ("research", gettext_lazy("Research capability"), "Art. 12 (3)"),
    ("outcomes", gettext_lazy("Research outcomes"), "Art. 12 (4)"),
    ("support", gettext_lazy("Support measures"), "Art. 12 (5)"),
    ("consortium", gettext_lazy("Consortium"), "Art. 5, 11"),
    ("eligibility", gettext_lazy("Eligibility self-check"), "Art. 12"),
    ("attachments", gettext_lazy("Index of attachments"), ""),
]


def document_key(revision, expert=None):
    """The stored file of a revision's book: one for its readers, one per expert (their name is on every page)."""
    key = f"dossier:revision-{revision.pk}"
    return f"{key}:expert-{expert.pk}" if expert is not None else key


def copy_for(user):
    """Whose copy `user` downloads: an expert their own watermarked one, everybody else the plain one."""
    return user if is_expert(user) else None


def may_read(user, document):
    """`kernel.documents`: a book is read by whoever may print its revision, and an expert's copy by that expert
    alone (the plain copy is not theirs to download)."""
    revision = document.subject
    if not isinstance(revision, Revision):
        return False
    return document.key == document_key(revision, copy_for(user)) and may_print_revision(user, revision)


def title_of(revision):
    """The document's title, in the document's language (Chinese)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(name)s · application dossier · revision %(number)s") % {
            "name": revision.snapshot.get("name_zh") or revision.application, "number": revision.number}


def filename_of(revision):
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(name)s-application dossier-revision %(number)s.pdf") % {
            "name": revision.snapshot.get("name_zh") or revision.application.pk, "number": revision.number}


def section_number(index):
    """一、二、… in Chinese, 1. 2. … in English."""
    if not is_chinese():
        return f"{index}. "
    if index <= 10:
        return CHINESE_NUMERALS[index - 1] + "、"
    tens, units = divmod(index, 10)
    return (CHINESE_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CHINESE_NUMERALS[units - 1] if units else "") + "、"


def page_counter_css():
    """The footer's CSS `content`: “第 X 页 共 Y 页” / “Page X of Y”, from one translatable sentence."""
    sentence = _("Page {page} of {pages}")
    parts = []
    rest = sentence
    for name in ("page", "pages"):
        before, _marker, rest = rest.partition("{%s}" % name)
        parts += [_css_string(before), f"counter({name})"]
    parts.append(_css_string(rest))
    return " ".join(p for p in parts if p != '""')


def _css_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _recommenders(revision):
    """The recommenders this revision went to: those of the last routing up to it (a supplement resubmitted to the
    ministries keeps its recommenders)."""
    reviews = list(PreliminaryReview.objects.filter(application_id=revision.application_id, round__lte=revision.number)
                   .select_related("recommender").order_by("-round", "recommender__kind", "pk"))
    latest = reviews[0].round if reviews else None
    return [r.recommender for r in reviews if r.round == latest]


def _attachments(revision, dossier):
    """The index: each file as submitted, with its SHA-256 and size (an older snapshot did not record the size: it is
    the size of the stored file with the same SHA-256, as long as one is kept)."""
    sizes = dict(Application.objects.get(pk=revision.application_id).attachments.values_list("sha256", "size"))
    rows = []
    for number, attachment in enumerate(dossier.attachments, start=1):
        size = attachment.size if attachment.size is not None else sizes.get(attachment.sha256)
        rows.append({"number": number, "attachment": attachment, "size": size})
    return rows


def _signatories(host, dossier):
    """Who signs and seals the commitment: the host, then each consortium member (Art. 11), two to a row."""
    parties = [{"role": _("Host institution"), "name": host.name}]
    parties += [{"role": _("Consortium member"), "name": c.organisation.name} for c in dossier.consortium_members]
    if len(parties) % 2:
        parties.append(None)
    return [parties[i:i + 2] for i in range(0, len(parties), 2)]


def book_context(revision):
    dossier = FrozenDossier(revision)
    application = revision.application
    projects = list(dossier.projects)
    return {
        "revision": revision,
        "application": application,
        "dossier": dossier,
        "host": application.host,
        "recommenders": _recommenders(revision),
        "signatories": _signatories(application.host, dossier),
        "call": application.call,
        "sections": {anchor: {"anchor": f"s-{anchor}", "number": section_number(index), "title": title,
                              "article": article}
                     for index, (anchor, title, article) in enumerate(SECTIONS, start=1)},
        "toc": [{"anchor": f"s-{anchor}", "number": section_number(index), "title": title}
                for index, (anchor, title, _article) in enumerate(SECTIONS, start=1)],
        "projects_total": sum((p.amount_cny or 0 for p in projects), 0),
        "transfers_total": sum((t.amount_cny or 0 for t in dossier.transfers), 0),
        "income_total": sum((s.amount_cny or 0 for s in dossier.service_incomes), 0),
        "eligibility": dossier.self_check(),
        "attachments": _attachments(revision, dossier),
        "page_counter": page_counter_css(),
        "printed_at": timezone.now(),
    }


def render_book(revision, expert=None, language=None):
    """The book of `revision` as PDF bytes (in the portal's language unless one is given); `expert`'s copy has their
    watermark on every page."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = book_context(revision)
    book = render_pdf(TEMPLATE, context, language=language)
    return watermarked(book, expert) if expert is not None else book


def watermarked(book, expert):
    """`book` with “仅供评审使用 / For review only”, the expert's name and the day laid over every page: one page of
    watermark rendered, then stamped on each page, so that an expert's copy costs a fraction of the book's."""
    mark = PdfReader(io.BytesIO(render_pdf(WATERMARK_TEMPLATE, {"expert": expert, "printed_at": timezone.now()}))).pages[0]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(book)))
    for page in writer.pages:
        page.merge_page(mark, over=True)
        page.compress_content_streams()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _stored_plain_book(revision):
    """The readers' copy of `revision` if a worker has already stored it (an expert's copy is stamped on it)."""
    plain = Document.objects.filter(key=document_key(revision), state=Document.State.READY).first()
    if plain is None:
        return None
    with plain.file.open("rb") as handle:
        return handle.read()


def build(document, progress, revision_id, expert_id=None):
    """`kernel.documents`' rendering task: the book of revision `revision_id`, watermarked for expert `expert_id` (on
    the readers' copy when it is stored already)."""
    revision = Revision.objects.select_related("application", "application__host").get(pk=revision_id)
    if expert_id is None:
        progress(10)
        return render_book(revision)
    expert = get_user_model().objects.select_related("organisation").get(pk=expert_id)
    book = _stored_plain_book(revision)
    if book is None:
        progress(10)
        book = render_book(revision)
    progress(80)
    return watermarked(book, expert)
