"""The pages of stored documents: the download (or "being prepared" while a worker renders it), the fragment that
page polls, and the register of issued documents (发文登记), where every one is found again by its number."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import audit
from .documents import kind_of, public_kinds, readable, reads_register, requeue_if_stuck
from .models import Document
from .paging import query_without_page
from .web import DOWNLOAD_POLICY, attachment_disposition

REGISTER_PAGE_SIZE = 25


def _readable_or_404(request, pk):
    document = get_object_or_404(Document, pk=pk)
    if not readable(request.user, document):
        raise Http404(_("There is no such document."))
    return document


def document_response(request, document, filename=None):
    """The stored file as an attachment, or, while it is being prepared, the page that says so and turns into the
    download. Call it only after checking that the user may read the document (`readable`)."""
    if not document.ready:
        requeue_if_stuck(document)
        return render(request, "documents/preparing.html", {"document": document})
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing.")) from exc
    kind = kind_of(document.kind)
    if not (kind and kind.public):
        audit.record_download(request, document, document.filename, number=document.number, sha256=document.sha256)
    name = filename or document.filename
    response = FileResponse(handle, content_type=document.content_type_header)
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    response["Content-Disposition"] = attachment_disposition(name, f"document-{document.pk}.{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "public, max-age=300" if kind and kind.public else "private, no-store"
    response["X-Document-SHA256"] = document.sha256
    return response


@require_GET
def download(request, pk):
    return document_response(request, _readable_or_404(request, pk))


@require_GET
def status(request, pk):
    """The part of the "being prepared" page that htmx asks for every two seconds."""
    document = _readable_or_404(request, pk)
    return render(request, "documents/_status.html", {"document": document})


@require_GET
def register(request):
    """Issued documents by number: every public one for anyone, every one for ministry staff (as `readable`)."""
    queryset = Document.objects.issued().filter(state=Document.State.READY).order_by("-issued_on", "issuer", "-serial")
    staff = reads_register(request.user)
    if not staff:
        queryset = queryset.filter(kind__in=public_kinds())
    number = request.GET.get("number", "").strip()[:64]
    if number:
        queryset = queryset.filter(Q(number__icontains=number) | Q(title__icontains=number))
    page = Paginator(queryset.only("pk", "kind", "number", "title", "issuer_name", "issued_on", "sha256"),
                     REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    for document in page:
        kind = kind_of(document.kind)
        document.kind_label = kind.label if kind else document.kind
    return render(request, "documents/register.html", {
        "page_obj": page, "query": query_without_page(request), "number": number, "staff": staff})
