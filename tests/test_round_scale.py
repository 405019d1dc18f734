"""Expert rounds at national scale (issue 16): the rounds list counts each round's entries, assignments and submitted
scores with a subquery each (the same numbers the joined `Count(distinct=True)` gave), and a round's page shows its
entries a page at a time, in a number of queries that does not grow with the round."""

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Status
from reviews.models import Assignment, AssignmentStatus, ReviewRound, RoundEntry, Score
from tests.factories import ApplicationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]

# Each entry's experts, in the committee's order: one submitted (scores), one accepted (draft scores), one assigned,
# one withdrawn.
EXPERT_STATES = [AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED, AssignmentStatus.ASSIGNED, AssignmentStatus.WITHDRAWN]


def bulk_round(journey, entries, title, experts=4):
    """A round of `entries` applications under expert review, each with `experts` of the committee assigned in the
    states of EXPERT_STATES, scores on every criterion for those who declared no conflict: rows made with
    `bulk_create` (the journeys take a second per application; what is asserted here is only what the pages show)."""
    template = ApplicationFactory()
    applications = Application.objects.bulk_create([
        Application(host=template.host, call=template.call, created_by=template.created_by, status=Status.EXPERT_REVIEW,
                    name_zh=f"{title}{n}号质量国家质量标准实验室", name_en_subject=f"Quality {n}", field=template.field,
                    research_directions=template.research_directions)
        for n in range(entries)])
    review_round = ReviewRound.objects.create(title=title, committee=journey.committee, criteria_set=journey.criteria,
                                              opened_by=journey.staff)
    RoundEntry.objects.bulk_create([RoundEntry(round=review_round, application=app) for app in applications])
    submitted_at = timezone.now()
    assignments = Assignment.objects.bulk_create([
        Assignment(round=review_round, application=app, expert=expert, status=state,
                   submitted_at=submitted_at if state == AssignmentStatus.SUBMITTED else None)
        for app in applications for expert, state in zip(journey.experts[:experts], EXPERT_STATES, strict=False)])
    criteria = list(journey.criteria.criteria.all())
    Score.objects.bulk_create([
        Score(assignment=assignment, criterion=criterion, value=70 + n % 25)
        for n, assignment in enumerate(assignments)
        if assignment.status in (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED) for criterion in criteria])
    return review_round


def rounds_list(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reviews:rounds"), params)
    assert response.status_code == 200
    return response, len(queries)


def test_the_rounds_list_counts_what_the_joined_counts_counted(client, journey):
    rounds = [bulk_round(journey, entries, f"第{entries}轮", experts) for entries, experts in ((3, 4), (5, 2), (1, 1))]
    ReviewRound.objects.create(title="空轮", committee=journey.committee, criteria_set=journey.criteria,
                               opened_by=journey.staff)
    joined = {r.pk: (r.n_applications, r.n_assignments, r.n_submitted) for r in ReviewRound.objects.annotate(
        n_applications=Count("entries", distinct=True),
        n_assignments=Count("assignments", distinct=True),
        n_submitted=Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED), distinct=True))}
    assert joined[rounds[0].pk] == (3, 12, 3) and joined[rounds[1].pk] == (5, 10, 5) and joined[rounds[2].pk] == (1, 1, 1)

    client.force_login(journey.staff)
    response, _queries = rounds_list(client)
    listed = {r.pk: (r.n_applications, r.n_assignments, r.n_submitted) for r in response.context["page_obj"]}
    assert listed == joined
    assert [r.title for r in response.context["page_obj"]] == ["空轮", "第1轮", "第5轮", "第3轮"]
    row = response.content.decode().split("第3轮", 1)[1].split("</tr>", 1)[0]
    assert '<td class="text-end">3</td>' in row and "3 / 12" in row  # applications; submitted of assigned


def test_the_rounds_list_costs_the_same_queries_for_2_and_10_rounds(client, journey):
    for n in range(2):
        bulk_round(journey, 2, f"小批{n}")
    client.force_login(journey.staff)
    response, few = rounds_list(client)
    assert len(response.context["page_obj"]) == 2
    for n in range(8):
        bulk_round(journey, 3, f"大批{n}")
    response, many = rounds_list(client)
    assert len(response.context["page_obj"]) == 10
    assert many == few
