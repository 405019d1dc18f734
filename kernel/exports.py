"""Every list exports what it shows: all the rows of the page's own queryset (the same `visible_to(user)`
and the same filters, every page of them) with the page's columns, as CSV or as an Excel file (XLSX).

The rules of every cell live here, whatever the list: headers and values in the reader's language (the
columns give choice labels, `get_FOO_display`), money (`Column(money=True)`, stored in yuan) as 万元 with two
decimals, dates ISO 8601 (local time, without zone), and every text through `safe_cell` (formula injection).

Every export is an audit record (`kernel.audit`: which list, format and filters, by whom, from where).
A list view answers `?export=csv|xlsx` (its links keep the filters' query string) by calling `export`
with its queryset and its `Columns` (`columns(__name__, "NAME", [...])`, so that a worker finds them again).

Up to `EXPORT_IN_WORKER_ABOVE_ROWS` rows the file is made in the request, as it is instant: CSV streams
(StreamingHttpResponse, rows read in chunks), XLSX is built with openpyxl's write-only mode. A longer
queryset is made by a Celery task through the stored-documents machinery (`kernel.documents.prepare`, kind
"export"): the request answers with the "being prepared" page, which shows the progress and turns into the
download. The task gets the queryset's SQL query pickled and signed (never the rows), the columns' dotted path
and the reader's language. Only the person who asked may download the file (anyone else: 404); the download is
audited; `purge` deletes it after `EXPORT_RETENTION_HOURS` (hourly, `labportal.tasks.purge_exports`). A list
computed in memory (a round's ranking) is always made in the request; as XLSX, up to `EXPORT_XLSX_MAX_ROWS`.
"""

import base64
import csv
import datetime
import io
import pickle
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import documents
from .audit import record
from .formatting import to_wan
from .models import Document

FORMATS = ("csv", "xlsx")
CSV_CHUNK_ROWS = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# A text cell starting with one of these is a formula to Excel and WPS (CSV injection): it is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
KIND = "export"
_SALT = "kernel.exports.query"


def _requester_reads(user, document):
    return document.params.get("requested_by") == user.pk


documents.register_kind(documents.DocumentKind(KIND, gettext_lazy("List export"), may_read=_requester_reads))


def safe_cell(value):
    """The one rule of every CSV and XLSX cell the portal writes (OWASP "CSV injection"): a text starting with
    `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that Excel and WPS show it as text
    instead of running it as a formula. Numbers, dates and None are returned as they are (a negative number
    stays a number); anything else is its text."""
    if value is None or isinstance(value, (bool, int, float, Decimal, datetime.date)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Column:
    """One column of a list: its header as on the page (a lazy translation) and its value for a row; `money`:
    the value is yuan, exported as 万元 with two decimals (the header says so)."""

    header: Any
    value: Callable[[Any], Any]
    money: bool = False

    def title(self):
        text = _("%(header)s (10,000 yuan)") % {"header": self.header} if self.money else str(self.header)
        return safe_cell(text)

    def cell(self, row):
        value = self.value(row)
        return to_wan(value) if self.money else value


class Columns(tuple):
    """A list's columns, with the dotted path where a worker finds them again."""

    path = ""


_declared: list[Columns] = []


def columns(module, name, items):
    """`NAME = columns(__name__, "NAME", [Column(...), ...])`: the columns of a list, findable by a worker."""
    found = Columns(items)
    found.path = f"{module}.{name}"
    _declared.append(found)
    return found


def declared():
    """Every list's columns declared so far (tests check that a worker finds each again)."""
    return list(_declared)


def requested(request):
    """The format asked for (`?export=csv` or `?export=xlsx`), or None for the page itself."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else None


def export(request, rows, columns, title, fmt=None):
    """The file of `rows` (a queryset or a list) in the format `request` asks for (else `fmt`), named after the
    list: made here, or by a worker when the queryset is long (the answer is then the page that follows it)."""
    fmt = requested(request) or fmt
    filename = f"{title}-{timezone.localdate().isoformat()}.{fmt}"
    query = request.GET.copy()
    query.pop("export", None)
    total = rows.count() if _queued(request, rows, columns) else 0
    in_worker = total > settings.EXPORT_IN_WORKER_ABOVE_ROWS
    record("export", actor=request.user, request=request,
           data={"list": str(title), "format": fmt, "path": request.path, "filters": query.urlencode(),
                 **({"rows": total, "in_worker": True} if in_worker else {})})
    if in_worker:
        return _in_worker(request, rows, columns, title, fmt, filename, total)
    if fmt == "xlsx":
        return _xlsx(request, rows, columns, title, filename)
    return _csv(rows, columns, filename)


def _queued(request, rows, columns):
    """Whether a worker could make this file: a queryset, columns it can import, and someone to hand it to."""
    return (isinstance(rows, QuerySet) and bool(getattr(columns, "path", ""))
            and request.user.is_authenticated)


def _plain(value):
    """A cell's value: dates as dates (local time, without zone), numbers as numbers, the rest as safe text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (datetime.date, int, float, Decimal)) and not isinstance(value, bool):
        return value
    return safe_cell(value)


def _iterate(rows):
    return rows.iterator(chunk_size=CSV_CHUNK_ROWS) if hasattr(rows, "iterator") else iter(rows)


class _Line:
    """csv.writer's file: hands each written line back instead of storing it."""

    def write(self, line):
        return line


def _csv_text(value):
    value = _plain(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _csv_lines(rows, columns, progress=None, total=0):
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([column.title() for column in columns])  # BOM: Excel reads UTF-8
    for index, row in enumerate(_iterate(rows), 1):
        yield writer.writerow([_csv_text(column.cell(row)) for column in columns])
        if progress and total and index % CSV_CHUNK_ROWS == 0:
            progress(100 * index / total)


def _csv(rows, columns, filename):
    language = translation.get_language()

    def lines():
        # The body is produced after the view has returned: keep the reader's language for labels.
        with translation.override(language):
            yield from _csv_lines(rows, columns)

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _xlsx_bytes(rows, columns, title, progress=None, total=0):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", str(title))[:31])  # Excel's rules
    sheet.freeze_panes = "A2"
    for index in range(len(columns)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 18 if index else 36
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title())
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def cell(column, row):
        value = _plain(column.cell(row))
        if not isinstance(value, (datetime.date, Decimal)):
            return value
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime.datetime):
            written.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, datetime.date):
            written.number_format = "yyyy-mm-dd"
        elif column.money:
            written.number_format = "0.00"
        return written

    for index, row in enumerate(_iterate(rows), 1):
        sheet.append([cell(column, row) for column in columns])
        if progress and total and index % CSV_CHUNK_ROWS == 0:
            progress(100 * index / total)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx(request, rows, columns, title, filename):
    limit = settings.EXPORT_XLSX_MAX_ROWS
    chosen = list(rows[: limit + 1])
    if len(chosen) > limit:
        messages.warning(request, _(
            "The list has more than %(limit)s rows, too many for an Excel file made on the spot. Narrow it with "
            "the filters, or download it as CSV, which has no limit."
        ) % {"limit": limit})
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    response = HttpResponse(_xlsx_bytes(chosen, columns, title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


# --- in a worker --------------------------------------------------------------------------------------------

def _in_worker(request, rows, columns, title, fmt, filename, total):
    """Queue the file and answer with the page that follows it (a redirect, so that a reload queues nothing)."""
    query = base64.b64encode(pickle.dumps((rows.query, rows._prefetch_related_lookups))).decode()
    params = {
        "requested_by": request.user.pk, "model": rows.model._meta.label,
        "query": signing.dumps(query, salt=_SALT, compress=True), "columns": columns.path, "format": fmt,
        "language": translation.get_language(), "sheet": str(title), "total": total,
    }
    document = documents.prepare(
        kind=KIND, key=f"export:{uuid.uuid4().hex}", title=str(title), build="kernel.exports.build",
        filename=filename, params=params, media_type=XLSX_CONTENT_TYPE if fmt == "xlsx" else CSV_CONTENT_TYPE)
    return redirect("documents:download", document.pk)


def build(document, progress, *, requested_by, model, query, columns, format, language, sheet, total):  # noqa: A002
    """In the worker: the rows of the signed query, in the language of the person who asked."""
    rows = apps.get_model(model)._default_manager.all()
    # Signed by this portal's SECRET_KEY when it was queued: nothing else is ever unpickled here.
    rows.query, prefetch = pickle.loads(base64.b64decode(signing.loads(query, salt=_SALT)))  # noqa: S301
    rows = rows.prefetch_related(*prefetch)
    found = import_string(columns)
    with translation.override(language):
        if format == "xlsx":
            return _xlsx_bytes(rows, found, sheet, progress, total)
        return "".join(_csv_lines(rows, found, progress, total)).encode()


def purge(now=None):
    """Delete the exported files past `EXPORT_RETENTION_HOURS` and their rows; the number deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    expired = list(Document.objects.filter(kind=KIND, created_at__lt=cutoff).only("pk", "file"))
    for document in expired:
        if document.file:
            default_storage.delete(document.file.name)
    Document.objects.filter(pk__in=[document.pk for document in expired]).purge_copies()
    return len(expired)
