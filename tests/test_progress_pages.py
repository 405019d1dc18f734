"""The application and laboratory pages as a person meets them (issue 11, items 4, 5, 6 and 10): why a dossier
came back and by when (in working days, as the rule counts them), where it stands and who acts next, the
viewer's pending decision first, drastic actions apart behind a confirmation that names the consequence,
statuses and history lines that say who acted, the row-by-row revision diff, and the link to the laboratory."""

import os
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import OrganisationKind
from applications.choices import DimensionVerdict, ReviewDimension
from applications.models import Application, Attachment, NationalProject, Status, TeamMember
from applications.progress import application_progress
from evaluations.models import Laboratory, LabStatus
from kernel.transitions import run_transition
from labportal.journeys import ALL_MEET, acceptance_criteria
from reviews.models import FormalReviewItem
from tests.factories import (
    ApplicationFactory,
    CentralHostFactory,
    applicant_of,
    complete_dossier,
    miit_staff,
    new_journey,
    on,
    provincial_body,
    recommender_of,
    samr_staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]  # requests in English

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def page(client, path, user=None, language=None):
    if user is not None:
        client.force_login(user)
    response = client.get(path, headers={"Accept-Language": language} if language else {})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text(html):
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def position(html, marker):
    index = html.find(marker)
    assert index >= 0, f"{marker} is not on the page"
    return index


def current_stage(html):
    """(stage code, state) of the step marked aria-current="step"."""
    steps = re.findall(r'data-stage="(\w+)" data-state="(\w+)"( aria-current="step")?', html)
    return [(code, state) for code, state, current in steps if current]


def next_party(html):
    found = re.search(r'data-testid="next-party" data-party="(\w+)"', html)
    return found.group(1) if found else None


def recommenders(app):
    return [recommender_of(provincial_body(kind, app.host.province))
            for kind in (OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT)]


def submitted(app=None):
    app = app or complete_dossier()
    return run_transition(app, "submit", applicant_of(app.host))


def returned_with_reasons(app):
    """The provincial SAMR returns the dossier: a comment and one dimension to revise (Art. 10)."""
    samr, _miit = recommenders(app)
    dimensions = {ReviewDimension.COMPLETENESS: {"verdict": DimensionVerdict.NEEDS_REVISION, "comment": "学术委员会名单不全"}}
    return run_transition(app, "return_for_revision", samr, comment="请补充学术委员会名单。", dimensions=dimensions)


# --- item 4: a returned or supplement-requested dossier says why, at the top ------------------------------


def test_returned_dossier_says_why_and_counts_working_days_across_national_day_art10_13(client):
    """Returned on Friday 26 September 2025: 15 working days (Art. 13, a setting) skip the National Day
    holiday (1-8 October) and count the make-up working days (28 September, 11 October): due 23 October."""
    with on(2025, 9, 26):
        app = returned_with_reasons(submitted())
    applicant = applicant_of(app.host)
    with on(2025, 9, 26):
        html = page(client, app.get_absolute_url(), applicant)
    banner = html[position(html, 'data-testid="pending-action"'):position(html, 'data-testid="progress"')]
    assert position(html, 'data-testid="pending-action"') < position(html, 'id="dossier-')  # first on the page
    assert "Returned for revision by the recommender" in banner
    assert "请补充学术委员会名单。" in banner and "江苏省市场监督管理局" in banner
    assert "Completeness (完整性) 学术委员会名单不全" in text(banner)
    assert "Due: 2025-10-23" in text(banner) and "15 working days left" in banner
    assert "revise the dossier as asked, then submit it to the recommender again." in text(banner)
    assert "Edit the dossier" in banner and 'data-transition="submit"' in banner

    for day, left in (((2025, 10, 3), "12 working days left"), ((2025, 10, 22), "1 working day left"),
                      ((2025, 10, 23), "due today"), ((2025, 10, 24), "overdue by 1 day")):
        with on(*day):
            assert left in page(client, app.get_absolute_url(), applicant), day
    with on(2025, 10, 3):  # the edit page says it too
        edit = page(client, reverse("applications:edit", args=[app.pk, "team"]), applicant)
    assert 'data-testid="host-request"' in edit and "12 working days left" in edit and "学术委员会名单不全" in edit


def test_supplement_request_lists_the_unconfirmed_checks_for_everyone_and_asks_the_host_to_resubmit_art13(journey, client):
    app = journey.recommended()
    staff = samr_staff()
    items = list(FormalReviewItem.objects.filter(active=True))
    assert len(items) >= 2
    checks = {str(item.pk): item != items[-1] for item in items}
    with on(2025, 9, 26):
        run_transition(app, "request_supplement", staff, comment="请补充场地产权证明。", checks=checks)
        html = page(client, app.get_absolute_url(), applicant_of(app.host))
    banner = html[position(html, 'data-testid="pending-action"'):position(html, 'data-testid="progress"')]
    assert "Formal review asks for a supplement" in banner and "请补充场地产权证明。" in banner
    assert items[-1].text in banner and items[0].text not in banner  # only what was not confirmed
    assert "Due: 2025-10-16" in text(banner) and "10 working days left" in banner  # 10 working days (a setting)
    assert 'data-transition="resubmit_supplement"' in banner

    with on(2025, 9, 26):
        seen_by_staff = page(client, app.get_absolute_url(), staff)
    assert 'data-testid="pending-action"' not in seen_by_staff  # nothing for staff to do while the host supplements
    assert 'data-testid="host-request"' in seen_by_staff and items[-1].text in seen_by_staff
    assert "the host adds what is missing and resubmits the dossier to formal review." in text(seen_by_staff)


# --- item 5: where am I, what's next ---------------------------------------------------------------------


def test_stepper_marks_the_current_stage_and_who_acts_next_through_the_application_stage(client):
    draft = complete_dossier()
    applicant = applicant_of(draft.host)
    html = page(client, draft.get_absolute_url(), applicant)
    assert current_stage(html) == [("apply", "current")] and next_party(html) == "host"
    assert '<ol class="portal-stepper">' in html

    app = submitted(draft)
    samr, miit = recommenders(app)
    run_transition(app, "recommend", samr, dimensions=ALL_MEET)
    html = page(client, app.get_absolute_url())
    assert current_stage(html) == [("recommend", "current")] and next_party(html) == "recommenders"
    assert re.search(r'data-party="recommenders"><strong class="d-block">江苏省工业和信息化主管部门</strong>', html)  # still to act

    app = run_transition(app, "recommend", miit, dimensions=ALL_MEET)
    html = page(client, app.get_absolute_url())
    assert current_stage(html) == [("formal_review", "current")] and next_party(html) == "ministries"
    assert re.findall(r'data-stage="(\w+)" data-state="done"', html) == ["apply", "recommend"]

    withdrawn = run_transition(app, "withdraw", applicant, comment="本年度暂不申报")
    html = page(client, withdrawn.get_absolute_url())
    assert current_stage(html) == [("formal_review", "ended")] and next_party(html) is None
    assert re.findall(r'data-stage="(\w+)" data-state="skipped"', html) == [
        "expert_review", "site_inspection", "publicity", "approval"]


def test_ministry_stage_steps_and_the_staff_page_of_each_step_art13(client):
    journey = new_journey()
    app = journey.formal_review_passed()
    html = page(client, app.get_absolute_url(), journey.staff)
    assert current_stage(html) == [("expert_review", "current")] and next_party(html) == "ministries"
    pending = html[position(html, 'data-testid="pending-action"'):position(html, 'data-testid="progress"')]
    assert f'{reverse("reviews:round_create")}?applications={app.pk}' in pending
    journey.open_round([app])
    html = page(client, app.get_absolute_url())
    assert current_stage(html) == [("expert_review", "current")] and next_party(html) == "experts"
    assert 'data-testid="pending-action"' not in html  # the experts act, not the staff


def test_awaiting_approval_first_signature_pending_card_and_status_for_each_ministry_art7(client):
    journey = new_journey()
    app = journey.awaiting_approval()
    samr, miit = journey.staff, miit_staff()
    run_transition(app, "approve", samr, comment="同意")

    seen_by_samr = page(client, app.get_absolute_url(), samr)
    assert 'data-testid="pending-action"' not in seen_by_samr  # SAMR has signed: nothing left for it to do
    assert "SAMR has signed the approval; awaiting the signature of MIIT" in seen_by_samr
    assert next_party(seen_by_samr) == "miit"

    seen_by_miit = page(client, app.get_absolute_url(), miit)
    card = seen_by_miit[position(seen_by_miit, 'data-testid="pending-action"'):position(seen_by_miit, 'data-testid="progress"')]
    assert position(seen_by_miit, 'data-testid="pending-action"') < position(seen_by_miit, 'data-testid="progress"')
    assert 'data-transition="approve"' in card and "Sign the approval for construction (Art. 7)." in card
    assert 'data-action="reject"' not in card  # rejection sits apart, in the danger zone at the bottom
    assert position(seen_by_miit, 'data-testid="danger-zone"') > position(seen_by_miit, 'id="timeline"')
    assert 'data-action="reject"' in seen_by_miit[position(seen_by_miit, 'data-testid="danger-zone"'):]


def test_withdrawal_sits_apart_and_asks_first_naming_the_consequence_art13(client):
    app = submitted()
    applicant = applicant_of(app.host)
    html = page(client, app.get_absolute_url(), applicant)
    assert 'data-testid="pending-action"' not in html  # withdrawing is not what is asked of the host
    zone = html[position(html, 'data-testid="danger-zone"'):]
    withdraw_url = reverse("applications:transition", args=[app.pk, "withdraw"])
    assert f'href="{withdraw_url}"' in zone and "it can no longer be submitted, revised or resumed" in zone

    confirm = page(client, withdraw_url)
    assert 'data-testid="consequence"' in confirm and "Withdrawing ends this application" in confirm
    assert 'name="confirmed" value="1"' in confirm
    client.post(withdraw_url, {"comment": "本年度暂不申报"})  # a bare POST, not confirmed: the page again
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED
    response = client.post(withdraw_url, {"comment": "本年度暂不申报", "confirmed": "1"}, follow=True)
    assert Application.objects.get(pk=app.pk).status == Status.WITHDRAWN
    html = response.content.decode()
    assert "“Withdraw” done; the status is now “Withdrawn”." in html
    outcome = text(html[position(html, 'data-testid="progress-outcome"'):].split(">", 1)[1])
    assert outcome.startswith("Withdraw · ") and "本年度暂不申报" in outcome[:200]  # how it ended, and why


def test_a_never_submitted_draft_is_deleted_not_withdrawn_after_saying_so(client, django_capture_on_commit_callbacks):
    draft = ApplicationFactory()
    applicant = applicant_of(draft.host)
    client.force_login(applicant)
    client.post(reverse("applications:edit", args=[draft.pk, "attachments"]),
                {"section": "general", "description": "", "file": SimpleUploadedFile("建设方案.pdf", PDF)})
    stored = Attachment.objects.get(application=draft).file.path
    html = page(client, draft.get_absolute_url())
    zone = html[position(html, 'data-testid="danger-zone"'):]
    assert 'data-action="discard"' in zone and 'data-action="withdraw"' not in zone
    assert "The draft will be deleted with everything filled in and uploaded." in zone

    discard_url = reverse("applications:discard", args=[draft.pk])
    confirm = page(client, discard_url)
    assert "Delete the draft: please confirm" in confirm and "it cannot be restored" in confirm
    assert "该草稿将被删除" in page(client, discard_url, language="zh-hans")

    other = applicant_of(ApplicationFactory().host)
    client.force_login(other)
    assert client.post(discard_url, {"confirmed": "1"}).status_code == 404
    client.force_login(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(discard_url, {"confirmed": "1"}, follow=True)
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert "was deleted." in response.content.decode()
    assert not os.path.exists(stored)  # its files go with it


def test_a_submitted_application_cannot_be_deleted_only_withdrawn_art13(client):
    app = submitted()
    client.force_login(applicant_of(app.host))
    response = client.post(reverse("applications:discard", args=[app.pk]), {"confirmed": "1"}, follow=True)
    assert Application.objects.filter(pk=app.pk, status=Status.SUBMITTED).exists()
    assert "Only a draft that was never submitted can be deleted" in response.content.decode()


def test_api_deletes_a_draft_and_refuses_a_submitted_application(client):
    from rest_framework.test import APIClient

    draft, app = ApplicationFactory(), submitted()
    api = APIClient()
    api.force_authenticate(applicant_of(draft.host))
    assert api.delete(f"/api/applications/{draft.pk}/").status_code == 204
    assert not Application.objects.filter(pk=draft.pk).exists()
    api.force_authenticate(applicant_of(app.host))
    assert api.delete(f"/api/applications/{app.pk}/").status_code == 409
    assert {t["name"] for t in api.get(f"/api/applications/{app.pk}/").data["available_transitions"]} == {"withdraw"}


# --- item 6: who still has to act; history lines ----------------------------------------------------------


def test_status_says_which_recommender_has_acted_on_detail_and_list_art10(client):
    app = submitted()
    samr, miit = recommenders(app)
    run_transition(app, "recommend", samr, dimensions=ALL_MEET)
    expected_en = "江苏省市场监督管理局 has recommended; awaiting the recommendation of 江苏省工业和信息化主管部门"
    detail = page(client, app.get_absolute_url(), miit)
    assert re.search(r'data-status="submitted">\s*' + re.escape(expected_en), detail)
    card = detail[position(detail, 'data-testid="pending-action"'):position(detail, 'data-testid="progress"')]
    assert reverse("applications:review", args=[app.pk]) in card  # MIIT's preliminary review comes first
    assert expected_en in page(client, reverse("applications:list"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    expected_zh = "江苏省市场监督管理局已推荐，待江苏省工业和信息化主管部门推荐"
    assert expected_zh in page(client, app.get_absolute_url())
    assert expected_zh in page(client, reverse("applications:list"))
    assert expected_zh in page(client, reverse("home"))  # "awaiting your review"


def test_history_names_each_action_and_never_shows_a_status_turning_into_itself(client):
    journey = new_journey()
    app = journey.awaiting_approval()
    run_transition(app, "approve", journey.staff, comment="同意建设")
    html = page(client, app.get_absolute_url(), journey.staff)
    history = html[position(html, 'data-testid="timeline"'):]
    lines = [text(li) for li in re.findall(r"<li class=\"border-start.*?</li>", history, re.S)]
    recommend = [line for line in lines if " Recommend · " in line]
    assert len(recommend) == 2  # both provincial recommenders, each by name
    assert "江苏省市场监督管理局" in recommend[0] and "Status:" not in recommend[0]  # the first left it submitted
    assert "Status: Submitted, awaiting recommendation → Recommended" in recommend[1]
    signed = lines[-1]
    assert "Sign the approval for construction" in signed and "同意建设" in signed and "Art. 7" in signed
    assert "国家市场监督管理总局" in signed and "Status:" not in signed
    assert not any(re.search(r"Status: (.+) → \1$", line) for line in lines)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    zh = text(page(client, app.get_absolute_url()))
    assert "签署批准建设" in zh and "第七条" in zh
    assert "状态：已提交，待推荐 → 已推荐" in zh


# --- the laboratory ---------------------------------------------------------------------------------------


def test_lab_stepper_states_and_confirmation_status_on_detail_and_list_art19(client, journey):
    lab = journey.approved(months_ago=24)
    host = applicant_of(lab.host)
    html = page(client, lab.get_absolute_url(), host)
    assert current_stage(html) == [("construction", "current")] and next_party(html) == "host"
    card = html[position(html, 'data-testid="pending-action"'):position(html, 'data-testid="progress"')]
    assert "Apply for acceptance" in card

    lab = journey.acceptance_verdict(journey.apply_for_acceptance(lab), "pass")
    run_transition(lab, "confirm_acceptance", journey.staff)
    html = page(client, lab.get_absolute_url(), journey.miit)
    assert current_stage(html) == [("acceptance", "current")] and next_party(html) == "miit"
    assert "SAMR has confirmed the acceptance; awaiting the confirmation of MIIT" in html
    card = html[position(html, 'data-testid="pending-action"'):position(html, 'data-testid="progress"')]
    assert 'data-transition="confirm_acceptance"' in card
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    assert "市场监管总局已确认，待工业和信息化部确认" in page(client, lab.get_absolute_url())
    assert "市场监管总局已确认，待工业和信息化部确认" in page(client, reverse("labs:list"))

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    lab = run_transition(lab, "confirm_acceptance", journey.miit)
    html = page(client, lab.get_absolute_url(), journey.staff)
    assert "Acceptance confirmed by SAMR and MIIT; awaiting the acceptance notice" in html
    card = html[position(html, 'data-testid="pending-action"'):position(html, 'data-testid="progress"')]
    assert f'{reverse("reviews:notice_create")}?laboratories={lab.pk}' in card


def test_lab_applying_for_acceptance_waits_for_a_round_then_for_the_experts_art19(client, journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW)
    html = page(client, lab.get_absolute_url(), journey.staff)
    assert current_stage(html) == [("acceptance", "current")] and next_party(html) == "ministries"
    card = html[position(html, 'data-testid="pending-action"'):position(html, 'data-testid="progress"')]
    assert f'{reverse("reviews:round_create")}?laboratories={lab.pk}&amp;purpose=acceptance' in card
    journey.scored_lab_round([lab], acceptance_criteria())
    html = page(client, lab.get_absolute_url())
    assert next_party(html) == "experts" and 'data-testid="pending-action"' not in html


def test_rectifying_lab_asks_its_host_with_the_rectification_deadline_art19(client, journey):
    lab = journey.lab_in(LabStatus.RECTIFYING)
    html = page(client, lab.get_absolute_url(), applicant_of(lab.host))
    assert current_stage(html) == [("acceptance", "current")] and next_party(html) == "host"
    deadline = html[position(html, 'data-testid="progress-deadline"'):]
    assert "Rectify and apply for acceptance again" in deadline and "days left" in deadline


def test_removal_from_the_list_sits_apart_behind_a_confirmation_and_the_status_says_who_signed_art25(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    html = page(client, lab.get_absolute_url(), journey.staff)
    assert current_stage(html) == [("operation", "current")]
    assert 'data-testid="pending-action"' not in html  # nothing waits for staff on a lab in operation
    zone = html[position(html, 'data-testid="danger-zone"'):]
    propose_url = reverse("labs:transition", args=[lab.pk, "propose_delisting"])
    assert f'href="{propose_url}"' in zone and "may answer in writing" in zone

    confirm = page(client, propose_url)
    assert "Propose removal from the list (misconduct): please confirm" in confirm and "Reason (required)" in confirm
    client.post(propose_url, {"comment": "提供虚假材料"})  # not confirmed
    assert not lab.proposals.exists()
    client.post(propose_url, {"comment": "提供虚假材料", "confirmed": "1"})
    lab = journey.statement(Laboratory.objects.get(pk=lab.pk))
    html = page(client, lab.get_absolute_url())
    assert current_stage(html) == [("operation", "current")]  # still in operation while it is only proposed
    sign_url = reverse("labs:transition", args=[lab.pk, "sign_delisting"])
    client.post(sign_url, {"comment": "核实无误", "confirmed": "1"})
    expected = "Removal from the list proposed; SAMR has signed, awaiting MIIT"
    assert expected in page(client, lab.get_absolute_url())
    assert expected in page(client, reverse("labs:list"))
    client.force_login(journey.miit)
    client.post(sign_url, {"comment": "同意", "confirmed": "1"})
    html = page(client, lab.get_absolute_url())
    assert Laboratory.objects.get(pk=lab.pk).status == LabStatus.DELISTED
    assert current_stage(html) == [("operation", "ended")] and 'data-testid="danger-zone"' not in html
    history = text(html[position(html, 'data-testid="timeline"'):])
    assert "Sign the removal from the list · " in history
    assert "Status: Removal from the list proposed → Removed from the list" in history


# --- item 10: the revision diff, the lab link -----------------------------------------------------------------


def test_revision_diff_compares_rows_by_key_and_marks_what_changed(client):
    app = submitted(complete_dossier())
    samr, _miit = recommenders(app)
    app = run_transition(app, "return_for_revision", samr, comment="请更新")
    leader = TeamMember.objects.get(application=app, name="赵研究员")
    leader.title = "首席研究员"
    leader.save()
    removed = NationalProject.objects.filter(application=app).order_by("pk").first()
    removed_title = removed.title
    removed.delete()
    NationalProject.objects.create(application=app, title="新增国家重点研发计划项目", number="2025YFF0100100",
                                   year=2025, amount_cny=3000000)
    Application.objects.filter(pk=app.pk).update(summary="面向工业机器人可靠性与质量标准的研究。", research_space_m2=4200)
    submitted(Application.objects.get(pk=app.pk))

    html = page(client, reverse("applications:revisions", args=[app.pk]), samr)
    fields = html[position(html, 'data-testid="changed-fields"'):]
    assert 'data-field="research_space_m2"' in fields and "3,500 m²" in fields and "4,200 m²" in fields
    summary = re.search(r'data-field="summary">.*?</tr>', fields, re.S).group(0)
    assert "<ins>可靠性与</ins>" in summary  # only the changed passage is marked, not the whole text
    team = re.search(r'data-relation="team_members">.*?</section>', html, re.S).group(0)
    assert team.count("data-change=") == 1 and 'data-change="changed"' in team  # one row changed, matched by name
    assert "<del>研究员</del> → <ins>首席研究员</ins>" in team and "张主任" not in team
    projects = re.search(r'data-relation="projects">.*?</section>', html, re.S).group(0)
    assert projects.count('data-change="added"') == 1 and projects.count('data-change="removed"') == 1
    assert "新增国家重点研发计划项目" in projects and removed_title in projects and "¥3,000,000.00" in projects
    assert 'data-relation="standards"' not in html  # unchanged lists are not shown


def test_approved_application_links_to_its_laboratory_for_those_who_may_see_it(client, journey):
    lab = journey.approved()
    host = applicant_of(lab.host)
    html = page(client, lab.application.get_absolute_url(), host)
    link = html[position(html, 'data-testid="laboratory-link"'):]
    assert f'href="{lab.get_absolute_url()}"' in link[:400]
    assert current_stage(html) == [] and "data-state=\"done\"" in html  # every stage done
    opens = lab.construction_start + relativedelta(months=21)  # the lab's own page: when acceptance opens (Art. 18)
    assert f"Acceptance can be applied for from {opens.isoformat()}" in page(client, lab.get_absolute_url())
    expert = journey.experts[0]  # scored the application, does not review the lab
    assert 'data-testid="laboratory-link"' not in page(client, lab.application.get_absolute_url(), expert)


# --- lists stay within a constant number of queries -------------------------------------------------------


def test_application_list_says_who_still_has_to_act_without_a_query_per_row(client, django_assert_max_num_queries):
    host = complete_dossier().host
    apps = [submitted(complete_dossier(host=host)) for _ in range(2)]
    samr, _miit = recommenders(apps[0])
    client.force_login(applicant_of(host))  # the ministries' list holds only what was forwarded (Art. 13)
    with django_assert_max_num_queries(9):
        html = page(client, reverse("applications:list"))
    assert html.count("awaiting the recommendation of") == 2
    for _ in range(4):
        app = submitted(complete_dossier(host=host))
        run_transition(app, "recommend", samr, dimensions=ALL_MEET)
    with django_assert_max_num_queries(9):
        html = page(client, reverse("applications:list"))
    assert html.count("has recommended; awaiting the recommendation of") == 4


def test_progress_of_a_central_application_names_its_competent_department_art10():
    app = submitted(complete_dossier(host=CentralHostFactory()))
    with translation.override("en"):
        progress = application_progress(Application.objects.get(pk=app.pk))
        assert progress.status_text == f"Submitted, awaiting the recommendation of {app.host.competent_department}"
    assert progress.next_party.organisations == (app.host.competent_department,)
    assert progress.deadline is None and not progress.ended  # the Measures set recommenders no deadline
