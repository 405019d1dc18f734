"""The deadline engine: working days, reminders once per person and offset, lapses applied once."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import DimensionVerdict, ReviewDimension
from applications.deadlines import RETURNED_DOSSIER_FIX
from kernel.deadlines import DeadlineKind, open_deadline, registry, sweep
from kernel.models import CalendarDay, Deadline, Notification, ReminderSent
from kernel.notifications import send_digests
from kernel.transitions import run_transition
from kernel.workdays import add_working_days
from tests.factories import (
    ApplicationFactory,
    LocalHostFactory,
    applicant_of,
    complete_dossier,
    ministry,
    ministry_staff,
    provincial_body,
    recommender_of,
)

pytestmark = pytest.mark.django_db
ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS} for code in ReviewDimension.values}


def test_spring_festival_2026_holidays_skipped_and_makeup_saturday_counted():
    # 2026: Feb 15-23 off; Saturday Feb 14 and Saturday Feb 28 are make-up working days.
    assert add_working_days(datetime.date(2026, 2, 12), 1).date == datetime.date(2026, 2, 13)
    assert add_working_days(datetime.date(2026, 2, 13), 1).date == datetime.date(2026, 2, 14)
    assert add_working_days(datetime.date(2026, 2, 14), 1).date == datetime.date(2026, 2, 24)
    assert add_working_days(datetime.date(2026, 2, 26), 2).date == datetime.date(2026, 2, 28)


def test_national_day_2026_five_working_days_from_september_28():
    # Sep 29, Sep 30, (Oct 1-7 off), Oct 8, Oct 9, Saturday Oct 10 (make-up day).
    result = add_working_days(datetime.date(2026, 9, 28), 5)
    assert result.date == datetime.date(2026, 10, 10)
    assert result.uncovered_years == ()


def test_year_without_holiday_data_falls_back_to_monday_friday_with_warning(caplog):
    result = add_working_days(datetime.date(2027, 9, 28), 5)  # National Day 2027 not announced yet
    assert result.date == datetime.date(2027, 10, 5)
    assert result.uncovered_years == (2027,)
    assert "2027" in caplog.text


def test_admin_added_holiday_is_respected():
    CalendarDay.objects.create(date=datetime.date(2027, 1, 5), is_working_day=False, name="test")
    assert add_working_days(datetime.date(2027, 1, 4), 1).date == datetime.date(2027, 1, 6)


@pytest.fixture
def returned_application(django_capture_on_commit_callbacks, settings):
    settings.RETURNED_DOSSIER_FIX_WORKING_DAYS = 15
    app = complete_dossier()
    applicant = app.created_by  # the host's only applicant user
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    recommender_of(provincial_body("provincial_miit", app.host.province))
    app = run_transition(app, "submit", applicant)
    with django_capture_on_commit_callbacks(execute=True):
        app = run_transition(app, "return_for_revision", samr, comment="补充项目清单")
    Notification.objects.all().delete()
    mail.outbox.clear()
    return app, applicant, samr


def test_returning_a_dossier_starts_the_fix_window_in_working_days_art13(returned_application):
    app, applicant, _ = returned_application
    deadline = Deadline.objects.for_object(app).get()
    assert deadline.kind == RETURNED_DOSSIER_FIX.code and deadline.state == Deadline.State.OPEN
    assert deadline.article == "Art. 13"
    assert deadline.due_date == add_working_days(timezone.localtime(deadline.created_at).date(), 15).date
    assert list(deadline.organisations.all()) == [app.host]


def test_resubmission_meets_the_fix_window(returned_application):
    app, applicant, _ = returned_application
    run_transition(app, "submit", applicant)
    assert Deadline.objects.for_object(app).get().state == Deadline.State.MET
    assert sweep(as_of=datetime.date(2099, 1, 1)).missed == 0


def test_each_reminder_offset_sent_once_to_the_applicant_only(returned_application, django_capture_on_commit_callbacks):
    app, applicant, samr = returned_application
    due = Deadline.objects.for_object(app).get().due_date
    with django_capture_on_commit_callbacks(execute=True):  # e-mail leaves once the batch is committed
        assert sweep(as_of=due - datetime.timedelta(days=6)).reminders == 0
        assert sweep(as_of=due - datetime.timedelta(days=5)).reminders == 1
        assert sweep(as_of=due - datetime.timedelta(days=5)).reminders == 0  # running twice sends nothing twice
        assert sweep(as_of=due - datetime.timedelta(days=1)).reminders == 1
        assert sweep(as_of=due).reminders == 0
    assert set(Notification.objects.values_list("recipient", flat=True)) == {applicant.pk}
    assert sorted(ReminderSent.objects.values_list("days_before", flat=True)) == [1, 5]
    assert len(mail.outbox) == 2


def test_late_first_sweep_sends_only_the_nearest_reminder(returned_application):
    app, applicant, _ = returned_application
    due = Deadline.objects.for_object(app).get().due_date
    assert sweep(as_of=due - datetime.timedelta(days=1)).reminders == 1
    assert ReminderSent.objects.count() == 2
    assert Notification.objects.count() == 1


def test_lapse_recorded_once_and_notified(returned_application, django_capture_on_commit_callbacks):
    app, applicant, _ = returned_application
    due = Deadline.objects.for_object(app).get().due_date
    assert sweep(as_of=due).missed == 0  # due today is not missed yet
    before = Notification.objects.filter(recipient=applicant).count()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(as_of=due + datetime.timedelta(days=1)).missed == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(as_of=due + datetime.timedelta(days=2)).missed == 0
    assert Deadline.objects.for_object(app).get().state == Deadline.State.MISSED
    assert Notification.objects.filter(recipient=applicant).count() == before + 1


def test_consequence_applies_exactly_once(django_capture_on_commit_callbacks):
    calls = []
    kind = DeadlineKind(code="test.consequence", label="test", article="Art. 18", reminder_days=(),
                        on_missed=lambda deadline, subject: calls.append(subject.pk))
    registry[kind.code] = kind
    try:
        app = complete_dossier()
        open_deadline(app, kind.code, datetime.date(2026, 1, 6), [app.host])  # a Tuesday
        with django_capture_on_commit_callbacks(execute=True):
            sweep(as_of=datetime.date(2026, 1, 7))
            sweep(as_of=datetime.date(2026, 1, 8))
        assert calls == [app.pk]
    finally:
        registry.pop(kind.code)


def test_sweep_command_moves_through_time(returned_application, capsys):
    app, applicant, _ = returned_application
    due = Deadline.objects.for_object(app).get().due_date
    call_command("sweep_deadlines", "--as-of", (due + datetime.timedelta(days=1)).isoformat())
    assert "missed=1" in capsys.readouterr().out


def test_withdrawal_cancels_the_fix_window(returned_application):
    app, applicant, _ = returned_application
    run_transition(app, "withdraw", applicant)
    assert Deadline.objects.for_object(app).get().state == Deadline.State.CANCELLED


def test_daily_digest_bundles_messages_for_digest_users(returned_application):
    app, applicant, _ = returned_application
    applicant.notification_preference = "daily_digest"
    applicant.save()
    due = Deadline.objects.for_object(app).get().due_date
    sweep(as_of=due - datetime.timedelta(days=5))
    sweep(as_of=due - datetime.timedelta(days=1))
    assert mail.outbox == []
    assert send_digests() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [applicant.email]
    assert send_digests() == 0


def test_calendar_page_and_private_feed(client, returned_application):
    app, applicant, samr = returned_application
    client.force_login(applicant)
    page = client.get(reverse("calendar:page"))
    assert page.status_code == 200 and str(app) in page.content.decode()
    client.post(reverse("calendar:regenerate_token"))
    token = applicant.calendar_token.token
    client.logout()
    feed = client.get(reverse("calendar:feed", args=[token]))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    due = Deadline.objects.for_object(app).get().due_date
    assert "BEGIN:VEVENT" in body and due.strftime("%Y%m%d") in body
    client.force_login(applicant)
    client.post(reverse("calendar:regenerate_token"))
    client.logout()
    assert client.get(reverse("calendar:feed", args=[token])).status_code == 404


def test_recommender_calendar_does_not_show_the_hosts_fix_window(client, returned_application):
    app, applicant, samr = returned_application
    client.force_login(samr)
    assert str(app) not in client.get(reverse("calendar:page")).content.decode()


def test_application_page_lists_its_deadline_with_working_days_left_art13(client, returned_application):
    app, applicant, _ = returned_application
    client.force_login(applicant)
    page = client.get(app.get_absolute_url()).content.decode()
    due = Deadline.objects.for_object(app).get().due_date
    assert f"{due.year}年{due.month}月{due.day}日" in page and "剩余15个工作日" in page  # counted as Art. 13's window is
    assert str(RETURNED_DOSSIER_FIX.label) in page


@pytest.mark.parametrize("role", ["samr_staff", "recommender", "applicant"])
def test_calendar_lists_the_open_deadlines_of_the_viewers_organisation_soonest_first_in_constant_queries(client, role):
    """The calendar starts from the viewer's organisation (its links to deadlines), not from every open deadline: the
    same rows for each role as all open deadlines filtered by organisation, and as many queries for 2 rows as for 10."""
    host = ApplicationFactory().host
    recommender = provincial_body("provincial_samr", host.province)
    viewer = {"samr_staff": lambda: ministry_staff(), "recommender": lambda: recommender_of(recommender),
              "applicant": lambda: applicant_of(host)}[role]()
    others = [ministry("miit"), LocalHostFactory()]
    today = timezone.localdate()

    def open_for(organisations, days, state=None):
        deadline = open_deadline(ApplicationFactory(host=host), RETURNED_DOSSIER_FIX.code,
                                 today + datetime.timedelta(days=days), organisations)
        if state:
            Deadline.objects.filter(pk=deadline.pk).update(state=state)
        return deadline

    def calendar_rows():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("calendar:page"))
        return [deadline for deadline, _left, _url in response.context["rows"]], len(queries)

    client.force_login(viewer)
    mine = [open_for([viewer.organisation, *others], 9), open_for([viewer.organisation], 3)]
    open_for(others, 1)  # someone else's
    open_for([viewer.organisation], 2, state=Deadline.State.MET)  # closed
    rows, two_rows_queries = calendar_rows()
    assert rows == [mine[1], mine[0]]
    mine += [open_for([viewer.organisation], days) for days in range(20, 28)]
    rows, ten_rows_queries = calendar_rows()
    assert rows == sorted(mine, key=lambda d: (d.due_date, d.pk))
    assert rows == list(Deadline.objects.filter(organisations=viewer.organisation, state=Deadline.State.OPEN)
                        .order_by("due_date", "pk"))
    assert ten_rows_queries == two_rows_queries
