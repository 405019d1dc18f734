"""The working-day calendar does not expire (issue 13): one year's State Council holiday schedule
(国务院办公厅关于部分节假日安排的通知) is read from a documented text format, checked strictly with every error
reported by its line number, and loaded atomically by command or in the admin; the staff home page warns from
1 November while next year's schedule is missing; and a count in working days that reaches a year not loaded is
flagged wherever it is shown (“counted Monday to Friday”)."""

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OrganisationKind, Role
from kernel import holiday_schedule
from kernel.holiday_schedule import ScheduleInvalid, decode, example_text, load_text, parse
from kernel.models import CalendarDay, CalendarYear
from kernel.transitions import run_transition
from kernel.workdays import add_working_days, missing_schedules, weekday_count_note
from reviews.models import PublicityNotice
from tests.factories import UserFactory, at, complete_dossier, ministry_staff, on, provincial_body, recommender_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SCHEDULE_2027 = """# 2027 国务院办公厅部分节假日安排（测试用）
year 2027
holiday 2027-01-01..2027-01-03 元旦
holiday 2027-02-06..2027-02-13 春节
workday 2027-02-20 春节补班
holiday 2027-10-01..2027-10-07 国庆节
workday 2027-10-09 国庆节补班
"""
FLAG_2027 = "counted Monday to Friday: the 2027 holiday schedule is not loaded"


@pytest.fixture
def without_2027():
    """The bundled data ends in 2026: make sure 2027 and after are not loaded, whatever chinesecalendar knows."""
    CalendarYear.objects.filter(year__gte=2027).delete()
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    assert CalendarYear.objects.filter(year=2026).exists()


def errors_of(text):
    with pytest.raises(ScheduleInvalid) as caught:
        parse(text)
    return [(e.line, e.message) for e in caught.value.errors]


# --- the format ---------------------------------------------------------------------------------------------


def test_a_schedule_names_the_weekdays_off_and_the_make_up_working_days():
    schedule = parse(SCHEDULE_2027)
    days = schedule.exceptions()
    assert schedule.year == 2027
    assert days[datetime.date(2027, 2, 8)] == (False, "春节")  # a Monday of the Spring Festival
    assert days[datetime.date(2027, 2, 20)] == (True, "春节补班")  # a Saturday at work
    assert datetime.date(2027, 2, 6) not in days  # a Saturday off anyway: no exception to Monday-Friday
    assert datetime.date(2027, 1, 1) in days and datetime.date(2027, 1, 2) not in days
    assert schedule.governed == (datetime.date(2026, 12, 25), datetime.date(2027, 12, 31))


def test_the_example_file_shipped_with_the_portal_is_a_valid_schedule():
    assert parse(example_text()).year == 2027


def test_schedule_with_a_date_outside_its_year_is_refused_with_line_number():
    errors = errors_of("year 2027\nholiday 2027-01-01 元旦\n\nholiday 2028-01-01 元旦\nworkday 2026-06-06 补班\n")
    assert [line for line, _ in errors] == [4, 5]
    assert "2028-01-01 is outside 2027" in errors[0][1] and "2026-06-06 is outside 2027" in errors[1][1]


def test_the_new_year_holiday_may_begin_in_the_last_week_of_december_before():
    schedule = parse("year 2023\nholiday 2022-12-31..2023-01-02 元旦\n")  # as in the 2023 notice
    assert schedule.exceptions() == {datetime.date(2023, 1, 2): (False, "元旦")}
    assert errors_of("year 2023\nholiday 2022-12-20..2022-12-21 元旦\n")[0][0] == 2


def test_every_error_of_a_schedule_is_reported_with_its_line_number():
    errors = errors_of(
        "year 2027\n"
        "holliday 2027-01-01 元旦\n"  # 2 unknown keyword
        "holiday 2027-02-30 春节\n"  # 3 not a date of the calendar
        "holiday 2027/04/05 清明节\n"  # 4 not YYYY-MM-DD
        "holiday 2027-05-05..2027-05-01 劳动节\n"  # 5 reversed
        "holiday 2027-06-09\n"  # 6 no name
        "holiday 2027-09-01..2027-09-30 中秋节\n"  # 7 a month off
        "workday 2027-10-08 国庆节补班\n"  # 8 a Friday
        "workday 2027-10-09..2027-10-10 补班\n"  # 9 a period
    )
    assert [line for line, _ in errors] == [2, 3, 4, 5, 6, 7, 8, 9]
    messages = dict(errors)
    assert "holliday" in messages[2] and "2027-02-30" in messages[3] and "YYYY-MM-DD" in messages[4]
    assert "ends before it begins" in messages[5] and "no name" in messages[6]
    assert "more than 14 days" in messages[7] and "weekday" in messages[8]
    assert str(ScheduleInvalid([holiday_schedule.ScheduleError(8, "x")]).errors[0]) == "line 8: x"


def test_a_make_up_working_day_inside_a_holiday_period_is_refused():
    errors = errors_of("year 2027\nholiday 2027-10-01..2027-10-07 国庆节\nworkday 2027-10-02 国庆节补班\n")
    assert errors == [(3, "2027-10-02 is already named on line 2.")]
    errors = errors_of("year 2027\nworkday 2027-10-02 补班\nholiday 2027-10-01..2027-10-07 国庆节\n")
    assert [line for line, _ in errors] == [2]  # whichever comes first, the overlap is refused
    assert errors_of("year 2027\nholiday 2027-10-01..2027-10-07 国庆节\nholiday 2027-10-07 中秋节\n")[0][0] == 3


def test_a_schedule_has_exactly_one_year_and_at_least_one_holiday():
    assert errors_of("year 2027\nholiday 2027-01-01 元旦\nyear 2028\n") == [
        (3, "A second “year” line (the first is line 1): a file holds one year's schedule.")]
    assert errors_of("holiday 2027-01-01 元旦\n") == [(0, "The schedule has no “year” line.")]
    assert errors_of("# only a comment\nyear 2027\n") == [(0, "The schedule lists no holiday.")]
    assert errors_of("year 27\n")[0][0] == 1
    assert errors_of("") == [(0, "The schedule has no “year” line.")]


def test_a_schedule_file_is_utf8_text():
    assert decode("\ufeffyear 2027".encode()) == "year 2027"  # a byte-order mark is allowed
    with pytest.raises(ScheduleInvalid, match="not UTF-8"):
        decode("year 2027 元旦".encode("gb18030"))


# --- loading ------------------------------------------------------------------------------------------------


def test_loading_replaces_the_years_exceptions_and_marks_the_year_loaded(without_2027):
    staff = UserFactory(role=Role.ADMINISTRATOR)
    CalendarDay.objects.create(date=datetime.date(2027, 3, 1), is_working_day=False, name="stale")
    in_2026 = CalendarDay.objects.filter(date__year=2026, date__lt=datetime.date(2026, 12, 25))
    before_2026 = set(in_2026.values_list("date", "is_working_day"))
    loaded = load_text(SCHEDULE_2027, by=staff)
    assert (loaded.year, loaded.replaced) == (2027, False)
    assert not CalendarDay.objects.filter(date=datetime.date(2027, 3, 1)).exists()
    assert CalendarDay.objects.get(date=datetime.date(2027, 10, 9)).is_working_day
    assert set(in_2026.values_list("date", "is_working_day")) == before_2026
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, year.loaded_by, year.schedule) == ("schedule", staff, SCHEDULE_2027) and year.loaded_at
    # National Day 2027 is now counted: 29, 30 September, Friday 8, Saturday 9 (at work) and Monday 11 October
    result = add_working_days(datetime.date(2027, 9, 28), 5)
    assert result == type(result)(datetime.date(2027, 10, 11), ())
    assert load_text(SCHEDULE_2027.replace("workday 2027-10-09 国庆节补班\n", "")).replaced
    assert not CalendarDay.objects.filter(date=datetime.date(2027, 10, 9)).exists()


def test_a_schedule_with_an_error_saves_nothing(without_2027):
    CalendarDay.objects.create(date=datetime.date(2027, 3, 1), is_working_day=False, name="kept")
    with pytest.raises(ScheduleInvalid):
        load_text(SCHEDULE_2027 + "workday 2027-10-08 补班\n")
    assert CalendarDay.objects.filter(date__year=2027).count() == 1
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_failure_while_saving_undoes_the_whole_load(without_2027, monkeypatch):
    CalendarDay.objects.create(date=datetime.date(2027, 3, 1), is_working_day=False, name="kept")

    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(CalendarYear.objects, "update_or_create", fail)
    with pytest.raises(RuntimeError):
        load_text(SCHEDULE_2027)
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("name", flat=True)) == ["kept"]


def test_load_calendar_command_loads_a_schedule_file(without_2027, tmp_path):
    staff = UserFactory(role=Role.ADMINISTRATOR, username="calendar_admin")
    path = tmp_path / "2027.txt"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    out = StringIO()
    call_command("load_calendar", "--schedule", str(path), "--by", "calendar_admin", stdout=out)
    assert "2027 loaded: 11 weekdays off, 2 make-up working days" in out.getvalue()
    assert CalendarYear.objects.get(year=2027).loaded_by == staff


def test_load_calendar_command_reports_every_error_with_its_line_and_saves_nothing(without_2027, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text("year 2027\nholiday 2027-01-01 元旦\nworkday 2027-01-04 补班\nholiday 2028-01-01 元旦\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("load_calendar", "--schedule", str(path), stderr=err)
    assert "line 3:" in err.getvalue() and "line 4:" in err.getvalue()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_load_calendar_command_still_loads_chinesecalendar():
    out = StringIO()
    call_command("load_calendar", stdout=out)
    assert "exceptions for" in out.getvalue() and CalendarYear.objects.filter(year=2026, source="chinesecalendar").exists()


# --- the admin ----------------------------------------------------------------------------------------------

LOAD = reverse("admin:labportal_calendaryear_load")


@pytest.fixture
def admin_client(client_en):
    user = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client_en.force_login(user)
    client_en.user = user
    return client_en


def upload(text, name="2027.txt"):
    return {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")}


def test_admin_loads_a_schedule_from_an_uploaded_file(admin_client, without_2027):
    changelist = admin_client.get(reverse("admin:labportal_calendaryear_changelist")).content.decode()
    assert LOAD in changelist
    page = admin_client.get(LOAD).content.decode()
    assert "year 2027" in page and 'type="file"' in page
    response = admin_client.post(LOAD, upload(SCHEDULE_2027), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:labportal_calendaryear_changelist")
    assert "The 2027 holiday schedule is loaded: 11 weekdays off, 2 make-up working days." in response.content.decode()
    assert CalendarYear.objects.get(year=2027).loaded_by == admin_client.user


def test_admin_upload_lists_every_error_with_its_line_number_and_saves_nothing(admin_client, without_2027):
    response = admin_client.post(LOAD, upload("year 2027\nholiday 2027-01-01 元旦\nworkday 2027-01-04 补班\nfoo\n"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "line 3: 2027-01-04 is a weekday" in page and "line 4: Unknown keyword “foo”" in page
    assert "The schedule was not loaded" in page
    assert not CalendarYear.objects.filter(year=2027).exists()
    page = admin_client.post(LOAD, {"file": SimpleUploadedFile("x.txt", "year 2027 元旦".encode("gb18030"))}).content.decode()
    assert "The file is not UTF-8 text." in page


def test_admin_load_page_needs_the_permission_to_add_calendar_years(client, without_2027):
    staff = UserFactory(role=Role.ADMINISTRATOR, is_staff=True)  # admin access, no model permission
    client.force_login(staff)
    assert client.get(LOAD).status_code == 403
    assert client.post(LOAD, upload(SCHEDULE_2027)).status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- the staff home page's warning --------------------------------------------------------------------------

HOME = "/"


def test_missing_schedules_from_november_and_for_a_year_not_loaded():
    loaded = {2026}
    assert missing_schedules(datetime.date(2026, 10, 31), loaded) == []
    assert missing_schedules(datetime.date(2026, 11, 1), loaded) == [2027]
    assert missing_schedules(datetime.date(2026, 12, 31), loaded | {2027}) == []
    assert missing_schedules(datetime.date(2027, 1, 4), loaded) == [2027]
    assert missing_schedules(datetime.date(2027, 11, 1), loaded) == [2027, 2028]


def home(client, user):
    client.force_login(user)
    return client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_staff_home_has_no_warning_on_31_october(client, without_2027):
    with on(2026, 10, 31):
        assert 'data-testid="missing-schedule"' not in home(client, ministry_staff())


def test_staff_home_warns_from_november_while_next_year_missing(client, without_2027):
    admin = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    with on(2026, 11, 1):
        page = home(client, ministry_staff(OrganisationKind.MIIT))
        assert 'data-testid="missing-schedule"' in page and "The 2027 public holiday schedule is not loaded." in page
        assert LOAD not in page and "The portal's administrator loads it" in page  # no admin access: who loads it
        page = home(client, admin)
        assert "The 2027 public holiday schedule is not loaded." in page and f'href="{LOAD}"' in page
        applicant = UserFactory(role=Role.APPLICANT)
        assert 'data-testid="missing-schedule"' not in home(client, applicant)


def test_staff_home_warning_is_gone_once_next_year_is_loaded(client, without_2027):
    load_text(SCHEDULE_2027)
    with on(2026, 11, 20):
        assert 'data-testid="missing-schedule"' not in home(client, ministry_staff())


def test_staff_home_warns_in_january_of_a_year_not_loaded(client, without_2027):
    with on(2027, 1, 4):
        page = home(client, ministry_staff())
    assert "The 2027 public holiday schedule is not loaded." in page


# --- counts beyond the loaded years are flagged -------------------------------------------------------------


def test_the_flag_names_the_years_counted_monday_to_friday():
    assert weekday_count_note(datetime.date(2026, 12, 28), datetime.date(2027, 1, 5), {2026}) == FLAG_2027
    assert weekday_count_note(datetime.date(2026, 12, 1), datetime.date(2026, 12, 20), {2026}) == ""
    assert "2027, 2028 holiday schedules are not loaded" in weekday_count_note(
        datetime.date(2026, 12, 1), datetime.date(2028, 1, 3), {2026})


@pytest.fixture
def year_end_notice(without_2027):
    """A publicity notice published on Monday 28 December 2026: its 5 working days run into 2027."""
    ends = add_working_days(datetime.date(2026, 12, 28), 5)
    assert ends.uncovered_years == (2027,)
    return PublicityNotice.objects.create(title="2026年拟批准建设国家质量标准实验室名单公示（第二批）",
                                          starts_on=datetime.date(2026, 12, 28), ends_on=ends.date, working_days=5,
                                          opened_by=ministry_staff())


def test_a_publicity_window_counted_into_a_year_not_loaded_is_flagged_on_its_pages(client, year_end_notice):
    with on(2026, 12, 29):
        public = client.get(reverse("public:notice", args=[year_end_notice.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert FLAG_2027 in public and 'data-testid="calendar-flag"' in public
        client.force_login(year_end_notice.opened_by)
        staff = client.get(reverse("reviews:notice", args=[year_end_notice.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert FLAG_2027 in staff
        preview = client.get(reverse("reviews:notice_window"), {"starts_on": "2026-12-28", "working_days": "5"},
                             HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert FLAG_2027 in preview
        load_text(SCHEDULE_2027)
        public = client.get(reverse("public:notice", args=[year_end_notice.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert FLAG_2027 not in public and 'data-testid="calendar-flag"' not in public


def test_a_window_inside_loaded_years_is_not_flagged(client):
    notice = PublicityNotice.objects.create(title="公示", starts_on=datetime.date(2026, 6, 1), ends_on=datetime.date(2026, 6, 8),
                                            working_days=5, opened_by=ministry_staff())
    page = client.get(reverse("public:notice", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="calendar-flag"' not in page


def test_the_loaded_years_are_read_once_per_page_however_many_flags(client, year_end_notice):
    for n in range(3):
        PublicityNotice.objects.create(title=f"公示{n}", starts_on=datetime.date(2026, 12, 30), ends_on=datetime.date(2027, 1, 7),
                                       working_days=5, opened_by=year_end_notice.opened_by)
    client.force_login(year_end_notice.opened_by)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("reviews:notices"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count(FLAG_2027) == 4
    assert sum('"labportal_calendaryear"' in q["sql"] for q in queries.captured_queries) == 1


def test_working_days_left_counted_into_a_year_not_loaded_are_flagged_on_the_dossier_and_calendar(
        client, without_2027, settings, django_capture_on_commit_callbacks):
    """A dossier returned on 17 December 2026 with 15 working days to revise it: the count runs into 2027."""
    settings.RETURNED_DOSSIER_FIX_WORKING_DAYS = 15
    with at(datetime.date(2026, 12, 17)):
        app = complete_dossier()
        samr = recommender_of(provincial_body("provincial_samr", app.host.province))
        recommender_of(provincial_body("provincial_miit", app.host.province))
        app = run_transition(app, "submit", app.created_by)
        with django_capture_on_commit_callbacks(execute=True):
            app = run_transition(app, "return_for_revision", samr, comment="补充项目清单")
    with on(2026, 12, 21):
        client.force_login(app.created_by)
        detail = client.get(app.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "working days left" in detail and FLAG_2027 in detail
        calendar = client.get(reverse("calendar:page"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert FLAG_2027 in calendar
        load_text(SCHEDULE_2027)
        detail = client.get(app.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "working days left" in detail and FLAG_2027 not in detail
