"""Staff find things: a keyword box (name or host) on the application list, the ministry queue and the lab
list, always within what the viewer may see; the queue opens on what waits for the viewer's ministry;
names sort in pinyin order; every list exports exactly what it shows (CSV streamed, XLSX capped)."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import OrganisationKind
from applications.models import Application
from kernel.transitions import run_transition
from tests.factories import ApplicationFactory, LocalHostFactory, applicant_of, complete_dossier, ministry_staff, new_journey

pytestmark = pytest.mark.django_db

# Pinyin order an < bei < chong < zhi; code-point order 北 (U+5317) < 安 (U+5B89) < 智 (U+667A) < 重 (U+91CD).
PINYIN_ORDER = ["安全应急装备", "北斗导航终端", "重组蛋白药物", "智能网联汽车"]


def lab_name(subject):
    return f"{subject}质量国家质量标准实验室"


def names(response):
    assert response.status_code == 200, response.status_code
    return [str(row) for row in response.context["page_obj"]]


def exported(client, url, params, fmt="csv"):
    """(header, rows) of the list's export for these filters."""
    response = client.get(url, {**params, "export": fmt})
    assert response.status_code == 200, response.status_code
    if fmt == "csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        text = b"".join(response.streaming_content).decode("utf-8")
        assert text.startswith("\ufeff")  # Excel reads the Chinese as UTF-8
        header, *rows = list(csv.reader(io.StringIO(text[1:])))
        return header, rows
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return header, rows


def submitted(host, name_zh):
    app = complete_dossier(host=host, name_zh=name_zh)
    return run_transition(app, "submit", applicant_of(host))


# --- keyword search ---------------------------------------------------------------------------------


def test_keyword_search_by_name_or_host_within_what_the_applicant_sees(client):
    jiangsu, zhejiang = LocalHostFactory(name="江苏测试研究院"), LocalHostFactory(name="浙江测试研究院", province="33")
    quantum = ApplicationFactory(host=jiangsu, name_zh=lab_name("量子精密测量"), name_en_subject="Quantum Metrology")
    software = ApplicationFactory(host=jiangsu, name_zh=lab_name("工业软件"))
    ApplicationFactory(host=zhejiang, name_zh=lab_name("量子传感"))  # another host's: never found
    client.force_login(applicant_of(jiangsu))
    url = reverse("applications:list")
    assert names(client.get(url, {"q": "量子"})) == [quantum.name_zh]
    assert set(names(client.get(url, {"q": "江苏测试"}))) == {quantum.name_zh, software.name_zh}
    assert names(client.get(url, {"q": "量子 精密"})) == [quantum.name_zh]  # every word
    assert names(client.get(url, {"q": "quantum"})) == [quantum.name_zh]  # the English name, any case
    assert names(client.get(url, {"q": "State Quality & Standards Laboratory of Quantum"})) == [quantum.name_zh]
    assert names(client.get(url, {"q": "浙江测试"})) == []


def test_queue_opens_on_what_waits_for_the_viewers_ministry_with_all_one_click_away_art7(journey, client):
    """Recommended dossiers wait for formal review; a submitted one still waits for its recommenders and is in no
    tab of the queue (Art. 10, 13); an approval SAMR has signed waits for MIIT only (Art. 7)."""
    samr, miit = ministry_staff(OrganisationKind.SAMR), ministry_staff(OrganisationKind.MIIT)
    waiting = journey.recommended(name_zh=lab_name("智能传感器"))
    at_recommenders = submitted(LocalHostFactory(name="锡山测试研究院"), lab_name("功率半导体"))
    signed = new_journey(staff=samr).awaiting_approval(name_zh=lab_name("先进焊接"))
    run_transition(signed, "approve", samr)
    queue = reverse("reviews:queue")

    client.force_login(samr)
    response = client.get(queue)
    assert set(names(response)) == {waiting.name_zh}
    html = response.content.decode()
    assert 'data-testid="queue-tab-waiting"' in html and "?show=all" in html
    assert set(names(client.get(queue, {"show": "all"}))) == {waiting.name_zh, signed.name_zh}
    assert names(client.get(queue, {"show": "all", "q": "先进焊接"})) == [signed.name_zh]
    assert names(client.get(queue, {"show": "all", "q": "锡山测试"})) == []  # at its recommenders still
    assert client.get(at_recommenders.get_absolute_url()).status_code == 200  # reached by its address

    client.force_login(miit)
    assert set(names(client.get(queue))) == {waiting.name_zh, signed.name_zh}
    assert names(client.get(queue, {"q": "焊接"})) == [signed.name_zh]


# --- pinyin order -----------------------------------------------------------------------------------


def test_application_list_sorts_names_in_pinyin_order_not_code_point_order(client):
    host = LocalHostFactory()
    for subject in reversed(PINYIN_ORDER):
        ApplicationFactory(host=host, name_zh=lab_name(subject))
    client.force_login(applicant_of(host))
    assert names(client.get(reverse("applications:list"), {"sort": "name"})) == [lab_name(s) for s in PINYIN_ORDER]
    assert sorted(lab_name(s) for s in PINYIN_ORDER) != [lab_name(s) for s in PINYIN_ORDER]


@pytest.fixture
def two_hosts_labs():
    """Four labs in construction: three of one host, one of another, named in reverse pinyin order."""
    journey = new_journey()
    mine, theirs = LocalHostFactory(name="江苏样例研究院"), LocalHostFactory(name="浙江样例研究院", province="33")
    built = {subject: journey.approved(host=theirs if subject == "北斗导航终端" else mine, name_zh=lab_name(subject))
             for subject in reversed(PINYIN_ORDER)}
    return journey, mine, theirs, built


def test_lab_list_and_directory_sort_in_pinyin_order_and_search_by_host(client, two_hosts_labs):
    journey, mine, theirs, built = two_hosts_labs
    client.force_login(journey.staff)
    in_pinyin_order = [lab_name(s) for s in PINYIN_ORDER]
    assert names(client.get(reverse("labs:list"), {"sort": "name"})) == in_pinyin_order
    client.logout()
    assert names(client.get(reverse("directory:list"))) == in_pinyin_order  # the directory's default order
    client.force_login(journey.staff)
    assert names(client.get(reverse("labs:list"), {"q": "浙江样例"})) == [built["北斗导航终端"].name_zh]
    client.force_login(applicant_of(mine))
    assert names(client.get(reverse("labs:list"), {"q": "北斗"})) == []  # another host's lab is never found


# --- exports ----------------------------------------------------------------------------------------


def test_lab_export_has_the_rows_each_viewer_sees_filtered_never_another_hosts(client, two_hosts_labs):
    journey, mine, theirs, built = two_hosts_labs
    url = reverse("labs:list")
    for user, params in ((applicant_of(mine), {"sort": "name"}), (applicant_of(theirs), {}),
                         (journey.staff, {"q": "样例研究院", "sort": "name"}), (journey.staff, {"q": "重组"})):
        client.force_login(user)
        shown = names(client.get(url, params))
        for fmt in ("csv", "xlsx"):
            _header, rows = exported(client, url, params, fmt)
            assert [row[0] for row in rows] == shown, (user, params, fmt)
    client.force_login(applicant_of(theirs))
    _header, rows = exported(client, url, {})
    assert [row[0] for row in rows] == [built["北斗导航终端"].name_zh]


def test_application_export_equals_the_filtered_list_for_two_applicants_in_their_language(client):
    jiangsu, zhejiang = LocalHostFactory(), LocalHostFactory(province="33")
    for subject in PINYIN_ORDER:
        ApplicationFactory(host=jiangsu, name_zh=lab_name(subject))
    ApplicationFactory(host=zhejiang, name_zh=lab_name("海洋工程装备"))
    url = reverse("applications:list")
    for user, params in ((applicant_of(jiangsu), {"q": "智能 汽车"}), (applicant_of(jiangsu), {"sort": "name"}),
                         (applicant_of(zhejiang), {})):
        client.force_login(user)
        shown = names(client.get(url, params))
        for fmt in ("csv", "xlsx"):
            assert [row[0] for row in exported(client, url, params, fmt)[1]] == shown

    client.force_login(applicant_of(jiangsu))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    header, rows = exported(client, url, {"sort": "name"})
    assert header[:6] + header[7:] == ["名称", "依托单位", "依托单位层级", "省份", "领域", "状态", "最后保存时间"]
    assert rows[0][5] == "草稿" and rows[0][3] == "江苏省"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[0][7])  # ISO 8601, local time
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    header, rows = exported(client, url, {"sort": "name"}, "xlsx")
    assert header[:2] == ["Name", "Host institution"] and rows[0][5] == "Draft"
    assert rows[0][7].year >= 2024  # a real date cell, not text


def test_export_query_count_does_not_grow_with_rows(client):
    host = LocalHostFactory()
    client.force_login(applicant_of(host))
    url = reverse("applications:list")

    def queries(fmt):
        with CaptureQueriesContext(connection) as captured:
            exported(client, url, {}, fmt)
        return len(captured)

    ApplicationFactory(host=host)
    few = {fmt: queries(fmt) for fmt in ("csv", "xlsx")}
    for _i in range(12):
        ApplicationFactory(host=host)
    assert {fmt: queries(fmt) for fmt in ("csv", "xlsx")} == few
    assert max(few.values()) <= 8


def test_xlsx_export_beyond_its_cap_points_to_the_filters_and_csv(client, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 2
    host = LocalHostFactory()
    for _i in range(3):
        ApplicationFactory(host=host)
    client.force_login(applicant_of(host))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("applications:list")
    response = client.get(url, {"status": "draft", "export": "xlsx"})
    assert response.status_code == 302 and response["Location"] == f"{url}?status=draft"
    page = client.get(response["Location"]).content.decode()
    assert "more than 2 rows" in page and "CSV" in page
    assert len(exported(client, url, {"status": "draft"})[1]) == 3  # the CSV streams them all


def test_export_writes_a_formula_looking_name_as_text(client):
    host = LocalHostFactory(name="=HYPERLINK(\"http://example.com\")研究院")
    ApplicationFactory(host=host)
    client.force_login(applicant_of(host))
    _header, rows = exported(client, reverse("applications:list"), {})
    assert rows[0][1].startswith("'=")


def test_every_list_links_its_exports_with_the_current_filters(journey, client):
    """Each list page offers CSV and XLSX of what it shows, its query string kept; each export answers."""
    staff = ministry_staff(OrganisationKind.SAMR)
    app = journey.recommended()
    lists = [
        (staff, "applications:list", {"q": app.host.name}),
        (staff, "reviews:queue", {"show": "all", "status": "recommended"}),
        (staff, "labs:list", {"q": "样例", "sort": "name"}),
        (staff, "reviews:rounds", {"purpose": "labs"}),
        (staff, "reviews:notices", {}),
        (None, "directory:list", {"q": "样例", "sort": "newest"}),
        (None, "public:approved", {"field": "high_end_manufacturing"}),
    ]
    for user, name, params in lists:
        if user:
            client.force_login(user)
        else:
            client.logout()
        url = reverse(name)
        response = client.get(url, params)
        assert response.status_code == 200, name
        query = response.context["query"].replace("&", "&amp;")
        html = response.content.decode()
        for fmt in ("csv", "xlsx"):
            assert f'href="?{query}&amp;export={fmt}"' in html or (not query and f'href="?export={fmt}"' in html), name
        header, rows = exported(client, url, params)
        assert header and all(len(row) == len(header) for row in rows), name
    client.force_login(staff)
    _header, rows = exported(client, reverse("applications:list"), {"q": app.host.name})
    assert [row[0] for row in rows] == [app.name_zh]
    assert Application.objects.count() == 1
