"""The staff lists that gained exports (a round's ranking, the committees and their members, a notice's
objections, the deadline calendar): CSV and XLSX in the reader's language, only what the viewer may see,
formula-looking names as text, in a number of queries that does not grow with the rows."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications.deadlines import RETURNED_DOSSIER_FIX
from applications.models import Application
from kernel.deadlines import open_deadline
from reviews.models import Objection
from tests.factories import ApplicationFactory, LocalHostFactory, applicant_of
from tests.test_exports_worker import MALICIOUS
from tests.test_list_search_export import exported

pytestmark = pytest.mark.django_db


def both(client, url, params=None):
    """{format: (header, rows)} of a list's CSV and XLSX."""
    return {fmt: exported(client, url, params or {}, fmt) for fmt in ("csv", "xlsx")}


def objection(notice, app, **kw):
    data = {"objector_kind": Objection.ObjectorKind.PERSON, "name": "张三", "id_number": "11010519491231002X",
            "contact": "13800000000", "grounds": "申报材料与事实不符"}
    return Objection.objects.create(notice=notice, application=app, **{**data, **kw})


def test_deadline_calendar_exports_the_viewers_deadlines_in_their_language(client):
    host = LocalHostFactory()
    today = timezone.localdate()
    mine = ApplicationFactory(host=host, name_zh=MALICIOUS[1])
    open_deadline(mine, RETURNED_DOSSIER_FIX.code, today + datetime.timedelta(days=9), [host])
    open_deadline(ApplicationFactory(), RETURNED_DOSSIER_FIX.code, today, [LocalHostFactory()])  # someone else's
    client.force_login(applicant_of(host))
    url = reverse("calendar:page")
    assert 'href="?export=xlsx"' in client.get(url).content.decode()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    for fmt, (header, rows) in both(client, url).items():
        assert header == ["截止日期", "剩余天数", "事项", "涉及对象", "条款"], fmt
        assert len(rows) == 1 and rows[0][3] == "'" + MALICIOUS[1], fmt
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    (header, rows), (_xheader, xrows) = both(client, url).values()
    assert header[:3] == ["Due", "Days left", "Obligation"]
    assert rows[0][0] == (today + datetime.timedelta(days=9)).isoformat() and rows[0][1] == "9"
    assert xrows[0][0] == datetime.datetime.combine(today + datetime.timedelta(days=9), datetime.time())


def test_round_ranking_exports_as_csv_and_xlsx_in_the_readers_language(client, staff, journey):
    apps = [journey.formal_review_passed(), journey.formal_review_passed()]
    review_round = journey.scored_round(apps, values=(80,))
    Application.objects.filter(pk=apps[0].pk).update(name_zh=MALICIOUS[0])
    client.force_login(staff)
    url = reverse("reviews:round_export", args=[review_round.pk])
    page = client.get(review_round.get_absolute_url()).content.decode()
    assert f'{url}?sort=rank&amp;export=xlsx"' in page
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    for fmt, (header, rows) in both(client, url).items():
        assert header[:2] == ["排名", "申报"] and header[5] == "加权平均分", fmt
        assert len(rows) == 2 and "'" + MALICIOUS[0] in [row[1] for row in rows], fmt
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    header, rows = exported(client, url, {}, "xlsx")
    assert header[:2] == ["Rank", "Application"] and rows[0][0] == 1 and float(rows[0][5]) == pytest.approx(80)


def test_committees_and_their_members_export_with_safe_names(client, staff, journey):
    committee = journey.committee
    member = committee.members.select_related("expert").first()
    get_user_model().objects.filter(pk=member.expert_id).update(full_name=MALICIOUS[2])
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    for fmt, (header, rows) in both(client, reverse("reviews:committees")).items():
        assert header[:4] == ["专家委员会", "状态", "任期开始", "任期结束"], fmt
        assert rows[0][0] == committee.name and int(rows[0][4]) == 15, (fmt, rows)
    url = reverse("reviews:committee", args=[committee.pk])
    assert 'href="?export=csv"' in client.get(url).content.decode()
    for fmt, (header, rows) in both(client, url).items():
        assert header == ["专家", "职务", "单位", "领域（第四条）"], fmt
        assert len(rows) == committee.members.count() and any(row[0].startswith("'@SUM") for row in rows), fmt
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert exported(client, url, {})[0][:2] == ["Expert", "Position"]


def test_a_notices_objections_export_without_identity_numbers_to_staff_only(client, staff, journey):
    apps = [journey.inspected(), journey.inspected()]
    notice = journey.open_notice(apps)
    objection(notice, apps[0], grounds=MALICIOUS[0])
    objection(notice, apps[1], objector_kind=Objection.ObjectorKind.ORGANISATION, name="", id_number="",
              organisation_name=MALICIOUS[1], credit_code="91110000100000000X", legal_representative="李四")
    url = notice.get_staff_url()
    client.force_login(staff)
    assert 'href="?export=xlsx"' in client.get(url).content.decode()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    for fmt, (header, rows) in both(client, url).items():
        assert header[:3] == ["异议受理号", "申报", "状态"], fmt
        cells = [str(cell) for row in rows for cell in row]
        assert len(rows) == 2 and "'" + MALICIOUS[0] in cells and "'" + MALICIOUS[1] in cells, fmt
        assert not any("11010519491231002X" in cell or "13800000000" in cell for cell in cells), fmt
    client.force_login(applicant_of(apps[0].host))
    assert client.get(url, {"export": "csv"}).status_code in (403, 404)


def test_new_list_exports_take_as_many_queries_for_many_rows_as_for_few(client, staff, journey):
    host = LocalHostFactory()
    today = timezone.localdate()
    client.force_login(applicant_of(host))

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            for fmt in ("csv", "xlsx"):
                response = client.get(url, {"export": fmt})
                b"".join(response.streaming_content) if response.streaming else load_workbook(io.BytesIO(response.content))
        return len(captured)

    def deadlines(count):
        for _i in range(count):
            open_deadline(ApplicationFactory(host=host), RETURNED_DOSSIER_FIX.code, today, [host])

    deadlines(1)
    few = queries(reverse("calendar:page"))
    deadlines(8)
    assert queries(reverse("calendar:page")) == few <= 24

    client.force_login(staff)
    apps = [journey.inspected()]
    notice = journey.open_notice(apps)
    objection(notice, apps[0])
    few = queries(notice.get_staff_url())
    for _i in range(6):
        objection(notice, apps[0])
    assert queries(notice.get_staff_url()) == few <= 24
    members = queries(reverse("reviews:committee", args=[journey.committee.pk]))
    assert members <= 24  # 15 members, every one with their organisation
