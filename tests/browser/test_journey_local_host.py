"""Journey of a local host's laboratory, in the browser, from the first draft to its first triennial
evaluation (Art. 7-27).

An applicant of a provincial research institute fills and submits the dossier with an attachment; the
provincial SAMR returns it, the applicant fixes it, both provincial recommenders recommend (Art. 10);
ministry staff pass formal review and open an expert round; three experts declare no conflict and score
(Art. 9, 13); staff record the site inspection and open publicity; a member of the public lodges a
real-name objection which staff dismiss; SAMR and MIIT sign the approval (Art. 7); the approved list shows
the lab. Then time moves on (the clock of the whole process, the live server's included, and the deadline
sweep): an annual construction report, an extension, acceptance with "rectify", the re-application and
its pass, operation, and the triennial evaluation (Art. 18-19, 26).
"""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect

from accounts.models import OrganisationKind
from applications.choices import Field
from evaluations.models import Laboratory
from labportal.journeys import members_of
from tests.browser import steps
from tests.browser.portal import application_status, lab_status, timeline_shows
from tests.factories import (
    LocalHostFactory,
    applicant_of,
    committee,
    miit_staff,
    new_journey,
    provincial_body,
    recommender_of,
    samr_staff,
    standing_call,
)

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=steps.BEIJING)  # a Monday


@pytest.fixture
def cast(clock):
    """The people: an applicant of a Jiangsu research institute, the two Jiangsu recommenders, a SAMR and
    a MIIT officer, and the active expert committee of 15 (Art. 9)."""
    host = LocalHostFactory(name="江苏省产品质量监督检验研究院", province="32")
    samr = samr_staff(username="samr", full_name="国家市场监管总局 周处长")
    return {
        "call": standing_call(),  # the year's call, taking applications all year (Art. 13)
        "host": host,
        "applicant": applicant_of(host, username="applicant", full_name="陈申报"),
        "host_office": applicant_of(host, username="host-office", full_name="依托单位科技处 刘处长"),
        "rec_samr": recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32"),
                                   username="js-samr", full_name="江苏省市场监管局 吴推荐"),
        "rec_miit": recommender_of(provincial_body(OrganisationKind.PROVINCIAL_MIIT, "32"),
                                   username="js-miit", full_name="江苏省工信厅 郑推荐"),
        "samr": samr,
        "miit": miit_staff(username="miit", full_name="工业和信息化部 钱处长"),
        "committee": new_journey(staff=samr).committee,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("documents_stay_queued")
def test_local_host_lab_from_dossier_to_triennial_evaluation(portal, clock, cast):
    applicant, rec_samr, rec_miit = cast["applicant"], cast["rec_samr"], cast["rec_miit"]
    samr, miit = cast["samr"], cast["miit"]
    experts = members_of(cast["committee"])[:3]

    def later(day):
        """Time passes to `day`: the clock (the live server's too) and the hourly deadline sweep."""
        steps.time_passes(clock, day)

    # The Chinese UI is the default: the login page speaks Chinese.
    with portal.visitor(locale="zh-CN") as page:
        page.goto("/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.locator("main h1")).to_have_text("登录")

    # --- the dossier and the provincial recommendation (Art. 10-13) --------------------------------------
    dossier = steps.Dossier(name_zh="工业机器人质量国家质量标准实验室", name_en_subject="Industrial Robot Quality",
                            field=Field.HIGH_END_MANUFACTURING, host_name=cast["host"].name, year=2026)
    application = steps.applicant_fills_and_submits(portal, applicant, dossier)

    reason = "请补充依托单位盖章的承诺函，并写明场地与经费保障。"
    steps.preliminary_review(portal, rec_samr, application, "Return for revision", reason, "Returned for revision")
    steps.applicant_fixes_and_resubmits(portal, applicant, application, reason,
                                        "依托单位承诺：保障科研用房3500平方米，每年投入经费2000万元。", "盖章承诺函.pdf")
    steps.recommender_compares_submissions(portal, rec_samr, application, "每年投入经费2000万元")
    steps.preliminary_review(portal, rec_samr, application, "Recommend", "同意推荐。",  # the status says who is left
                             "江苏省市场监督管理局 has recommended; awaiting the recommendation of 江苏省工业和信息化主管部门")
    steps.preliminary_review(portal, rec_miit, application, "Recommend", "同意推荐，建议优先支持。", "Recommended")

    # --- the ministries (Art. 7-9, 13) --------------------------------------------------------------------
    steps.formal_review(portal, samr, application)
    review_round = steps.open_expert_round(portal, samr, application, experts, "2026年第一批专家评审")
    for expert, value in zip(experts, (86, 90, 82)):
        steps.expert_scores(portal, expert, application, value)
    steps.conclude_round(portal, samr, review_round, application, "Advance to site inspection", "Site inspection")
    steps.record_site_inspection(portal, samr, application)
    notice = steps.open_publicity(portal, samr, application, "2026年国家质量标准实验室拟建设名单公示")
    objection = steps.public_objects(portal, notice, application, "孙异议")
    steps.staff_dismiss_objection(portal, samr, notice, objection)
    steps.staff_close_publicity(portal, samr, notice, too_early=True)

    later(notice.ends_on + datetime.timedelta(days=1))  # the 5 working days of the window are over
    steps.staff_close_publicity(portal, samr, notice)

    signed = steps.sign_approval(
        portal, samr, application,
        "Signed for your ministry; the other ministry's sign-off is awaited (Art. 7).")
    assert "SAMR signed" in signed and "MIIT signed" not in signed
    steps.sign_approval(portal, miit, application,
                        "Signed; both ministries have signed and construction is approved (Art. 7).")
    lab = Laboratory.objects.get(application=application)
    approved_on = lab.approved_on
    steps.approved_list_shows(portal, application, approved_on)

    with portal.person(applicant, steps.application_url(application)) as page:
        steps.open_application(page, application)
        application_status(page, "Approved for construction")
        timeline_shows(
            page,
            "Draft → Submitted, awaiting recommendation",
            "Submitted, awaiting recommendation → Returned for revision",
            "Returned for revision → Submitted, awaiting recommendation",
            "Submitted, awaiting recommendation → Recommended",
            "Recommended → Formal review passed",
            "Formal review passed → Expert review",
            "Expert review → Site inspection",
            "Site inspection → Inspected, awaiting publicity",
            "Inspected, awaiting publicity → Under publicity",
            "Under publicity → Awaiting approval by SAMR and MIIT",
            "Awaiting approval by SAMR and MIIT → Approved for construction",
        )

    # --- construction (Art. 18): time moves on, the sweep reminds, the host reports and asks for more time --
    host_office = cast["host_office"]
    report_due = approved_on + relativedelta(years=1)
    later(report_due - datetime.timedelta(days=20))
    steps.inbox_shows(portal, applicant, lab.name_zh, steps.chinese_date(report_due))
    steps.file_annual_report(portal, applicant, lab, "Annual construction report", "工业机器人可靠性试验方法研究")
    steps.acknowledge_report(portal, host_office, lab, "Annual construction report")

    cutoff = approved_on + relativedelta(months=21)
    later(cutoff - datetime.timedelta(days=25))
    steps.inbox_shows(portal, applicant, lab.name_zh, steps.chinese_date(cutoff))
    steps.request_extension(portal, applicant, lab, 6, "关键设备进口周期延长，需延期6个月完成安装调试。")
    new_end = approved_on + relativedelta(months=30)
    steps.grant_extension(portal, samr, lab, new_end)

    # --- acceptance (Art. 18-19): "rectify", then the lab applies again and passes ---------------------------
    first_application_day = new_end - relativedelta(months=3) + datetime.timedelta(days=10)  # acceptance is open
    later(first_application_day)
    steps.apply_for_acceptance(portal, applicant, lab, "对照建设计划逐项完成建设任务。")
    second = committee(name="第二届国家质量标准实验室专家委员会")  # members entered by the coordination office
    steps.activate_committee(portal, samr, second, expired=cast["committee"])
    acceptance_experts = members_of(second)[:2]  # an acceptance group of two
    first_round = steps.open_lab_round(portal, samr, lab, "acceptance", acceptance_experts, "验收评议（第一次）")
    for expert, value in zip(acceptance_experts, (66, 70)):
        steps.expert_scores(portal, expert, lab.application, value)
    steps.conclude_lab_round(portal, samr, first_round, lab, "Rectify (整改)", "数据库建设未完成，限期六个月整改。",
                             "Rectifying after acceptance review")
    with portal.person(applicant, steps.lab_url(lab)) as page:
        steps.open_lab(page, lab)
        lab_status(page, "Rectifying after acceptance review")
        expect(page.get_by_test_id("acceptance-application").first).to_contain_text("Rectify (整改)")
        expect(page.get_by_test_id("acceptance-application").first).to_contain_text("数据库建设未完成")

    later(first_application_day + relativedelta(months=3))  # within the 6 months of rectification (Art. 19)
    steps.apply_for_acceptance(portal, applicant, lab, "整改完成：质量数据库已建成并投入使用。")
    second_round = steps.open_lab_round(portal, samr, lab, "acceptance", acceptance_experts, "验收评议（整改后）")
    for expert, value in zip(acceptance_experts, (86, 88)):
        steps.expert_scores(portal, expert, lab.application, value)
    steps.conclude_lab_round(portal, samr, second_round, lab, "Passed acceptance (通过验收)", "整改到位，同意通过验收。",
                             "Accepted, awaiting confirmation by SAMR and MIIT")
    steps.confirm_acceptance(portal, samr, lab)
    steps.confirm_acceptance(portal, miit, lab)
    acceptance_notice = steps.open_acceptance_publicity(portal, samr, lab, "国家质量标准实验室验收结果公示")

    # --- operation and the triennial evaluation (Art. 19, 26-27) -------------------------------------------
    later(acceptance_notice.ends_on + datetime.timedelta(days=1))
    steps.close_acceptance_publicity(portal, samr, acceptance_notice, lab)
    lab.refresh_from_db()
    evaluation_due = lab.operation_started_on + relativedelta(years=3)

    later(evaluation_due - datetime.timedelta(days=80))
    steps.inbox_shows(portal, samr, lab.name_zh, steps.chinese_date(evaluation_due))
    third = committee(name="第三届国家质量标准实验室专家委员会")
    steps.activate_committee(portal, samr, third, expired=second)
    evaluation_experts = members_of(third)[:2]
    evaluation_round = steps.open_lab_round(portal, samr, lab, "evaluation", evaluation_experts, "第一次综合评价")
    for expert, value in zip(evaluation_experts, (82, 80)):
        steps.expert_scores(portal, expert, lab.application, value)
    steps.conclude_lab_round(portal, samr, evaluation_round, lab, "Qualified (合格)", "运行良好，评估合格。", "In operation")

    with portal.person(applicant, steps.lab_url(lab)) as page:
        steps.open_lab(page, lab)
        lab_status(page, "In operation")
        expect(page.locator("#overview")).to_contain_text("Qualified (合格)")
        expect(page.get_by_test_id("evaluation")).to_contain_text("Cycle 1")
        timeline_shows(
            page,
            "Requested → Granted",
            "Under construction → Acceptance review",
            "Acceptance review → Rectifying after acceptance review",
            "Rectifying after acceptance review → Acceptance review",
            "Acceptance review → Accepted, awaiting confirmation by SAMR and MIIT",
            "Accepted, awaiting confirmation by SAMR and MIIT → Acceptance under publicity",
            "Acceptance under publicity → In operation",
            "In operation → Comprehensive evaluation",
            "Comprehensive evaluation → In operation",
        )
