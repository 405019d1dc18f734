"""The REST API: visibility by who asks, nested dossier writes, transitions, attachments, revisions, schema."""

import hashlib
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import ApiToken, OrganisationKind
from applications.choices import DimensionVerdict, ReviewDimension, TeamRole
from applications.models import Application, Attachment, NationalProject, PreliminaryReview, Status, TeamMember
from kernel.choice_labels import choice_labels
from tests.factories import (
    ApplicationFactory,
    LocalHostFactory,
    applicant_of,
    complete_dossier,
    ministry_staff,
    provincial_body,
    recommender_of,
    standing_call,
)

pytestmark = pytest.mark.django_db

ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(app, suffix=""):
    return f"/api/applications/{app.pk}/{suffix}"


def ids(response):
    return {row["id"] for row in response.data["results"]}


def submit(app):
    return client_for(applicant_of(app.host)).post(url(app, "transitions/submit/"), {}, format="json")


@pytest.fixture
def jiangsu_app():
    return complete_dossier(host=LocalHostFactory(province="32"))


@pytest.fixture
def zhejiang_app():
    return complete_dossier(host=LocalHostFactory(province="33"))


def recommenders(province):
    return (
        recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, province)),
        recommender_of(provincial_body(OrganisationKind.PROVINCIAL_MIIT, province)),
    )


# --- who sees what ---------------------------------------------------------------------------


def test_applicant_lists_only_their_hosts_applications(jiangsu_app, zhejiang_app):
    response = client_for(applicant_of(jiangsu_app.host)).get("/api/applications/")
    assert response.status_code == 200
    assert ids(response) == {jiangsu_app.pk}
    assert client_for(applicant_of(jiangsu_app.host)).get(url(zhejiang_app)).status_code == 404


def test_anonymous_gets_nothing(jiangsu_app):
    assert APIClient().get("/api/applications/").status_code in (401, 403)
    assert APIClient().get(url(jiangsu_app)).status_code in (401, 403)


def test_jiangsu_recommender_never_sees_a_zhejiang_application_art10(jiangsu_app, zhejiang_app):
    for app in (jiangsu_app, zhejiang_app):
        applicant = applicant_of(app.host)
        client = client_for(applicant)
        assert client.post(url(app, "attachments/"), {"file": SimpleUploadedFile("a.pdf", PDF)}).status_code == 201
        assert submit(app).status_code == 200
    zhejiang_attachment = Attachment.objects.get(application=zhejiang_app)
    jiangsu_samr, _ = recommenders("32")
    client = client_for(jiangsu_samr)

    assert ids(client.get("/api/applications/")) == {jiangsu_app.pk}
    assert client.get(url(jiangsu_app)).status_code == 200
    assert client.get(url(zhejiang_app)).status_code == 404
    assert client.get(url(zhejiang_app, "attachments/")).status_code == 404
    assert client.get(url(zhejiang_app, f"attachments/{zhejiang_attachment.pk}/download/")).status_code == 404
    assert client.get(url(jiangsu_app, f"attachments/{zhejiang_attachment.pk}/download/")).status_code == 404
    assert client.get(url(zhejiang_app, "revisions/")).status_code == 404
    response = client.post(url(zhejiang_app, "transitions/recommend/"), {"dimensions": ALL_MEET}, format="json")
    assert response.status_code == 404
    assert PreliminaryReview.objects.filter(application=zhejiang_app, decision="pending").count() == 2


def test_ministry_staff_list_only_forwarded_applications_yet_open_a_submitted_one_not_a_draft_art13(jiangsu_app,
                                                                                                       zhejiang_app):
    assert submit(jiangsu_app).status_code == 200
    client = client_for(ministry_staff())
    assert ids(client.get("/api/applications/")) == set()  # still before its recommenders (Art. 10)
    assert client.get(url(zhejiang_app)).status_code == 404  # a draft
    assert client.get(url(jiangsu_app)).status_code == 200  # looked up deliberately


def test_list_filters_by_status_field_level_and_province(jiangsu_app, zhejiang_app):
    admin = applicant_of(jiangsu_app.host, is_superuser=True)
    client = client_for(admin)
    assert ids(client.get("/api/applications/", {"province": "33"})) == {zhejiang_app.pk}
    assert ids(client.get("/api/applications/", {"level": "local"})) == {jiangsu_app.pk, zhejiang_app.pk}
    assert ids(client.get("/api/applications/", {"level": "central"})) == set()
    assert ids(client.get("/api/applications/", {"field": jiangsu_app.field})) == {jiangsu_app.pk, zhejiang_app.pk}
    submit(jiangsu_app)
    assert ids(client.get("/api/applications/", {"status": "submitted"})) == {jiangsu_app.pk}
    assert ids(client.get("/api/applications/", {"status": ["draft", "submitted"]})) == {jiangsu_app.pk, zhejiang_app.pk}
    assert client.get("/api/applications/", {"status": "nonsense"}).status_code == 400


def test_awaiting_filter_lists_what_waits_for_the_recommender(jiangsu_app):
    submit(jiangsu_app)
    samr, miit = recommenders("32")
    client_for(samr).post(url(jiangsu_app, "transitions/recommend/"), {"dimensions": ALL_MEET}, format="json")
    assert ids(client_for(samr).get("/api/applications/", {"awaiting": "true"})) == set()
    assert ids(client_for(miit).get("/api/applications/", {"awaiting": "true"})) == {jiangsu_app.pk}


@pytest.mark.parametrize("rows", [3, 20])
def test_list_query_count_is_bounded(rows, django_assert_max_num_queries):
    host = LocalHostFactory()
    applicant = applicant_of(host)
    samr = recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, host.province))
    for _ in range(rows):
        app = ApplicationFactory(host=host, created_by=applicant)
        PreliminaryReview.objects.create(application=app, recommender=samr.organisation, round=1)
    for user in (applicant, samr):
        client = client_for(user)
        with django_assert_max_num_queries(3):
            response = client.get("/api/applications/")
        assert response.data["count"] == rows


# --- the dossier: create and update with nested rows -------------------------------------------


DOSSIER = {
    "name_zh": "工业机器人质量国家质量标准实验室",
    "name_en_subject": "Industrial Robot Quality",
    "field": "high_end_manufacturing",
    "research_directions": ["testing", "standards"],
    "research_space_m2": "3500.00",
    "team_members": [
        {"role": TeamRole.DIRECTOR, "name": "张主任", "organisation_name": "某研究院", "title": "副院长"},
        {"role": TeamRole.LEADER, "name": "赵研究员", "organisation_name": "某研究院", "posts_held": "ISO/TC 299"},
    ],
    "projects": [{"title": "国家重点研发计划", "year": 2024, "amount_cny": "1500000.00"}],
    "outcome_claims": [{"item": 1, "evidence": "原创成果"}],
}


def test_applicant_creates_a_draft_with_nested_rows_for_their_host():
    call = standing_call()
    host = LocalHostFactory()
    applicant = applicant_of(host)
    partner = LocalHostFactory()
    response = client_for(applicant).post(
        "/api/applications/", {**DOSSIER, "consortium_members": [{"organisation": partner.pk, "role": "参与单位"}]},
        format="json",
    )
    assert response.status_code == 201, response.data
    app = Application.objects.get(pk=response.data["id"])
    assert app.host == host and app.created_by == applicant and app.status == Status.DRAFT and app.call == call
    assert response.data["status"] == "draft" and response.data["call"] == call.pk
    assert response.data["name_en"] == "State Quality & Standards Laboratory of Industrial Robot Quality"
    assert [m["name"] for m in response.data["team_members"]] == ["张主任", "赵研究员"]
    assert response.data["consortium_members"][0]["organisation_name"] == partner.name
    assert {t["name"] for t in response.data["available_transitions"]} == {"submit"}
    lines = {line["key"]: line for line in response.data["eligibility"]["lines"]}
    assert lines["space"]["status"] == "pass" and lines["space"]["article"] == "Art. 12 (1)"
    assert len(lines["outcomes"]["children"]) == 5
    assert response.data["missing_for_submission"]


def test_create_ignores_status_and_host_in_the_body():
    standing_call()
    host = LocalHostFactory()
    other = LocalHostFactory()
    response = client_for(applicant_of(host)).post(
        "/api/applications/", {"status": "recommended", "host": other.pk, "name_zh": ""}, format="json"
    )
    assert response.status_code == 201
    app = Application.objects.get(pk=response.data["id"])
    assert app.status == Status.DRAFT and app.host == host


def test_only_applicants_create_applications():
    samr, _ = recommenders("32")
    response = client_for(samr).post("/api/applications/", DOSSIER, format="json")
    assert response.status_code == 403 and response.data["detail"]
    assert client_for(ministry_staff()).post("/api/applications/", DOSSIER, format="json").status_code == 403
    assert not Application.objects.exists()


def test_update_replaces_nested_lists_wholesale_and_keeps_lists_not_given():
    app = complete_dossier()
    client = client_for(applicant_of(app.host))
    response = client.patch(url(app), {
        "summary": "新的摘要",
        "projects": [{"title": "唯一项目", "year": 2025, "amount_cny": "30000000.00"}],
    }, format="json")
    assert response.status_code == 200, response.data
    app.refresh_from_db()
    assert app.summary == "新的摘要"
    assert list(app.projects.values_list("title", flat=True)) == ["唯一项目"]
    assert app.team_members.count() == 4  # not given: untouched
    assert [p["title"] for p in response.data["projects"]] == ["唯一项目"]
    response = client.patch(url(app), {"transfers": []}, format="json")
    assert response.status_code == 200 and app.transfers.count() == 0


def test_bad_nested_row_names_the_field_and_saves_nothing():
    app = complete_dossier()
    client = client_for(applicant_of(app.host))
    before = list(app.projects.values_list("title", flat=True))
    response = client.patch(url(app), {
        "summary": "不应保存",
        "projects": [
            {"title": "好项目", "year": 2024, "amount_cny": "100.00"},
            {"title": "坏项目", "year": 1800, "amount_cny": "100.00"},
        ],
    }, format="json")
    assert response.status_code == 400
    assert list(response.data["errors"]["projects"]) == [1]  # errors by row index, as DRF gives them
    assert "year" in response.data["errors"]["projects"][1]
    app.refresh_from_db()
    assert app.summary != "不应保存"
    assert list(app.projects.values_list("title", flat=True)) == before


def test_model_rule_on_a_nested_row_rolls_back_everything_art5():
    """The lead host cannot be its own consortium member (model clean, Art. 5): 400, nothing saved."""
    app = complete_dossier()
    client = client_for(applicant_of(app.host))
    response = client.patch(url(app), {
        "summary": "不应保存",
        "team_members": [{"role": TeamRole.DIRECTOR, "name": "新主任", "organisation_name": "X"}],
        "consortium_members": [{"organisation": app.host.pk, "role": "牵头"}],
    }, format="json")
    assert response.status_code == 400
    assert "第五条" in response.data["errors"]["consortium_members"][0]["organisation"][0]  # Chinese first: Art. 5
    app.refresh_from_db()
    assert app.summary != "不应保存"
    assert app.team_members.count() == 4 and not app.team_members.filter(name="新主任").exists()


def test_duplicate_outcome_item_is_refused_naming_item():
    app = complete_dossier()
    response = client_for(applicant_of(app.host)).patch(url(app), {
        "outcome_claims": [{"item": 1, "evidence": "a"}, {"item": 1, "evidence": "b"}],
    }, format="json")
    assert response.status_code == 400
    assert list(response.data["errors"]["outcome_claims"]) == [1] and "item" in response.data["errors"]["outcome_claims"][1]
    assert app.outcome_claims.count() == 2


def test_invalid_lab_name_is_refused_art31():
    app = complete_dossier()
    response = client_for(applicant_of(app.host)).patch(url(app), {"name_zh": "机器人实验室"}, format="json")
    assert response.status_code == 400 and "name_zh" in response.data["errors"] and response.data["detail"]


def test_create_with_a_bad_row_creates_no_application():
    standing_call()
    host = LocalHostFactory()
    response = client_for(applicant_of(host)).post("/api/applications/", {
        **DOSSIER, "outcome_claims": [{"item": 2, "evidence": "a"}, {"item": 2, "evidence": "b"}],
    }, format="json")
    assert response.status_code == 400 and "item" in response.data["errors"]["outcome_claims"][1]
    assert not Application.objects.exists() and not TeamMember.objects.exists() and not NationalProject.objects.exists()


def test_update_refused_once_submitted_art13(jiangsu_app):
    assert submit(jiangsu_app).status_code == 200
    response = client_for(applicant_of(jiangsu_app.host)).patch(url(jiangsu_app), {"summary": "改"}, format="json")
    assert response.status_code == 403 and response.data["detail"]
    samr, _ = recommenders("32")
    assert client_for(samr).patch(url(jiangsu_app), {"summary": "改"}, format="json").status_code == 403
    jiangsu_app.refresh_from_db()
    assert jiangsu_app.summary != "改"


# --- transitions --------------------------------------------------------------------------------


def test_submit_then_both_provincial_bodies_recommend_art10(jiangsu_app):
    response = submit(jiangsu_app)
    assert response.status_code == 200
    assert response.data["status"] == "submitted"
    assert [e["transition"] for e in response.data["timeline"]] == ["submit"]
    assert {r["recommender"]["kind"] for r in response.data["preliminary_reviews"]} == {"provincial_samr", "provincial_miit"}
    samr, miit = recommenders("32")
    detail = client_for(samr).get(url(jiangsu_app)).data
    assert {t["name"] for t in detail["available_transitions"]} == {"recommend", "return_for_revision", "decline"}
    response = client_for(samr).post(url(jiangsu_app, "transitions/recommend/"), {"dimensions": ALL_MEET}, format="json")
    assert response.status_code == 200 and response.data["status"] == "submitted"
    assert response.data["available_transitions"] == []
    response = client_for(miit).post(
        url(jiangsu_app, "transitions/recommend/"), {"comment": "同意推荐", "dimensions": ALL_MEET}, format="json"
    )
    assert response.status_code == 200
    assert response.data["status"] == "recommended" and response.data["status_display"]
    assert response.data["timeline"][-1]["comment"] == "同意推荐"
    jiangsu_app.refresh_from_db()
    assert jiangsu_app.status == Status.RECOMMENDED


def test_return_needs_a_comment_art10(jiangsu_app):
    submit(jiangsu_app)
    samr, _ = recommenders("32")
    client = client_for(samr)
    response = client.post(url(jiangsu_app, "transitions/return_for_revision/"), {"comment": "  "}, format="json")
    assert response.status_code == 400
    assert "comment" in response.data["errors"] and response.data["article"] == "Art. 10"
    response = client.post(url(jiangsu_app, "transitions/return_for_revision/"), {"comment": "补充材料"}, format="json")
    assert response.status_code == 200 and response.data["status"] == "returned"


def test_decline_needs_a_comment_and_ends_the_application_art10(jiangsu_app):
    submit(jiangsu_app)
    samr, _ = recommenders("32")
    client = client_for(samr)
    assert client.post(url(jiangsu_app, "transitions/decline/"), {}, format="json").status_code == 400
    response = client.post(url(jiangsu_app, "transitions/decline/"), {"comment": "不符合条件"}, format="json")
    assert response.status_code == 200 and response.data["status"] == "not_recommended"


def test_applicant_withdraws_a_submitted_application_art13(jiangsu_app):
    submit(jiangsu_app)
    samr, _ = recommenders("32")
    assert client_for(samr).post(url(jiangsu_app, "transitions/withdraw/"), {}, format="json").status_code == 403
    response = client_for(applicant_of(jiangsu_app.host)).post(
        url(jiangsu_app, "transitions/withdraw/"), {"comment": "主动撤回"}, format="json"
    )
    assert response.status_code == 200 and response.data["status"] == "withdrawn"
    assert response.data["available_transitions"] == []
    assert client_for(ministry_staff()).get(url(jiangsu_app)).status_code == 404
    assert set(PreliminaryReview.objects.filter(application=jiangsu_app).values_list("decision", flat=True)) == {"superseded"}


def test_wrong_role_gets_403_with_detail(jiangsu_app):
    submit(jiangsu_app)
    response = client_for(applicant_of(jiangsu_app.host)).post(
        url(jiangsu_app, "transitions/recommend/"), {"dimensions": ALL_MEET}, format="json"
    )
    assert response.status_code == 403 and response.data["detail"]
    response = client_for(ministry_staff()).post(
        url(jiangsu_app, "transitions/recommend/"), {"dimensions": ALL_MEET}, format="json"
    )
    assert response.status_code == 403 and response.data["detail"]
    jiangsu_app.refresh_from_db()
    assert jiangsu_app.status == Status.SUBMITTED


def test_wrong_state_gets_409_with_detail(jiangsu_app):
    submit(jiangsu_app)
    response = submit(jiangsu_app)
    assert response.status_code == 409 and response.data["detail"]


def test_unknown_transition_is_404(jiangsu_app):
    response = client_for(applicant_of(jiangsu_app.host)).post(url(jiangsu_app, "transitions/launch_rocket/"), {}, format="json")
    assert response.status_code == 404


def test_recommend_with_a_dimension_not_met_is_refused_art10(jiangsu_app):
    submit(jiangsu_app)
    samr, _ = recommenders("32")
    dimensions = {**ALL_MEET, "accuracy": {"verdict": DimensionVerdict.NEEDS_REVISION, "comment": "数据有误"}}
    response = client_for(samr).post(url(jiangsu_app, "transitions/recommend/"), {"dimensions": dimensions}, format="json")
    assert response.status_code == 400
    assert response.data["article"] == "Art. 10" and "dimensions" in response.data["errors"]
    missing = {k: v for k, v in ALL_MEET.items() if k != "legality"}
    response = client_for(samr).post(url(jiangsu_app, "transitions/recommend/"), {"dimensions": missing}, format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 10"
    assert PreliminaryReview.objects.get(application=jiangsu_app, recommender=samr.organisation).decision == "pending"


def test_eligibility_warning_must_be_acknowledged_art12():
    app = complete_dossier(research_space_m2=Decimal("2000"))
    assert submit(app).status_code == 200
    samr, _ = recommenders(app.host.province)
    client = client_for(samr)
    detail = client.get(url(app)).data
    assert detail["eligibility"]["has_warnings"] is True
    response = client.post(url(app, "transitions/recommend/"), {"dimensions": ALL_MEET}, format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 12"
    assert "warnings_acknowledged" in response.data["errors"]
    response = client.post(
        url(app, "transitions/recommend/"), {"dimensions": ALL_MEET, "warnings_acknowledged": True}, format="json"
    )
    assert response.status_code == 200
    review = PreliminaryReview.objects.get(application=app, recommender=samr.organisation)
    assert review.decision == "recommended" and review.warnings_acknowledged


def test_a_field_the_transition_does_not_take_is_refused(jiangsu_app):
    response = client_for(applicant_of(jiangsu_app.host)).post(
        url(jiangsu_app, "transitions/submit/"), {"dimensions": ALL_MEET}, format="json"
    )
    assert response.status_code == 400 and "dimensions" in response.data["errors"] and response.data["detail"]
    jiangsu_app.refresh_from_db()
    assert jiangsu_app.status == Status.DRAFT


def test_incomplete_dossier_cannot_be_submitted_art13():
    app = ApplicationFactory()
    response = submit(app)
    assert response.status_code == 400 and response.data["article"] == "Art. 13"


# --- attachments --------------------------------------------------------------------------------


def test_upload_list_download_and_delete_an_attachment(jiangsu_app):
    client = client_for(applicant_of(jiangsu_app.host))
    response = client.post(url(jiangsu_app, "attachments/"), {
        "file": SimpleUploadedFile("场地证明.pdf", PDF, content_type="application/pdf"), "section": "facilities",
        "description": "房产证",
    })
    assert response.status_code == 201, response.data
    assert response.data["content_type"] == "application/pdf" and response.data["size"] == len(PDF)
    aid = response.data["id"]
    listing = client.get(url(jiangsu_app, "attachments/"))
    assert [a["original_name"] for a in listing.data] == ["场地证明.pdf"]
    download = client.get(url(jiangsu_app, f"attachments/{aid}/download/"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]
    assert client.delete(url(jiangsu_app, f"attachments/{aid}/")).status_code == 204
    assert not Attachment.objects.exists()


def test_upload_is_checked_by_content_not_name(jiangsu_app):
    client = client_for(applicant_of(jiangsu_app.host))
    response = client.post(url(jiangsu_app, "attachments/"), {
        "file": SimpleUploadedFile("report.pdf", b"just some text, not a PDF at all", content_type="application/pdf"),
    })
    assert response.status_code == 400 and "file" in response.data["errors"] and response.data["detail"]
    assert not Attachment.objects.exists()


def test_attachments_frozen_once_submitted_but_visible_to_recommender(jiangsu_app):
    client = client_for(applicant_of(jiangsu_app.host))
    aid = client.post(url(jiangsu_app, "attachments/"), {"file": SimpleUploadedFile("a.pdf", PDF)}).data["id"]
    submit(jiangsu_app)
    assert client.post(url(jiangsu_app, "attachments/"), {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 403
    assert client.delete(url(jiangsu_app, f"attachments/{aid}/")).status_code == 403
    samr, _ = recommenders("32")
    download = client_for(samr).get(url(jiangsu_app, f"attachments/{aid}/download/"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert client_for(samr).delete(url(jiangsu_app, f"attachments/{aid}/")).status_code == 403
    assert Attachment.objects.count() == 1


# --- revisions ----------------------------------------------------------------------------------


def test_revisions_and_diff_between_submissions(jiangsu_app):
    applicant = client_for(applicant_of(jiangsu_app.host))
    submit(jiangsu_app)
    samr, _ = recommenders("32")
    client_for(samr).post(url(jiangsu_app, "transitions/return_for_revision/"), {"comment": "补充"}, format="json")
    assert applicant.patch(url(jiangsu_app), {"summary": "修改后的摘要"}, format="json").status_code == 200
    pending = applicant.get(url(jiangsu_app, "revisions/diff/"), {"from": 1}).data
    assert pending["to"] is None and [c["after"] for c in pending["changes"]] == ["修改后的摘要"]
    assert submit(jiangsu_app).status_code == 200

    response = client_for(samr).get(url(jiangsu_app, "revisions/"))
    assert [r["number"] for r in response.data] == [1, 2]
    assert client_for(samr).get(url(jiangsu_app, "revisions/2/")).data["snapshot"]["summary"] == "修改后的摘要"
    response = client_for(samr).get(url(jiangsu_app, "revisions/diff/"), {"from": 1, "to": 2})
    assert response.status_code == 200
    assert [(c["before"], c["after"]) for c in response.data["changes"]] == [(jiangsu_app.summary, "修改后的摘要")]
    response = client_for(samr).get(url(jiangsu_app, "revisions/diff/"), {"to": 2})
    assert response.status_code == 400 and "from" in response.data["errors"] and response.data["detail"]
    response = client_for(samr).get(url(jiangsu_app, "revisions/diff/"), {"from": 1, "to": 9})
    assert response.status_code == 400 and "to" in response.data["errors"]


# --- me, organisations, token, schema ------------------------------------------------------------


def test_me_shows_role_and_organisation():
    samr, _ = recommenders("32")
    response = client_for(samr).get("/api/me/")
    assert response.status_code == 200
    assert response.data["role"] == "recommender"
    assert response.data["organisation"]["kind"] == "provincial_samr"
    assert response.data["organisation"]["province"] == "32"


def test_choice_labels_follow_the_language_of_each_request_from_a_table_made_once_per_language(jiangsu_app):
    """Labels of choices (status, field, province) are read from a dict per field and language (`choice_labels`),
    not made again for each row: still in the language each request asks for, however the requests alternate."""
    client = client_for(applicant_of(jiangsu_app.host))
    languages = ["en", "zh-hans", "en", "zh-hans"]
    answers = [client.get(url(jiangsu_app), HTTP_ACCEPT_LANGUAGE=language).data for language in languages]
    assert [a["status_display"] for a in answers] == ["Draft", "草稿", "Draft", "草稿"]
    for language, answer in zip(languages, answers, strict=True):
        with translation.override(language):
            assert answer["field_display"] == jiangsu_app.get_field_display()
    organisations = [client.get("/api/organisations/", {"kind": "provincial_samr", "province": "32"},
                                HTTP_ACCEPT_LANGUAGE=language).data["results"][0] for language in languages]
    assert [o["province_display"] for o in organisations] == ["Jiangsu", "江苏省", "Jiangsu", "江苏省"]

    made = choice_labels.cache_info().misses
    client.get(url(jiangsu_app), HTTP_ACCEPT_LANGUAGE="en")
    client.get(url(jiangsu_app), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert choice_labels.cache_info().misses == made  # each field's labels made once per language


def test_pages_read_choice_labels_from_the_same_table_in_the_language_asked(jiangsu_app):
    """`get_FOO_display` on every model reads `choice_labels` too (pages show a status, a field and a province per
    row): the label of the active language, the table made once, and a value outside the choices given as it is."""
    with translation.override("en"):
        assert jiangsu_app.get_status_display() == "Draft"
    with translation.override("zh-hans"):
        assert jiangsu_app.get_status_display() == "草稿"
        assert jiangsu_app.host.get_province_display() == "江苏省"
        jiangsu_app.get_field_display()
    made = choice_labels.cache_info().misses
    with translation.override("zh-hans"):
        jiangsu_app.get_status_display(), jiangsu_app.get_field_display()
    assert choice_labels.cache_info().misses == made
    jiangsu_app.host.province = "99"
    assert jiangsu_app.host.get_province_display() == "99"


def test_organisation_directory_filters_by_kind_province_and_level():
    host = LocalHostFactory(province="33")
    client = client_for(applicant_of(LocalHostFactory()))
    response = client.get("/api/organisations/", {"kind": "provincial_samr", "province": "32"})
    assert [o["name"] for o in response.data["results"]] == [provincial_body("provincial_samr", "32").name]
    response = client.get("/api/organisations/", {"kind": "host", "province": "33", "level": "local"})
    assert [o["id"] for o in response.data["results"]] == [host.pk]
    assert "credit_code" not in response.data["results"][0]
    response = client.get("/api/organisations/", {"kind": "samr"})
    assert response.data["count"] == 1


def test_token_auth_for_scripts():
    user = applicant_of(LocalHostFactory())
    response = APIClient().post("/api/auth/token/", {"username": user.username, "password": "pw-Secret-2026"}, format="json")
    assert response.status_code == 200
    token = response.data["token"]
    assert ApiToken.objects.get(user=user).digest == hashlib.sha256(token.encode()).hexdigest()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").data["username"] == user.username


def test_schema_and_docs_are_served():
    client = client_for(applicant_of(LocalHostFactory()))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/applications/{id}/transitions/{transition}/" in response.content
    assert client.get("/api/docs/").status_code == 200


def _descriptions(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield value
            else:
                yield from _descriptions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _descriptions(value)


def test_api_docs_show_the_transition_path_as_code_not_as_html_tags():
    """Swagger UI renders descriptions as Markdown: `<resource>` outside a code span is an unknown HTML tag
    and disappears from the page. The path is shown in a code span, and no text has a bare `<`."""
    client = client_for(applicant_of(LocalHostFactory()))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "`POST /api/<resource>/<id>/transitions/<name>/`" in schema["info"]["description"]
    for text in _descriptions(schema):
        assert "<" not in re.sub(r"`[^`]*`", "", text), text
    docs = client.get("/api/docs/")
    # The page loads its initialiser as a script of its own (no inline script: Content-Security-Policy).
    assert docs.status_code == 200 and reverse("schema").encode() in client.get("/api/docs/", {"script": ""}).content
