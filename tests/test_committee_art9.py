"""The expert committee (Art. 9): composition at its edges, the 2-year term, reminders and expiry."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from applications.models import Status
from kernel.deadlines import sweep
from kernel.models import AuditEntry, Deadline, Notification, ReminderSent
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from labportal.journeys import criteria_set, members_of
from reviews import services
from reviews.deadlines import COMMITTEE_TERM
from reviews.models import CommitteeStatus, Position
from tests.factories import (
    LocalHostFactory,
    activate,
    add_member,
    applicant_of,
    committee,
    expert,
    lapse_day,
    miit_staff,
    on,
    samr_staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def refused(committee_obj, staff):
    with pytest.raises(RuleViolation) as exc:
        activate(committee_obj, staff)
    committee_obj.refresh_from_db()
    assert committee_obj.status == CommitteeStatus.DRAFT
    assert committee_obj.term_start is None and committee_obj.term_end is None
    assert not Deadline.objects.for_object(committee_obj).exists()
    assert not AuditEntry.objects.for_object(committee_obj).exists()
    return exc.value


# --- composition ----------------------------------------------------------------------------------


def test_fifteen_members_one_chair_three_vice_chairs_activates_art9(staff):
    obj = committee(15, vice_chairs=3)
    assert obj.composition_errors() == []
    obj = activate(obj, staff)
    assert obj.status == CommitteeStatus.ACTIVE
    entry = AuditEntry.objects.for_object(obj).get()
    assert (entry.transition, entry.target_state, entry.article, entry.actor) == ("activate", "active", "Art. 9", staff)


def test_fourteen_members_refused_citing_art9(staff):
    error = refused(committee(14, vice_chairs=3), staff)
    assert error.article == "Art. 9"
    assert "Art. 9" in error.rule_message
    assert "15" in error.rule_message and "14" in error.rule_message


def test_sixteen_members_refused_even_total_art9(staff):
    error = refused(committee(16, vice_chairs=3), staff)
    assert error.article == "Art. 9"
    assert "odd" in error.rule_message and "16" in error.rule_message


def test_seventeen_members_activates_art9(staff):
    assert activate(committee(17, vice_chairs=3), staff).status == CommitteeStatus.ACTIVE


def test_two_chairs_refused_art9(staff):
    error = refused(committee(15, chairs=2, vice_chairs=3), staff)
    assert error.article == "Art. 9"
    assert "chair" in error.rule_message and "(now 2)" in error.rule_message


def test_no_chair_refused_art9(staff):
    assert refused(committee(15, chairs=0, vice_chairs=3), staff).article == "Art. 9"


def test_two_vice_chairs_refused_art9(staff):
    error = refused(committee(15, vice_chairs=2), staff)
    assert error.article == "Art. 9"
    assert "3 to 5 vice-chairs (now 2)" in error.rule_message


def test_six_vice_chairs_refused_art9(staff):
    error = refused(committee(15, vice_chairs=6), staff)
    assert "3 to 5 vice-chairs (now 6)" in error.rule_message


def test_five_vice_chairs_activates_art9(staff):
    assert activate(committee(15, vice_chairs=5), staff).status == CommitteeStatus.ACTIVE


def test_adding_the_missing_member_makes_it_activatable_art9(staff):
    obj = committee(14, vice_chairs=3)
    refused(obj, staff)
    add_member(obj, position=Position.MEMBER)
    assert activate(obj, staff).status == CommitteeStatus.ACTIVE


def test_only_ministry_staff_activate_art9():
    obj = committee(15)
    with pytest.raises(PermissionDenied):
        run_transition(obj, "activate", applicant_of(LocalHostFactory()))
    obj.refresh_from_db()
    assert obj.status == CommitteeStatus.DRAFT


# --- the 2-year term -------------------------------------------------------------------------------


def test_term_ends_on_its_second_anniversary_and_opens_a_committee_term_deadline_art9(staff):
    with on(2026, 3, 2):
        obj = activate(committee(15), staff)
    assert obj.term_start == datetime.date(2026, 3, 2)
    assert obj.term_end == datetime.date(2028, 3, 2)  # Civil Code Art. 201-202: the start day is not counted
    deadline = Deadline.objects.for_object(obj).get()
    assert (deadline.kind, deadline.article, deadline.state, deadline.due_date) == (
        COMMITTEE_TERM.code, "Art. 9", Deadline.State.OPEN, datetime.date(2028, 3, 2))
    assert set(deadline.organisations.values_list("kind", flat=True)) == {"samr", "miit"}


def test_term_started_on_28_february_ends_on_28_february_even_in_a_leap_year_art9(staff):
    with on(2026, 2, 28):
        obj = activate(committee(15), staff)
    assert obj.term_end == datetime.date(2028, 2, 28)


def test_term_and_build_period_begun_the_same_day_end_the_same_day_art9_art18(journey, staff):
    for day in (datetime.date(2026, 3, 2), datetime.date(2028, 2, 29)):
        with on(day.year, day.month, day.day):
            obj = journey.committee = activate(committee(15), staff)
            lab = journey.approved()
        assert obj.term_start == lab.construction_start == day
        assert obj.term_end == lab.construction_end
        run_transition(obj, "expire", staff)


def test_term_started_on_29_february_ends_on_28_february_two_years_on_art9(staff):
    # 2030 has no 29 February: the term runs to the last day of February (Civil Code Art. 202),
    # not one day short of it.
    with on(2028, 2, 29):
        obj = activate(committee(15), staff)
    assert obj.term_start == datetime.date(2028, 2, 29)
    assert obj.term_end == datetime.date(2030, 2, 28)
    assert Deadline.objects.for_object(obj).get().due_date == datetime.date(2030, 2, 28)


def test_reminders_at_60_30_and_7_days_go_to_ministry_staff_only_art9(staff):
    samr_other, miit = samr_staff(), miit_staff()
    with on(2026, 3, 2):
        obj = activate(committee(15), staff)
    expert_ids = set(obj.members.values_list("expert_id", flat=True))
    url = reverse("admin:reviews_expertcommittee_change", args=[obj.pk])
    term_end = obj.term_end  # 2028-03-02

    sweep(as_of=term_end - datetime.timedelta(days=61))
    assert not Notification.objects.filter(url=url).exists()
    for days in (60, 30, 7):
        before = set(Notification.objects.filter(url=url).values_list("pk", flat=True))
        sweep(as_of=term_end - datetime.timedelta(days=days))
        sweep(as_of=term_end - datetime.timedelta(days=days))  # a second sweep the same day sends nothing more
        new = Notification.objects.filter(url=url).exclude(pk__in=before)
        assert sorted(n.recipient_id for n in new) == sorted(u.pk for u in (staff, samr_other, miit))
        assert set(ReminderSent.objects.filter(days_before=days).values_list("recipient_id", flat=True)) == {
            staff.pk, samr_other.pk, miit.pk}
    assert not Notification.objects.filter(recipient_id__in=expert_ids).exists()
    obj.refresh_from_db()
    assert obj.status == CommitteeStatus.ACTIVE


def test_sweep_after_term_end_expires_the_committee_exactly_once_art9(staff, django_capture_on_commit_callbacks):
    with on(2026, 3, 2):
        obj = activate(committee(15), staff)
    sweep(as_of=obj.term_end)  # the last day of the term: still active
    obj.refresh_from_db()
    assert obj.status == CommitteeStatus.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep(as_of=obj.term_end + datetime.timedelta(days=1))
        second = sweep(as_of=obj.term_end + datetime.timedelta(days=2))
    assert (first.missed, second.missed) == (1, 0)
    obj.refresh_from_db()
    assert obj.status == CommitteeStatus.EXPIRED
    expiry = AuditEntry.objects.for_object(obj).filter(transition="expire")
    assert expiry.count() == 1
    entry = expiry.get()
    assert (entry.actor, entry.article, entry.source_state, entry.target_state) == (None, "Art. 9", "active", "expired")
    assert Deadline.objects.for_object(obj).get().state == Deadline.State.MISSED


def test_expired_committee_cannot_be_activated_again(staff):
    with on(2026, 3, 2):
        obj = activate(committee(15), staff)
    sweep(as_of=obj.term_end + datetime.timedelta(days=1))
    with pytest.raises(TransitionConflict):
        activate(obj, staff)


# --- an expired committee gets no new work ---------------------------------------------------------


def expired(staff):
    obj = activate(committee(15), staff)
    sweep(as_of=lapse_day(obj.term_end))  # a term ending on a rest day runs to the next working day's end
    obj.refresh_from_db()
    assert obj.status == CommitteeStatus.EXPIRED
    return obj


def test_expired_committee_cannot_open_a_round_art9(journey, staff):
    app = journey.formal_review_passed()
    obj = expired(staff)
    with pytest.raises(RuleViolation) as exc:
        services.open_round("第二轮", obj, criteria_set(), [app], staff)
    assert exc.value.article == "Art. 9"
    assert exc.value.field == "committee"
    app.refresh_from_db()
    assert app.status == Status.FORMAL_REVIEW_PASSED
    assert not obj.rounds.exists()


def test_committee_past_its_term_end_is_unusable_even_before_the_sweep_art9(journey, staff):
    app = journey.formal_review_passed()
    obj = activate(committee(15), staff)
    day_after = obj.term_end + datetime.timedelta(days=1)
    with on(day_after.year, day_after.month, day_after.day):  # the sweep has not run yet
        assert obj.status == CommitteeStatus.ACTIVE and not obj.is_usable()
        with pytest.raises(RuleViolation) as exc:
            services.open_round("第二轮", obj, criteria_set(), [app], staff)
    assert exc.value.article == "Art. 9"
    app.refresh_from_db()
    assert app.status == Status.FORMAL_REVIEW_PASSED


def test_draft_committee_cannot_open_a_round_art9(journey, staff):
    app = journey.formal_review_passed()
    with pytest.raises(RuleViolation) as exc:
        services.open_round("第一轮", committee(15), criteria_set(), [app], staff)
    assert exc.value.article == "Art. 9"


def test_expired_committee_cannot_receive_an_assignment_art9(journey, staff):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    obj = journey.committee
    sweep(as_of=lapse_day(obj.term_end))
    review_round = type(review_round).objects.get(pk=review_round.pk)
    with pytest.raises(RuleViolation) as exc:
        journey.assign(review_round, app, members_of(obj)[0])
    assert exc.value.article == "Art. 9"
    assert not review_round.assignments.exists()


# --- one committee at a time ------------------------------------------------------------------------


def test_second_committee_refused_while_the_first_is_within_its_term_art9(staff):
    with on(2026, 3, 2):
        first = activate(committee(15), staff)
    with on(2028, 3, 2):  # the last day of the first term
        error = refused(committee(15), staff)
    assert error.article == "Art. 9"
    assert str(first) in error.rule_message and "2028-03-02" in error.rule_message


def test_second_committee_activates_the_day_after_the_first_term_ends_art9(staff):
    with on(2026, 3, 2):
        first = activate(committee(15), staff)
    with on(2028, 3, 3):  # the sweep has not expired the first yet: its term is over all the same
        second = activate(committee(15), staff)
    assert second.status == CommitteeStatus.ACTIVE
    assert second.term_start == datetime.date(2028, 3, 3)
    first.refresh_from_db()
    assert first.status == CommitteeStatus.ACTIVE and not first.is_usable(on=datetime.date(2028, 3, 3))


def test_second_committee_activates_once_the_first_term_is_ended_early_art9(staff):
    first = activate(committee(15), staff)
    run_transition(first, "expire", staff, comment="换届")
    assert activate(committee(15), staff).status == CommitteeStatus.ACTIVE


def test_committee_may_not_be_activated_to_start_inside_another_term_art9(staff):
    with on(2026, 3, 2):
        activate(committee(15), staff)
    later = committee(15)
    with on(2026, 3, 2), pytest.raises(RuleViolation):
        activate(later, staff, term_start=datetime.date(2027, 1, 1))
    later.refresh_from_db()
    assert later.status == CommitteeStatus.DRAFT


# --- replacing a member mid-term ----------------------------------------------------------------------


def replace(obj, staff, member, incoming, position=None, reason="因工作调动辞去委员职务"):
    return run_transition(obj, "replace_member", staff, reason, member=member, incoming=incoming, position=position,
                          fields=[])


def seat(obj, position):
    return obj.members.filter(position=position).select_related("expert").first()


def test_member_replaced_mid_term_keeps_the_composition_and_is_recorded_art9(staff, django_capture_on_commit_callbacks):
    obj = activate(committee(15), staff)
    leaving = seat(obj, Position.MEMBER)
    newcomer = expert()
    with django_capture_on_commit_callbacks(execute=True):
        obj = replace(obj, staff, leaving, newcomer)
    assert obj.status == CommitteeStatus.ACTIVE
    assert newcomer in members_of(obj) and leaving.expert not in members_of(obj)
    assert obj.members.count() == 15 and obj.composition_errors() == []
    record = obj.replacements.get()
    assert (record.outgoing, record.incoming, record.position, record.by) == (leaving.expert, newcomer, Position.MEMBER, staff)
    entry = AuditEntry.objects.for_object(obj).get(transition="replace_member")
    assert (entry.article, entry.source_state, entry.target_state) == ("Art. 9", "active", "active")
    assert entry.data["incoming"] == newcomer.pk and entry.comment == "因工作调动辞去委员职务"
    assert Notification.objects.filter(recipient=newcomer).exists()


def test_replacing_the_chair_by_a_mere_member_is_refused_and_nothing_changes_art9(staff):
    obj = activate(committee(15), staff)
    chair = seat(obj, Position.CHAIR)
    newcomer = expert()
    with pytest.raises(RuleViolation) as exc:
        replace(obj, staff, chair, newcomer, position=Position.MEMBER)
    assert exc.value.article == "Art. 9"
    assert "exactly one chair (now 0)" in exc.value.rule_message
    assert chair.expert in members_of(obj) and newcomer not in members_of(obj)
    assert not obj.replacements.exists()
    assert not AuditEntry.objects.for_object(obj).filter(transition="replace_member").exists()


def test_the_chair_is_replaced_by_a_new_chair_art9(staff):
    obj = activate(committee(15), staff)
    newcomer = expert()
    replace(obj, staff, seat(obj, Position.CHAIR), newcomer)  # the outgoing member's position by default
    assert seat(obj, Position.CHAIR).expert == newcomer


def test_a_sixth_vice_chair_is_refused_art9(staff):
    obj = activate(committee(15, vice_chairs=5), staff)
    with pytest.raises(RuleViolation) as exc:
        replace(obj, staff, seat(obj, Position.MEMBER), expert(), position=Position.VICE_CHAIR)
    assert "3 to 5 vice-chairs (now 6)" in exc.value.rule_message


def test_a_member_cannot_be_replaced_by_someone_already_on_the_committee_art9(staff):
    obj = activate(committee(15), staff)
    first, second = list(obj.members.filter(position=Position.MEMBER)[:2])
    with pytest.raises(RuleViolation) as exc:
        replace(obj, staff, first, second.expert)
    assert exc.value.field == "incoming"


def test_replacement_needs_a_reason_and_ministry_staff_art9(staff):
    obj = activate(committee(15), staff)
    with pytest.raises(RuleViolation) as exc:
        replace(obj, staff, seat(obj, Position.MEMBER), expert(), reason="")
    assert exc.value.field == "comment"
    with pytest.raises(PermissionDenied):
        replace(obj, applicant_of(LocalHostFactory()), seat(obj, Position.MEMBER), expert())


def test_members_of_a_committee_past_its_term_are_not_replaced_art9(staff):
    with on(2026, 3, 2):
        obj = activate(committee(15), staff)
    with on(2028, 3, 3), pytest.raises(RuleViolation) as exc:
        replace(obj, staff, seat(obj, Position.MEMBER), expert())
    assert exc.value.article == "Art. 9"


def test_outgoing_member_unfinished_tasks_are_withdrawn_and_submitted_ones_kept_art9(journey, staff):
    app, other = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([app, other])
    obj = journey.committee
    leaving = obj.members.select_related("expert").get(expert=members_of(obj)[5])
    done = journey.assign(review_round, app, leaving.expert)
    journey.score(done)
    open_task = journey.assign(review_round, other, leaving.expert)
    replace(obj, staff, leaving, expert())
    done.refresh_from_db()
    open_task.refresh_from_db()
    assert done.status == "submitted" and open_task.status == "withdrawn"
    assert AuditEntry.objects.for_object(obj).get(transition="replace_member").data["withdrawn_assignments"] == [open_task.pk]
