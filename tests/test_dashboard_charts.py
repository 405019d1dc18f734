"""The charts (`evaluations.analytics`, `/api/analytics/`, `dashboard:charts`): the pipeline's counts and drop-outs on
applications walked through the real transitions, what a recommender may count (only what was routed to it, Art. 10),
the cache per scope, and a constant number of queries."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from applications.states import Status
from evaluations import analytics
from kernel.models import Deadline
from labportal.journeys import all_checks, recommenders_of
from tests.factories import LocalHostFactory, UserFactory, applicant_of, expert_user, recommender_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]

PIPELINE = reverse("api:analytics-pipeline")
CHARTS = reverse("dashboard:charts")


def stage(chart, name):
    """The table row of a stage: {column: value}."""
    columns = chart["table"]["columns"]
    row = next(r for r in chart["table"]["rows"] if r[0] == name)
    return dict(zip(columns, row, strict=True))


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMINISTRATOR, organisation=None)


@pytest.fixture
def built(journey):
    """One application at or out of each stage: submitted; withdrawn after its recommendation; rejected at formal
    review; rejected in expert review; one in expert review; one approved."""
    apps = {"submitted": journey.application_in(Status.SUBMITTED)}
    withdrawn = journey.application_in(Status.RECOMMENDED)
    apps["withdrawn"] = journey.take(withdrawn, "withdraw", journey.host_user(withdrawn), "主动撤回")
    formal = journey.application_in(Status.RECOMMENDED)
    apps["formal"] = journey.take(formal, "reject_formally", journey.staff, "材料不全", checks=all_checks(unconfirmed=(0,)))
    rejected = journey.application_in(Status.EXPERT_REVIEW)
    apps["rejected"] = journey.take(rejected, "reject", journey.staff, "不符合布局规划")
    apps["expert"] = journey.application_in(Status.EXPERT_REVIEW)
    apps["approved"] = journey.application_in(Status.APPROVED)
    assert apps["formal"].status == Status.FORMAL_REJECTED and apps["withdrawn"].status == Status.WITHDRAWN
    return apps


def test_pipeline_counts_reached_stages_and_where_applications_left_art13(client, built, admin):
    client.force_login(admin)
    chart = client.get(PIPELINE).json()
    assert stage(chart, "Submitted") == {
        "Stage": "Submitted", "Reached": 6, "Went further": 5, "At this stage now": 1, "Withdrawn": 0,
        "Not recommended": 0, "Rejected at formal review": 0, "Rejected": 0}
    # withdrawn once recommended (its audit record says from where); the formal rejection leaves after it too
    recommended = stage(chart, "Recommended")
    assert (recommended["Reached"], recommended["Went further"], recommended["Withdrawn"],
            recommended["Rejected at formal review"]) == (5, 3, 1, 1)
    formal = stage(chart, "Formal review passed")
    assert (formal["Reached"], formal["Went further"], formal["At this stage now"]) == (3, 3, 0)
    expert = stage(chart, "Expert review")
    assert (expert["Reached"], expert["Went further"], expert["At this stage now"], expert["Rejected"]) == (3, 1, 1, 1)
    assert stage(chart, "Site inspection")["Reached"] == stage(chart, "Publicity")["Reached"] == 1
    assert stage(chart, "Approved") == {
        "Stage": "Approved", "Reached": 1, "Went further": 0, "At this stage now": 1, "Withdrawn": 0,
        "Not recommended": 0, "Rejected at formal review": 0, "Rejected": 0}
    # the chart's series are the table's columns: each stage's bar adds up to those who reached it
    totals = [sum(series["data"][i] for series in chart["series"]) for i in range(len(analytics.STAGES))]
    assert totals == [row[1] for row in chart["table"]["rows"]]


def test_a_recommender_counts_only_what_was_routed_to_it_art10(client, journey, built):
    """A host of another province: its application never reaches this recommender's figures."""
    elsewhere = journey.application_in(Status.SUBMITTED, host=LocalHostFactory(province="44"))
    ours = recommender_of(recommenders_of(built["submitted"])[0])
    theirs = recommender_of(recommenders_of(elsewhere)[0])

    client.force_login(ours)
    mine = client.get(PIPELINE).json()
    assert stage(mine, "Submitted")["Reached"] == 6  # every built host is in province 32
    breakdowns = client.get(reverse("api:analytics-breakdowns")).json()
    by_province = {row[0]: row[1] for row in breakdowns["provinces"]["table"]["rows"]}
    assert by_province["Jiangsu"] == 6 and by_province["Guangdong"] == 0

    client.force_login(theirs)
    assert stage(client.get(PIPELINE).json(), "Submitted")["Reached"] == 1
    breakdowns = client.get(reverse("api:analytics-breakdowns")).json()
    by_province = {row[0]: row[1] for row in breakdowns["provinces"]["table"]["rows"]}
    assert by_province["Jiangsu"] == 0 and by_province["Guangdong"] == 1
    # scores are blind: a recommender gets no round, and the page shows no score chart
    assert client.get(reverse("api:analytics-scores")).json()["series"] == []
    html = client.get(CHARTS).content.decode()
    assert 'data-testid="chart-pipeline"' in html and 'data-testid="chart-scores"' not in html


def test_only_staff_administrators_and_recommenders_read_the_charts(client, journey):
    lab = journey.approved()
    assert client.get(PIPELINE).status_code in (401, 403)
    assert client.get(CHARTS).status_code == 302
    for outsider in (applicant_of(lab.host), expert_user()):
        client.force_login(outsider)
        assert client.get(PIPELINE).status_code == 403
        assert client.get(CHARTS).status_code == 403
    client.force_login(journey.staff)
    assert client.get(reverse("api:analytics-deadlines")).status_code == 200
    html = client.get(CHARTS).content.decode()
    for name in ("pipeline", "years", "provinces", "fields", "directions", "scores", "deadlines"):
        assert f'data-testid="chart-{name}-table"' in html, name


def test_the_cache_serves_the_second_reader_of_a_scope_and_a_change_refreshes_it(
        client, journey, built, english, django_assert_num_queries):
    other_staff = UserFactory(role=Role.MINISTRY_STAFF, organisation=journey.staff.organisation)
    analytics.breakdowns(journey.staff)
    first = analytics.pipeline(journey.staff)
    with django_assert_num_queries(0):  # same scope, same language, same day: from the cache, no query at all
        assert analytics.breakdowns(other_staff)["years"]["table"]["rows"]
        assert analytics.pipeline(other_staff) == first
    journey.application_in(Status.SUBMITTED)  # a save bumps the version: the next reader counts again
    assert stage(analytics.pipeline(other_staff), "Submitted")["Reached"] == stage(first, "Submitted")["Reached"] + 1
    # an administrator (who sees withdrawn dossiers too) never reads the ministries' copy
    admin = UserFactory(role=Role.ADMINISTRATOR, organisation=None)
    assert analytics.scope_of(admin) != analytics.scope_of(other_staff)
    assert stage(analytics.pipeline(admin), "Recommended")["Withdrawn"] == 1


def test_ministry_staff_count_the_withdrawals_they_may_not_open_art13(client, journey, built):
    """The pipeline's drop-outs include an application withdrawn after its recommendation, for ministry staff too;
    the dossier itself stays closed to them (`visible_to`)."""
    client.force_login(journey.staff)
    assert stage(client.get(PIPELINE).json(), "Recommended")["Withdrawn"] == 1
    assert client.get(built["withdrawn"].get_absolute_url()).status_code == 404


def test_the_charts_cost_the_same_queries_for_few_or_many_applications(journey, admin):
    first = journey.application_in(Status.RECOMMENDED)
    journey.take(first, "withdraw", journey.host_user(first))
    journey.approved()  # a scored round

    def count():
        analytics.bump_version()
        with CaptureQueriesContext(connection) as queries:
            for chart in analytics.CHARTS.values():
                chart(admin)
        return len(queries)

    few = count()
    more = [journey.application_in(Status.RECOMMENDED) for _ in range(2)]
    journey.take(more[0], "withdraw", journey.host_user(more[0]))
    journey.application_in(Status.EXPERT_REVIEW)
    journey.approved()
    assert count() == few <= 12


def test_score_histogram_counts_each_submitted_opinion_by_its_weighted_total(journey, english):
    formal = journey.formal_review_passed()
    other = journey.formal_review_passed()
    journey.scored_round([formal, other], values=(80, 59, 95))  # 40/30/30 criteria, each scored the same
    chart = analytics.scores(journey.staff)
    assert [series["data"] for series in chart["series"]] == [[2, 0, 0, 0, 0, 2, 0, 0, 2]]  # <60, 80–85, 95–100
    assert chart["table"]["rows"][0][-1] == 6 and chart["table"]["columns"][1] == "under 60"


def test_deadlines_per_month_met_missed_overdue_and_open_for_what_the_reader_sees(journey, english):
    ours = journey.application_in(Status.SUBMITTED)
    theirs = journey.application_in(Status.SUBMITTED, host=LocalHostFactory(province="44"))
    today = timezone.localdate()
    kind = ContentType.objects.get_for_model(ours)

    def deadline(app, days, state, name):
        due = today.replace(day=1) + datetime.timedelta(days=days)
        Deadline.objects.create(content_type=kind, object_id=app.pk, kind=name, due_date=due, state=state)

    Deadline.objects.all().delete()
    deadline(ours, 0, Deadline.State.MET, "a")
    deadline(ours, 0, Deadline.State.MISSED, "b")
    deadline(ours, 0, Deadline.State.CANCELLED, "c")
    deadline(ours, 40, Deadline.State.OPEN, "d")
    deadline(theirs, 40, Deadline.State.OPEN, "e")
    overdue = today.day > 1  # on the 1st nothing of this month is past due yet
    if overdue:
        deadline(ours, 0, Deadline.State.OPEN, "f")

    def month_rows(user):
        chart = analytics.deadlines(user)
        return {row[0]: row[1:] for row in chart["table"]["rows"]}

    this_month, next_month = today.strftime("%Y-%m"), analytics._month(today, 1).strftime("%Y-%m")
    staff_rows = month_rows(journey.staff)
    assert staff_rows[this_month] == [1, 1, 1 if overdue else 0, 0]  # met, missed, overdue, open; cancelled left out
    assert staff_rows[next_month][3] == 2
    recommender = recommender_of(recommenders_of(ours)[0])
    assert month_rows(recommender)[next_month][3] == 1  # the other province's deadline is not counted


def test_pipeline_per_call(client, built, admin):
    client.force_login(admin)
    call = built["approved"].call_id
    assert stage(client.get(PIPELINE, {"call": call}).json(), "Approved")["Reached"] == 1


def test_a_call_that_is_no_number_or_not_the_readers_gives_every_call(client, journey, built):
    """`?call=²` (a digit to `str.isdigit`, no number to `int`) or a call id of nobody's: the whole pipeline, no error,
    on the page and the API alike."""
    client.force_login(journey.staff)
    whole = client.get(PIPELINE).json()
    for value in ("²", "999999", "x"):
        assert client.get(PIPELINE, {"call": value}).json() == whole
        assert client.get(CHARTS, {"call": value}).status_code == 200
