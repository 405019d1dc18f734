"""The experts' scoring deadline of a round (Art. 13): reminders three days and one day before and on the day, to
each expert with an assignment not yet submitted; staff's "who is late" page."""

import datetime

import pytest
from django.urls import reverse

from kernel.deadlines import sweep
from kernel.models import Notification
from kernel.transitions import run_transition
from tests.factories import accept, on, score_and_submit, scoring_setup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def round_with_a_late_expert_of_each_kind():
    """Five experts on two applications: one submitted both, one declined the first and submitted the second, one is
    scoring (declared, nothing submitted), one has not declared, one declared a conflict on the first and has not
    declared on the second."""
    with on(2026, 11, 2):
        setup = scoring_setup(n_applications=2, n_experts=5)
    first, second = setup.applications
    done, declined, scoring, silent, conflicted = setup.experts
    for app in setup.applications:
        score_and_submit(setup.assignment(done, app))
    run_transition(setup.assignment(declined, first), "decline", declined, "出差")
    score_and_submit(setup.assignment(declined, second))
    accept(setup.assignment(scoring, first))
    run_transition(setup.assignment(conflicted, first), "declare_conflict", conflicted, "同一单位")
    return setup, {scoring.pk, silent.pk, conflicted.pk}


def reminded_on(day, django_capture_on_commit_callbacks):
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(as_of=day)
    return set(Notification.objects.exclude(pk__in=before).values_list("recipient_id", flat=True))


def test_experts_yet_to_submit_are_reminded_three_days_and_one_day_before_and_on_the_day_art13(
        django_capture_on_commit_callbacks):
    setup, late = round_with_a_late_expert_of_each_kind()
    due = setup.review_round.scoring_due
    days = {offset: reminded_on(due - datetime.timedelta(days=offset), django_capture_on_commit_callbacks)
            for offset in (4, 3, 2, 1, 0)}
    assert days == {4: set(), 3: late, 2: set(), 1: late, 0: late}
    assert reminded_on(due, django_capture_on_commit_callbacks) == set()  # once per day and person


def test_the_late_view_lists_exactly_the_experts_yet_to_submit_with_days_overdue_art13(
        client_en, django_assert_max_num_queries):
    setup, late = round_with_a_late_expert_of_each_kind()
    url = reverse("reviews:round_late", args=[setup.review_round.pk])
    client_en.force_login(setup.staff)
    with on(*(setup.review_round.scoring_due + datetime.timedelta(days=3)).timetuple()[:3]):
        # session, user, second factor, the round, the count and the page of experts, the inbox badge's count
        with django_assert_max_num_queries(9):
            response = client_en.get(url)
    body = response.content.decode()
    shown = {int(part.split('"')[0]) for part in body.split('data-expert="')[1:]}
    assert shown == late
    assert "3 days overdue" in body and "3 experts have not submitted" in body
    silent = next(e for e in setup.experts if e.pk in late and not e.assignments.filter(status="accepted").exists()
                  and e.assignments.filter(status="conflict").count() == 0)
    row = body.split(f'data-expert="{silent.pk}"')[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[1:3]] == ["2", "2"]  # two to submit, neither declared
    round_page = client_en.get(setup.review_round.get_absolute_url()).content.decode()
    assert url in round_page and "3 experts yet to submit" in round_page


def test_the_late_view_is_for_staff_only_art13(client_en):
    setup, late = round_with_a_late_expert_of_each_kind()
    url = reverse("reviews:round_late", args=[setup.review_round.pk])
    client_en.force_login(setup.experts[0])
    assert client_en.get(url).status_code == 403
    client_en.logout()
    assert client_en.get(url).status_code == 302  # to the login page
