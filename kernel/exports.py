"""Every list exports what it shows: all the rows of the page's own queryset (the same `visible_to(user)`
and the same filters, every page of them) with the page's columns, as CSV or as an Excel file (XLSX).

Every export is an audit record (`kernel.audit`: which list, format and filters, by whom, from where).
A list view answers `?export=csv|xlsx` (its links keep the filters' query string) by calling `export`
with its queryset and its `Column`s. Headers are in the reader's language; dates are ISO 8601.

CSV streams (StreamingHttpResponse, rows read in chunks): any number of rows in constant memory. XLSX is
built in the request with openpyxl's write-only mode, up to `EXPORT_XLSX_MAX_ROWS` rows; a longer list is
refused with a message that points to the filters or the CSV. The portal's lists hold hundreds of rows (a
few years of applications, a few dozen laboratories), which make a file in well under a second, so a
Celery task and a "your file is ready" notification would only make people wait for what is instant.
"""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .audit import record

FORMATS = ("csv", "xlsx")
CSV_CHUNK_ROWS = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A text cell starting with one of these is a formula to Excel and WPS (CSV injection): it is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    """One column of a list: its header as on the page (a lazy translation) and its value for a row."""

    header: Any
    value: Callable[[Any], Any]


def requested(request):
    """The format asked for (`?export=csv` or `?export=xlsx`), or None for the page itself."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else None


def export(request, rows, columns, title):
    """The file of `rows` (a queryset or a list) in the format `request` asks for, named after the list."""
    fmt = requested(request)
    filename = f"{title}-{timezone.localdate().isoformat()}.{fmt}"
    query = request.GET.copy()
    query.pop("export", None)
    record("export", actor=request.user, request=request,
           data={"list": str(title), "format": fmt, "path": request.path, "filters": query.urlencode()})
    if fmt == "xlsx":
        return _xlsx(request, rows, columns, title, filename)
    return _csv(rows, columns, filename)


def _plain(value):
    """A cell's value: dates as dates (local time, without zone), numbers as numbers, the rest as text."""
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


def _csv(rows, columns, filename):
    language = translation.get_language()
    writer = csv.writer(_Line())

    def lines():
        # The body is produced after the view has returned: keep the reader's language for labels.
        with translation.override(language):
            yield "\ufeff" + writer.writerow([str(column.header) for column in columns])  # BOM: Excel reads UTF-8
            for row in _iterate(rows):
                yield writer.writerow([_csv_text(column.value(row)) for column in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _xlsx(request, rows, columns, title, filename):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

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
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    sheet.freeze_panes = "A2"
    for index in range(len(columns)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 18 if index else 36
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in chosen:
        sheet.append([_plain(column.value(row)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response
