"""Expert rounds at national scale (issue 16): the rounds list counts each round's entries, assignments and submitted
scores with a subquery each (the same numbers the joined `Count(distinct=True)` gave), and a round's page shows its
entries a page at a time, in a number of queries that does not grow with the round."""

import re

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Status
from reviews.models import Assignment, AssignmentStatus, ReviewRound, RoundEntry, Score, round_entry_url
from tests.factories import ApplicationFactory, client_for

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
                    submitted_at=timezone.now(), name_zh=f"{title}{n}号质量国家质量标准实验室",
                    name_en_subject=f"Quality {n}", field=template.field,
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


def round_page(client, review_round, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(review_round.get_absolute_url(), params)
    assert response.status_code == 200
    return response, len(queries)


def test_a_big_rounds_page_shows_its_entries_a_page_at_a_time_ranked_across_the_round(client, journey):
    review_round = bulk_round(journey, 60, "大轮")
    client.force_login(journey.staff)
    response, _queries = round_page(client, review_round)
    html = response.content.decode()
    assert [r.rank for r in response.context["results"]] == list(range(1, 26))
    assert html.count('id="application-') == 25 and html.count("<details") == 25
    summary = html.split("<summary", 1)[1].split("</summary>", 1)[0]
    assert "4 experts" in summary and [part.split("<")[0] for part in summary.split('data-testid="expert-status">')[1:]] == [
        "Awaiting conflict declaration × 1", "No conflict declared: scoring × 1", "Scores submitted × 1",
        "Withdrawn by staff × 1"]
    assert "60 entries await their decisions." in html and reverse("reviews:round_conclude", args=[review_round.pk]) in html
    last, _queries = round_page(client, review_round, page=3)
    assert [r.rank for r in last.context["results"]] == list(range(51, 61))

    # A link to one entry (after assigning an expert to it, from a notification) lands on the page that holds it,
    # its experts' table open.
    fortieth = response.context["page_obj"].paginator.object_list[39]
    entry = RoundEntry.objects.get(round=review_round, application_id=fortieth.application.pk)  # ranked, not drawn
    landed = client.get(entry.get_absolute_url().split("#")[0])
    assert landed.context["page_obj"].number == 2
    card = landed.content.decode().split(f'id="application-{fortieth.application.pk}"', 1)[1].split('class="card mb-3"', 1)[0]
    assert '<details class="mb-2" data-testid="experts" open>' in card
    assert 'data-transition="withdraw"' in card  # staff still withdraw an assignment from the card


def test_a_big_rounds_cards_draw_their_experts_when_opened(client, journey, django_assert_max_num_queries):
    """The 25 cards of a page count their experts by status; each card's table of experts (with the withdrawal of
    each) is drawn when the card is opened, into the card (htmx) or as a page of its own without JavaScript."""
    review_round = bulk_round(journey, 30, "大轮")
    client.force_login(journey.staff)
    response, _queries = round_page(client, review_round)
    html = response.content.decode()
    first = response.context["results"][0].application
    experts_url = reverse("reviews:round_entry_experts", args=[review_round.pk, first.pk])
    card = html.split(f'id="application-{first.pk}"', 1)[1].split('class="card mb-3"', 1)[0]
    assert f'hx-get="{experts_url}" hx-trigger="toggle once"' in card and " open>" not in card
    assert f'<a href="{experts_url}">' in card  # without JavaScript, the link to the same table
    assert "data-assignment=" not in html and 'data-transition="withdraw"' not in html  # no card drew its table

    assignments = Assignment.objects.filter(round=review_round, application=first).order_by("pk")
    withdrawable = [a.pk for a in assignments if a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED)]
    with django_assert_max_num_queries(14):
        fragment = client.get(experts_url, headers={"HX-Request": "true"})
    table = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in table
    assert [int(pk) for pk in re.findall(r'data-assignment="(\d+)"', table)] == [a.pk for a in assignments]
    withdraw_urls = re.findall(r'action="(/reviews/assignments/\d+/transitions/withdraw/)"', table)
    assert withdraw_urls == [reverse("reviews:assignment_transition", args=[pk, "withdraw"]) for pk in withdrawable]
    # a withdrawal returns to the card on the round's page, not to the fragment
    assert f'name="next" value="{round_entry_url(review_round.pk, first.pk)}"' in table

    page = client.get(experts_url).content.decode()
    assert "<html" in page and 'data-testid="experts-table"' in page and str(review_round) in page

    another = bulk_round(journey, 1, "另一轮")
    stranger = another.entries.get().application
    assert client.get(reverse("reviews:round_entry_experts", args=[review_round.pk, stranger.pk])).status_code == 404
    client.force_login(first.created_by)
    assert client.get(experts_url).status_code in (302, 403)  # staff only


def test_a_big_rounds_page_sorts_the_whole_round_by_name_and_draws_only_its_page(client, journey):
    review_round = bulk_round(journey, 60, "大轮")
    names = sorted(review_round.entries.values_list("application__name_zh", flat=True))
    client.force_login(journey.staff)
    first, _queries = round_page(client, review_round, sort="application")
    last, _queries = round_page(client, review_round, sort="application", page=3)
    assert [str(r.subject) for r in first.context["results"]] == names[:25]
    assert [str(r.subject) for r in last.context["results"]] == names[50:]
    html = last.content.decode()
    for result in last.context["results"]:  # each entry of the page drawn from its application and host
        card = html.split(f'id="application-{result.application.pk}"', 1)[1].split('class="card mb-3"', 1)[0]
        assert f'href="{result.application.get_absolute_url()}"' in card and "Expert review" in card
    assert "60 entries await their decisions." in html  # counted over the whole round, not the page


def test_a_rounds_ranking_sorts_names_in_pinyin_order(client, journey):
    review_round = bulk_round(journey, 3, "轮")
    names = ["重庆检测质量国家质量标准实验室", "北京计量质量国家质量标准实验室", "阿尔山质量国家质量标准实验室"]
    for entry, name in zip(review_round.entries.select_related("application").order_by("pk"), names, strict=True):
        entry.application.name_zh = name
        entry.application.save(update_fields=["name_zh"])  # and its pinyin sort key
    client.force_login(journey.staff)
    ascending, _queries = round_page(client, review_round, sort="application")
    descending, _queries = round_page(client, review_round, sort="-application")
    in_pinyin = [names[2], names[1], names[0]]  # ā, běi, chóng: in code points 北 < 重 < 阿
    assert [str(r.subject) for r in ascending.context["results"]] == in_pinyin
    assert [str(r.subject) for r in descending.context["results"]] == in_pinyin[::-1]


def test_a_rounds_page_and_its_conclusion_cost_the_same_queries_for_3_and_60_entries(client, journey):
    small, big = bulk_round(journey, 3, "小轮"), bulk_round(journey, 60, "大轮")
    client.force_login(journey.staff)
    response, few = round_page(client, small)
    assert len(response.context["results"]) == 3
    response, many = round_page(client, big)
    assert len(response.context["results"]) == 25
    assert many == few

    counts = {}
    for review_round in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reviews:round_conclude", args=[review_round.pk]))
        counts[review_round.entries.count()] = len(queries)
        assert len(response.context["conclude_form"].applications) == review_round.entries.count()
    assert counts[60] == counts[3]


def test_the_api_lists_rounds_with_counts_and_pages_a_rounds_entries_with_their_experts(journey):
    small, big = bulk_round(journey, 3, "小轮"), bulk_round(journey, 60, "大轮")
    client = client_for(journey.staff)
    rows = client.get("/api/rounds/").data["results"]
    assert {(row["title"], row["entry_count"], row["assignment_count"], row["submitted_count"]) for row in rows} == {
        ("小轮", 3, 12, 3), ("大轮", 60, 240, 60)}
    assert all("entries" not in row for row in rows)

    counts = {}
    for review_round in (small, big):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/api/rounds/{review_round.pk}/entries/").data
        counts[page["count"]] = len(queries)
    assert counts[60] == counts[3]
    assert len(page["results"]) == 25 and page["next"].endswith("entries/?page=2")
    first = page["results"][0]
    assert [a["status"] for a in first["assignments"]] == EXPERT_STATES
    assert {a["application"] for a in first["assignments"]} == {first["application"]["id"]}
    last = client.get(f"/api/rounds/{big.pk}/entries/", {"page": 3}).data["results"]
    assert len(last) == 10

    # Ministry staff only, as every route of a round (Art. 9, 13).
    expert = journey.experts[0]
    assert client_for(expert).get(f"/api/rounds/{big.pk}/entries/").status_code == 403
