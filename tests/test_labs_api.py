"""The laboratory API (Art. 14-31): every step a lab's host and the ministries take in the browser is
also an API call running the same service or transition, refused with the same article; who sees what
(404 for others' labs, 401/403 for anonymous callers); and lists whose queries do not grow with rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from evaluations.lifecycle import extension_cutoff
from evaluations.models import (
    CONFIRM_ACCEPTANCE,
    DELIST,
    AnnualReport,
    ChangeReport,
    ChangeStatus,
    Evaluation,
    ExtensionRequest,
    ExtensionStatus,
    Laboratory,
    LabStatus,
    ReportOutput,
)
from kernel.models import SignOff
from labportal.journeys import acceptance_criteria, evaluation_criteria, score
from reviews.models import ReviewRound, RoundEntry, RoundStatus
from tests.factories import (
    PDF,
    LocalHostFactory,
    applicant_of,
    miit_staff,
    on,
    recommender_of,
    samr_staff,
    with_consortium_member,
)

pytestmark = pytest.mark.django_db


def api(user=None):
    """A client asking in English (messages are asserted by their msgids)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def lab_url(lab, tail=""):
    return f"/api/laboratories/{lab.pk}/{tail}"


def run(client, lab, name, **body):
    return client.post(lab_url(lab, f"transitions/{name}/"), body, format="json")


def names(transitions):
    return {t["name"] for t in transitions}


def results(response):
    assert response.status_code == 200, response.data
    return response.data["results"]


# --- who sees what --------------------------------------------------------------------------------


def test_host_reads_people_dates_clocks_and_its_own_actions_staff_theirs(journey):
    lab = journey.approved(months_ago=24)
    host = api(applicant_of(lab.host))
    data = host.get(lab_url(lab)).data
    assert data["director_name"] == lab.director_name and data["director_position"] == lab.director_position
    assert data["committee_chair_name"] == lab.committee_chair_name
    assert data["construction_start"] == lab.construction_start.isoformat()
    assert data["construction_end"] == lab.construction_end.isoformat()
    assert data["extension_granted"] is False and data["operation_started_on"] is None
    assert data["latest_result"] == "" and data["is_excellent"] is False
    assert data["extension_cutoff"] == extension_cutoff(lab).isoformat()  # 3 months before the end (Art. 18)
    clocks = {d["kind"]: d for d in data["deadlines"]}
    assert clocks["laboratory.construction_end"]["due_date"] == lab.construction_end.isoformat()
    assert clocks["laboratory.construction_end"]["state"] == "open" and clocks["laboratory.construction_end"]["article"] == "Art. 18"
    assert "laboratory.extension_cutoff" in clocks and "laboratory.construction_report" in clocks
    assert names(data["available_transitions"]) == {"apply_for_acceptance"}
    assert data["may_edit"] and data["may_report_change"]
    assert [d["kind"] for d in data["reports_due"]] == ["construction"]

    staff = api(journey.staff).get(lab_url(lab)).data
    assert names(staff["available_transitions"]) == {"propose_delisting"}  # never the internal ones (verdicts)
    assert not staff["may_edit"] and staff["reports_due"] == [] and not staff["may_request_extension"]


def test_another_hosts_applicant_gets_404_everywhere_and_anonymous_callers_401(journey):
    lab = journey.approved(months_ago=6)
    stranger = api(applicant_of(LocalHostFactory()))
    assert results(stranger.get("/api/laboratories/")) == []
    assert stranger.get(lab_url(lab)).status_code == 404
    assert stranger.patch(lab_url(lab), {"director_name": "某人"}, format="json").status_code == 404
    assert run(stranger, lab, "apply_for_acceptance", report="报告").status_code == 404
    for tail in ("extension-requests/", "annual-reports/", "change-reports/", "acceptance-applications/", "evaluations/"):
        assert stranger.get(lab_url(lab, tail)).status_code == 404, tail
    assert stranger.post(lab_url(lab, "extension-requests/"), {"months": 6, "reason": "x"}, format="json").status_code == 404
    assert not ExtensionRequest.objects.exists()

    anonymous = api()
    for path in ("/api/laboratories/", lab_url(lab), lab_url(lab, "extension-requests/"), lab_url(lab, "annual-reports/"),
                 "/api/lab-rounds/"):
        assert anonymous.get(path).status_code in (401, 403), path
    assert run(anonymous, lab, "propose_delisting", comment="x").status_code in (401, 403)


def test_consortium_members_users_see_the_lab_but_cannot_act(journey):
    partner = LocalHostFactory()
    lab = journey.approved(months_ago=6)
    with_consortium_member(lab.application, partner)
    client = api(applicant_of(partner))
    data = client.get(lab_url(lab)).data
    assert data["available_transitions"] == [] and not data["may_edit"]
    assert client.patch(lab_url(lab), {"director_name": "某人"}, format="json").status_code == 403
    assert client.post(lab_url(lab, "extension-requests/"), {"months": 6, "reason": "x"}, format="json").status_code == 403


# --- the lab's people (Art. 14-16) ---------------------------------------------------------------


def test_host_keeps_the_people_through_the_service_art14_art15(journey):
    lab = journey.approved(months_ago=6)
    host = api(applicant_of(lab.host))

    refused = host.patch(lab_url(lab), {"director_position": " "}, format="json")
    assert refused.status_code == 400 and refused.data["article"] == "Art. 14"
    assert "director_position" in refused.data["errors"]
    refused = host.patch(lab_url(lab), {"committee_chair_name": "王五", "committee_chair_organisation": ""}, format="json")
    assert refused.status_code == 400 and refused.data["article"] == "Art. 15"

    saved = host.patch(lab_url(lab), {"committee_chair_name": "王五", "committee_chair_organisation": lab.host.name,
                                      "research_units": "检测方法研究室"}, format="json")
    assert saved.status_code == 200, saved.data
    assert saved.data["chair_is_inside"] is True  # warned: the chair is generally from outside (Art. 15)
    lab.refresh_from_db()
    assert (lab.committee_chair_name, lab.research_units) == ("王五", "检测方法研究室")
    assert lab.director_name  # untouched fields keep their values

    assert api(journey.staff).patch(lab_url(lab), {"director_name": "某人"}, format="json").status_code == 403


# --- extension (Art. 18) -------------------------------------------------------------------------


def test_extension_refused_a_day_after_the_cutoff_art18(journey):
    with on(2025, 1, 10):
        lab = journey.approved()  # ends 2027-01-10; last day to request an extension: 2026-10-10
    with on(2026, 10, 11):
        response = api(applicant_of(lab.host)).post(lab_url(lab, "extension-requests/"),
                                                   {"months": 6, "reason": "设备到货延迟"}, format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 18"
    assert "by 2026-10-10 (Art. 18)" in response.data["detail"]
    assert not ExtensionRequest.objects.exists()


def test_extension_filed_on_the_cutoff_day_refused_without_reason_then_granted_by_staff_art18(journey):
    with on(2025, 1, 10):
        lab = journey.approved()
    host = api(applicant_of(lab.host))
    with on(2026, 10, 10):
        too_long = host.post(lab_url(lab, "extension-requests/"), {"months": 13, "reason": "原因"}, format="json")
        assert too_long.status_code == 400 and too_long.data["article"] == "Art. 18" and "months" in too_long.data["errors"]
        filed = host.post(lab_url(lab, "extension-requests/"), {"months": 6, "reason": "设备到货延迟"}, format="json")
    assert filed.status_code == 201, filed.data
    assert filed.data["status"] == ExtensionStatus.REQUESTED and filed.data["available_transitions"] == []
    path = lab_url(lab, f"extension-requests/{filed.data['id']}/transitions/")

    assert host.post(path + "grant/", {}, format="json").status_code == 403
    staff = api(journey.staff)
    assert names(staff.get(lab_url(lab, "extension-requests/")).data["results"][0]["available_transitions"]) == {"grant", "refuse"}
    no_reason = staff.post(path + "refuse/", {"comment": ""}, format="json")
    assert no_reason.status_code == 400 and no_reason.data["article"] == "Art. 18"
    granted = staff.post(path + "grant/", {"comment": "同意延期"}, format="json")
    assert granted.status_code == 200 and granted.data["status"] == ExtensionStatus.GRANTED

    data = host.get(lab_url(lab)).data
    assert data["extension_granted"] is True and data["construction_end"] == "2027-07-10"
    assert data["may_request_extension"] is False
    again = host.post(lab_url(lab, "extension-requests/"), {"months": 3, "reason": "原因"}, format="json")
    assert again.status_code == 400 and "second extension is not possible (Art. 18)" in again.data["detail"]
    assert ExtensionRequest.objects.count() == 1


# --- annual reports (Art. 18, 23, 26) ------------------------------------------------------------


def _report(kind="construction", outputs=()):
    return {"kind": kind, "summary": "本年度完成平台建设。", "open_projects": "开放课题2项",
            "outputs": [{"kind": k, "title": t, "credit_line": c} for k, t, c in outputs]}


def test_output_not_crediting_the_lab_is_refused_by_title_and_nothing_is_saved_art23(journey):
    lab = journey.approved()
    response = api(applicant_of(lab.host)).post(lab_url(lab, "annual-reports/"), _report(outputs=[
        ("paper", "论文一", f"{lab.name_en}, Beijing"), ("software", "检测软件V1", "某大学计算机学院"),
    ]), format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 23"
    assert "检测软件V1" in response.data["errors"]["outputs"][0] and "论文一" not in response.data["detail"]
    assert not AnnualReport.objects.exists() and not ReportOutput.objects.exists()


def test_construction_report_filed_then_acknowledged_by_the_host_only_art18(journey):
    lab = journey.approved()
    host_user = applicant_of(lab.host)
    host = api(host_user)
    filed = host.post(lab_url(lab, "annual-reports/"), _report(outputs=[("paper", "论文一", f"{lab.name_zh}，北京")]),
                      format="json")
    assert filed.status_code == 201, filed.data
    assert filed.data["period"] == 1 and filed.data["outputs"][0]["title"] == "论文一"
    assert filed.data["may_acknowledge"] is True and filed.data["acknowledged_at"] is None
    assert api(journey.staff).post(lab_url(lab, "annual-reports/"), _report(), format="json").status_code == 403
    assert AnnualReport.objects.count() == 1

    acknowledge = lab_url(lab, f"annual-reports/{filed.data['id']}/acknowledge/")
    assert api(journey.staff).post(acknowledge).status_code == 403
    done = host.post(acknowledge)
    assert done.status_code == 200 and done.data["acknowledged_by"]["id"] == host_user.pk
    assert done.data["may_acknowledge"] is False
    assert host.post(acknowledge).status_code == 409


def test_operation_report_is_what_is_due_once_operating_art26(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    host = api(applicant_of(lab.host))
    assert [d["kind"] for d in host.get(lab_url(lab)).data["reports_due"]] == ["operation"]
    wrong = host.post(lab_url(lab, "annual-reports/"), _report("construction"), format="json")
    assert wrong.status_code == 400 and "kind" in wrong.data["errors"]
    assert host.post(lab_url(lab, "annual-reports/"), _report("operation"), format="json").status_code == 201
    assert results(host.get(lab_url(lab, "annual-reports/")))[0]["kind"] == "operation"


# --- acceptance (Art. 17-19) ---------------------------------------------------------------------


def test_acceptance_application_needs_the_report_and_the_end_of_construction_art18(journey):
    early = journey.approved(months_ago=6)
    response = run(api(applicant_of(early.host)), early, "apply_for_acceptance", report="报告")
    assert response.status_code == 400 and response.data["article"] == "Art. 18"

    lab = journey.approved(months_ago=24)
    host = api(applicant_of(lab.host))
    no_report = run(host, lab, "apply_for_acceptance", report="")
    assert no_report.status_code == 400 and "report" in no_report.data["errors"]
    half = run(host, lab, "apply_for_acceptance", report="报告", goal_statements=[{"goal": "建成平台", "achieved": ""}])
    assert half.status_code == 400 and "goal_statements" in half.data["errors"]
    assert run(api(journey.staff), lab, "apply_for_acceptance", report="报告").status_code == 403

    filed = run(host, lab, "apply_for_acceptance", report="建设任务全部完成。",
                goal_statements=[{"goal": "建成检测平台", "achieved": "已建成"}, {"goal": "", "achieved": ""}])
    assert filed.status_code == 200, filed.data
    assert filed.data["status"] == LabStatus.ACCEPTANCE_REVIEW and filed.data["available_transitions"] == []
    applications = results(host.get(lab_url(lab, "acceptance-applications/")))
    assert applications[0]["goal_statements"] == [{"goal": "建成检测平台", "achieved": "已建成"}]
    assert applications[0]["verdict"] == ""
    assert {d["kind"]: d["state"] for d in filed.data["deadlines"]}["laboratory.construction_end"] == "met"


def test_acceptance_round_opened_and_concluded_via_api_then_confirmed_by_samr_and_miit_art19(journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_REVIEW)
    building = journey.approved(months_ago=6)
    staff = api(journey.staff)
    body = {"title": "2026年验收评议", "committee": journey.committee.pk, "criteria_set": acceptance_criteria().pk}

    assert api(applicant_of(lab.host)).post("/api/lab-rounds/", {**body, "laboratories": [lab.pk]},
                                            format="json").status_code == 403
    wrong = staff.post("/api/lab-rounds/", {**body, "laboratories": [lab.pk, building.pk]}, format="json")
    assert wrong.status_code == 400 and wrong.data["article"] == "Art. 19" and "laboratories" in wrong.data["errors"]
    opened = staff.post("/api/lab-rounds/", {**body, "laboratories": [lab.pk]}, format="json")
    assert opened.status_code == 201, opened.data
    assert opened.data["purpose"] == "acceptance" and opened.data["entries"][0]["laboratory"]["id"] == lab.pk
    round_id = opened.data["id"]
    review_round = ReviewRound.objects.get(pk=round_id)
    score(journey.assign(review_round, lab.application, journey.experts[0]), 85)  # experts score as in any round

    conclude = f"/api/lab-rounds/{round_id}/transitions/conclude/"
    missing = staff.post(conclude, {"decisions": {}}, format="json")
    assert missing.status_code == 400 and missing.data["article"] == "Art. 19"
    stranger = staff.post(conclude, {"decisions": {str(building.pk): {"outcome": "pass", "opinion": "x"}}}, format="json")
    assert stranger.status_code == 400 and "decisions" in stranger.data["errors"]
    no_opinion = staff.post(conclude, {"decisions": {str(lab.pk): {"outcome": "pass"}}}, format="json")
    assert no_opinion.status_code == 400
    done = staff.post(conclude, {"decisions": {str(lab.pk): {"outcome": "pass", "opinion": "建设目标全部完成"}}},
                      format="json")
    assert done.status_code == 200, done.data
    assert done.data["status"] == RoundStatus.CONCLUDED and done.data["entries"][0]["outcome"] == RoundEntry.Outcome.ADVANCED
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_CONFIRMATION
    verdict = results(staff.get(lab_url(lab, "acceptance-applications/")))[0]
    assert (verdict["verdict"], verdict["opinion"]) == ("pass", "建设目标全部完成")

    # Confirmation: SAMR and MIIT each sign (Art. 19); the host cannot, nor SAMR twice.
    assert run(api(applicant_of(lab.host)), lab, "confirm_acceptance").status_code == 403
    first = run(staff, lab, "confirm_acceptance", comment="同意")
    assert first.status_code == 200 and first.data["acceptance_confirmed"] is False
    assert [s["ministry"] for s in first.data["signoffs"]] == ["samr"]
    assert run(api(samr_staff()), lab, "confirm_acceptance").status_code == 403
    second = run(api(journey.miit), lab, "confirm_acceptance")
    assert second.status_code == 200 and second.data["acceptance_confirmed"] is True
    assert second.data["status"] == LabStatus.ACCEPTANCE_CONFIRMATION  # publicity comes with the acceptance notice
    assert SignOff.objects.filter(decision=CONFIRM_ACCEPTANCE).count() == 2
    # The steps of notices, verdicts and the sweep are not bare actions.
    internal = run(staff, lab, "put_under_acceptance_publicity")
    assert internal.status_code == 409


def test_evaluation_round_via_api_records_an_excellent_result_art26_art27(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    staff = api(journey.staff)
    opened = staff.post("/api/lab-rounds/", {"title": "2029年综合评价", "committee": journey.committee.pk,
                                            "criteria_set": evaluation_criteria().pk, "laboratories": [lab.pk]}, format="json")
    assert opened.status_code == 201, opened.data
    lab.refresh_from_db()
    assert lab.status == LabStatus.EVALUATING
    assert results(staff.get(lab_url(lab, "evaluations/")))[0]["cycle"] == 1
    score(journey.assign(ReviewRound.objects.get(pk=opened.data["id"]), lab.application, journey.experts[0]), 95)

    done = staff.post(f"/api/lab-rounds/{opened.data['id']}/transitions/conclude/",
                      {"decisions": {str(lab.pk): {"outcome": "excellent", "opinion": "成效显著"}}}, format="json")
    assert done.status_code == 200, done.data
    data = staff.get(lab_url(lab)).data
    assert (data["status"], data["latest_result"], data["is_excellent"]) == (LabStatus.OPERATING, "excellent", True)
    evaluation = results(staff.get(lab_url(lab, "evaluations/")))[0]
    assert (evaluation["result"], evaluation["opinion"]) == ("excellent", "成效显著")


def test_rounds_endpoint_also_concludes_a_lab_round_with_lab_outcomes_art27(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    review_round = journey.scored_lab_round([lab], evaluation_criteria(), title="综合评价")
    response = api(journey.staff).post(f"/api/rounds/{review_round.pk}/transitions/conclude/", {
        "decisions": {str(lab.application_id): {"action": "unqualified", "reason": "整改要求"}}}, format="json")
    assert response.status_code == 200, response.data
    lab.refresh_from_db()
    assert lab.status == LabStatus.EVALUATION_RECTIFYING and Evaluation.objects.get().result == "unqualified"


# --- changes (Art. 24, 31) -----------------------------------------------------------------------


def test_rename_with_a_bad_name_is_refused_on_its_field_art31(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    response = api(applicant_of(lab.host)).post(lab_url(lab, "change-reports/"), {
        "kind": "rename", "description": "更名", "new_name_zh": "新能源检测中心", "new_name_en_subject": "New Energy",
    }, format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 31"
    assert "(Art. 31)" in response.data["errors"]["new_name_zh"][0] and "new_name_en_subject" not in response.data["errors"]
    assert not ChangeReport.objects.exists()


def test_rename_accepted_by_staff_renames_the_lab_and_re_review_opens_an_evaluation_art24(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    host, staff = api(applicant_of(lab.host)), api(journey.staff)
    rename = host.post(lab_url(lab, "change-reports/"), {
        "kind": "rename", "description": "依托单位更名", "new_name_zh": "新能源汽车质量国家质量标准实验室",
        "new_name_en_subject": "New Energy Vehicle Quality"}, format="json")
    assert rename.status_code == 201 and rename.data["available_transitions"] == []
    path = lab_url(lab, f"change-reports/{rename.data['id']}/transitions/")
    assert host.post(path + "accept/", {}, format="json").status_code == 403
    accepted = staff.post(path + "accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.data["status"] == ChangeStatus.ACCEPTED
    assert staff.get(lab_url(lab)).data["name_zh"] == "新能源汽车质量国家质量标准实验室"

    restructure = host.post(lab_url(lab, "change-reports/"), {"kind": "restructure", "description": "重组"}, format="json")
    path = lab_url(lab, f"change-reports/{restructure.data['id']}/transitions/")
    no_reason = staff.post(path + "order_re_review/", {"comment": ""}, format="json")
    assert no_reason.status_code == 400 and no_reason.data["article"] == "Art. 24"
    ordered = staff.post(path + "order_re_review/", {"comment": "重组幅度较大，需重新评估"}, format="json")
    assert ordered.status_code == 200 and ordered.data["status"] == ChangeStatus.RE_REVIEW
    lab.refresh_from_db()
    assert lab.status == LabStatus.EVALUATING


def test_no_change_report_from_a_terminated_lab_art24(journey):
    lab = journey.lab_in(LabStatus.TERMINATED)
    response = api(applicant_of(lab.host)).post(lab_url(lab, "change-reports/"),
                                                {"kind": "direction", "description": "调整"}, format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 24"


# --- delisting (Art. 25) -------------------------------------------------------------------------


def test_removal_is_proposed_with_a_reason_answered_then_signed_by_both_ministries_art25(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    samr, host = api(journey.staff), api(applicant_of(lab.host))
    no_reason = run(samr, lab, "propose_delisting", comment="")
    assert no_reason.status_code == 400 and no_reason.data["article"] == "Art. 25"
    assert not lab.proposals.exists()
    assert run(host, lab, "propose_delisting", comment="x").status_code == 403

    proposed = run(samr, lab, "propose_delisting", comment="提供虚假材料")
    assert proposed.status_code == 200 and proposed.data["status"] == LabStatus.DELISTING_PROPOSED
    [proposal] = proposed.data["proposals"]
    assert (proposal["grounds"], proposal["article"], proposal["reason"]) == ("misconduct", "Art. 25", "提供虚假材料")
    assert names(proposed.data["available_transitions"]) == {"withdraw_proposal"}  # signing waits for the host
    assert run(samr, lab, "sign_delisting", comment="同意").status_code == 409

    seen = host.get(lab_url(lab)).data
    assert seen["may_make_statement"] and seen["proposals"][0]["statement_due"] == proposal["statement_due"]
    assert api(miit_staff()).post(lab_url(lab, "statement/"), {"statement": "x"}, format="multipart").status_code == 403
    empty = host.post(lab_url(lab, "statement/"), {"statement": " "}, format="multipart")
    assert empty.status_code == 400 and "statement" in empty.data["errors"]
    answered = host.post(lab_url(lab, "statement/"), {"statement": "数据系误报。",
                                                     "files": [SimpleUploadedFile("说明.pdf", PDF)]}, format="multipart")
    assert answered.status_code == 200 and not answered.data["may_make_statement"]
    assert answered.data["proposals"][0]["statement"] == "数据系误报。"
    assert [f["original_name"] for f in answered.data["proposals"][0]["attachments"]] == ["说明.pdf"]
    assert host.post(lab_url(lab, "statement/"), {"statement": "补充"}, format="multipart").status_code == 400  # once

    first = run(samr, lab, "sign_delisting", comment="同意")
    assert first.status_code == 200 and first.data["status"] == LabStatus.DELISTING_PROPOSED  # one ministry is not enough
    assert "sign_delisting" not in names(first.data["available_transitions"])
    assert run(api(samr_staff()), lab, "sign_delisting", comment="同意").status_code == 403
    second = run(api(miit_staff()), lab, "sign_delisting", comment="同意")
    assert second.status_code == 200 and second.data["status"] == LabStatus.DELISTED
    assert {s["ministry"] for s in second.data["signoffs"] if s["decision"] == DELIST} == {"samr", "miit"}
    assert all(d["state"] != "open" for d in second.data["deadlines"])
    assert second.data["proposals"][0]["outcome"] == "decided"
    assert not api().get("/api/public/approved/").data["results"]  # removed labs leave the public list
    assert api(recommender_of(lab.application.preliminary_reviews.first().recommender)).get(lab_url(lab)).data[
        "proposals"] == []  # the statement stays between the host and the ministries
    # The host can no longer change the lab's data.
    refused = api(applicant_of(lab.host)).patch(lab_url(lab), {"director_name": "某人"}, format="json")
    assert refused.status_code == 400


# --- bounded queries -----------------------------------------------------------------------------


def test_lab_list_queries_do_not_grow_with_the_number_of_labs(journey, django_assert_max_num_queries):
    client = api(journey.staff)
    for _ in range(2):
        journey.approved()
    with django_assert_max_num_queries(4):
        assert len(results(client.get("/api/laboratories/"))) == 2
    for _ in range(5):
        journey.approved()
    with django_assert_max_num_queries(4):
        assert len(results(client.get("/api/laboratories/", {"status": "construction"}))) == 7


def test_record_lists_queries_do_not_grow_with_the_number_of_rows(journey, django_assert_max_num_queries):
    lab = journey.approved(months_ago=6)
    host_user = applicant_of(lab.host)
    staff = api(journey.staff)

    def file_and_refuse(count):
        for _ in range(count):
            filed = api(host_user).post(lab_url(lab, "extension-requests/"), {"months": 6, "reason": "原因"}, format="json")
            staff.post(lab_url(lab, f"extension-requests/{filed.data['id']}/transitions/refuse/"), {"comment": "不同意"},
                       format="json")
            api(host_user).post(lab_url(lab, "change-reports/"), {"kind": "direction", "description": "调整"}, format="json")

    file_and_refuse(2)
    for tail in ("extension-requests/", "change-reports/"):
        with django_assert_max_num_queries(5):
            assert len(results(staff.get(lab_url(lab, tail)))) == 2
    file_and_refuse(4)
    for tail in ("extension-requests/", "change-reports/"):
        with django_assert_max_num_queries(5):
            rows = results(staff.get(lab_url(lab, tail)))
        assert len(rows) == 6
    assert all(r["status"] == ExtensionStatus.REFUSED for r in results(staff.get(lab_url(lab, "extension-requests/"))))
    assert Laboratory.objects.get(pk=lab.pk).extension_granted is False


def test_lab_round_list_queries_do_not_grow_with_rounds_or_labs(journey, django_assert_max_num_queries):
    client = api(journey.staff)

    def open_rounds(count):
        """Each round with two labs of its own: a lab is scored in one open round at a time."""
        opened = []
        for _ in range(count):
            pair = [journey.lab_in(LabStatus.ACCEPTANCE_REVIEW), journey.lab_in(LabStatus.ACCEPTANCE_REVIEW)]
            body = {"title": "验收评议", "committee": journey.committee.pk, "criteria_set": acceptance_criteria().pk,
                    "laboratories": [lab.pk for lab in pair]}
            assert client.post("/api/lab-rounds/", body, format="json").status_code == 201
            opened.append(pair)
        return opened

    open_rounds(1)
    with django_assert_max_num_queries(5):
        assert len(results(client.get("/api/lab-rounds/"))) == 1
    latest = open_rounds(3)[-1]
    with django_assert_max_num_queries(5):
        rows = results(client.get("/api/lab-rounds/", {"purpose": "acceptance"}))
    assert len(rows) == 4 and all(row["entry_count"] == 2 and "entries" not in row for row in rows)
    detail = client.get(f"/api/lab-rounds/{rows[0]['id']}/").data  # the detail names its laboratories
    assert {e["laboratory"]["id"] for e in detail["entries"]} == {lab.pk for lab in latest}
