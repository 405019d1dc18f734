"""Publicity (公示, Art. 13): the window in working days, real-name objections, closing the notice."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Status
from kernel.deadlines import sweep
from kernel.models import AuditEntry, Deadline, Notification
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from kernel.workdays import add_working_days, is_working_day
from reviews import services
from reviews.deadlines import PUBLICITY_WINDOW
from reviews.identity import validate_resident_id
from reviews.models import NoticeStatus, Objection, ObjectionStatus, PublicityNotice
from tests.factories import applicant_of, on
from tests.shared_rows import class_fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VALID_ID = "11010519491231002X"  # the example number of GB 11643-1999
WRONG_CHECK_DIGIT = "110105194912310021"
SEPT_28 = datetime.date(2026, 9, 28)  # a Monday, just before National Day
OCT_10 = datetime.date(2026, 10, 10)  # the Saturday make-up working day after National Day


# --- the window in working days ------------------------------------------------------------------


def test_publicity_window_of_5_working_days_from_28_september_ends_on_the_make_up_saturday_art13(journey):
    apps = [journey.inspected(), journey.inspected()]
    notice = journey.open_notice(apps, starts_on=SEPT_28, working_days=5)
    # Not counting the day of publication: Sep 29, Sep 30, (Oct 1-7 National Day), Oct 8, Oct 9, Oct 10.
    assert notice.ends_on == OCT_10 == add_working_days(SEPT_28, 5).date
    assert is_working_day(OCT_10) and OCT_10.weekday() == 5
    assert not any(is_working_day(datetime.date(2026, 10, d)) for d in range(1, 8))
    assert (notice.starts_on, notice.working_days, notice.status) == (SEPT_28, 5, NoticeStatus.OPEN)
    assert set(notice.applications.all()) == set(apps)
    for app in apps:
        app.refresh_from_db()
        assert app.status == Status.PUBLICITY
        entry = AuditEntry.objects.for_object(app).last()
        assert (entry.transition, entry.target_state, entry.article) == ("put_under_publicity", "publicity", "Art. 13")
    deadline = Deadline.objects.for_object(notice).get()
    # Staff close it on the first working day after the window (Sunday Oct 11 is not one).
    assert (deadline.kind, deadline.due_date, deadline.state, deadline.article) == (
        PUBLICITY_WINDOW.code, datetime.date(2026, 10, 12), Deadline.State.OPEN, "Art. 13")
    assert set(deadline.organisations.values_list("kind", flat=True)) == {"samr", "miit"}


def test_publicity_window_across_the_spring_festival_art13(journey):
    start = datetime.date(2026, 2, 12)  # a Thursday; Feb 15-23 are the Spring Festival holiday
    notice = journey.open_notice([journey.inspected()], starts_on=start, working_days=5)
    # Feb 13 (Fri), Feb 14 (Saturday make-up day), Feb 24, Feb 25, Feb 26.
    assert notice.ends_on == add_working_days(start, 5).date == datetime.date(2026, 2, 26)
    assert is_working_day(datetime.date(2026, 2, 14))
    assert not any(is_working_day(datetime.date(2026, 2, d)) for d in range(15, 24))


def test_publicity_window_length_defaults_to_the_setting_art13(journey, settings):
    settings.PUBLICITY_WORKING_DAYS = 7
    with on(2026, 11, 2):  # a Monday with no holiday around
        notice = journey.open_notice([journey.inspected()])
    assert (notice.starts_on, notice.working_days, notice.ends_on) == (
        datetime.date(2026, 11, 2), 7, datetime.date(2026, 11, 11))


def test_only_inspected_applications_go_under_publicity_art13(journey):
    inspected, at_inspection = journey.inspected(), journey.at_site_inspection()
    with pytest.raises(RuleViolation) as exc:
        journey.open_notice([inspected, at_inspection])
    assert (exc.value.field, exc.value.article) == ("applications", "Art. 13")
    assert not PublicityNotice.objects.exists()
    inspected.refresh_from_db()
    assert inspected.status == Status.INSPECTED


def test_only_staff_open_a_notice(journey):
    app = journey.inspected()
    with pytest.raises(PermissionDenied):
        services.open_notice("公示", [app], applicant_of(app.host))
    assert not PublicityNotice.objects.exists()


# --- objections -------------------------------------------------------------------------------------


def first_app(notice):
    return notice.applications.order_by("pk").first()


def person(notice, application=None, **kw):
    data = {"name": "张三", "id_number": VALID_ID, "contact": "13800000000", "grounds": "申报材料中的场地面积不实。"}
    data.update(kw)
    return Objection(notice=notice, application=application or first_app(notice),
                     objector_kind=Objection.ObjectorKind.PERSON, **data)


def organisation(notice, application=None, seal=True, **kw):
    data = {"organisation_name": "某检测技术有限公司", "credit_code": "91350100M000100Y43", "legal_representative": "李四",
            "contact": "010-12345678",
            "grounds": "申报的标准并非由依托单位牵头制定。"}
    data.update(kw)
    objection = Objection(notice=notice, application=application or first_app(notice),
                          objector_kind=Objection.ObjectorKind.ORGANISATION, **data)
    if seal:
        objection.seal_scan = SimpleUploadedFile("seal.png", b"\x89PNG\r\n\x1a\nseal", content_type="image/png")
    return objection


def test_resident_id_check_digit():
    assert validate_resident_id(VALID_ID.lower()) == VALID_ID
    for bad in (WRONG_CHECK_DIGIT, "11010519491331002X", "1101051949123100", "11010519491231002Y"):
        with pytest.raises(ValidationError):
            validate_resident_id(bad)


def notice_of_two(journey):
    """Two inspected applications under a notice published on Monday 2026-09-28 (window to Oct 10): its id."""
    with on(2026, 9, 21):
        apps = [journey.inspected(), journey.inspected()]
    with on(2026, 9, 28):  # published on its first day (a notice dated ahead would be scheduled)
        notice = journey.open_notice(apps, starts_on=SEPT_28, working_days=5)
    assert notice.ends_on == OCT_10
    return notice.pk


class TestObjectionsToOneNotice:
    """Objections to one notice and its closing, the notice made once for the class (`notice_of_two`)."""

    shared, journey = class_fixtures(notice_of_two)

    @pytest.fixture
    def notice(self, db, shared):
        return PublicityNotice.objects.get(pk=shared[1])

    def test_objection_by_a_person_with_a_valid_id_is_accepted_and_staff_told_art13(
        self, notice, journey, django_capture_on_commit_callbacks,
    ):
        with on(2026, 9, 30), django_capture_on_commit_callbacks(execute=True):
            objection = services.lodge_objection(person(notice))
        objection.refresh_from_db()
        assert objection.status == ObjectionStatus.OPEN
        assert (objection.name, objection.id_number) == ("张三", VALID_ID)
        told = Notification.objects.filter(url=f"{notice.get_staff_url()}#objection-{objection.pk}")
        assert list(told.values_list("recipient_id", flat=True)) == [journey.staff.pk]
        assert "场地面积不实" in told.get().body
        assert objection.receipt_number == f"2026-GS{notice.pk:02d}-0001" and objection.receipt_number in told.get().subject

    def test_objector_id_number_is_stored_normalised(self, notice):
        with on(2026, 9, 30):
            objection = services.lodge_objection(person(notice, id_number="11010519491231002x"))
        objection.refresh_from_db()
        assert objection.id_number == VALID_ID

    @pytest.mark.parametrize("day", [SEPT_28, datetime.date(2026, 10, 1), OCT_10])
    def test_objection_accepted_on_any_day_of_the_window_art13(self, notice, day):
        with on(day.year, day.month, day.day):
            services.lodge_objection(person(notice))
        assert Objection.objects.count() == 1

    def test_objection_with_a_wrong_check_digit_is_refused(self, notice):
        with on(2026, 9, 30), pytest.raises(ValidationError) as exc:
            services.lodge_objection(person(notice, id_number=WRONG_CHECK_DIGIT))
        assert set(exc.value.message_dict) == {"id_number"}
        assert "check digit" in exc.value.message_dict["id_number"][0]
        assert not Objection.objects.exists()

    @pytest.mark.parametrize("missing", ["name", "id_number", "contact", "grounds"])
    def test_objection_without_a_real_name_is_refused_art13(self, notice, missing):
        with on(2026, 9, 30), pytest.raises(ValidationError) as exc:
            services.lodge_objection(person(notice, **{missing: "  "}))
        assert missing in exc.value.message_dict
        assert "anonymous" in exc.value.message_dict[missing][0]
        assert not Objection.objects.exists()

    def test_anonymous_objection_is_refused_art13(self, notice):
        with on(2026, 9, 30), pytest.raises(ValidationError) as exc:
            services.lodge_objection(person(notice, name="", id_number="", contact=""))
        assert {"name", "id_number", "contact"} <= set(exc.value.message_dict)
        assert not Objection.objects.exists()

    def test_objection_by_an_organisation_with_its_seal_is_accepted_art13(self, notice):
        with on(2026, 10, 9):
            objection = services.lodge_objection(organisation(notice))
        objection.refresh_from_db()
        assert objection.seal_scan.name.startswith("private/objections/")

    def test_objection_by_an_organisation_without_its_seal_is_refused_art13(self, notice):
        with on(2026, 10, 9), pytest.raises(ValidationError) as exc:
            services.lodge_objection(organisation(notice, seal=False))
        assert set(exc.value.message_dict) == {"seal_scan"}
        assert not Objection.objects.exists()

    def test_objection_by_an_organisation_without_legal_representative_is_refused_art13(self, notice):
        with on(2026, 10, 9), pytest.raises(ValidationError) as exc:
            services.lodge_objection(organisation(notice, legal_representative=""))
        assert "legal_representative" in exc.value.message_dict

    @pytest.mark.parametrize("day", [datetime.date(2026, 9, 27), datetime.date(2026, 10, 11)])
    def test_objection_outside_the_window_is_refused_art13(self, notice, day):
        with on(day.year, day.month, day.day), pytest.raises(RuleViolation) as exc:
            services.lodge_objection(person(notice))
        assert exc.value.article == "Art. 13"
        assert "2026-09-28" in exc.value.rule_message and "2026-10-10" in exc.value.rule_message
        assert not Objection.objects.exists()

    def test_objection_to_an_application_not_in_the_notice_is_refused(self, notice, journey):
        with on(2026, 9, 21):
            elsewhere = journey.inspected()
        with on(2026, 9, 30), pytest.raises(ValidationError) as exc:
            services.lodge_objection(person(notice, application=elsewhere))
        assert set(exc.value.message_dict) == {"application"}
        assert not Objection.objects.exists()

    def test_objection_to_a_closed_notice_is_refused_art13(self, notice, journey):
        with on(2026, 10, 12):
            run_transition(notice, "close", journey.staff)
        notice.refresh_from_db()
        with on(2026, 10, 9), pytest.raises(RuleViolation) as exc:  # even a date inside the old window
            services.lodge_objection(person(notice))
        assert exc.value.article == "Art. 13"

    def test_resolving_an_objection_needs_reasons_and_staff_art13(self, notice, journey):
        with on(2026, 9, 30):
            objection = services.lodge_objection(person(notice))
        with pytest.raises(RuleViolation) as exc:
            run_transition(objection, "dismiss", journey.staff)
        assert exc.value.field == "comment"
        with pytest.raises(PermissionDenied):
            run_transition(objection, "dismiss", applicant_of(first_app(notice).host), comment="无理")
        objection = run_transition(objection, "dismiss", journey.staff, comment="经核查，场地面积属实。")
        assert (objection.status, objection.resolution) == (ObjectionStatus.DISMISSED, "经核查，场地面积属实。")

    # --- closing the notice -----------------------------------------------------------------------------

    def test_notice_cannot_close_before_its_window_ends_art13(self, notice, journey):
        with on(2026, 10, 10), pytest.raises(RuleViolation) as exc:
            run_transition(notice, "close", journey.staff)
        assert exc.value.article == "Art. 13"
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.OPEN
        assert set(notice.applications.values_list("status", flat=True)) == {Status.PUBLICITY}

    def test_notice_cannot_close_while_an_objection_is_open_art13(self, notice, journey):
        with on(2026, 9, 30):
            services.lodge_objection(person(notice))
        with on(2026, 10, 12), pytest.raises(RuleViolation) as exc:
            run_transition(notice, "close", journey.staff)
        assert exc.value.article == "Art. 13"
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.OPEN
        assert Deadline.objects.for_object(notice).get().state == Deadline.State.OPEN

    def test_only_staff_close_a_notice(self, notice):
        with on(2026, 10, 12), pytest.raises(PermissionDenied):
            run_transition(notice, "close", applicant_of(first_app(notice).host))

    def test_sustained_objection_rejects_that_application_only_art13(self, notice, journey):
        objected, other = notice.applications.order_by("pk")
        with on(2026, 9, 30):
            sustained = services.lodge_objection(person(notice, application=objected))
            dismissed = services.lodge_objection(organisation(notice, application=other))
        run_transition(sustained, "sustain", journey.staff, comment="经核查，申报材料不实。")
        run_transition(dismissed, "dismiss", journey.staff, comment="异议理由不成立。")
        with on(2026, 10, 12):
            notice = run_transition(notice, "close", journey.staff)
        assert notice.status == NoticeStatus.CLOSED and notice.closed_at is not None
        objected.refresh_from_db()
        other.refresh_from_db()
        assert (objected.status, other.status) == (Status.REJECTED, Status.AWAITING_APPROVAL)
        rejection = AuditEntry.objects.for_object(objected).last()
        assert (rejection.transition, rejection.target_state, rejection.actor) == ("conclude_publicity", "rejected", journey.staff)
        assert rejection.comment
        assert AuditEntry.objects.for_object(other).last().target_state == "awaiting_approval"
        assert Deadline.objects.for_object(notice).get().state == Deadline.State.MET

    def test_closing_with_no_objection_sends_all_to_approval_and_meets_the_deadline_art13(self, notice, journey):
        with on(2026, 10, 12):
            run_transition(notice, "close", journey.staff)
        assert set(notice.applications.values_list("status", flat=True)) == {Status.AWAITING_APPROVAL}
        assert Deadline.objects.for_object(notice).get().state == Deadline.State.MET
        assert set(PublicityNotice.objects.public()) == set()

    def test_application_under_publicity_cannot_be_withdrawn(self, notice):
        app = first_app(notice)
        with pytest.raises(TransitionConflict):
            run_transition(app, "withdraw", applicant_of(app.host))
        app.refresh_from_db()
        assert app.status == Status.PUBLICITY

    def test_publicity_deadline_is_met_when_closed_on_the_first_day_allowed_art13(self, notice, journey):
        # The daily sweep has already run on Monday Oct 12 (the first day the notice may close) when staff close it.
        deadline = Deadline.objects.for_object(notice).get()
        assert deadline.due_date == datetime.date(2026, 10, 12)  # the first working day after the window
        sweep(as_of=datetime.date(2026, 10, 11))
        sweep(as_of=datetime.date(2026, 10, 12))
        with on(2026, 10, 12):
            run_transition(notice, "close", journey.staff)
        deadline.refresh_from_db()
        assert deadline.state == Deadline.State.MET

    def test_notice_left_open_after_its_closing_day_is_recorded_as_overdue(self, notice):
        sweep(as_of=datetime.date(2026, 10, 13))
        assert Deadline.objects.for_object(notice).get().state == Deadline.State.MISSED
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.OPEN  # a lapse is recorded; nothing closes by itself

    def test_open_notice_is_public_until_closed(self, notice, journey):
        assert list(PublicityNotice.objects.public()) == [notice]
        with on(2026, 10, 12):
            run_transition(notice, "close", journey.staff)
        assert not PublicityNotice.objects.public().exists()
