"""Rounds need enough opinions (Art. 13, also for the acceptance and evaluation rounds of Art. 19 and 26): every
assigned expert's, or with a recorded reason at least two thirds of them; concluding closes the unfinished tasks;
the experts have a scoring deadline with reminders that staff may move."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from applications.models import Status
from evaluations.models import LabStatus
from kernel.deadlines import sweep
from kernel.models import AuditEntry, Deadline, Notification
from kernel.rules import RuleViolation
from kernel.transitions import run_transition
from kernel.workdays import add_working_days
from labportal.journeys import acceptance_criteria
from reviews import services
from reviews.deadlines import ROUND_SCORING
from reviews.models import AssignmentStatus, RoundStatus
from tests.factories import client_for, on, samr_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def round_of(journey, experts=3, submitted=3, apps=1):
    """A round of `apps` applications, each with `experts` assigned of whom the first `submitted` have submitted
    (the others keep a draft)."""
    applications = [journey.formal_review_passed() for _ in range(apps)]
    review_round = journey.open_round(applications)
    tasks = []
    for app in applications:
        for index, expert in enumerate(journey.experts[:experts]):
            task = journey.assign(review_round, app, expert)
            journey.score(task, 70 + index, submit=index < submitted)
            tasks.append(task)
    return review_round, applications, tasks


def conclude(journey, review_round, applications, short_reason=""):
    return run_transition(review_round, "conclude", journey.staff, decisions={a.pk: ("advance", "") for a in applications},
                          short_reason=short_reason)


def refused(journey, review_round, applications, short_reason=""):
    with pytest.raises(RuleViolation) as exc:
        conclude(journey, review_round, applications, short_reason)
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN
    assert all(a.status == Status.EXPERT_REVIEW for a in type(applications[0]).objects.filter(pk__in=[a.pk for a in applications]))
    assert not review_round.assignments.filter(status=AssignmentStatus.LAPSED).exists()
    return exc.value


# --- how many opinions --------------------------------------------------------------------------------


def test_round_concludes_without_a_reason_when_every_assigned_expert_submitted_art13(journey):
    review_round, apps, _ = round_of(journey, experts=3, submitted=3)
    review_round = conclude(journey, review_round, apps)
    assert review_round.status == RoundStatus.CONCLUDED and review_round.short_reason == ""
    assert apps[0].__class__.objects.get(pk=apps[0].pk).status == Status.SITE_INSPECTION


def test_two_of_three_opinions_refused_without_a_reason_art13(journey):
    review_round, apps, _ = round_of(journey, experts=3, submitted=2)
    error = refused(journey, review_round, apps)
    assert (error.field, error.article) == ("short_reason", "Art. 13")
    assert str(apps[0]) in error.rule_message


def test_two_of_three_opinions_with_a_reason_conclude_and_close_the_third_task_art13(journey, django_capture_on_commit_callbacks):
    review_round, apps, tasks = round_of(journey, experts=3, submitted=2)
    with django_capture_on_commit_callbacks(execute=True):
        review_round = conclude(journey, review_round, apps, short_reason="  第三位专家因病无法按期完成评审  ")
    assert review_round.short_reason == "第三位专家因病无法按期完成评审"
    late = tasks[2]
    late.refresh_from_db()
    assert late.status == AssignmentStatus.LAPSED
    assert late.scores.exists()  # the draft is kept in the record, not counted
    closing = AuditEntry.objects.for_object(late).get(transition="close_unsubmitted")
    assert (closing.transition, closing.article, closing.actor) == ("close_unsubmitted", "Art. 13", journey.staff)
    assert Notification.objects.filter(recipient=late.expert, url=reverse("experts:assignments")).exists()
    assert [t.status for t in type(late).objects.filter(pk__in=[t.pk for t in tasks[:2]])] == [AssignmentStatus.SUBMITTED] * 2


def test_one_of_two_opinions_refused_even_with_a_reason_art13(journey):
    review_round, apps, _ = round_of(journey, experts=2, submitted=1)
    error = refused(journey, review_round, apps, short_reason="时间紧")
    assert error.field == "short_reason"
    assert "two thirds" in error.rule_message and "1 of 2" in error.rule_message


def test_three_of_four_opinions_with_a_reason_suffice_art13(journey):
    review_round, apps, _ = round_of(journey, experts=4, submitted=3)
    assert conclude(journey, review_round, apps, short_reason="一位专家出国").status == RoundStatus.CONCLUDED


def test_every_entry_needs_its_share_not_the_round_as_a_whole_art13(journey):
    review_round, apps, tasks = round_of(journey, experts=3, submitted=3, apps=2)
    extra = journey.assign(review_round, apps[1], journey.experts[3])
    run_transition(extra, "withdraw", journey.staff)  # staff took this one out: it is not awaited
    assert conclude(journey, review_round, apps).status == RoundStatus.CONCLUDED

    review_round, apps, tasks = round_of(journey, experts=3, submitted=3, apps=2)
    extra = journey.assign(review_round, apps[1], journey.experts[3])
    journey.score(extra, 60, submit=False)
    error = refused(journey, review_round, apps)  # 6 of 7 in the round, but the second entry has 3 of 4
    assert str(apps[1]) in error.rule_message and str(apps[0]) not in error.rule_message


def test_an_expert_who_declared_a_conflict_is_not_awaited_art9_art13(journey):
    review_round, apps, _ = round_of(journey, experts=2, submitted=2)
    conflicted = journey.assign(review_round, apps[0], journey.experts[2])
    run_transition(conflicted, "declare_conflict", conflicted.expert, "与申请单位有合作关系")
    assert conclude(journey, review_round, apps).status == RoundStatus.CONCLUDED


def test_an_entry_without_any_expert_is_refused_art13(journey):
    review_round, apps, _ = round_of(journey, experts=2, submitted=2)
    unassigned = journey.formal_review_passed()
    review_round.entries.create(application=unassigned)
    run_transition(unassigned, "start_expert_review", journey.staff, internal=True)
    error = refused(journey, review_round, [*apps, unassigned], short_reason="理由")
    assert error.field == "decisions" and str(unassigned) in error.rule_message


def test_the_share_with_a_reason_is_configurable_art13(journey, settings):
    settings.ROUND_QUORUM_WITH_REASON = "1/2"
    review_round, apps, _ = round_of(journey, experts=2, submitted=1)
    assert conclude(journey, review_round, apps, short_reason="经研究同意").status == RoundStatus.CONCLUDED
    settings.ROUND_QUORUM_WITH_REASON = "0"
    review_round, apps, _ = round_of(journey, experts=2, submitted=1)
    with pytest.raises(ImproperlyConfigured):
        conclude(journey, review_round, apps, short_reason="经研究同意")


def test_a_lab_round_needs_the_same_opinions_through_the_api_art19(journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW)
    review_round = journey.open_lab_round([lab], acceptance_criteria())
    for index, expert in enumerate(journey.experts[:3]):
        journey.score(journey.assign(review_round, lab.application, expert), 80, submit=index < 2)
    client = client_for(journey.staff)
    url = f"/api/lab-rounds/{review_round.pk}/transitions/conclude/"
    body = {"decisions": {str(lab.pk): {"outcome": "pass", "opinion": "同意通过验收"}}}
    refused_ = client.post(url, body, format="json")
    assert refused_.status_code == 400 and refused_.data["article"] == "Art. 13"
    done = client.post(url, {**body, "short_reason": "一位专家回避后未能补充"}, format="json")
    assert done.status_code == 200, done.data
    assert done.data["short_reason"] == "一位专家回避后未能补充"
    lab.refresh_from_db()
    assert lab.status != LabStatus.ACCEPTANCE_REVIEW


# --- the scoring deadline ------------------------------------------------------------------------------


def test_a_round_opens_with_a_default_scoring_deadline_in_working_days(journey, settings):
    settings.ROUND_SCORING_WORKING_DAYS = 10
    with on(2026, 9, 24):  # the National Day holiday falls inside the ten working days
        review_round = journey.open_round([journey.formal_review_passed()])
    expected = add_working_days(datetime.date(2026, 9, 24), 10).date
    assert review_round.scoring_due == expected > datetime.date(2026, 10, 8)
    deadline = Deadline.objects.for_object(review_round).get()
    assert (deadline.kind, deadline.due_date, deadline.state) == (ROUND_SCORING.code, expected, Deadline.State.OPEN)


def test_a_scoring_deadline_not_after_today_is_refused_and_nothing_opens(journey):
    app = journey.formal_review_passed()
    with pytest.raises(RuleViolation) as exc:
        services.open_round("第一轮", journey.committee, journey.criteria, [app], journey.staff,
                            scoring_due=timezone.localdate() - datetime.timedelta(days=1))
    assert exc.value.field == "scoring_due"
    app.refresh_from_db()
    assert app.status == Status.FORMAL_REVIEW_PASSED and not app.round_entries.exists()


def test_reminders_go_only_to_experts_yet_to_submit_and_the_lapse_to_staff(journey, django_capture_on_commit_callbacks):
    with on(2026, 11, 2):
        review_round, apps, tasks = round_of(journey, experts=3, submitted=1)
    due = review_round.scoring_due
    pending = {t.expert_id for t in tasks[1:]}
    experts_page, round_page = reverse("experts:assignments"), review_round.get_absolute_url()
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(as_of=due - datetime.timedelta(days=4))
        assert not Notification.objects.exclude(pk__in=before).exists()
        sweep(as_of=due - datetime.timedelta(days=3))
    reminded = Notification.objects.exclude(pk__in=before)
    assert set(reminded.values_list("recipient_id", flat=True)) == pending
    assert {n.url for n in reminded} == {experts_page}

    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(as_of=datetime.date(2026, 12, 31))
    missed = Notification.objects.exclude(pk__in=before).filter(url=round_page)
    assert missed.exists() and {n.recipient.role for n in missed} == {"ministry_staff"}
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.OPEN  # staff decide; nothing happens by itself
    assert Deadline.objects.for_object(review_round).get().state == Deadline.State.MISSED


def test_concluding_meets_the_scoring_deadline(journey):
    review_round, apps, _ = round_of(journey, experts=1, submitted=1)
    conclude(journey, review_round, apps)
    assert Deadline.objects.for_object(review_round).get().state == Deadline.State.MET


def test_staff_move_the_scoring_deadline_on_the_round_page_and_the_pending_experts_hear_of_it(
        client_en, journey, django_capture_on_commit_callbacks):
    client = client_en
    review_round, apps, tasks = round_of(journey, experts=2, submitted=1)
    client.force_login(journey.staff)
    url = reverse("reviews:round_reschedule", args=[review_round.pk])
    client.post(url, {"due": timezone.localdate().isoformat()})
    review_round.refresh_from_db()
    old_due = review_round.scoring_due
    assert old_due > timezone.localdate()  # a deadline of today was refused

    new_due = old_due + datetime.timedelta(days=7)
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"due": new_due.isoformat()})
    assert response.status_code == 302
    review_round.refresh_from_db()
    assert review_round.scoring_due == new_due
    assert Deadline.objects.for_object(review_round).open().get().due_date == new_due
    entry = AuditEntry.objects.for_object(review_round).get(transition="reschedule")
    assert entry.data == {"scoring_due": new_due.isoformat(), "previous": old_due.isoformat()}
    told = Notification.objects.exclude(pk__in=before)
    assert set(told.values_list("recipient_id", flat=True)) == {tasks[1].expert_id}

    other = samr_staff()
    assert client_for(other).post(f"/api/rounds/{review_round.pk}/transitions/reschedule/",
                                  {"due": (new_due + datetime.timedelta(days=1)).isoformat()}, format="json").status_code == 200


def test_round_page_shows_the_deadline_and_asks_the_reason_when_opinions_are_missing(client_en, journey):
    client = client_en
    review_round, apps, tasks = round_of(journey, experts=3, submitted=2)
    client.force_login(journey.staff)
    assert 'data-testid="scoring-due"' in client.get(review_round.get_absolute_url()).content.decode()
    url = reverse("reviews:round_conclude", args=[review_round.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="quorum-rule"' in html and 'name="short_reason"' in html and "two thirds" in html

    response = client.post(url, {f"action_{apps[0].pk}": "advance"})
    assert response.status_code == 200 and "record why" in response.content.decode()
    response = client.post(url, {f"action_{apps[0].pk}": "advance", "short_reason": "第三位专家联系不上"})
    assert response.status_code == 302
    page = client.get(review_round.get_absolute_url()).content.decode()
    assert 'data-testid="short-reason"' in page and "第三位专家联系不上" in page
    tasks[2].refresh_from_db()
    assert tasks[2].status == AssignmentStatus.LAPSED
