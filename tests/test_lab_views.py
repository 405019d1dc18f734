"""The laboratory's browser pages (`labs:`, Art. 14-31) for its host's users and ministry staff: who sees
which lab (404 otherwise), every form's happy path and its rule errors on the page with their article,
buttons only for who may act, nothing half-saved on an error, and bounded queries on the list."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from applications.choices import Field
from evaluations.models import (
    CONFIRM_ACCEPTANCE,
    AcceptanceApplication,
    AnnualReport,
    ChangeReport,
    ChangeStatus,
    ExtensionRequest,
    ExtensionStatus,
    Laboratory,
    LabStatus,
    ReportOutput,
)
from kernel import documents
from kernel.models import SignOff
from tests.factories import PDF, LocalHostFactory, applicant_of, expert, on, recommender_of, with_consortium_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]  # requests in English


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def url(name, *args):
    return reverse(f"labs:{name}", args=args)


# --- visibility: a lab's staff see their lab only ------------------------------------------------


def test_host_users_see_their_lab_only_others_get_404(client, journey):
    mine, theirs = journey.approved(), journey.approved()
    host_user = applicant_of(mine.host)

    client.force_login(host_user)
    listing = page(client.get(url("list")))
    assert mine.name_zh in listing and theirs.name_zh not in listing
    assert mine.name_zh in page(client.get(mine.get_absolute_url()))
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(url("edit", theirs.pk)).status_code == 404
    assert client.get(url("request_extension", theirs.pk)).status_code == 404
    assert client.get(url("file_report", theirs.pk)).status_code == 404
    assert client.get(url("report_change", theirs.pk)).status_code == 404
    assert client.get(url("apply_acceptance", theirs.pk)).status_code == 404
    assert client.post(url("transition", theirs.pk, "delist"), {"comment": "x"}).status_code == 404

    # An expert not reviewing it and a recommender of another province see nothing.
    for outsider in (expert(), recommender_of(LocalHostFactory(province="65"))):
        client.force_login(outsider)
        assert mine.name_zh not in page(client.get(url("list")))
        assert client.get(mine.get_absolute_url()).status_code == 404


def test_ministry_staff_see_every_lab_and_the_list_filters(client, journey):
    building = journey.approved()
    operating = journey.lab_in(LabStatus.OPERATING)
    client.force_login(journey.staff)
    listing = page(client.get(url("list")))
    assert building.name_zh in listing and operating.name_zh in listing
    filtered = page(client.get(url("list"), {"status": LabStatus.OPERATING}))
    assert operating.name_zh in filtered and building.name_zh not in filtered
    other_field = next(code for code in Field.values if code != building.field)
    assert building.name_zh in page(client.get(url("list"), {"field": building.field}))
    assert building.name_zh not in page(client.get(url("list"), {"field": other_field}))
    assert building.name_zh in page(client.get(url("list"), {"province": building.province}))
    elsewhere = page(client.get(url("list"), {"province": "65"}))
    assert building.name_zh not in elsewhere and operating.name_zh not in elsewhere


def test_lab_list_queries_do_not_grow_with_the_number_of_labs(client, journey, django_assert_max_num_queries):
    for _ in range(3):
        journey.approved()
    client.force_login(journey.staff)
    with django_assert_max_num_queries(8):
        page(client.get(url("list")))
    for _ in range(6):
        journey.approved()
    with django_assert_max_num_queries(8):
        listing = page(client.get(url("list")))
    assert listing.count('data-testid="lab-row"') == Laboratory.objects.count() == 9
    assert all(lab.name_zh in listing for lab in Laboratory.objects.all())


def test_consortium_members_users_see_the_lab_but_cannot_act(client, journey):
    partner = LocalHostFactory()
    lab = journey.approved()
    with_consortium_member(lab.application, partner)
    client.force_login(applicant_of(partner))
    html = page(client.get(lab.get_absolute_url()))
    assert 'data-testid="lab-actions"' not in html
    assert client.get(url("edit", lab.pk)).status_code == 403
    assert client.get(url("request_extension", lab.pk)).status_code == 403


# --- the lab's page ------------------------------------------------------------------------------


def test_detail_shows_people_build_plan_deadlines_and_timeline(client, journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW)
    client.force_login(applicant_of(lab.host))
    html = page(client.get(lab.get_absolute_url()))
    assert escape(lab.name_en) in html and escape(str(lab.host)) in html
    assert "Acceptance review" in html  # the status badge
    assert 'data-testid="build-plan-goals"' in html
    assert "Deadlines" in html  # the deadlines panel
    assert "Under construction → Acceptance review" in html  # the audit timeline
    assert "建设任务全部完成" in html  # the acceptance application's report
    assert "Awaiting the experts&#x27; verdict" in html or "Awaiting the experts' verdict" in html


def test_chair_from_the_host_is_warned_on_the_page_art15(client, journey):
    lab = journey.approved()
    client.force_login(applicant_of(lab.host))
    response = client.post(url("edit", lab.pk), {
        "director_name": "王主任", "director_position": "副院长", "committee_chair_name": "李教授",
        "committee_chair_organisation": lab.host.name, "research_units": "检测研究室", "staff_summary": "固定人员40人",
    }, follow=True)
    html = page(response)
    assert "generally from outside (Art. 15)" in html  # the message after saving
    assert 'data-testid="chair-warning"' in html
    lab.refresh_from_db()
    assert (lab.director_name, lab.committee_chair_organisation, lab.staff_summary) == ("王主任", lab.host.name, "固定人员40人")

    client.post(url("edit", lab.pk), {"director_name": "王主任", "director_position": "副院长", "committee_chair_name": "李教授",
                                      "committee_chair_organisation": "外部大学"})
    assert 'data-testid="chair-warning"' not in page(client.get(lab.get_absolute_url()))


def test_director_needs_a_position_at_the_host_and_nothing_is_saved_art14(client, journey):
    lab = journey.approved()
    before = (lab.director_name, lab.director_position, lab.research_units)
    client.force_login(applicant_of(lab.host))
    data = {"director_name": "新主任", "director_position": "", "research_units": "新研究室"}
    html = page(client.post(url("edit", lab.pk), data))
    assert "give the position held there (Art. 14)" in html
    assert "Nothing was saved" in html
    lab.refresh_from_db()
    assert (lab.director_name, lab.director_position, lab.research_units) == before


def test_only_host_users_edit_and_only_while_the_lab_is_active(client, journey):
    lab = journey.approved()
    client.force_login(journey.staff)
    assert 'data-testid="edit-lab"' not in page(client.get(lab.get_absolute_url()))
    assert client.get(url("edit", lab.pk)).status_code == 403

    ended = journey.lab_in(LabStatus.TERMINATED)
    client.force_login(applicant_of(ended.host))
    assert 'data-testid="edit-lab"' not in page(client.get(ended.get_absolute_url()))
    assert client.post(url("edit", ended.pk), {"director_name": "x", "director_position": "y"}).status_code == 403


# --- acceptance (Art. 17-19) ---------------------------------------------------------------------


def test_apply_for_acceptance_with_the_build_plan_goals_art18(client, journey):
    lab = journey.approved(months_ago=24)
    host_user = applicant_of(lab.host)
    client.force_login(journey.staff)
    assert url("apply_acceptance", lab.pk) not in page(client.get(lab.get_absolute_url()))

    client.force_login(host_user)
    assert url("apply_acceptance", lab.pk) in page(client.get(lab.get_absolute_url()))
    form = page(client.get(url("apply_acceptance", lab.pk)))
    first_goal = lab.application.construction_plan.splitlines()[0].strip()
    assert first_goal[:6] in form  # the goals of the plan prefill the rows

    response = client.post(url("apply_acceptance", lab.pk), {
        "report": "建设任务全部完成。", "goals-TOTAL_FORMS": "2", "goals-INITIAL_FORMS": "0",
        "goals-0-goal": "建成检测平台", "goals-0-achieved": "已建成并通过计量认证", "goals-1-goal": "", "goals-1-achieved": "",
    })
    assert response.status_code == 302
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW
    filed = AcceptanceApplication.objects.get(laboratory=lab)
    assert filed.goal_statements == [{"goal": "建成检测平台", "achieved": "已建成并通过计量认证"}]
    assert filed.filed_by == host_user


def test_acceptance_without_a_report_or_too_early_is_refused_on_the_page_art18(client, journey):
    lab = journey.approved(months_ago=24)
    client.force_login(applicant_of(lab.host))
    empty = {"report": " ", "goals-TOTAL_FORMS": "0", "goals-INITIAL_FORMS": "0"}
    html = page(client.post(url("apply_acceptance", lab.pk), empty))
    assert "Write the construction report against the build plan" in html and "Art. 18" in html
    lab.refresh_from_db()
    assert lab.status == LabStatus.CONSTRUCTION and not AcceptanceApplication.objects.exists()

    young = journey.approved(months_ago=6)
    client.force_login(applicant_of(young.host))
    html = page(client.post(url("apply_acceptance", young.pk), {**empty, "report": "报告"}))
    assert "at the end of the construction period" in html and "(Art. 18)" in html
    young.refresh_from_db()
    assert young.status == LabStatus.CONSTRUCTION and not AcceptanceApplication.objects.exists()


def test_confirm_acceptance_buttons_only_for_ministry_staff_art19(client, journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_CONFIRMATION)
    client.force_login(applicant_of(lab.host))
    assert 'data-transition="confirm_acceptance"' not in page(client.get(lab.get_absolute_url()))
    assert client.post(url("transition", lab.pk, "confirm_acceptance")).status_code == 302
    assert not SignOff.objects.filter(decision=CONFIRM_ACCEPTANCE).exists()

    client.force_login(journey.staff)
    assert 'data-transition="confirm_acceptance"' in page(client.get(lab.get_absolute_url()))
    html = page(client.post(url("transition", lab.pk, "confirm_acceptance"), follow=True))
    assert "“Confirm the acceptance” done" in html
    assert SignOff.objects.filter(decision=CONFIRM_ACCEPTANCE).count() == 1
    assert 'data-transition="confirm_acceptance"' not in html  # SAMR signed; MIIT's turn
    client.force_login(journey.miit)
    assert 'data-transition="confirm_acceptance"' in page(client.get(lab.get_absolute_url()))


def test_removal_is_proposed_with_a_reason_answered_by_the_host_and_signed_by_both_on_the_pages_art25(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    client.force_login(journey.staff)
    assert 'data-action="propose_delisting"' in page(client.get(lab.get_absolute_url()))  # in the danger zone
    confirm = {"confirmed": "1"}
    html = page(client.post(url("transition", lab.pk, "propose_delisting"), {"comment": "", **confirm}, follow=True))
    assert "Please give a comment for this action (Art. 25)." in html
    assert not lab.proposals.exists()
    client.post(url("transition", lab.pk, "propose_delisting"), {"comment": "提供虚假材料", **confirm})
    lab.refresh_from_db()
    assert lab.status == LabStatus.DELISTING_PROPOSED
    html = page(client.get(lab.get_absolute_url()))
    assert 'data-action="sign_delisting"' not in html  # not before the host's statement or its time

    host = applicant_of(lab.host)
    client.force_login(host)
    html = page(client.get(lab.get_absolute_url()))
    assert 'data-testid="make-statement"' in html and "提供虚假材料" in html
    bad = SimpleUploadedFile("说明.pdf", b"not a pdf at all", content_type="application/pdf")
    html = page(client.post(url("statement", lab.pk), {"statement": "数据系误报", "files": [bad]}))
    assert "说明.pdf" in html and "The statement was not sent" in html
    proposal = lab.proposals.get()
    assert proposal.statement_at is None and not proposal.attachments.exists()  # nothing half-saved
    good = SimpleUploadedFile("整改报告.pdf", PDF, content_type="application/pdf")
    response = client.post(url("statement", lab.pk), {"statement": "数据系误报，已整改。", "files": [good]})
    assert response.status_code == 302
    proposal.refresh_from_db()
    [attachment] = proposal.attachments.all()
    assert proposal.statement == "数据系误报，已整改。" and attachment.content_type == "application/pdf"
    assert client.get(url("statement", lab.pk), follow=True).redirect_chain  # once only
    download = client.get(attachment.get_absolute_url())
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    routed = recommender_of(lab.application.preliminary_reviews.first().recommender)
    for outsider in (routed, applicant_of(LocalHostFactory())):
        client.force_login(outsider)
        assert client.get(attachment.get_absolute_url()).status_code == 404

    client.force_login(journey.staff)
    html = page(client.get(lab.get_absolute_url()))
    assert "数据系误报，已整改。" in html and "整改报告.pdf" in html
    client.post(url("transition", lab.pk, "sign_delisting"), {"comment": "核实无误", **confirm})
    assert "Removal from the list proposed; SAMR has signed, awaiting MIIT" in page(client.get(lab.get_absolute_url()))
    client.force_login(journey.miit)
    html = page(client.post(url("transition", lab.pk, "sign_delisting"), {"comment": "同意", **confirm}, follow=True))
    lab.refresh_from_db()
    assert lab.status == LabStatus.DELISTED
    assert "Removed from the list" in html and "提供虚假材料" in html  # status and the proposal's reason


# --- extension (Art. 18) -------------------------------------------------------------------------


def test_extension_request_on_the_cutoff_day_then_granted_by_staff_art18(client, journey):
    with on(2025, 1, 10):
        lab = journey.approved()  # ends 2027-01-10; last day to request: 2026-10-10
    with on(2026, 10, 10):
        host_user = applicant_of(lab.host)
        client.force_login(host_user)
        assert url("request_extension", lab.pk) in page(client.get(lab.get_absolute_url()))
        response = client.post(url("request_extension", lab.pk), {"months": "6", "reason": "设备到货延迟"})
        assert response.status_code == 302
        request = ExtensionRequest.objects.get(laboratory=lab)
        assert (request.months, request.status, request.filed_by) == (6, ExtensionStatus.REQUESTED, host_user)

        html = page(client.get(lab.get_absolute_url()))
        assert 'data-transition="grant"' not in html and 'data-transition="refuse"' not in html
        assert url("request_extension", lab.pk) not in html  # one is waiting
        client.force_login(journey.staff)
        html = page(client.get(lab.get_absolute_url()))
        assert 'data-transition="grant"' in html and 'data-transition="refuse"' in html

        html = page(client.post(url("extension_transition", request.pk, "refuse"), {"comment": ""}, follow=True))
        assert "Please give a comment for this action (Art. 18)." in html
        html = page(client.post(url("extension_transition", request.pk, "grant"), follow=True))
        assert "“Grant the extension” done" in html
    lab.refresh_from_db()
    assert lab.extension_granted and lab.construction_end == datetime.date(2027, 7, 10)


def test_extension_refused_a_day_after_cutoff_art18(client, journey):
    with on(2025, 1, 10):
        lab = journey.approved()
    with on(2026, 10, 11):
        client.force_login(applicant_of(lab.host))
        html = page(client.post(url("request_extension", lab.pk), {"months": "6", "reason": "设备到货延迟"}))
    assert "at least 3 months before the construction period ends, that is by 2026-10-10 (Art. 18)" in html
    assert not ExtensionRequest.objects.exists()


def test_extension_of_13_months_and_a_second_extension_are_refused_art18(client, journey):
    lab = journey.approved(months_ago=6)
    client.force_login(applicant_of(lab.host))
    html = page(client.post(url("request_extension", lab.pk), {"months": "13", "reason": "原因"}))
    assert "An extension is at most 12 months (Art. 18)." in html and 'id="id_months_errors"' in html
    assert not ExtensionRequest.objects.exists()

    assert client.post(url("request_extension", lab.pk), {"months": "12", "reason": "原因"}).status_code == 302
    client.force_login(journey.staff)
    client.post(url("extension_transition", ExtensionRequest.objects.get().pk, "grant"))
    client.force_login(applicant_of(lab.host))
    assert url("request_extension", lab.pk) not in page(client.get(lab.get_absolute_url()))
    html = page(client.post(url("request_extension", lab.pk), {"months": "3", "reason": "原因"}))
    assert "a second extension is not possible (Art. 18)" in html
    assert ExtensionRequest.objects.count() == 1


def test_staff_cannot_file_an_extension_and_hosts_cannot_grant(client, journey):
    lab = journey.approved(months_ago=6)
    client.force_login(journey.staff)
    assert client.post(url("request_extension", lab.pk), {"months": "3", "reason": "x"}).status_code == 403
    client.force_login(applicant_of(lab.host))
    client.post(url("request_extension", lab.pk), {"months": "3", "reason": "原因"})
    request = ExtensionRequest.objects.get()
    html = page(client.post(url("extension_transition", request.pk, "grant"), follow=True))
    assert "You are not allowed to do this." in html
    request.refresh_from_db()
    assert request.status == ExtensionStatus.REQUESTED
    client.force_login(applicant_of(LocalHostFactory()))
    assert client.post(url("extension_transition", request.pk, "grant")).status_code == 404


# --- annual reports (Art. 18, 23, 26) ------------------------------------------------------------


def _report_post(lab, outputs, kind="construction"):
    data = {"kind": kind, "summary": "本年度完成平台建设。", "open_projects": "", "exchanges": "", "public_services": "",
            "outputs-TOTAL_FORMS": str(len(outputs)), "outputs-INITIAL_FORMS": "0"}
    for i, (output_kind, title, credit) in enumerate(outputs):
        data.update({f"outputs-{i}-kind": output_kind, f"outputs-{i}-title": title, f"outputs-{i}-credit_line": credit})
    return data


def test_annual_construction_report_filed_then_acknowledged_by_the_host_art18(client, journey):
    lab = journey.approved()
    host_user = applicant_of(lab.host)
    client.force_login(host_user)
    assert url("file_report", lab.pk) in page(client.get(lab.get_absolute_url()))
    response = client.post(url("file_report", lab.pk), _report_post(lab, [("paper", "论文一", f"{lab.name_zh}，北京")]))
    assert response.status_code == 302
    report = AnnualReport.objects.get(laboratory=lab)
    assert report.kind == AnnualReport.Kind.CONSTRUCTION and report.outputs.count() == 1

    client.force_login(journey.staff)
    html = page(client.get(lab.get_absolute_url()))
    assert "论文一" in html and 'data-testid="acknowledge-report"' not in html
    assert "Not yet acknowledged by the host." in html
    client.post(url("acknowledge_report", report.pk))
    report.refresh_from_db()
    assert report.acknowledged_at is None

    client.force_login(host_user)
    assert 'data-testid="acknowledge-report"' in page(client.get(lab.get_absolute_url()))
    html = page(client.post(url("acknowledge_report", report.pk), follow=True))
    report.refresh_from_db()
    assert report.acknowledged_by == host_user
    assert "Acknowledged by the host" in html and 'data-testid="acknowledge-report"' not in html


def test_uncredited_output_is_refused_by_title_and_nothing_is_saved_art23(client, journey):
    lab = journey.approved()
    client.force_login(applicant_of(lab.host))
    html = page(client.post(url("file_report", lab.pk), _report_post(lab, [
        ("paper", "论文一", f"{lab.name_en}, Beijing"), ("software", "检测软件V1", "某大学计算机学院"),
    ])))
    assert "must carry its name (Art. 23)" in html and "检测软件V1" in html
    assert "论文一" in html  # the rows the user typed are still on the page
    assert not AnnualReport.objects.exists() and not ReportOutput.objects.exists()


def test_operation_report_is_what_is_due_once_operating_art26(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    client.force_login(applicant_of(lab.host))
    html = page(client.get(url("file_report", lab.pk)))
    assert "Annual operation report" in html and 'value="construction"' not in html
    assert client.post(url("file_report", lab.pk), _report_post(lab, [], kind="operation")).status_code == 302
    assert AnnualReport.objects.get().kind == AnnualReport.Kind.OPERATION

    ended = journey.lab_in(LabStatus.TERMINATED)
    client.force_login(applicant_of(ended.host))
    assert 'data-testid="no-report-due"' in page(client.get(url("file_report", ended.pk)))


# --- changes (Art. 24, 31) -----------------------------------------------------------------------


def test_bad_rename_is_refused_on_its_field_and_nothing_is_saved_art31(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    client.force_login(applicant_of(lab.host))
    html = page(client.post(url("report_change", lab.pk), {
        "kind": "rename", "description": "更名", "new_name_zh": "新能源检测中心", "new_name_en_subject": "New Energy",
    }))
    assert "with a non-empty ×× part (Art. 31)" in html and 'id="id_new_name_zh_errors"' in html
    assert not ChangeReport.objects.exists()


def test_change_report_accepted_by_staff_renames_the_lab_art24(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    client.force_login(applicant_of(lab.host))
    response = client.post(url("report_change", lab.pk), {
        "kind": "rename", "description": "依托单位更名", "new_name_zh": "新能源汽车质量国家质量标准实验室",
        "new_name_en_subject": "New Energy Vehicle Quality",
    })
    assert response.status_code == 302
    change = ChangeReport.objects.get()
    html = page(client.get(lab.get_absolute_url()))
    assert 'data-transition="accept"' not in html and 'data-transition="order_re_review"' not in html

    client.force_login(journey.staff)
    html = page(client.get(lab.get_absolute_url()))
    assert 'data-transition="accept"' in html and 'data-transition="order_re_review"' in html
    client.post(url("change_transition", change.pk, "accept"))
    change.refresh_from_db()
    lab.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED and lab.name_zh == "新能源汽车质量国家质量标准实验室"


def test_change_ordered_to_re_review_opens_an_evaluation_art24(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    client.force_login(applicant_of(lab.host))
    client.post(url("report_change", lab.pk), {"kind": "direction", "description": "研究方向调整"})
    change = ChangeReport.objects.get()
    client.force_login(journey.staff)
    html = page(client.post(url("change_transition", change.pk, "order_re_review"), {"comment": "需重新评估"}, follow=True))
    lab.refresh_from_db()
    assert lab.status == LabStatus.EVALUATING and "Re-review ordered" in html


def test_no_change_report_from_a_terminated_lab_art24(client, journey):
    lab = journey.lab_in(LabStatus.TERMINATED)
    client.force_login(applicant_of(lab.host))
    html = page(client.post(url("report_change", lab.pk), {"kind": "direction", "description": "调整"}))
    assert "(Art. 24)" in html and not ChangeReport.objects.exists()


# --- home pages ----------------------------------------------------------------------------------


def test_home_links_the_lab_for_its_host_and_the_list_for_staff(client, journey):
    lab = journey.approved()
    client.force_login(applicant_of(lab.host))
    html = page(client.get(reverse("home")))
    assert 'data-testid="my-laboratories"' in html and lab.get_absolute_url() in html
    client.force_login(journey.staff)
    assert url("list") in page(client.get(reverse("home")))


def test_evaluation_result_and_its_documents_on_the_page_art19_art27(client, journey):
    lab = journey.lab_in(LabStatus.EVALUATION_RECTIFYING)
    client.force_login(applicant_of(lab.host))
    html = page(client.get(lab.get_absolute_url()))
    evaluation = lab.evaluations.get()
    acceptance = lab.acceptance_applications.get()
    assert "Unqualified" in html
    for subject, kinds in ((evaluation, ("evaluation_notice", "unqualified_notice")), (acceptance, ("acceptance_opinion",))):
        for kind in kinds:
            [document] = documents.issued_for(subject, kind)
            assert document.number in html and reverse("documents:download", args=[document.pk]) in html
    assert timezone.localdate().isoformat() in html  # dates in English are ISO
