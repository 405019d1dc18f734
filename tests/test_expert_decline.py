"""An expert declines an assignment with a reason before declaring (Art. 9); a declined or conflicted assignment
leaves a vacancy on the round page with a proposed replacement, by the rules of the manual suggestions and the
least loaded first, which staff confirm with one click."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Role
from kernel.models import AuditEntry, Notification
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from reviews.models import Assignment, AssignmentStatus
from reviews.replacements import propose_replacement, round_loads, unfilled, vacancies
from reviews.services import suggested_experts
from tests.factories import accept, score_and_submit, scoring_setup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def decline_on_page(client, assignment, reason):
    client.force_login(assignment.expert)
    return client.post(reverse("experts:assignment", args=[assignment.pk]), {"action": "decline", "comment": reason})


def test_expert_declines_with_a_reason_and_staff_hear_of_it_art9(client_en, django_capture_on_commit_callbacks):
    setup = scoring_setup(n_experts=2)
    task = setup.assignment(setup.experts[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = decline_on_page(client_en, task, "出国访问，评审期内无法参加")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == AssignmentStatus.DECLINED and task.declared_at is not None
    entry = AuditEntry.objects.for_object(task).get(transition="decline")
    assert (entry.comment, entry.article) == ("出国访问，评审期内无法参加", "Art. 9")
    told = Notification.objects.filter(url=task.round.get_absolute_url())
    assert told.exists() and {n.recipient.role for n in told} == {Role.MINISTRY_STAFF}
    assert all("出国访问" in n.body for n in told)


def test_declining_needs_a_reason_art9(client_en):
    setup = scoring_setup(n_experts=1)
    task = setup.assignment(setup.experts[0])
    response = decline_on_page(client_en, task, "   ")
    assert response.status_code == 200
    assert 'id="decline-comment-errors"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == AssignmentStatus.ASSIGNED
    assert not AuditEntry.objects.for_object(task).filter(transition="decline").exists()


def test_declining_is_refused_once_declared_or_submitted_and_to_anyone_but_the_expert_art9():
    setup = scoring_setup(n_experts=3)
    first, second, third = (setup.assignment(e) for e in setup.experts)
    with pytest.raises(PermissionDenied):  # staff, or another expert, cannot decline for them
        run_transition(first, "decline", setup.experts[1], "不是我的任务")
    with pytest.raises(PermissionDenied):
        run_transition(first, "decline", setup.staff, "代为拒绝")
    accepted = accept(first)
    with pytest.raises(TransitionConflict):  # the dossier is open to them: only a conflict takes them out
        run_transition(accepted, "decline", accepted.expert, "改变主意")
    submitted = score_and_submit(second)
    with pytest.raises(TransitionConflict):
        run_transition(submitted, "decline", submitted.expert, "改变主意")
    conflicted = run_transition(third, "declare_conflict", third.expert, "曾在申报单位任职")
    with pytest.raises(TransitionConflict):
        run_transition(conflicted, "decline", conflicted.expert, "再拒绝一次")
    assert [a.status for a in Assignment.objects.filter(pk__in=[first.pk, second.pk, third.pk]).order_by("pk")] == [
        AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED, AssignmentStatus.CONFLICT]


def test_replacement_excludes_the_decliner_the_conflicted_and_prefers_the_least_loaded_art9():
    setup = scoring_setup(n_applications=2, n_experts=3)
    app, other = setup.applications
    decliner, conflicted, staying = setup.experts
    declined = run_transition(setup.assignment(decliner), "decline", decliner, "时间冲突")
    run_transition(setup.assignment(conflicted), "declare_conflict", conflicted, "与申报单位有合作")
    # A member working for the host: never suggested, although nobody in the round gives them work.
    host_member = setup.committee.members.exclude(expert__in=setup.experts).order_by("pk").first().expert
    host_member.organisation = app.host
    host_member.save(update_fields=["organisation"])

    candidates = suggested_experts(setup.review_round, app)
    ids = [m.expert_id for m in candidates]
    assert not {decliner.pk, conflicted.pk, staying.pk, host_member.pk} & set(ids)
    # The first two suggestions get a task on the other application: the third, free, is proposed.
    for member in candidates[:2]:
        setup.journey.assign(setup.review_round, other, member.expert)
    proposal = propose_replacement(declined)
    assert proposal.expert_id == ids[2]
    assert round_loads(setup.review_round).get(ids[2], 0) == 0
    # With everyone as loaded, the suggestions' own order decides.
    setup.journey.assign(setup.review_round, other, candidates[2].expert)
    assert propose_replacement(declined).expert_id == ids[3]


def test_a_declared_conflict_leaves_a_vacancy_with_its_proposal_on_the_round_page_art9(
        client_en, django_assert_max_num_queries):
    setup = scoring_setup(n_applications=2, n_experts=2)
    task = run_transition(setup.assignment(setup.experts[0]), "declare_conflict", setup.experts[0], "曾在申报单位任职")
    score_and_submit(setup.assignment(setup.experts[1]))
    [vacancy] = vacancies(setup.review_round, [a.pk for a in setup.applications])
    assert vacancy.left == task and vacancy.proposal is not None
    client_en.force_login(setup.staff)
    # the page's own queries and, for its vacancy, the entries' assignments, the loads, the suggestions
    # (the committee, its experts' employers and expertise, the entries' consortium, team and people: Art. 9) and the
    # decliners; the ranking reads the criteria's weights and the round's experts once, and the entries as models only
    # for the page it draws
    with django_assert_max_num_queries(26):
        response = client_en.get(setup.review_round.get_absolute_url())
    body = response.content.decode()
    assert 'data-testid="vacancies"' in body and f'data-vacancy="{task.pk}"' in body
    assert str(vacancy.proposal.expert) in body
    # A second vacancy, on the other entry, adds only its decliners: the suggestions are read for all at once.
    other = run_transition(setup.assignment(setup.experts[0], setup.applications[1]), "declare_conflict",
                           setup.experts[0], "曾在申报单位任职")
    with django_assert_max_num_queries(26):
        body = client_en.get(setup.review_round.get_absolute_url()).content.decode()
    assert f'data-vacancy="{task.pk}"' in body and f'data-vacancy="{other.pk}"' in body
    # The entry's own assignment page shows it too, with the same proposal.
    page = client_en.get(reverse("reviews:round_assign", args=[setup.review_round.pk, task.application_id]))
    assert f'data-vacancy="{task.pk}"' in page.content.decode() and str(vacancy.proposal.expert) in page.content.decode()


def test_confirming_the_proposal_assigns_it_and_fills_the_vacancy_art9(client_en, django_capture_on_commit_callbacks):
    setup = scoring_setup(n_experts=2)
    declined = run_transition(setup.assignment(setup.experts[0]), "decline", setup.experts[0], "身体原因")
    proposal = propose_replacement(declined)
    client_en.force_login(setup.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_en.post(reverse("reviews:round_assign", args=[setup.review_round.pk, declined.application_id]),
                                  {"expert": proposal.expert_id})
    assert response.status_code == 302
    new = Assignment.objects.get(round=setup.review_round, application=declined.application, expert=proposal.expert)
    assert new.status == AssignmentStatus.ASSIGNED
    assert Notification.objects.filter(recipient=proposal.expert, url=new.get_absolute_url()).exists()  # asked to declare
    assert vacancies(setup.review_round, [declined.application_id]) == []
    body = client_en.get(setup.review_round.get_absolute_url()).content.decode()
    assert 'data-testid="vacancies"' not in body


def test_each_vacancy_is_filled_by_one_later_assignment_only_art9():
    setup = scoring_setup(n_experts=3)
    first = run_transition(setup.assignment(setup.experts[0]), "decline", setup.experts[0], "时间冲突")
    second = run_transition(setup.assignment(setup.experts[1]), "declare_conflict", setup.experts[1], "近三年在主持单位任职")
    tasks = lambda: Assignment.objects.filter(round=setup.review_round)  # noqa: E731
    assert unfilled(tasks()) == [first, second]
    one, other = vacancies(setup.review_round, [setup.applications[0].pk])
    assert one.proposal.expert_id != other.proposal.expert_id  # two seats, two different people offered
    setup.journey.assign(setup.review_round, setup.applications[0], propose_replacement(first).expert)
    assert unfilled(tasks()) == [second]
    with pytest.raises(RuleViolation):  # the decliner is not assigned again by hand either
        setup.journey.assign(setup.review_round, setup.applications[0], setup.experts[0])
