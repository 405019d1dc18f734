"""One date format (2026年10月10日 / 2026-10-10), the publicity window said the way it is counted (5 working days
from the day after publication, Art. 13 and Civil Code Art. 201), and the time left on a clock told in working
days where its rule counts working days (returned dossier, supplement, publicity), as people see the pages."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import OrganisationKind
from applications.deadlines import RETURNED_DOSSIER_FIX
from kernel.deadlines import sweep
from kernel.models import Deadline, Notification
from kernel.transitions import run_transition
from kernel.workdays import add_working_days
from reviews.models import PublicityNotice
from reviews.services import publicity_end
from tests.factories import at, complete_dossier, ministry_staff, new_journey, provincial_body, recommender_of

pytestmark = pytest.mark.django_db

NATIONAL_DAY_MONDAY = datetime.date(2026, 9, 28)  # 5 working days later is Saturday 10 October (a make-up day)
THURSDAY = datetime.date(2026, 11, 19)


@pytest.fixture
def notice():
    ends = publicity_end(NATIONAL_DAY_MONDAY, 5).date
    assert ends == datetime.date(2026, 10, 10)
    return PublicityNotice.objects.create(title="2026年拟批准建设国家质量标准实验室名单公示（第一批）",
                                          starts_on=NATIONAL_DAY_MONDAY, ends_on=ends, working_days=5,
                                          opened_by=ministry_staff(OrganisationKind.SAMR))


WINDOW_ZH = "公示期5个工作日，自发布次日起计算：2026年9月28日发布，2026年10月10日期满。"
WINDOW_EN = ("The publicity period is 5 working days, counted from the day after publication: published on "
             "2026-09-28, it ends on 2026-10-10.")


def test_public_notice_and_objection_form_say_how_the_window_is_counted_art13(client, notice):
    with at(datetime.date(2026, 9, 30)):
        for url in (reverse("public:notice", args=[notice.pk]), reverse("public:object", args=[notice.pk]),
                    reverse("public:notices")):
            assert WINDOW_ZH in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode(), url
            assert WINDOW_EN in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode(), url


def test_staff_notice_pages_and_window_preview_say_how_the_window_is_counted_art13(client, notice):
    client.force_login(notice.opened_by)
    page = client.get(reverse("reviews:notice", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert WINDOW_ZH in page
    preview = client.get(reverse("reviews:notice_window"), {"starts_on": "2026-09-28", "working_days": "5"},
                         HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert WINDOW_ZH in preview
    listing = client.get(reverse("reviews:notices"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2026年9月28日 – 2026年10月10日" in listing and "自发布次日起5个工作日" in listing


@pytest.fixture
def returned(django_capture_on_commit_callbacks, settings):
    """A dossier returned for revision on THURSDAY: 15 working days to revise it (Art. 13)."""
    settings.RETURNED_DOSSIER_FIX_WORKING_DAYS = 15
    with at(THURSDAY):
        app = complete_dossier()
        samr = recommender_of(provincial_body("provincial_samr", app.host.province))
        recommender_of(provincial_body("provincial_miit", app.host.province))
        app = run_transition(app, "submit", app.created_by)
        with django_capture_on_commit_callbacks(execute=True):
            app = run_transition(app, "return_for_revision", samr, comment="补充项目清单")
    Notification.objects.all().delete()
    mail.outbox.clear()
    return app


def test_returned_dossier_tells_the_time_left_in_working_days_art13(client, returned):
    deadline = Deadline.objects.for_object(returned).get(kind=RETURNED_DOSSIER_FIX.code)
    assert deadline.due_date == add_working_days(THURSDAY, 15).date == datetime.date(2026, 12, 10)
    with at(datetime.date(2026, 12, 4)):  # a Friday: Mon 7 - Thu 10 December remain
        client.force_login(returned.created_by)  # logged in that day: a session idle since today would have ended
        detail = client.get(returned.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "2026年12月10日" in detail and "剩余4个工作日" in detail and "2026-12-10" not in detail
        calendar = client.get(reverse("calendar:page"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "2026-12-10" in calendar and "4 working days left" in calendar and "6 days left" not in calendar


def test_reminder_cites_the_article_and_counts_working_days_in_chinese_art13(returned):
    due = Deadline.objects.for_object(returned).get(kind=RETURNED_DOSSIER_FIX.code).due_date
    assert sweep(as_of=due - datetime.timedelta(days=5)).reminders == 1  # Saturday 5 December
    message = Notification.objects.get(recipient=returned.created_by)
    assert message.subject.endswith("2026年12月10日到期（第十三条）")
    assert "剩余4个工作日" in message.body


def test_the_pages_that_return_a_dossier_say_how_many_working_days_the_applicant_has_art13(client, settings):
    settings.RETURNED_DOSSIER_FIX_WORKING_DAYS, settings.SUPPLEMENT_FIX_WORKING_DAYS = 15, 10
    journey = new_journey()
    recommended = journey.recommended()
    client.force_login(journey.staff)
    page = client.get(reverse("reviews:formal_review", args=[recommended.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "申报单位须自要求发出次日起10个工作日内补充" in page.content.decode()

    app = complete_dossier()
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    recommender_of(provincial_body("provincial_miit", app.host.province))
    run_transition(app, "submit", app.created_by)
    client.force_login(samr)
    page = client.get(reverse("applications:review", args=[app.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "resubmitted within 15 working days, counted from the day after it is returned" in page.content.decode()
