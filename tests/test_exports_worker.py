"""Exports by the rules of every spreadsheet the portal writes: money in 万元 with two decimals, dates ISO,
formula-looking text neutralised in CSV and XLSX; a recommender exports only what was routed to them; a long
list is made by a worker, downloaded by the person who asked and nobody else, audited, and purged."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from openpyxl import load_workbook

from kernel import exports
from kernel.models import AuditEntry, Document
from tests.factories import (
    ApplicationFactory,
    LocalHostFactory,
    applicant_of,
    complete_dossier,
    provincial_recommenders,
)
from tests.test_list_search_export import exported, submitted

pytestmark = pytest.mark.django_db

MALICIOUS = ['=HYPERLINK("http://evil.example","点此")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


def read_file(data, fmt):
    if fmt == "csv":
        text = data.decode("utf-8")
        return list(csv.reader(io.StringIO(text[1:])))
    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def test_money_is_wan_with_two_decimals_and_dates_iso_in_csv_and_xlsx(client):
    host = LocalHostFactory()
    ApplicationFactory(host=host, instrument_value_cny=Decimal("52345678.90"))
    client.force_login(applicant_of(host))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("applications:list")
    header, rows = exported(client, url, {})
    money = header.index("Current value of instruments (10,000 yuan)")
    assert rows[0][money] == "5234.57"
    assert len(rows[0][-1]) == len("2026-12-04 15:30") and rows[0][-1][4] == "-"
    header, rows = exported(client, url, {}, "xlsx")
    assert rows[0][money] == pytest.approx(5234.57)
    sheet = load_workbook(io.BytesIO(client.get(url, {"export": "xlsx"}).content)).active
    assert sheet.cell(row=2, column=money + 1).number_format == "0.00"
    assert sheet.cell(row=2, column=len(header)).number_format == "yyyy-mm-dd hh:mm"


@pytest.mark.parametrize("name", MALICIOUS)
def test_formula_looking_names_are_text_in_csv_and_xlsx(client, name):
    host = LocalHostFactory()
    ApplicationFactory(host=host, name_zh=name)
    client.force_login(applicant_of(host))
    for fmt in ("csv", "xlsx"):
        _header, rows = exported(client, reverse("applications:list"), {}, fmt)
        assert rows[0][0] == "'" + name, fmt


def test_a_recommenders_export_has_only_the_applications_routed_to_them(client):
    samr, _miit = provincial_recommenders("32")
    ours = submitted(LocalHostFactory(province="32"), "江苏某质量国家质量标准实验室")
    submitted(LocalHostFactory(province="33"), "浙江某质量国家质量标准实验室")
    complete_dossier(host=LocalHostFactory(province="32"), name_zh="草稿质量国家质量标准实验室")  # not submitted
    client.force_login(samr)
    for fmt in ("csv", "xlsx"):
        _header, rows = exported(client, reverse("applications:list"), {}, fmt)
        assert [row[0] for row in rows] == [ours.name_zh], fmt


@pytest.fixture
def long_list(settings):
    settings.EXPORT_IN_WORKER_ABOVE_ROWS = 2
    host = LocalHostFactory()
    for index in range(3):
        ApplicationFactory(host=host, name_zh=f"{MALICIOUS[index]}实验室{index}")
    return host


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_long_export_is_made_by_a_worker_for_the_asker_only(client, long_list, fmt,
                                                             django_capture_on_commit_callbacks):
    asker = applicant_of(long_list)
    client.force_login(asker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    url = reverse("applications:list")
    with django_capture_on_commit_callbacks(execute=True):  # Celery is eager in tests: the worker runs here
        response = client.get(url, {"export": fmt, "sort": "name"})
    document = Document.objects.get(kind=exports.KIND)
    assert response.status_code == 302 and response["Location"] == reverse("documents:download", args=[document.pk])
    assert document.state == Document.State.READY and document.progress == 100
    asked = AuditEntry.objects.filter(transition="export").latest("pk")
    assert asked.actor == asker and asked.data["in_worker"] and asked.data["rows"] == 3

    download = client.get(response["Location"])
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    rows = read_file(b"".join(download.streaming_content), fmt)
    assert rows[0][0] == "名称" and len(rows) == 4  # the header in the asker's language, every row
    assert all(row[0].startswith("'") for row in rows[1:])  # formula-looking names are text here too
    assert AuditEntry.objects.filter(transition="download", actor=asker, object_id=document.pk).exists()

    client.force_login(applicant_of(long_list))  # a colleague of the same host
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("documents:status", args=[document.pk])).status_code == 404


def test_a_short_export_stays_instant(client, long_list, settings):
    settings.EXPORT_IN_WORKER_ABOVE_ROWS = 3
    client.force_login(applicant_of(long_list))
    assert len(exported(client, reverse("applications:list"), {})[1]) == 3
    assert not Document.objects.filter(kind=exports.KIND).exists()


def test_the_preparing_page_follows_the_progress(client, long_list):
    client.force_login(applicant_of(long_list))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(reverse("applications:list"), {"export": "csv"}, follow=True)  # not rendered yet
    page = response.content.decode()
    assert 'data-state="pending"' in page and "being prepared" in page


def test_exports_past_their_retention_are_deleted_with_their_files(client, long_list, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.EXPORT_RETENTION_HOURS = 24
    client.force_login(applicant_of(long_list))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("applications:list"), {"export": "csv"})
    document = Document.objects.get(kind=exports.KIND)
    assert exports.purge() == 0
    later = timezone.now() + datetime.timedelta(hours=25)
    assert exports.purge(now=later) == 1
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not default_storage.exists(document.file.name)


def test_every_list_names_columns_a_worker_finds_again():
    get_resolver().url_patterns  # noqa: B018  (imports every view module)
    found = exports.declared()
    assert len(found) >= 7
    for columns in found:
        assert import_string(columns.path) is columns, columns.path


def test_a_worker_export_takes_as_many_queries_for_many_rows_as_for_few(client, long_list,
                                                                       django_capture_on_commit_callbacks):
    client.force_login(applicant_of(long_list))

    def queries():
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse("applications:list"), {"export": "xlsx"})
        assert response.status_code == 302
        return len(captured)

    few = queries()
    for index in range(10):
        ApplicationFactory(host=long_list, name_zh=f"又一个实验室{index}")
    assert queries() == few <= 30  # the request (count, audit, the document) and the worker's rows
