"""The staff dashboard (`dashboard:`): SAMR/MIIT staff and administrators only; counts of labs by status,
stage, field and province with their numbers visible next to each bar; the labs' open deadlines of the
next 90 days with the days left, overdue ones flagged; and a constant number of queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from applications.choices import Field
from evaluations.models import EvaluationResult, LabStatus
from kernel.models import Deadline
from tests.factories import LocalHostFactory, UserFactory, applicant_of, expert_user, recommender_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]  # requests in English

DASHBOARD = reverse("dashboard:index")


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def chart(response, name):
    return {row["label"]: row["count"] for row in response.context[name]}


def bar_value(html, chart_id, label):
    """The number shown next to `label`'s bar in the chart `chart_id` (what a screen reader reads)."""
    section = html.split(f'data-testid="{chart_id}"')[1].split("</section>")[0]
    match = re.search(rf'{re.escape(label)}(?:</a>)?</th>.*?data-testid="bar-value">(\d+)</td>', section, re.S)
    assert match, f"no bar for {label}"
    return int(match.group(1))


# --- who may see it ------------------------------------------------------------------------------


def test_only_ministry_staff_and_administrators_see_the_dashboard(client, journey):
    lab = journey.approved()
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and reverse("login") in response["Location"]

    for outsider in (applicant_of(lab.host), recommender_of(LocalHostFactory()), expert_user()):
        client.force_login(outsider)
        assert client.get(DASHBOARD).status_code == 403, outsider.role

    for insider in (journey.staff, journey.miit, UserFactory(role=Role.ADMINISTRATOR, organisation=None)):
        client.force_login(insider)
        assert 'data-testid="chart-status"' in page(client.get(DASHBOARD))


def test_navigation_links_follow_the_role(client, journey):
    lab = journey.approved()
    html = page(client.get(reverse("directory:list")))
    assert reverse("directory:list") in html and DASHBOARD not in html and reverse("labs:list") not in html

    client.force_login(applicant_of(lab.host))
    html = page(client.get(reverse("directory:list")))
    assert reverse("labs:list") in html and 'data-testid="dashboard-link"' not in html

    client.force_login(journey.staff)
    html = page(client.get(reverse("directory:list")))
    assert 'data-testid="dashboard-link"' in html and reverse("labs:list") in html


# --- counts --------------------------------------------------------------------------------------


def test_counts_by_status_stage_field_and_province(client, journey):
    journey.approved(field=Field.NEW_MATERIALS, host=LocalHostFactory(province="44"))
    journey.approved(field=Field.NEW_MATERIALS)
    journey.lab_in(LabStatus.ACCEPTANCE_REVIEW, journey.approved(months_ago=24, field=Field.KEY_SOFTWARE))
    excellent = journey.evaluation_result(journey.operating(), EvaluationResult.EXCELLENT)
    journey.lab_in(LabStatus.TERMINATED)  # high-end manufacturing, Jiangsu: counted by status only

    client.force_login(journey.staff)
    response = client.get(DASHBOARD)
    html = page(response)

    statuses = chart(response, "status_chart")
    assert statuses["Under construction"] == 2 and statuses["Acceptance review"] == 1
    assert statuses["In operation"] == 1 and statuses["Construction terminated"] == 1
    assert statuses["Removed from the list"] == 0 and sum(statuses.values()) == 5
    assert response.context["summary"] == {"total": 5, "construction": 3, "operation": 1, "ended": 1, "excellent": 1}
    assert excellent.is_excellent

    fields = chart(response, "field_chart")
    assert fields["New materials (新材料)"] == 2 and fields["Key basic software (关键基础软件)"] == 1
    assert fields["High-end manufacturing (高端制造)"] == 1  # the operating lab; the terminated one is not active
    assert len(fields) == len(Field.choices)

    provinces = chart(response, "province_chart")
    assert provinces == {"Jiangsu": 3, "Guangdong": 1}
    assert list(provinces) == ["Jiangsu", "Guangdong"]  # most first

    # the numbers are in the page as text beside each bar, not only as bar widths
    assert bar_value(html, "chart-status", "Under construction") == 2
    assert bar_value(html, "chart-status", "Construction terminated") == 1
    assert bar_value(html, "chart-field", "New materials (新材料)") == 2
    assert bar_value(html, "chart-province", "Guangdong") == 1
    assert 'data-bar-width="100" aria-hidden="true"' in html  # drawn by static/js/portal.js, no style attribute
    assert f'href="{reverse("labs:list")}?status=acceptance_review"' in html


# --- deadlines -----------------------------------------------------------------------------------


def test_upcoming_lab_deadlines_with_days_left_and_overdue_flagged(client, journey):
    today = timezone.localdate()
    soon = journey.approved(months_ago=22)  # construction ends in about two months (Art. 18)
    later = journey.approved()  # its clocks are all more than 90 days away

    client.force_login(journey.staff)
    response = client.get(DASHBOARD)
    html = page(response)
    rows = response.context["deadlines"]

    assert {row["lab"].pk for row in rows} == {soon.pk}
    by_kind = {row["deadline"].kind: row for row in rows}
    end = by_kind["laboratory.construction_end"]
    assert end["deadline"].due_date == soon.construction_end
    assert end["days_left"] == (soon.construction_end - today).days and 0 < end["days_left"] <= 90
    assert f'{end["days_left"]} days left' in html
    assert "Construction period ends: apply for acceptance" in html
    assert reverse("labs:detail", args=[soon.pk]) in html and later.name_zh not in html

    # the extension cut-off (three months before the end) has passed and the sweep has not run yet
    cutoff = by_kind["laboratory.extension_cutoff"]
    assert cutoff["days_left"] < 0
    assert 'data-testid="overdue"' in html and f'{-cutoff["days_left"]} days late' in html
    assert [row["days_left"] for row in rows] == sorted(row["days_left"] for row in rows)  # overdue first

    # a met or cancelled clock is no longer listed
    Deadline.objects.filter(pk=cutoff["deadline"].pk).update(state=Deadline.State.MET)
    assert "laboratory.extension_cutoff" not in {r["deadline"].kind for r in client.get(DASHBOARD).context["deadlines"]}


def test_deadlines_beyond_ninety_days_are_not_listed(client, journey):
    lab = journey.approved()
    due = Deadline.objects.for_object(lab).open().get(kind="laboratory.construction_end")
    Deadline.objects.filter(pk=due.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=90))
    client.force_login(journey.staff)
    rows = client.get(DASHBOARD).context["deadlines"]
    assert [r["days_left"] for r in rows] == [90]
    Deadline.objects.filter(pk=due.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=91))
    assert client.get(DASHBOARD).context["deadlines"] == []


# --- queries -------------------------------------------------------------------------------------


def test_dashboard_queries_do_not_grow_with_labs_or_deadlines(client, journey, django_assert_max_num_queries):
    journey.approved(months_ago=22)
    client.force_login(journey.staff)
    with django_assert_max_num_queries(10):  # 10: the session's second factor (its device) is one of them
        page(client.get(DASHBOARD))
    for province in ("11", "44", "51"):
        journey.approved(months_ago=22, host=LocalHostFactory(province=province))
    journey.lab_in(LabStatus.OPERATING)
    with django_assert_max_num_queries(10):
        response = client.get(DASHBOARD)
    assert len({row["lab"].pk for row in response.context["deadlines"]}) == 4
    assert response.context["summary"]["total"] == 5
