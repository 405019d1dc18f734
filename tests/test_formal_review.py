"""Formal review (形式审查, Art. 13): the checklist, return for supplement in working days, rejection."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from applications.deadlines import SUPPLEMENT_FIX
from applications.models import Revision, Status
from kernel.deadlines import sweep
from kernel.models import AuditEntry, Deadline
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from kernel.workdays import add_working_days
from labportal.journeys import all_checks
from reviews.models import FormalReview, FormalReviewItem
from tests.factories import applicant_of, on, provincial_body, recommender_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def app(journey):
    return journey.recommended()


def test_default_checklist_is_seeded():
    assert FormalReviewItem.objects.filter(active=True).count() == 6


def test_pass_with_every_check_ticked_art13(app, staff):
    app = run_transition(app, "pass_formal_review", staff, checks=all_checks())
    assert app.status == Status.FORMAL_REVIEW_PASSED
    review = FormalReview.objects.get(application=app)
    assert review.outcome == FormalReview.Outcome.PASSED
    assert review.reviewer == staff and review.revision_number == 1
    assert set(review.checks.values()) == {True}
    entry = AuditEntry.objects.for_object(app).last()
    assert (entry.transition, entry.target_state, entry.article) == ("pass_formal_review", "formal_review_passed", "Art. 13")


def test_pass_refused_when_one_check_is_not_ticked_art13(app, staff):
    checks = all_checks()
    unticked = FormalReviewItem.objects.filter(active=True).order_by("order").last()
    checks[str(unticked.pk)] = False
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, "pass_formal_review", staff, checks=checks)
    assert exc.value.article == "Art. 13"
    assert exc.value.field == "checks"
    assert unticked.text in exc.value.rule_message
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    assert not FormalReview.objects.exists()
    assert not AuditEntry.objects.for_object(app).filter(transition="pass_formal_review").exists()


def test_pass_refused_with_no_checks_at_all_art13(app, staff):
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, "pass_formal_review", staff)
    assert exc.value.field == "checks"
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED


def test_inactive_check_is_not_required_art13(app, staff):
    checks = all_checks()
    retired = FormalReviewItem.objects.create(text="已停用的检查项", order=99, active=False)
    assert str(retired.pk) not in checks
    app = run_transition(app, "pass_formal_review", staff, checks=checks)
    assert app.status == Status.FORMAL_REVIEW_PASSED
    assert str(retired.pk) not in FormalReview.objects.get().checks


def test_pass_is_offered_with_its_form_and_only_to_staff(app, staff):
    offered = {t.name: t for t in available_transitions(app, staff)}
    assert set(offered) == {"pass_formal_review", "request_supplement", "reject_formally"}
    assert offered["pass_formal_review"].form == "reviews:formal_review"
    assert not {t.name for t in available_transitions(app, applicant_of(app.host))} & set(offered)


# --- return for supplement --------------------------------------------------------------------------


def test_return_for_supplement_opens_a_fix_window_in_working_days_art13(journey, staff, settings):
    settings.SUPPLEMENT_FIX_WORKING_DAYS = 10
    with on(2026, 9, 24):  # a Thursday before the Mid-autumn and National Day holidays
        app = journey.recommended()
        app = run_transition(app, "request_supplement", staff, comment="补充联合体协议", checks={})
    assert app.status == Status.SUPPLEMENT_REQUESTED
    review = FormalReview.objects.get(application=app)
    assert (review.outcome, review.comment) == (FormalReview.Outcome.SUPPLEMENT, "补充联合体协议")
    deadline = Deadline.objects.for_object(app).open().get(kind=SUPPLEMENT_FIX.code)
    # Sep 25-27 and Oct 1-7 are holidays; Saturday Oct 10 is a make-up working day:
    # Sep 28, 29, 30, Oct 8, 9, 10, 12, 13, 14, 15.
    assert deadline.due_date == add_working_days(datetime.date(2026, 9, 24), 10).date == datetime.date(2026, 10, 15)
    assert deadline.article == "Art. 13"
    assert list(deadline.organisations.all()) == [app.host]


def test_return_for_supplement_needs_a_comment_art13(app, staff):
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, "request_supplement", staff, checks=all_checks())
    assert exc.value.field == "comment"
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    assert not FormalReview.objects.exists()
    assert not Deadline.objects.for_object(app).filter(kind=SUPPLEMENT_FIX.code).exists()


def test_applicant_edits_and_resubmits_the_supplement_art13(journey, app, staff):
    applicant = applicant_of(app.host)
    assert not app.is_editable_by(applicant)
    app = run_transition(app, "request_supplement", staff, comment="补充证明材料", checks={})
    assert app.is_editable_by(applicant)
    assert not app.is_editable_by(staff)
    assert not app.is_editable_by(applicant_of(journey.recommended().host))  # another host's applicant

    app.summary = "补充后的摘要。"
    app.save()
    app = run_transition(app, "resubmit_supplement", applicant, comment="已补充")
    assert app.status == Status.RECOMMENDED
    assert app.revision_count == 2
    latest = Revision.objects.filter(application=app).order_by("number").last()
    assert (latest.number, latest.submitted_by) == (2, applicant)
    assert latest.snapshot != Revision.objects.get(application=app, number=1).snapshot
    assert Deadline.objects.for_object(app).get(kind=SUPPLEMENT_FIX.code).state == Deadline.State.MET
    assert not app.is_editable_by(applicant)

    # The supplemented dossier goes through formal review again.
    app = run_transition(app, "pass_formal_review", staff, checks=all_checks())
    assert app.status == Status.FORMAL_REVIEW_PASSED
    assert list(FormalReview.objects.filter(application=app).values_list("revision_number", "outcome")) == [
        (1, "supplement"), (2, "passed")]


def test_supplement_emptied_of_a_required_part_cannot_return_to_the_ministries_art13(app, staff):
    app = run_transition(app, "request_supplement", staff, comment="补充证明材料", checks={})
    app.construction_plan = ""  # emptied during the supplement
    app.save()
    with pytest.raises(RuleViolation) as refused:
        run_transition(app, "resubmit_supplement", applicant_of(app.host))
    assert refused.value.article == "Art. 13"
    app.refresh_from_db()
    assert (app.status, app.revision_count) == (Status.SUPPLEMENT_REQUESTED, 1)  # no revision frozen, nothing sent


def test_supplement_that_no_longer_meets_art12_cannot_return_art12(app, staff):
    app = run_transition(app, "request_supplement", staff, comment="补充证明材料", checks={})
    app.is_host_priority = False  # Art. 12 (5): the host's support withdrawn during the supplement
    app.save()
    with pytest.raises(RuleViolation) as refused:
        run_transition(app, "resubmit_supplement", applicant_of(app.host))
    assert refused.value.article == "Art. 12"
    app.refresh_from_db()
    assert app.status == Status.SUPPLEMENT_REQUESTED


def test_lapsed_supplement_lets_staff_reject_for_that_reason_not_before_art13(app, staff):
    app = run_transition(app, "request_supplement", staff, comment="补充", checks={})
    deadline = Deadline.objects.for_object(app).get(kind=SUPPLEMENT_FIX.code)
    assert app not in type(app).objects.awaiting(staff)
    with pytest.raises(TransitionConflict):
        run_transition(app, "reject_unsupplemented", staff, comment="逾期未补充")
    sweep(as_of=deadline.due_date + datetime.timedelta(days=1))
    app.refresh_from_db()
    assert app.status == Status.SUPPLEMENT_REQUESTED  # nothing rejects by itself
    assert app in type(app).objects.awaiting(staff)  # it now waits for the ministries
    with pytest.raises(PermissionDenied):
        run_transition(app, "reject_unsupplemented", applicant_of(app.host), comment="x")
    app = run_transition(app, "reject_unsupplemented", staff, comment="逾期未补充")
    assert app.status == Status.FORMAL_REJECTED
    [entry] = AuditEntry.objects.for_object(app).filter(transition="reject_unsupplemented")
    assert (entry.article, entry.comment) == ("Art. 13", "逾期未补充")


def test_supplement_window_lapse_is_recorded_art13(app, staff):
    app = run_transition(app, "request_supplement", staff, comment="补充", checks={})
    deadline = Deadline.objects.for_object(app).get(kind=SUPPLEMENT_FIX.code)
    sweep(as_of=deadline.due_date + datetime.timedelta(days=1))
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MISSED


def test_only_the_host_applicant_resubmits_the_supplement(journey, app, staff):
    app = run_transition(app, "request_supplement", staff, comment="补充", checks={})
    recommender = recommender_of(provincial_body("provincial_samr", app.host.province))
    for user in (staff, recommender, applicant_of(journey.recommended().host)):
        with pytest.raises(PermissionDenied):
            run_transition(app, "resubmit_supplement", user)
    app.refresh_from_db()
    assert app.status == Status.SUPPLEMENT_REQUESTED


def test_supplement_cannot_be_resubmitted_before_it_is_requested(app):
    with pytest.raises(TransitionConflict):
        run_transition(app, "resubmit_supplement", applicant_of(app.host))


# --- rejection --------------------------------------------------------------------------------------


def test_reject_formally_needs_a_comment_art13(app, staff):
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, "reject_formally", staff, checks={})
    assert (exc.value.field, exc.value.article) == ("comment", "Art. 13")
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    assert not FormalReview.objects.exists()


def test_reject_formally_with_a_reason_art13(app, staff):
    app = run_transition(app, "reject_formally", staff, comment="不属于第四条所列领域", checks={})
    assert app.status == Status.FORMAL_REJECTED
    assert FormalReview.objects.get().outcome == FormalReview.Outcome.REJECTED
    entry = AuditEntry.objects.for_object(app).last()
    assert (entry.transition, entry.comment, entry.actor) == ("reject_formally", "不属于第四条所列领域", staff)
    assert not app.is_editable_by(applicant_of(app.host))


# --- who may --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,kwargs", [
    ("pass_formal_review", {}),
    ("request_supplement", {"comment": "补充"}),
    ("reject_formally", {"comment": "驳回"}),
])
def test_recommender_and_applicant_cannot_do_formal_review_art13(app, name, kwargs):
    recommender = recommender_of(provincial_body("provincial_samr", app.host.province))
    for user in (recommender, applicant_of(app.host)):
        with pytest.raises(PermissionDenied):
            run_transition(app, name, user, checks=all_checks(), **kwargs)
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    assert not FormalReview.objects.exists()


def test_formal_review_is_not_possible_twice(app, staff):
    app = run_transition(app, "pass_formal_review", staff, checks=all_checks())
    with pytest.raises(TransitionConflict):
        run_transition(app, "reject_formally", staff, comment="再审", checks={})
    assert FormalReview.objects.count() == 1
