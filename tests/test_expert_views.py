"""The expert's pages: assignments, the conflict declaration (Art. 9), blind scoring (Art. 13)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from applications.models import ConsortiumMember
from kernel.models import Notification
from reviews.models import Assignment, AssignmentStatus, Score
from reviews.services import save_scores
from tests.factories import LAB_NAME, LocalHostFactory, UserFactory, accept, add_round, applicant_of, score_and_submit, scoring_setup

pytestmark = pytest.mark.django_db


def page(client, user, url, method="get", **data):
    client.force_login(user)
    return getattr(client, method)(url, data) if data or method == "post" else client.get(url)


def assignment_url(assignment):
    return reverse("experts:assignment", args=[assignment.pk])


def scores_post(setup, values, action="save", comments=None, overall=""):
    """POST data: `values` in criteria order (None = left blank)."""
    data = {"action": action, "overall_comment": overall}
    for i, (criterion, value) in enumerate(zip(setup.criteria_list, values)):
        data[f"criterion_{criterion.pk}"] = "" if value is None else str(value)
        data[f"comment_{criterion.pk}"] = (comments or {}).get(i, "")
    return data


# --- the assignments list -------------------------------------------------------------------------


def test_assignments_page_lists_only_own_with_progress_and_bounded_queries(client, django_assert_max_num_queries):
    setup = scoring_setup(n_applications=3, n_experts=2)
    expert, other = setup.experts
    first = accept(setup.assignment(expert))
    save_scores(first, expert, {setup.criteria_list[0].pk: (70, "")})
    client.force_login(expert)
    # session, user, the verified second-factor device (experts use one), the assignments' number and page, unread
    # count, organisations
    with django_assert_max_num_queries(7):
        response = client.get(reverse("experts:assignments"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="round"') == 1  # grouped by round
    for app in setup.applications:
        assert f'data-assignment="{setup.assignment(expert, app).pk}"' in body
        assert f'data-assignment="{setup.assignment(other, app).pk}"' not in body
    assert "1 / 3" in body  # criteria scored / total

    # More rows in a second round, same number of queries.
    add_round(setup, n_applications=3)
    for app in setup.applications[3:5]:
        accept(setup.assignment(expert, app))
    with django_assert_max_num_queries(7):
        response = client.get(reverse("experts:assignments"))
    body = response.content.decode()
    assert body.count('data-testid="round"') == 2
    assert body.count("data-assignment=") == 6


def test_home_page_shows_the_experts_todo(client):
    setup = scoring_setup(n_applications=3, n_experts=1)
    expert = setup.experts[0]
    a0, a1, a2 = (setup.assignment(expert, app) for app in setup.applications)
    accept(a1)
    score_and_submit(a2)
    body = page(client, expert, reverse("home")).content.decode()
    to_declare = body[body.index('data-testid="to-declare"'):body.index('data-testid="scoring-in-progress"')]
    assert f'data-assignment="{a0.pk}"' in to_declare
    in_progress = body[body.index('data-testid="scoring-in-progress"'):body.index('data-testid="submitted"')]
    assert f'data-assignment="{a1.pk}"' in in_progress and "0 / 3" in in_progress
    assert f'data-assignment="{a2.pk}"' in body[body.index('data-testid="submitted"'):]


def test_an_experts_pages_read_only_what_they_show_however_many_assignments(client_en, django_assert_max_num_queries,
                                                                            monkeypatch):
    """The home page lists every assignment awaiting the expert and the latest ten submitted with their number; the
    list of all assignments is drawn a page at a time. Years of reviewing do not make either page longer to read."""
    setup = scoring_setup(n_applications=13, n_experts=1)
    expert = setup.experts[0]
    mine = [setup.assignment(expert, app) for app in setup.applications]
    for assignment in mine[:11]:
        score_and_submit(assignment)
    accept(mine[11])
    client_en.force_login(expert)
    # session, user, device, the assignments awaiting the expert, the latest submitted, their number, unread count
    with django_assert_max_num_queries(8) as queries:
        body = client_en.get(reverse("home")).content.decode()
    read = [q["sql"] for q in queries.captured_queries if 'FROM "reviews_assignment"' in q["sql"]]
    assert all('"applications_application"."summary"' not in sql for sql in read)  # no dossier's long texts
    assert all("LIMIT 10" in sql or "COUNT(" in sql or "'assigned'" in sql for sql in read), read  # never all of them
    submitted = body[body.index('data-testid="submitted"'):]
    assert submitted.count("data-assignment=") == 10 and "latest 10 of 11" in submitted
    latest = sorted(Assignment.objects.filter(pk__in=[a.pk for a in mine[:11]]), key=lambda a: (a.submitted_at, a.pk))
    assert f'data-assignment="{latest[-1].pk}"' in submitted and f'data-assignment="{latest[0].pk}"' not in submitted
    assert body.count("data-assignment=") == 10 + 1 + 1  # and the one being scored, the one to declare

    monkeypatch.setattr("reviews.views_expert.PAGE_SIZE", 10)
    first = client_en.get(reverse("experts:assignments")).content.decode()
    second = client_en.get(reverse("experts:assignments"), {"page": 2}).content.decode()
    assert first.count("data-assignment=") == 10 and second.count("data-assignment=") == 3
    shown = {int(pk) for page in (first, second) for pk in re.findall(r'data-assignment="(\d+)"', page)}
    assert shown == {a.pk for a in mine} and "Page 2 of 2" in second


# --- conflict of interest declaration (Art. 9) -------------------------------------------------------


def test_before_declaring_the_expert_sees_only_conflict_facts_then_no_conflict_opens_the_dossier_art9(client):
    setup = scoring_setup()
    expert = setup.experts[0]
    assignment = setup.assignment(expert)
    member = LocalHostFactory(name="江苏省计量科学研究院")
    ConsortiumMember.objects.create(application=assignment.application, organisation=member, role="成员单位")
    dossier = reverse("applications:detail", args=[assignment.application_id])

    body = page(client, expert, assignment_url(assignment)).content.decode()
    assert LAB_NAME in body and str(assignment.application.host) in body and "江苏省计量科学研究院" in body
    assert 'data-testid="declaration"' in body
    assert 'data-testid="scoring"' not in body and dossier not in body
    assert client.get(dossier).status_code == 404

    response = client.post(assignment_url(assignment), {"action": "declare_no_conflict"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED and assignment.declared_at is not None
    body = client.get(assignment_url(assignment)).content.decode()
    assert 'data-testid="scoring"' in body and dossier in body
    assert client.get(dossier).status_code == 200


def test_declaring_a_conflict_needs_a_reason_withdraws_and_asks_staff_for_a_replacement_art9(
        client, django_capture_on_commit_callbacks):
    setup = scoring_setup()
    expert = setup.experts[0]
    assignment = setup.assignment(expert)
    url = assignment_url(assignment)

    response = page(client, expert, url, "post", action="declare_conflict", comment="  ")
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "declare_conflict", "comment": "本人曾在依托单位任职"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFLICT
    note = Notification.objects.get(recipient=setup.staff)
    assert "本人曾在依托单位任职" in note.body
    assert client.get(reverse("applications:detail", args=[assignment.application_id])).status_code == 404
    body = client.get(url).content.decode()
    assert 'data-testid="declaration"' not in body and 'data-testid="scoring"' not in body


# --- scoring ------------------------------------------------------------------------------------------


def test_save_a_draft_then_submit(client):
    setup = scoring_setup()
    expert = setup.experts[0]
    assignment = accept(setup.assignment(expert))
    url = assignment_url(assignment)

    response = page(client, expert, url, "post", **scores_post(setup, [85, 70.5, None], comments={0: "基础扎实"}))
    assert response.status_code == 302
    assert dict(Score.objects.filter(assignment=assignment).values_list("criterion__title", "value")) == {
        "指标1": 85, "指标2": 70.5}
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED
    body = client.get(url).content.decode()
    assert 'value="70.5"' in body and "基础扎实" in body and "2 / 3" in body

    response = client.post(url, scores_post(setup, [85, 70.5, 90], action="submit", overall="同意推荐"))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED and assignment.submitted_at is not None
    assert assignment.overall_comment == "同意推荐"
    assert assignment.scores.count() == 3
    body = client.get(url).content.decode()
    assert 'data-testid="scoring"' not in body and 'data-testid="own-scores"' in body
    # 85×40% + 70.5×30% + 90×30% = 82.15
    assert "82.15" in body


def test_a_score_of_101_is_refused_on_its_criterion_and_nothing_is_saved_art13(client):
    setup = scoring_setup()
    expert = setup.experts[0]
    assignment = accept(setup.assignment(expert))
    second = setup.criteria_list[1]

    response = page(client, expert, assignment_url(assignment), "post", **scores_post(setup, [80, 101, 60]))
    assert response.status_code == 200
    form = response.context["form"]
    assert "指标2" in " ".join(form.errors[f"criterion_{second.pk}"])
    assert f'id="id_criterion_{second.pk}_errors"' in response.content.decode()
    assert not Score.objects.filter(assignment=assignment).exists()


def test_submitting_with_a_criterion_unscored_is_refused_naming_it_and_nothing_is_saved_art13(client):
    setup = scoring_setup()
    expert = setup.experts[0]
    assignment = accept(setup.assignment(expert))

    response = page(client, expert, assignment_url(assignment), "post",
                    **scores_post(setup, [80, 75, None], action="submit"))
    assert response.status_code == 200
    assert "指标3" in " ".join(response.context["form"].non_field_errors())
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED
    assert not Score.objects.filter(assignment=assignment).exists()


# --- blind scoring ------------------------------------------------------------------------------------


def test_blind_scoring_no_other_score_before_submitting_all_after_art13(client):
    setup = scoring_setup(n_experts=3)
    expert, colleague, slow = setup.experts
    score_and_submit(setup.assignment(colleague), value="67.25", comment="同行评语甲乙丙")
    draft = accept(setup.assignment(slow))
    save_scores(draft, slow, {setup.criteria_list[0].pk: ("12.5", "尚未提交的草稿评语")})
    assignment = accept(setup.assignment(expert))
    client.force_login(expert)
    pages = [
        assignment_url(assignment),
        reverse("experts:assignments"),
        reverse("home"),
        reverse("applications:detail", args=[assignment.application_id]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "67.25" not in body and "同行评语甲乙丙" not in body, url
        assert 'data-testid="peer-scores"' not in body

    assert client.post(assignment_url(assignment), scores_post(setup, [90, 90, 90], action="submit")).status_code == 302
    body = client.get(assignment_url(assignment)).content.decode()
    assert 'data-testid="peer-scores"' in body
    assert "67.25" in body and "同行评语甲乙丙" in body
    assert "78.62" in body  # weighted mean of 90 and 67.25 (banker's rounding of 78.625)
    assert "尚未提交的草稿评语" not in body and "12.5" not in body  # a colleague's draft stays private


# --- who may act ---------------------------------------------------------------------------------------


def test_another_experts_assignment_is_not_found(client):
    setup = scoring_setup(n_experts=1)
    assignment = setup.assignment(setup.experts[0])
    outsider = setup.committee.members.exclude(expert=setup.experts[0]).first().expert
    url = assignment_url(assignment)
    assert page(client, outsider, url).status_code == 404
    assert client.post(url, {"action": "declare_no_conflict"}).status_code == 404
    assert page(client, applicant_of(assignment.application.host), url).status_code == 404
    assert page(client, UserFactory(role=Role.RECOMMENDER), url).status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_ministry_staff_cannot_declare_or_score_for_an_expert(client):
    setup = scoring_setup(n_experts=1)
    assignment = setup.assignment(setup.experts[0])
    url = assignment_url(assignment)

    body = page(client, setup.staff, url).content.decode()
    assert 'data-testid="declaration"' not in body
    assert client.post(url, {"action": "declare_no_conflict"}).status_code == 403

    accept(assignment)
    assert 'data-testid="scoring"' not in client.get(url).content.decode()
    assert client.post(url, scores_post(setup, [80, 80, 80])).status_code == 403
    assert client.post(url, scores_post(setup, [80, 80, 80], action="submit")).status_code == 403
    assert not Score.objects.filter(assignment=assignment).exists()
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.ACCEPTED
