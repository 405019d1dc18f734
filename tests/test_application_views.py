"""The browser pages of the application dossier: editing over several sittings, the live Art. 12
check, submission, the recommender's preliminary review (Art. 10), files and visibility."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from applications.choices import DimensionVerdict, Field, ResearchDirection, ReviewDimension, TeamRole
from applications.models import (
    Application,
    Attachment,
    ConsortiumMember,
    OutcomeClaim,
    PreliminaryReview,
    ServiceIncome,
    Status,
)
from kernel.models import AuditEntry
from kernel.transitions import run_transition
from tests.factories import (
    ApplicationFactory,
    CentralHostFactory,
    LocalHostFactory,
    applicant_of,
    complete_dossier,
    provincial_body,
    recommender_of,
    standing_call,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]  # requests in English

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


def login(client, user):
    client.force_login(user)
    return client


def edit_url(app, section):
    return reverse("applications:edit", args=[app.pk, section])


def formset(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def check_status(html, key):
    """The status shown on the eligibility panel for one check line (data attributes, language-free)."""
    match = re.search(rf'data-check="{key}" data-status="(\w+)"', html)
    assert match, f"no eligibility line {key}"
    return match.group(1)


def submitted(app=None, **kw):
    app = app or complete_dossier(**kw)
    return run_transition(app, "submit", applicant_of(app.host))


ALL_MEET = {f"verdict_{code}": DimensionVerdict.MEETS for code in ReviewDimension.values}


# --- create, edit over several sittings, submit -----------------------------------------------------


def test_applicant_builds_dossier_over_several_requests_and_submits_art13(client, django_capture_on_commit_callbacks):
    host = LocalHostFactory()
    applicant = applicant_of(host)
    partner = LocalHostFactory()
    login(client, applicant)
    year = timezone.localdate().year
    standing_call()

    response = client.post(reverse("applications:create"))
    app = Application.objects.get(host=host)
    assert response.status_code == 302 and response["Location"] == edit_url(app, "overview")
    assert app.status == Status.DRAFT and app.created_by == applicant

    # Sitting 1: a partial overview is saved as a draft.
    response = client.post(edit_url(app, "overview"), {"_section": "overview", "name_zh": "工业机器人国家质量标准实验室"})
    assert response.status_code == 302
    app = Application.objects.get(pk=app.pk)
    assert app.name_zh == "工业机器人国家质量标准实验室" and app.summary == ""

    # Sitting 2: the rest of the overview, then facilities ("save and continue" moves on).
    response = client.post(edit_url(app, "overview"), {
        "_section": "overview", "name_zh": "工业机器人国家质量标准实验室", "name_en_subject": "Industrial Robots",
        "field": Field.HIGH_END_MANUFACTURING,
        "research_directions": [ResearchDirection.TESTING, ResearchDirection.STANDARDS],
        "summary": "面向工业机器人。", "construction_plan": "两年建成。", "save_next": "1",
    })
    assert response["Location"] == edit_url(app, "facilities")
    response = client.post(edit_url(app, "facilities"), {
        "_section": "facilities", "research_space_m2": "3500", "instrument_value_cny": "60000000",
        "precision_statement": "国内先进", "data_capability": "数据中心", "data_storage_tb": "120",
    })
    assert response.status_code == 302

    # Sitting 3: people, projects, outcomes, support, consortium.
    members = [
        {"role": TeamRole.DIRECTOR, "name": "张主任", "organisation_name": host.name, "title": "副院长"},
        {"role": TeamRole.COMMITTEE_CHAIR, "name": "李院士", "organisation_name": "清华大学"},
        {"role": TeamRole.COMMITTEE_MEMBER, "name": "王教授", "organisation_name": "浙江大学"},
        {"role": TeamRole.LEADER, "name": "赵研究员", "organisation_name": host.name, "posts_held": "ISO/TC 299 委员"},
    ]
    response = client.post(edit_url(app, "team"), {"_section": "team", "team_statement": "结构合理", **formset("team", members)})
    assert response.status_code == 302, response.content
    response = client.post(edit_url(app, "research"), {
        "_section": "research", "authority_statement": "权威", "breakthrough_statement": "突破",
        **formset("projects", [{"title": "国家重点研发计划", "year": str(year - 1), "amount_cny": "25000000"}]),
    })
    assert response.status_code == 302, response.content
    response = client.post(edit_url(app, "outcomes"), {
        "_section": "outcomes", "evidence_1": "原创成果", "evidence_2": "重大问题", "evidence_5": "数据库",
        **formset("standards", []), **formset("transfers", []), **formset("incomes", []),
    })
    assert response.status_code == 302, response.content
    response = client.post(edit_url(app, "support"), {"_section": "support", "is_host_priority": "on", "host_commitment": "全力保障"})
    assert response.status_code == 302
    response = client.post(edit_url(app, "consortium"), {
        "_section": "consortium", **formset("consortium", [{"organisation": str(partner.pk), "role": "数据合作"}]),
    })
    assert response.status_code == 302, response.content

    app = Application.objects.get(pk=app.pk)
    assert app.research_directions == [ResearchDirection.TESTING, ResearchDirection.STANDARDS]
    assert app.team_members.count() == 4 and app.projects.count() == 1
    assert set(app.outcome_claims.values_list("item", flat=True)) == {1, 2, 5}
    assert list(app.consortium_members.values_list("organisation", flat=True)) == [partner.pk]
    assert app.eligibility.passed, [(failure.key, failure.message) for failure in app.eligibility.failures]

    # The detail page offers "submit"; the transition view runs it.
    detail = client.get(app.get_absolute_url())
    assert 'data-transition="submit"' in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:transition", args=[app.pk, "submit"]))
    assert response.status_code == 302 and response["Location"] == app.get_absolute_url()
    app = Application.objects.get(pk=app.pk)
    assert app.status == Status.SUBMITTED
    assert app.preliminary_reviews.count() == 2  # both provincial bodies (Art. 10)
    assert any("Submitted" in m for m in flash(response))
    assert AuditEntry.objects.for_object(app).filter(transition="submit", actor=applicant).exists()


def test_incomplete_dossier_submit_shows_the_missing_items_and_article_art13(client):
    app = ApplicationFactory(summary="")
    login(client, applicant_of(app.host))
    response = client.post(reverse("applications:transition", args=[app.pk, "submit"]))
    assert response.status_code == 302
    messages = flash(response)
    assert any("summary" in m and "Art. 13" in m for m in messages), messages
    assert Application.objects.get(pk=app.pk).status == Status.DRAFT


def test_section_save_is_all_or_nothing_with_errors_per_row_field(client):
    app = complete_dossier()
    login(client, applicant_of(app.host))
    members = list(app.team_members.order_by("pk"))
    rows = [{"id": str(m.pk), "role": m.role, "name": m.name, "organisation_name": m.organisation_name,
             "title": m.title, "posts_held": m.posts_held} for m in members]
    rows.append({"role": TeamRole.CORE_MEMBER, "name": "", "organisation_name": "某大学"})  # the name is missing
    response = client.post(edit_url(app, "team"), {
        "_section": "team", "team_statement": "changed statement", **formset("team", rows, initial=len(members)),
    })
    assert response.status_code == 200
    bad_row = response.context["editor"].formsets[0].forms[len(members)]
    assert "name" in bad_row.errors
    assert 'id="id_team-4-name_errors"' in response.content.decode()
    app = Application.objects.get(pk=app.pk)
    assert app.team_statement == "" and app.team_members.count() == len(members)  # nothing half-saved


def test_rows_conflicting_with_saved_rows_are_refused_without_saving(client):
    app = ApplicationFactory(team_statement="")
    ServiceIncome.objects.create(application=app, year=2024, amount_cny=Decimal("1"))
    login(client, applicant_of(app.host))
    # Duplicates inside the form: a formset error.
    response = client.post(edit_url(app, "outcomes"), {
        "_section": "outcomes", "evidence_1": "新证据", **formset("standards", []), **formset("transfers", []),
        **formset("incomes", [{"year": "2023", "amount_cny": "1"}, {"year": "2023", "amount_cny": "2"}]),
    })
    assert response.status_code == 200 and response.context["editor"].formsets[2].non_form_errors()
    # A crafted post that omits the saved 2024 row and adds another 2024: refused by the database, rolled back.
    response = client.post(edit_url(app, "outcomes"), {
        "_section": "outcomes", "evidence_1": "新证据", **formset("standards", []), **formset("transfers", []),
        **formset("incomes", [{"year": "2024", "amount_cny": "9"}]),
    })
    assert response.status_code == 200 and flash(response)
    assert list(ServiceIncome.objects.filter(application=app).values_list("year", "amount_cny")) == [(2024, Decimal("1.00"))]
    assert not OutcomeClaim.objects.filter(application=app).exists()


def test_invalid_lab_name_is_refused_on_its_field_art31(client):
    app = ApplicationFactory()
    login(client, applicant_of(app.host))
    response = client.post(edit_url(app, "overview"), {"_section": "overview", "name_zh": "工业机器人实验室"})
    assert response.status_code == 200
    assert "Art. 31" in " ".join(response.context["editor"].form.errors["name_zh"])
    assert Application.objects.get(pk=app.pk).name_zh == app.name_zh


# --- the live eligibility panel (Art. 12) -------------------------------------------------------------


def test_eligibility_partial_reflects_posted_values_without_saving_art12(client):
    app = complete_dossier()
    login(client, applicant_of(app.host))
    url = reverse("applications:eligibility", args=[app.pk])

    saved = client.get(url).content.decode()
    assert check_status(saved, "space") == "pass"

    posted = client.post(url, {
        "_section": "facilities", "research_space_m2": "1200", "instrument_value_cny": "60000000",
        "precision_statement": "国内先进", "data_capability": "数据中心",
    }, HTTP_HX_REQUEST="true").content.decode()
    assert check_status(posted, "space") == "warning"
    assert "1,200 m²" in posted
    assert Application.objects.get(pk=app.pk).research_space_m2 == Decimal("3500")

    # The overview preview also refreshes the derived English name (Art. 31) out of band.
    posted = client.post(url, {"_section": "overview", "name_en_subject": "Robots"}).content.decode()
    assert 'id="derived-name-en" hx-swap-oob="true">State Quality &amp; Standards Laboratory of Robots<' in posted
    assert Application.objects.get(pk=app.pk).name_en_subject == app.name_en_subject

    # Formset rows too: deleting the academic leader and adding a chair from the host, unsaved.
    members = list(app.team_members.order_by("pk"))
    rows = []
    for m in members:
        row = {"id": str(m.pk), "role": m.role, "name": m.name, "organisation_name": m.organisation_name,
               "title": m.title, "posts_held": m.posts_held}
        if m.role == TeamRole.LEADER:
            row["DELETE"] = "on"
        rows.append(row)
    posted = client.post(url, {"_section": "team", "team_statement": "", **formset("team", rows, initial=len(rows))}).content.decode()
    assert check_status(posted, "team") == "fail"
    assert app.team_members.filter(role=TeamRole.LEADER).exists()

    # Outcome evidence typed but not saved counts in the preview (3 of 5 items, Art. 12 (4)).
    posted = client.post(url, {
        "_section": "outcomes", "evidence_1": "原创", "evidence_2": "重大问题", "evidence_5": "数据",
        **formset("standards", []), **formset("transfers", []), **formset("incomes", []),
    }).content.decode()
    assert check_status(posted, "outcome_5") == "pass"
    assert not OutcomeClaim.objects.filter(application=app, item=5).exists()
    assert check_status(client.get(url).content.decode(), "outcome_5") == "not_met"


def test_edit_page_panel_posts_the_section_form_to_the_eligibility_partial(client):
    app = ApplicationFactory()
    login(client, applicant_of(app.host))
    html = client.get(edit_url(app, "facilities")).content.decode()
    assert f'hx-post="{reverse("applications:eligibility", args=[app.pk])}"' in html
    assert 'hx-include="#section-form"' in html
    assert "input changed delay:600ms from:form#section-form" in html
    assert 'name="_section" value="facilities"' in html


def test_eligibility_preview_refused_for_a_recommender(client):
    app = submitted()
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    login(client, samr)
    url = reverse("applications:eligibility", args=[app.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"_section": "facilities", "research_space_m2": "1"}).status_code == 403


# --- edit refusals ------------------------------------------------------------------------------------


def test_edit_refused_when_not_editable_and_nothing_saved_art13(client):
    app = submitted()
    login(client, applicant_of(app.host))
    response = client.get(edit_url(app, "overview"))
    assert response.status_code == 302 and response["Location"] == app.get_absolute_url()
    response = client.post(edit_url(app, "overview"), {"_section": "overview", "name_zh": "改名国家质量标准实验室"})
    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).name_zh == app.name_zh
    attachment = Attachment.objects.create(
        application=app, file=ContentFile(PDF, name="x"), original_name="a.pdf", content_type="application/pdf",
        size=len(PDF), sha256="0" * 64, uploaded_by=applicant_of(app.host),
    )
    response = client.post(reverse("applications:attachment_delete", args=[app.pk, attachment.pk]))
    assert response.status_code == 403 and Attachment.objects.filter(pk=attachment.pk).exists()


def test_edit_of_another_hosts_application_is_not_found(client):
    app = ApplicationFactory()
    login(client, applicant_of(LocalHostFactory()))
    assert client.get(edit_url(app, "overview")).status_code == 404
    assert client.post(edit_url(app, "overview"), {"_section": "overview", "name_zh": "甲国家质量标准实验室"}).status_code == 404
    assert client.get(app.get_absolute_url()).status_code == 404
    assert Application.objects.get(pk=app.pk).name_zh == app.name_zh


def test_every_section_and_the_create_page_render_with_labelled_fields(client):
    app = complete_dossier()
    login(client, applicant_of(app.host))
    assert client.get(reverse("applications:create")).status_code == 200
    for section in ("overview", "facilities", "team", "research", "outcomes", "support", "consortium", "attachments"):
        response = client.get(edit_url(app, section))
        assert response.status_code == 200, section
        html = response.content.decode()
        for tag, field_id in re.findall(r'<((?:input|select|textarea)[^>]*)\sid="([^"]+)"', html):
            if 'type="hidden"' in tag:
                continue
            assert f'for="{field_id}"' in html, (section, field_id)


def test_pages_need_a_login(client):
    app = ApplicationFactory()
    for url in (reverse("applications:list"), app.get_absolute_url(), edit_url(app, "overview")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_unknown_section_is_not_found(client):
    app = ApplicationFactory()
    login(client, applicant_of(app.host))
    assert client.get(edit_url(app, "budget")).status_code == 404


def test_only_applicants_of_a_host_may_create(client):
    samr = recommender_of(provincial_body("provincial_samr", "32"))
    login(client, samr)
    assert client.post(reverse("applications:create")).status_code == 403
    assert not Application.objects.exists()


def test_consortium_offers_only_other_hosts_art5(client):
    app = ApplicationFactory()
    other = LocalHostFactory()
    login(client, applicant_of(app.host))
    response = client.get(edit_url(app, "consortium"))
    choices = response.context["editor"].formsets[0].forms[0].fields["organisation"].queryset
    assert other in choices and app.host not in choices
    assert not choices.exclude(kind="host").exists()
    response = client.post(edit_url(app, "consortium"), {
        "_section": "consortium", **formset("consortium", [{"organisation": str(app.host.pk), "role": "牵头"}]),
    })
    assert response.status_code == 200 and not ConsortiumMember.objects.exists()


# --- preliminary review (Art. 10) ---------------------------------------------------------------------


def review_url(app):
    return reverse("applications:review", args=[app.pk])


def test_review_recommend_by_both_provincial_bodies_art10(client):
    app = submitted()
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    miit = recommender_of(provincial_body("provincial_miit", app.host.province))
    login(client, samr)
    assert client.get(review_url(app)).status_code == 200
    detail = client.get(app.get_absolute_url()).content.decode()
    assert review_url(app) in detail and 'data-transition="recommend"' not in detail

    response = client.post(review_url(app), {**ALL_MEET, "comment": "同意推荐", "action": "recommend"})
    assert response.status_code == 302
    review = PreliminaryReview.objects.get(application=app, recommender=samr.organisation)
    assert review.decision == PreliminaryReview.Decision.RECOMMENDED and review.decided_by == samr
    assert set(review.dimensions) == set(ReviewDimension.values)
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED  # the other body has not decided

    login(client, miit)
    client.post(review_url(app), {**ALL_MEET, "action": "recommend"})
    assert Application.objects.get(pk=app.pk).status == Status.RECOMMENDED
    detail = client.get(app.get_absolute_url()).content.decode()
    assert "同意推荐" in detail and str(ReviewDimension.LEGALITY.label) in detail


def test_review_missing_dimension_is_shown_with_article_and_nothing_saved_art10(client):
    app = submitted()
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    login(client, samr)
    data = {**ALL_MEET, "action": "recommend"}
    data.pop(f"verdict_{ReviewDimension.LEGALITY}")
    audit_before = AuditEntry.objects.count()
    response = client.post(review_url(app), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Art. 10" in errors and str(ReviewDimension.LEGALITY.label) in errors
    assert "Art. 10" in response.content.decode()
    review = PreliminaryReview.objects.get(application=app, recommender=samr.organisation)
    assert review.decision == PreliminaryReview.Decision.PENDING and review.dimensions == {}
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED
    assert AuditEntry.objects.count() == audit_before


def test_review_recommend_needs_every_dimension_to_meet_art10(client):
    app = submitted()
    login(client, recommender_of(provincial_body("provincial_samr", app.host.province)))
    data = {**ALL_MEET, f"verdict_{ReviewDimension.ACCURACY}": DimensionVerdict.NEEDS_REVISION, "action": "recommend"}
    response = client.post(review_url(app), data)
    assert response.status_code == 200
    assert "Art. 10" in " ".join(response.context["form"].non_field_errors())
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED


def test_review_return_for_revision_needs_a_comment_art10(client):
    app = submitted()
    login(client, recommender_of(provincial_body("provincial_samr", app.host.province)))
    response = client.post(review_url(app), {"action": "return_for_revision"})
    assert response.status_code == 200 and "comment" in response.context["form"].errors
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED

    response = client.post(review_url(app), {"action": "return_for_revision", "comment": "请补充项目证明",
                                             f"verdict_{ReviewDimension.COMPLETENESS}": DimensionVerdict.NEEDS_REVISION})
    assert response.status_code == 302
    app = Application.objects.get(pk=app.pk)
    assert app.status == Status.RETURNED
    # The other provincial body's pending review is closed; the applicant may edit again.
    assert not app.preliminary_reviews.filter(decision=PreliminaryReview.Decision.PENDING).exists()
    login(client, applicant_of(app.host))
    assert client.get(edit_url(app, "overview")).status_code == 200


def test_review_decline_art10(client):
    app = submitted(host=CentralHostFactory())
    department = recommender_of(app.host.competent_department)
    login(client, department)
    response = client.post(review_url(app), {"action": "decline", "comment": "不符合方向"})
    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).status == Status.NOT_RECOMMENDED
    # Nothing is pending any more: the review page sends the recommender back to the detail page.
    assert client.get(review_url(app)).status_code == 302


def test_review_requires_acknowledging_eligibility_warnings_art12(client):
    app = submitted(complete_dossier(research_space_m2=Decimal("2000")))
    assert app.eligibility.has_warnings
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    login(client, samr)
    page = client.get(review_url(app))
    assert "warnings_acknowledged" in page.context["form"].fields
    response = client.post(review_url(app), {**ALL_MEET, "action": "recommend"})
    assert response.status_code == 200
    assert "Art. 12" in " ".join(response.context["form"].errors["warnings_acknowledged"])
    assert PreliminaryReview.objects.get(application=app, recommender=samr.organisation).decision == "pending"
    response = client.post(review_url(app), {**ALL_MEET, "action": "recommend", "warnings_acknowledged": "on"})
    assert response.status_code == 302
    review = PreliminaryReview.objects.get(application=app, recommender=samr.organisation)
    assert review.decision == "recommended" and review.warnings_acknowledged


def test_review_page_refused_to_applicant_and_to_other_recommenders(client):
    app = submitted()
    login(client, applicant_of(app.host))
    assert client.get(review_url(app)).status_code == 302
    login(client, recommender_of(provincial_body("provincial_samr", "11")))
    assert client.get(review_url(app)).status_code == 404
    assert client.post(review_url(app), {**ALL_MEET, "action": "recommend"}).status_code == 404
    assert not PreliminaryReview.objects.filter(application=app).exclude(decision="pending").exists()


def test_transition_view_refuses_get_and_unpermitted_actions(client):
    app = complete_dossier()
    applicant = applicant_of(app.host)
    login(client, applicant)
    assert client.get(reverse("applications:transition", args=[app.pk, "submit"])).status_code == 405
    response = client.post(reverse("applications:transition", args=[app.pk, "recommend"]))
    assert response.status_code == 302 and flash(response)
    assert Application.objects.get(pk=app.pk).status == Status.DRAFT


# --- attachments ----------------------------------------------------------------------------------------


def make_attachment(app, user):
    return Attachment.objects.create(
        application=app, file=ContentFile(PDF, name="upload"), original_name="证明材料.pdf",
        content_type="application/pdf", size=len(PDF), sha256="0" * 64, uploaded_by=user,
    )


def download(client, attachment):
    response = client.get(reverse("applications:attachment", args=[attachment.application_id, attachment.pk]))
    if response.status_code == 200:
        body = b"".join(response.streaming_content)  # consuming it closes the file (test client wrapper)
        return response, body
    return response, None


def test_download_allowed_for_host_and_routed_recommender_only(client):
    app = submitted()
    attachment = make_attachment(app, applicant_of(app.host))

    login(client, applicant_of(app.host))
    response, body = download(client, attachment)
    assert response.status_code == 200 and body == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E8%AF%81%E6%98%8E%E6%9D%90%E6%96%99.pdf" in response["Content-Disposition"]

    login(client, recommender_of(provincial_body("provincial_miit", app.host.province)))
    response, body = download(client, attachment)
    assert response.status_code == 200 and body == PDF

    login(client, recommender_of(provincial_body("provincial_samr", "11")))  # another province
    assert download(client, attachment)[0].status_code == 404
    login(client, applicant_of(LocalHostFactory()))  # another host
    assert download(client, attachment)[0].status_code == 404


def test_download_of_an_attachment_through_another_application_is_not_found(client):
    mine = ApplicationFactory()
    theirs = ApplicationFactory()
    attachment = make_attachment(theirs, applicant_of(theirs.host))
    login(client, applicant_of(mine.host))
    url = reverse("applications:attachment", args=[mine.pk, attachment.pk])
    assert client.get(url).status_code == 404


def upload(client, app, name, content, **extra):
    return client.post(edit_url(app, "attachments"), {
        "section": "outcomes", "outcome_item": "3", "description": "标准文本",
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"), **extra,
    })


def test_upload_accepts_a_real_pdf_and_lists_it(client):
    app = ApplicationFactory()
    applicant = applicant_of(app.host)
    login(client, applicant)
    response = upload(client, app, "标准.pdf", PDF)
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=app)
    assert (attachment.original_name, attachment.content_type, attachment.size) == ("标准.pdf", "application/pdf", len(PDF))
    assert attachment.outcome_item == 3 and attachment.uploaded_by == applicant
    page = client.get(edit_url(app, "attachments")).content.decode()
    assert "标准.pdf" in page and reverse("applications:attachment_delete", args=[app.pk, attachment.pk]) in page

    response = client.post(reverse("applications:attachment_delete", args=[app.pk, attachment.pk]))
    assert response.status_code == 302 and not Attachment.objects.exists()


@pytest.mark.parametrize("name,content", [("report.pdf", EXE), ("notes.pdf", b"just some text, not a PDF\n" * 10)])
def test_upload_renamed_file_refused_by_content(client, name, content):
    app = ApplicationFactory()
    login(client, applicant_of(app.host))
    response = upload(client, app, name, content)
    assert response.status_code == 200
    assert "file" in response.context["upload_form"].errors
    assert 'id="id_file_errors"' in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_over_the_size_limit_refused(client, settings):
    settings.UPLOAD_MAX_BYTES = 100
    app = ApplicationFactory()
    login(client, applicant_of(app.host))
    response = upload(client, app, "big.pdf", PDF + b"0" * 200)
    assert response.status_code == 200
    assert "limit" in " ".join(response.context["upload_form"].errors["file"])
    assert not Attachment.objects.exists()


# --- list, detail, revisions ------------------------------------------------------------------------------


def test_list_shows_only_visible_applications_with_filters(client):
    host = LocalHostFactory()
    mine = ApplicationFactory(host=host, field=Field.BIOMEDICINE)
    other_field = ApplicationFactory(host=host, field=Field.NEW_MATERIALS)
    theirs = ApplicationFactory()
    login(client, applicant_of(host))
    response = client.get(reverse("applications:list"))
    shown = list(response.context["page_obj"])
    assert set(shown) == {mine, other_field} and theirs not in shown
    response = client.get(reverse("applications:list"), {"field": Field.BIOMEDICINE})
    assert list(response.context["page_obj"]) == [mine]
    response = client.get(reverse("applications:list"), {"status": Status.SUBMITTED})
    assert list(response.context["page_obj"]) == []
    assert reverse("applications:create") in client.get(reverse("applications:list")).content.decode()


def test_list_page_query_count_is_bounded_for_3_and_30_rows(client, django_assert_max_num_queries):
    host = LocalHostFactory()
    applicant = applicant_of(host)
    login(client, applicant)
    counts = []
    for rows in (3, 30):
        ApplicationFactory.create_batch(rows - Application.objects.count(), host=host, created_by=applicant)
        with django_assert_max_num_queries(8) as captured:
            response = client.get(reverse("applications:list"))
        assert len(response.context["page_obj"]) == min(rows, 25)
        counts.append(len(captured))
    assert counts[0] == counts[1]  # no query per row


def test_list_page_reads_no_dossier_narrative_which_the_dossier_page_shows(client, django_assert_max_num_queries):
    """The list shows names, hosts and states: the long texts of the dossier stay in the database (`for_table()`)."""
    host = LocalHostFactory()
    applicant = applicant_of(host)
    app = ApplicationFactory(host=host, created_by=applicant, summary="本实验室面向工业机器人质量的长篇简介")
    login(client, applicant)
    with django_assert_max_num_queries(8) as captured:
        assert client.get(reverse("applications:list")).status_code == 200
    assert not any('"summary"' in query["sql"] or '"host_commitment"' in query["sql"] for query in captured.captured_queries)
    assert "本实验室面向工业机器人质量的长篇简介" in client.get(reverse("applications:detail", args=[app.pk])).content.decode()


def test_list_pages_by_25(client):
    host = LocalHostFactory()
    applicant = applicant_of(host)
    ApplicationFactory.create_batch(27, host=host, created_by=applicant)
    login(client, applicant)
    assert len(client.get(reverse("applications:list"), {"page": 2}).context["page_obj"]) == 2


def test_detail_shows_dossier_formatting_timeline_and_reviews(client):
    app = submitted()
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    run_transition(app, "return_for_revision", samr, "请补充", dimensions={})
    login(client, applicant_of(app.host))
    html = client.get(app.get_absolute_url()).content.decode()
    assert "State Quality &amp; Standards Laboratory of Industrial Robot Quality" in html
    assert "¥60,000,000.00" in html and "3,500 m²" in html
    timeline = html[html.index('id="timeline"'):]
    assert "请补充" in timeline and samr.full_name in timeline and samr.organisation.name in timeline
    assert "Art. 10" in timeline and "Art. 13" in timeline
    # Chinese UI: the timeline dates read 2026年11月24日 10:30 in Asia/Shanghai time.
    entry = AuditEntry.objects.for_object(app).get(transition="return_for_revision")
    local = timezone.localtime(entry.at)
    html_zh = client.get(app.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in html_zh[html_zh.index('id="timeline"'):]
    with translation.override("en"):  # this module's client asks for English
        assert str(Status.RETURNED.label) in html
    assert f'href="{reverse("applications:edit", args=[app.pk, "overview"])}"' in html


def test_revisions_compare_latest_with_previous_submission(client):
    app = submitted()
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    run_transition(app, "return_for_revision", samr, "请改名", dimensions={})
    applicant = applicant_of(app.host)
    login(client, applicant)
    client.post(edit_url(app, "overview"), {
        "_section": "overview", "name_zh": "智能机器人国家质量标准实验室", "name_en_subject": app.name_en_subject,
        "field": app.field, "research_directions": app.research_directions, "summary": app.summary,
        "construction_plan": app.construction_plan,
    })
    response = client.post(reverse("applications:transition", args=[app.pk, "submit"]))
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED, flash(response)
    response = client.get(reverse("applications:revisions", args=[app.pk]))
    assert (response.context["old"].number, response.context["new"].number) == (1, 2)
    html = response.content.decode()
    assert app.name_zh in html and "智能机器人国家质量标准实验室" in html
