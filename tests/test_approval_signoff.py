"""Approval of construction (Art. 7, 13, 18): one sign-off from SAMR and one from MIIT; the second
approves and creates the laboratory with its 24-month construction clock."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from applications.models import APPROVAL_DECISION, Application, Status
from evaluations.deadlines import CONSTRUCTION_PERIOD
from evaluations.models import Laboratory, LabStatus
from kernel.models import AuditEntry, Deadline, SignOff
from kernel.rules import RuleViolation
from kernel.signoffs import both_signed, sign, signoffs
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from tests.factories import applicant_of, miit_staff, on, provincial_body, recommender_of, samr_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def samr(journey):
    return journey.staff


@pytest.fixture
def miit():
    return miit_staff()


@pytest.fixture
def app(journey):
    return journey.awaiting_approval()


def offered(app, user):
    return {t.name for t in available_transitions(app, user)}


def test_samr_sign_off_alone_leaves_it_awaiting_approval_art7(app, samr, miit):
    assert "approve" in offered(app, samr) and "approve" in offered(app, miit)
    app = run_transition(app, "approve", samr, comment="同意")
    assert app.status == Status.AWAITING_APPROVAL
    entry = AuditEntry.objects.for_object(app).last()
    assert (entry.transition, entry.source_state, entry.target_state, entry.actor, entry.article, entry.comment) == (
        "approve", "awaiting_approval", "awaiting_approval", samr, "Art. 7", "同意")
    signoff = signoffs(app, APPROVAL_DECISION).get()
    assert (signoff.ministry, signoff.signed_by, signoff.comment) == (SignOff.Ministry.SAMR, samr, "同意")
    assert not Laboratory.objects.exists()
    assert not both_signed(app, APPROVAL_DECISION)
    # The SAMR side is done: the button is offered to MIIT only.
    assert "approve" not in offered(app, samr) and "approve" not in offered(app, samr_staff())
    assert "approve" in offered(app, miit)


def test_miit_sign_off_after_samr_approves_and_creates_one_laboratory_art7_art18(journey, samr, miit):
    with on(2026, 8, 3):
        app = journey.awaiting_approval()
        app = run_transition(app, "approve", samr)
    with on(2026, 8, 31):
        app = run_transition(app, "approve", miit, comment="同意建设")
    assert app.status == Status.APPROVED
    entry = AuditEntry.objects.for_object(app).last()
    assert (entry.transition, entry.target_state, entry.actor, entry.article) == ("approve", "approved", miit, "Art. 7")
    assert set(signoffs(app, APPROVAL_DECISION).values_list("ministry", flat=True)) == {"samr", "miit"}

    lab = Laboratory.objects.get()
    assert lab.application == app
    assert (lab.name_zh, lab.name_en_subject, lab.host, lab.field, lab.province) == (
        app.name_zh, app.name_en_subject, app.host, app.field, app.host.province)
    assert lab.status == LabStatus.CONSTRUCTION
    assert (lab.approved_on, lab.construction_start, lab.construction_end) == (
        datetime.date(2026, 8, 31), datetime.date(2026, 8, 31), datetime.date(2028, 8, 31))

    deadline = Deadline.objects.for_object(lab).get(kind=CONSTRUCTION_PERIOD.code)
    assert (deadline.kind, deadline.due_date, deadline.state, deadline.article) == (
        CONSTRUCTION_PERIOD.code, datetime.date(2028, 8, 31), Deadline.State.OPEN, "Art. 18")
    assert set(deadline.organisations.values_list("pk", flat=True)) == {
        app.host_id, samr.organisation_id, miit.organisation_id}

    assert app in Application.objects.public()
    assert lab in Laboratory.objects.public()


def test_miit_may_sign_first_art7(app, samr, miit):
    app = run_transition(app, "approve", miit)
    assert app.status == Status.AWAITING_APPROVAL and not Laboratory.objects.exists()
    app = run_transition(app, "approve", samr)
    assert app.status == Status.APPROVED
    assert Laboratory.objects.filter(application=app).count() == 1


def test_construction_end_of_an_approval_on_29_february_art18(app, samr, miit):
    run_transition(app, "approve", samr)
    with on(2028, 2, 29):
        run_transition(app, "approve", miit)
    lab = Laboratory.objects.get(application=app)
    assert lab.approved_on == datetime.date(2028, 2, 29)
    assert lab.construction_end == datetime.date(2030, 2, 28)  # no 29 February in 2030: the month's last day
    assert Deadline.objects.for_object(lab).get(kind=CONSTRUCTION_PERIOD.code).due_date == datetime.date(2030, 2, 28)


def test_second_samr_sign_off_is_refused_art7(app, samr):
    run_transition(app, "approve", samr)
    for user in (samr, samr_staff()):
        with pytest.raises(PermissionDenied):
            run_transition(app, "approve", user)
    assert SignOff.objects.filter(decision=APPROVAL_DECISION).count() == 1
    app.refresh_from_db()
    assert app.status == Status.AWAITING_APPROVAL
    assert AuditEntry.objects.for_object(app).filter(transition="approve").count() == 1


def test_sign_service_refuses_a_second_sign_off_of_the_same_ministry_art7(app, samr):
    assert sign(app, APPROVAL_DECISION, samr) is False
    with pytest.raises(RuleViolation) as exc:
        sign(app, APPROVAL_DECISION, samr_staff())
    assert exc.value.article == "Art. 7"
    assert SignOff.objects.filter(decision=APPROVAL_DECISION).count() == 1


@pytest.mark.parametrize("who", ["recommender", "applicant", "expert"])
def test_only_ministry_staff_sign_art7(app, journey, who):
    user = {
        "recommender": lambda: recommender_of(provincial_body("provincial_samr", app.host.province)),
        "applicant": lambda: applicant_of(app.host),
        "expert": lambda: journey.experts[0],
    }[who]()
    assert "approve" not in offered(app, user)
    with pytest.raises(PermissionDenied):
        run_transition(app, "approve", user)
    assert not SignOff.objects.filter(decision=APPROVAL_DECISION).exists()
    with pytest.raises(RuleViolation):
        sign(app, APPROVAL_DECISION, user)
    assert not SignOff.objects.filter(decision=APPROVAL_DECISION).exists()


def test_approved_application_cannot_be_signed_again(app, samr, miit):
    run_transition(app, "approve", samr)
    app = run_transition(app, "approve", miit)
    for user in (miit_staff(), samr_staff()):
        with pytest.raises(TransitionConflict):  # ministry staff are parties; the state no longer allows it
            run_transition(app, "approve", user)
    assert SignOff.objects.filter(decision=APPROVAL_DECISION).count() == 2 and Laboratory.objects.count() == 1


def test_approval_only_after_publicity_art13(journey, samr):
    app = journey.inspected()
    with pytest.raises(TransitionConflict):
        run_transition(app, "approve", samr)
    assert not SignOff.objects.filter(decision=APPROVAL_DECISION).exists()


def test_rejection_at_approval_needs_a_reason_art13(app, samr):
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, "reject", samr)
    assert exc.value.field == "comment"
    app = run_transition(app, "reject", samr, comment="不符合布局规划")
    assert app.status == Status.REJECTED
    assert not Laboratory.objects.exists()
    assert app not in Application.objects.public()
