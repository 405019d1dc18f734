"""Input and output safety (issue 14, item 5): every CSV/XLSX cell is formula-safe, consortium members are
host institutions only (Art. 5), names hold no control characters, OPTIONS and deeply nested JSON answer
without a server error, and API filters answer the same for an id the user may not see and one that does
not exist."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.models import Organisation, OrganisationKind, User
from applications.forms import TeamMemberFormSet
from applications.models import Application, ConsortiumMember, TeamMember
from kernel.exports import safe_cell
from labportal.journeys import score
from reviews import services
from reviews.models import Assignment
from tests.factories import (
    ApplicationFactory,
    ExpertInstitutionFactory,
    LocalHostFactory,
    applicant_of,
    complete_dossier,
    ministry,
    provincial_body,
)

pytestmark = pytest.mark.django_db

FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR"]
SUFFIX = "国家质量标准实验室"


def api_client(user=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


# --- 1. formula-safe cells ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS)
def test_safe_cell_quotes_text_that_excel_would_run_as_a_formula(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, 0, 7, -1.5, Decimal("-85.50"), datetime.date(2026, 1, 2), None, True])
def test_safe_cell_keeps_numbers_dates_and_none_as_they_are_even_negative(value):
    assert safe_cell(value) is value


def test_safe_cell_leaves_ordinary_text_alone():
    assert safe_cell("江苏测试研究院") == "江苏测试研究院"
    assert safe_cell("a=b") == "a=b"  # only a leading sign makes a formula


def read_csv(response):
    assert response.status_code == 200
    body = response.content if not response.streaming else b"".join(response.streaming_content)
    return list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))


def test_exported_names_starting_with_formula_signs_are_inert_in_csv_and_xlsx(client):
    host = LocalHostFactory(name="+SUM(A1:A9)研究院")
    app = ApplicationFactory(host=host, name_zh="=HYPERLINK(\"http://evil\")" + SUFFIX)
    client.force_login(applicant_of(host))
    url = reverse("applications:list")

    header, row = read_csv(client.get(url, {"export": "csv"}))
    assert row[0] == "'" + app.name_zh and row[1] == "'" + host.name

    response = client.get(url, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert cells[0].value == "'" + app.name_zh and cells[0].data_type == "s"
    assert cells[1].value == "'" + host.name and cells[1].data_type == "s"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert isinstance(cells[-1].value, datetime.datetime)  # "Last saved": a date stays a date, not text


def test_ranking_csv_quotes_application_host_and_expert_names_and_keeps_numbers_numeric(client_en, staff, journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    for expert, value in zip(journey.experts, (80, 91)):
        score(services.assign_expert(review_round, app, expert, staff), value)
    Application.objects.filter(pk=app.pk).update(name_zh="-2+3" + SUFFIX)
    Organisation.objects.filter(pk=app.host_id).update(name="@cmd|' /C calc'!A0")
    expert_pk = Assignment.objects.filter(round=review_round).order_by("pk").values_list("expert", flat=True)[0]
    User.objects.filter(pk=expert_pk).update(full_name="=1+1")

    client_en.force_login(staff)
    header, row = read_csv(client_en.get(reverse("reviews:round_export", args=[review_round.pk])))
    cells = dict(zip(header, row, strict=True))
    assert cells["Application"] == "'-2+3" + SUFFIX
    assert cells["Host institution"] == "'@cmd|' /C calc'!A0"
    assert cells["Expert totals"].startswith("'=1+1: ")
    assert cells["Rank"] == "1" and cells["Experts scored"] == "2"
    assert Decimal(cells["Weighted mean"]) == Decimal("85.50")  # a number, not a quoted text
    assert Decimal(cells["Spread"]) == Decimal("11")


# --- 2. consortium members are hosts only (Art. 5) -------------------------------------------------------


def not_hosts():
    return {
        "SAMR": ministry(OrganisationKind.SAMR),
        "MIIT": ministry(OrganisationKind.MIIT),
        "recommender": provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32"),
        "expert institution": ExpertInstitutionFactory(),
    }


def test_a_host_is_accepted_as_consortium_member_art5():
    app = ApplicationFactory()
    member = ConsortiumMember(application=app, organisation=LocalHostFactory(), role="联合共建")
    member.full_clean()


@pytest.mark.parametrize("kind", ["SAMR", "MIIT", "recommender", "expert institution"])
def test_model_refuses_a_non_host_consortium_member_naming_field_and_article_art5(kind, english):
    member = ConsortiumMember(application=ApplicationFactory(), organisation=not_hosts()[kind], role="联合共建")
    with pytest.raises(ValidationError) as refused:
        member.full_clean()
    message = refused.value.message_dict["organisation"][0]
    assert "Only a host institution" in message and "(Art. 5)" in message


def test_page_form_refuses_samr_as_consortium_member_and_saves_nothing_art5(client_en):
    app = ApplicationFactory()
    samr = ministry(OrganisationKind.SAMR)
    client_en.force_login(applicant_of(app.host))
    data = {
        "_section": "consortium",
        "consortium-TOTAL_FORMS": "1", "consortium-INITIAL_FORMS": "0",
        "consortium-MIN_NUM_FORMS": "0", "consortium-MAX_NUM_FORMS": "1000",
        "consortium-0-organisation": str(samr.pk), "consortium-0-role": "指导",
    }
    response = client_en.post(reverse("applications:edit", args=[app.pk, "consortium"]), data)
    assert response.status_code == 200
    errors = response.context["editor"].formsets[0].forms[0].errors["organisation"]
    assert any("Only a host institution" in e and "(Art. 5)" in e for e in errors), errors
    assert not ConsortiumMember.objects.exists()


@pytest.mark.parametrize("kind", ["SAMR", "recommender", "expert institution"])
def test_api_refuses_a_non_host_consortium_member_and_saves_nothing_art5(kind):
    app = complete_dossier()
    partner = LocalHostFactory()
    client = api_client(applicant_of(app.host))
    response = client.patch(f"/api/applications/{app.pk}/", {
        "summary": "不应保存",
        "consortium_members": [
            {"organisation": partner.pk, "role": "联合共建"},
            {"organisation": not_hosts()[kind].pk, "role": "指导"},
        ],
    }, format="json")
    assert response.status_code == 400, response.data
    message = response.data["errors"]["consortium_members"][1]["organisation"][0]
    assert "Only a host institution" in message and "(Art. 5)" in message
    app.refresh_from_db()
    assert app.summary != "不应保存" and not app.consortium_members.exists()

    accepted = client.patch(f"/api/applications/{app.pk}/", {
        "consortium_members": [{"organisation": partner.pk, "role": "联合共建"}],
    }, format="json")
    assert accepted.status_code == 200, accepted.data
    assert list(app.consortium_members.values_list("organisation", flat=True)) == [partner.pk]


# --- 3. names hold no control characters --------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85"])
def test_application_name_with_a_control_character_is_refused(bad, english):
    app = ApplicationFactory(name_zh="工业机器人" + SUFFIX)
    app.name_zh = "工业机器人" + bad + SUFFIX
    with pytest.raises(ValidationError) as refused:
        app.full_clean(exclude=["status"])
    assert "control characters" in refused.value.message_dict["name_zh"][0]


def test_plain_names_pass_the_control_character_check():
    app = ApplicationFactory(name_zh="工业机器人" + SUFFIX, name_en_subject="Industrial Robots")
    app.full_clean(exclude=["status"])
    LocalHostFactory(name="江苏省 测试研究院（南京）").full_clean()


def test_organisation_and_user_names_with_a_newline_are_refused(english):
    host = LocalHostFactory(name="江苏测试研究院")
    host.name = "江苏测试研究院\nBcc: all@example.com"
    user = applicant_of(host)
    user.full_name = "张三\r\n"
    with pytest.raises(ValidationError) as refused_org:
        host.full_clean()
    with pytest.raises(ValidationError) as refused_user:
        user.full_clean()
    assert "control characters" in refused_org.value.message_dict["name"][0]
    assert "control characters" in refused_user.value.message_dict["full_name"][0]


def test_team_member_form_refuses_a_name_with_a_tab(english):
    app = ApplicationFactory()
    formset = TeamMemberFormSet({
        "team-TOTAL_FORMS": "1", "team-INITIAL_FORMS": "0", "team-MIN_NUM_FORMS": "0", "team-MAX_NUM_FORMS": "1000",
        "team-0-role": "director", "team-0-name": "张\t主任", "team-0-organisation_name": "清华大学",
    }, instance=app, prefix="team")
    assert not formset.is_valid()
    assert "control characters" in formset.forms[0].errors["name"][0]


def test_api_refuses_an_application_name_with_a_newline_and_a_team_member_with_nul():
    app = complete_dossier()
    client = api_client(applicant_of(app.host))
    before = app.name_zh
    team = sorted(app.team_members.values_list("name", flat=True))
    response = client.patch(f"/api/applications/{app.pk}/", {"name_zh": "工业\n机器人" + SUFFIX}, format="json")
    assert response.status_code == 400, response.data
    assert "control characters" in response.data["errors"]["name_zh"][0]
    response = client.patch(f"/api/applications/{app.pk}/", {
        "team_members": [{"role": "director", "name": "张\x00主任", "organisation_name": "清华大学"}],
    }, format="json")
    assert response.status_code == 400, response.data
    assert "control characters" in response.data["errors"]["team_members"][0]["name"][0]
    app.refresh_from_db()
    assert app.name_zh == before and sorted(TeamMember.objects.filter(application=app).values_list("name", flat=True)) == team


# --- 4. no 500: OPTIONS and deeply nested JSON ----------------------------------------------------------------


def test_options_on_the_applications_api_answers_200_for_applicant_and_staff(staff):
    host = LocalHostFactory()
    app = ApplicationFactory(host=host)
    for user, paths in ((applicant_of(host), ["/api/applications/", f"/api/applications/{app.pk}/"]),
                        (staff, ["/api/applications/"])):
        client = api_client(user)
        for path in paths:
            response = client.options(path)
            assert response.status_code == 200, (user, path, response.status_code)
            assert response.data["name"]
    detail = api_client(applicant_of(host)).options(f"/api/applications/{app.pk}/").data
    lines = detail["actions"]["PUT"]["eligibility"]["children"]["lines"]["child"]["children"]
    assert lines["children"]["child"]["children"] == {"recursive": "EligibilityLineSerializer"}


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deeply_nested_json_to_the_token_endpoint_is_a_400_not_a_500(depth):
    body = "[" * depth + "]" * depth
    response = api_client().post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.data["detail"] or "JSON parse error" in response.data["detail"]


def test_deeply_nested_json_to_a_viewset_is_a_400_not_a_500():
    app = complete_dossier()
    body = '{"summary": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api_client(applicant_of(app.host)).patch(f"/api/applications/{app.pk}/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.data["detail"] == "The JSON is nested too deeply."


def test_token_endpoint_still_gives_a_token_for_good_credentials():
    user = applicant_of(LocalHostFactory())
    user.set_password("a-Long-passw0rd")
    user.save()
    response = api_client().post("/api/auth/token/", {"username": user.username, "password": "a-Long-passw0rd"}, format="json")
    assert response.status_code == 200 and response.data["token"]


# --- 5. filters answer the same for hidden and missing ids ---------------------------------------------------


def test_assignment_filter_answers_the_same_for_a_hidden_and_a_missing_application(staff, journey):
    visible = journey.formal_review_passed()
    review_round = journey.open_round([visible])
    assignment = services.assign_expert(review_round, visible, journey.experts[0], staff)
    hidden = ApplicationFactory()  # a draft: ministry staff never see it
    missing = Application.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    client = api_client(staff)
    assert [a["id"] for a in client.get("/api/assignments/", {"application": visible.pk}).data["results"]] == [assignment.pk]
    for pk in (hidden.pk, missing):
        response = client.get("/api/assignments/", {"application": pk})
        assert response.status_code == 200 and response.data["results"] == [], (pk, response.status_code)
    assert client.get("/api/assignments/", {"application": "abc"}).status_code == 400  # not an id at all
    assert client.get("/api/assignments/", {"application": str(2**70)}).status_code == 400  # beyond any id


def test_site_inspection_filter_answers_the_same_for_a_hidden_and_a_missing_application(staff):
    hidden = ApplicationFactory()
    missing = hidden.pk + 1000
    client = api_client(staff)
    answers = [client.get("/api/inspections/", {"application": pk}) for pk in (hidden.pk, missing)]
    assert [r.status_code for r in answers] == [200, 200]
    assert answers[0].data == answers[1].data
