"""Dates hold (issue 14, item 3): a notice is public, and moves its applications, only from its first day (Art. 13);
an annual report is filed only for a year that has begun, and once (Art. 18, 26); a date a person types lies in a
range the portal can mean, and a date outside it is refused naming the field."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applications.models import Status
from evaluations import services as lab_services
from evaluations.deadlines import ANNUAL_CONSTRUCTION_REPORT
from evaluations.models import AnnualReport, LabStatus
from kernel.deadlines import sweep
from kernel.models import AuditEntry, Deadline, Notification
from kernel.rules import RuleViolation
from kernel.validators import sane_date
from reviews import services
from reviews.deadlines import PUBLICITY_START, PUBLICITY_WINDOW
from reviews.models import NoticeStatus, PublicityNotice
from tests.factories import BEIJING, applicant_of, client_for, on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MONDAY = datetime.date(2026, 11, 2)  # no holiday around
NEXT_MONDAY = datetime.date(2026, 11, 9)


def api_en(user=None):
    """A DRF client reading answers in English."""
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def open_deadline_of(obj, kind):
    return Deadline.objects.for_object(obj).open().filter(kind=kind.code).first()


# --- a notice dated ahead (Art. 13) --------------------------------------------------------------------


def test_notice_dated_ahead_is_not_public_until_its_start_art13(journey, client_en, django_capture_on_commit_callbacks):
    client = client_en
    with on(2026, 11, 2):
        app = journey.inspected()
        with django_capture_on_commit_callbacks(execute=True):
            notice = journey.open_notice([app], starts_on=NEXT_MONDAY, working_days=5)
        app.refresh_from_db()
        assert notice.status == NoticeStatus.SCHEDULED and app.status == Status.INSPECTED
        # the window is counted from the day of publication, not from the day it was scheduled
        assert notice.ends_on == services.publicity_end(NEXT_MONDAY, 5).date == datetime.date(2026, 11, 16)
        assert open_deadline_of(notice, PUBLICITY_START).due_date == NEXT_MONDAY
        assert open_deadline_of(notice, PUBLICITY_WINDOW) is None
        assert not PublicityNotice.objects.public().exists()
        assert list(client.get(reverse("public:notices")).context["notices"]) == []
        assert client.get(notice.get_absolute_url()).status_code == 404
        assert client_for().get(f"/api/public/notices/{notice.pk}/").status_code == 404
        assert not is_public(app)
        # the host hears when it will be published; staff see it with its date
        told = Notification.objects.filter(recipient__organisation=app.host)
        assert told.exists() and all("2026年11月9日" in n.subject for n in told)  # in the portal's language
        staff_page = client_for(journey.staff).get(f"/api/notices/{notice.pk}/").data
        assert (staff_page["status"], staff_page["starts_on"]) == ("scheduled", "2026-11-09")

    sweep(as_of=datetime.date(2026, 11, 8))  # the day before: nothing happens
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SCHEDULED

    # 00:30 on its first day in Beijing is still 8 November in UTC: the day is the Asia/Shanghai one
    with on(2026, 11, 9, hour=0):
        assert timezone.now().astimezone(datetime.UTC).date() == datetime.date(2026, 11, 8)
        result = sweep()
        assert result.fired == 1
        notice.refresh_from_db()
        app.refresh_from_db()
        assert notice.status == NoticeStatus.OPEN and app.status == Status.PUBLICITY
        assert notice.accepts_objections()
        assert client.get(notice.get_absolute_url()).status_code == 200
    assert Deadline.objects.for_object(notice).get(kind=PUBLICITY_START.code).state == Deadline.State.MET
    assert open_deadline_of(notice, PUBLICITY_WINDOW).due_date == datetime.date(2026, 11, 17)
    published = AuditEntry.objects.for_object(app).get(transition="put_under_publicity")
    assert published.actor is None and timezone.localtime(published.at).date() == NEXT_MONDAY
    assert sweep(as_of=datetime.date(2026, 11, 10)).fired == 0  # published once


def is_public(app):
    return type(app).objects.public().filter(pk=app.pk).exists()


def test_back_dated_notice_refused_art13(journey, client_en):
    client = client_en
    with on(2026, 11, 10):
        app = journey.inspected()
        with pytest.raises(RuleViolation) as refused:
            services.open_notice("公示", [app], journey.staff, starts_on=datetime.date(2026, 11, 9))
        assert (refused.value.field, refused.value.article) == ("starts_on", "Art. 13")
        assert "Day of publication" in refused.value.rule_message
        app.refresh_from_db()
        assert app.status == Status.INSPECTED and not PublicityNotice.objects.exists()

        api = api_en(journey.staff).post("/api/notices/", {"title": "公示", "applications": [app.pk],
                                                               "starts_on": "2026-10-01"}, format="json")
        assert api.status_code == 400 and api.data["article"] == "Art. 13" and "starts_on" in api.data["errors"]

        client.force_login(journey.staff)
        page = client.post(reverse("reviews:notice_create"), {"title": "公示", "starts_on": "2026-11-09",
                                                              "working_days": "5", "applications": [app.pk]})
        assert page.status_code == 200
        errors = " ".join(page.context["form"].errors["starts_on"])
        assert "Day of publication" in errors and "Art. 13" in errors
        assert not PublicityNotice.objects.exists()


def test_notice_starting_today_is_published_at_once_art13(journey):
    with on(2026, 11, 2, hour=23):
        app = journey.inspected()
        notice = journey.open_notice([app], starts_on=MONDAY)
    app.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN and app.status == Status.PUBLICITY
    assert open_deadline_of(notice, PUBLICITY_START) is None


def test_scheduled_notice_holds_its_applications_until_cancelled_art13(journey, client_en):
    client = client_en
    with on(2026, 11, 2):
        app, other = journey.inspected_together(2)
        notice = journey.open_notice([app], starts_on=NEXT_MONDAY)
        with pytest.raises(RuleViolation) as held:
            services.open_notice("另一公示", [app, other], journey.staff)
        assert held.value.field == "applications" and notice.title in held.value.rule_message
        client.force_login(journey.staff)
        offered = client.get(reverse("reviews:notice_create")).context["form"].fields["applications"].queryset
        assert list(offered) == [other]
        # staff see the notice with its day and may cancel it (with a reason); the sweep alone publishes it
        page = client.get(notice.get_staff_url()).content.decode()
        assert 'data-testid="scheduled"' in page and "2026-11-09" in page
        api = api_en(journey.staff)
        assert api.post(f"/api/notices/{notice.pk}/transitions/publish/", {}, format="json").status_code == 409
        no_reason = api.post(f"/api/notices/{notice.pk}/transitions/cancel/", {}, format="json")
        assert no_reason.status_code == 400
        assert api.post(f"/api/notices/{notice.pk}/transitions/cancel/", {"comment": "名单调整"},
                        format="json").status_code == 200
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.CANCELLED
        assert Deadline.objects.for_object(notice).get(kind=PUBLICITY_START.code).state == Deadline.State.CANCELLED
        again = services.open_notice("重新公示", [app], journey.staff)
    app.refresh_from_db()
    assert again.status == NoticeStatus.OPEN and app.status == Status.PUBLICITY
    sweep(as_of=NEXT_MONDAY)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CANCELLED  # a cancelled notice is never published


def test_acceptance_notice_dated_ahead_moves_the_lab_on_its_first_day_art19(journey):
    with on(2026, 11, 2):
        lab = journey.confirm_acceptance(journey.acceptance_verdict(journey.apply_for_acceptance(
            journey.approved(months_ago=24)), "pass"))
        notice = journey.acceptance_notice(lab, starts_on=NEXT_MONDAY)
        lab.refresh_from_db()
        assert notice.status == NoticeStatus.SCHEDULED and lab.status == LabStatus.ACCEPTANCE_CONFIRMATION
    with on(2026, 11, 9, hour=1):
        sweep()
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_PUBLICITY


# --- annual reports: a year that has begun, filed once (Art. 18, 26) -----------------------------------


REPORT = {"summary": "本年度完成检测平台建设与人员招聘。"}


def test_annual_report_for_a_future_year_refused(journey):
    with on(2025, 1, 10):
        lab = journey.approved()  # year 1: 2025-01-10 to 2026-01-10; year 2 to 2027-01-10
    host = journey.host_user(lab)
    with on(2025, 3, 1):
        first = lab_services.submit_annual_report(lab, host, AnnualReport.Kind.CONSTRUCTION, REPORT)
        assert (first.period, first.due_on) == (1, datetime.date(2026, 1, 10))
        with pytest.raises(RuleViolation) as ahead:  # the report of 2026: its year has not begun
            lab_services.submit_annual_report(lab, host, AnnualReport.Kind.CONSTRUCTION, REPORT)
        assert (ahead.value.field, ahead.value.article) == ("kind", "Art. 18")
        assert "2026-01-10" in ahead.value.rule_message
        assert lab_services.reports_due(lab) == {} and lab_services.reports_due_for(host) == []
        assert client_for(host).get(f"/api/laboratories/{lab.pk}/").data["reports_due"] == []
    assert lab.annual_reports.count() == 1
    with on(2026, 1, 10):  # year 2 has begun
        second = lab_services.submit_annual_report(lab, host, AnnualReport.Kind.CONSTRUCTION, REPORT)
    assert (second.period, second.due_on) == (2, datetime.date(2027, 1, 10))


def test_double_submit_files_one_report(journey, client_en):
    """Due Saturday 2026-01-10, filed on Monday 12 (the period runs to the next working day, Civil Code Art. 203):
    year 2 has begun, so only the year the page showed keeps a second click from filing it."""
    client = client_en
    with on(2025, 1, 10):
        lab = journey.approved()
    host = journey.host_user(lab)
    client.force_login(host)
    url = reverse("labs:file_report", args=[lab.pk])
    with on(2026, 1, 12):
        page = client.get(url)
        periods = page.context["form"]["periods"].value()
        assert periods == "construction:1"
        post = {"kind": "construction", "periods": periods, "summary": "年度进展", "outputs-TOTAL_FORMS": "0",
                "outputs-INITIAL_FORMS": "0"}
        first = client.post(url, post)
        second = client.post(url, post)
        assert first.status_code == second.status_code == 302
        assert [(r.period, r.due_on) for r in lab.annual_reports.all()] == [(1, datetime.date(2026, 1, 10))]
        assert any("already filed" in str(m) for m in second.wsgi_request._messages)
        # the same through the API with the year it files: 409, never a second row nor a 500
        api = api_en(host).post(f"/api/laboratories/{lab.pk}/annual-reports/",
                                    {"kind": "construction", "period": 1, "summary": "年度进展"}, format="json")
        assert api.status_code == 409 and "already filed" in api.data["detail"]
    assert lab.annual_reports.count() == 1
    assert open_deadline_of(lab, ANNUAL_CONSTRUCTION_REPORT).due_date == datetime.date(2027, 1, 10)


# --- dates in range, the field named ------------------------------------------------------------------


def test_date_9999_refused_with_the_field_named(journey, client_en):
    client = client_en
    app = journey.inspected()
    staff_api = api_en(journey.staff)
    far = staff_api.post("/api/notices/", {"title": "公示", "applications": [app.pk], "starts_on": "9999-12-31"},
                         format="json")
    assert far.status_code == 400
    assert "Day of publication" in " ".join(far.data["errors"]["starts_on"]) and "9999" in str(far.data)
    client.force_login(journey.staff)
    page = client.post(reverse("reviews:notice_create"), {"title": "公示", "starts_on": "9999-12-31",
                                                          "working_days": "5", "applications": [app.pk]})
    assert "Day of publication" in " ".join(page.context["form"].errors["starts_on"])
    assert not PublicityNotice.objects.exists()

    at_inspection = journey.at_site_inspection()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    visit = staff_api.post("/api/inspections/", {"application": at_inspection.pk, "team": "王五", "visited_on": tomorrow,
                                                 "findings": "条件具备", "verdict": "pass"}, format="multipart")
    assert visit.status_code == 400 and "date of visit" in " ".join(visit.data["errors"]["visited_on"]).lower()

    draft = journey.cast.dossier()
    dossier = api_en(applicant_of(draft.host)).patch(f"/api/applications/{draft.pk}/",
                                                         {"provincial_lab_established": "9999-12-31"}, format="json")
    assert dossier.status_code == 400
    assert "in operation since" in " ".join(dossier.data["errors"]["provincial_lab_established"])


def test_sane_date_range_comes_from_the_settings(settings):
    settings.DATE_EARLIEST, settings.DATE_LATEST_YEARS = datetime.date(2000, 1, 1), 30
    check = sane_date("term start")
    with on(2026, 12, 3):
        check(datetime.date(2000, 1, 1))
        check(datetime.date(2056, 12, 3))
        for wrong in (datetime.date(1999, 12, 31), datetime.date(2056, 12, 4), datetime.date(9999, 12, 31)):
            with pytest.raises(ValidationError) as refused:
                check(wrong)
            assert refused.value.message % refused.value.params == (
                f"Term start: {wrong.isoformat()} is outside the dates accepted here (2000-01-01 to 2056-12-03).")
        sane_date("date of visit", latest="today")(datetime.date(2026, 12, 3))
        with pytest.raises(ValidationError):
            sane_date("date of visit", latest="today")(datetime.datetime(2026, 12, 4, 1, tzinfo=BEIJING))
