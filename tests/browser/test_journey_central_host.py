"""Journey of a central host's laboratory, in the browser: its competent department is its only
recommender (Art. 10), formal review asks for a supplement (Art. 13), experts score, publicity passes
without objection, MIIT and SAMR sign (Art. 7); near the end of construction the lab applies for
acceptance and passes at the first attempt, both ministries confirm, and after the acceptance
publicity the lab is in operation (Art. 18-19)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect

from applications.choices import Field
from evaluations.models import Laboratory
from labportal.journeys import members_of
from tests.browser import steps
from tests.browser.portal import application_status, lab_status, timeline_shows
from tests.factories import (
    CentralHostFactory,
    CompetentDepartmentFactory,
    applicant_of,
    miit_staff,
    new_journey,
    recommender_of,
    samr_staff,
    standing_call,
)

START = datetime.datetime(2026, 4, 13, 9, 0, tzinfo=steps.BEIJING)  # a Monday


@pytest.fixture
def cast(clock):
    """The people: an applicant of a central university group, its competent department's recommender, a
    SAMR and a MIIT officer, and the active expert committee of 15 (Art. 9)."""
    department = CompetentDepartmentFactory(name="中国机械工业联合会")
    host = CentralHostFactory(name="机械科学研究总院集团有限公司", competent_department=department)
    samr = samr_staff(username="samr", full_name="国家市场监管总局 周处长")
    return {
        "call": standing_call(),  # the year's call, taking applications all year (Art. 13)
        "host": host,
        "applicant": applicant_of(host, username="applicant", full_name="林申报"),
        "department": recommender_of(department, username="cmif", full_name="中国机械工业联合会 何推荐"),
        "samr": samr,
        "miit": miit_staff(username="miit", full_name="工业和信息化部 钱处长"),
        "committee": new_journey(staff=samr).committee,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("documents_stay_queued")
def test_central_host_lab_recommended_by_its_department_to_operation(portal, clock, cast):
    applicant, department, samr, miit = cast["applicant"], cast["department"], cast["samr"], cast["miit"]
    experts = members_of(cast["committee"])[3:6]

    def later(day):
        """Time passes to `day`: the clock (the live server's too) and the hourly deadline sweep."""
        steps.time_passes(clock, day)

    # --- the dossier; the competent department alone recommends (Art. 10) ---------------------------------
    dossier = steps.Dossier(name_zh="工程机械再制造质量国家质量标准实验室", name_en_subject="Remanufactured Machinery Quality",
                            field=Field.HIGH_END_MANUFACTURING, host_name=cast["host"].name, year=2026)
    application = steps.applicant_fills_and_submits(portal, applicant, dossier, attachment_name="主管部门推荐函.pdf")
    with portal.person(applicant, steps.application_url(application)) as page:
        steps.open_application(page, application)
        reviews = page.locator("#preliminary-reviews .card")
        expect(reviews).to_have_count(1)
        expect(reviews).to_contain_text("中国机械工业联合会")
    steps.preliminary_review(portal, department, application, "Recommend", "同意推荐。", "Recommended")

    # --- formal review asks for a supplement (Art. 13) ------------------------------------------------------
    reason = "请补充主管部门推荐函原件扫描件。"
    steps.formal_review(portal, samr, application, "Return for supplement", reason, "Supplement requested by formal review")
    steps.applicant_supplements(portal, applicant, application, reason, "推荐函原件扫描件.pdf")
    steps.formal_review(portal, samr, application)

    # --- experts, inspection, publicity without objection, approval (Art. 7-9, 13) --------------------------
    review_round = steps.open_expert_round(portal, samr, application, experts, "2026年第二批专家评审")
    for expert, value in zip(experts, (84, 88, 80)):
        steps.expert_scores(portal, expert, application, value)
    steps.conclude_round(portal, samr, review_round, application, "Advance to site inspection", "Site inspection")
    steps.record_site_inspection(portal, samr, application)
    notice = steps.open_publicity(portal, samr, application, "2026年第二批国家质量标准实验室拟建设名单公示")
    later(notice.ends_on + datetime.timedelta(days=1))
    steps.staff_close_publicity(portal, samr, notice)
    steps.sign_approval(portal, miit, application,
                        "Signed for your ministry; the other ministry's sign-off is awaited (Art. 7).")
    steps.sign_approval(portal, samr, application,
                        "Signed; both ministries have signed and construction is approved (Art. 7).")
    lab = Laboratory.objects.get(application=application)

    # The public's approved list, in the default Chinese UI.
    with portal.visitor(locale="zh-CN") as page:
        page.goto("/public/approved/")
        row = page.get_by_test_id("approved-row").filter(has_text=application.name_zh)
        expect(row).to_contain_text(cast["host"].name)
        expect(row).to_contain_text(f"{lab.approved_on.year}年{lab.approved_on.month}月{lab.approved_on.day}日")

    # --- acceptance at the first attempt, confirmation, publicity, operation (Art. 18-19) -------------------
    later(lab.construction_end - relativedelta(months=3) + datetime.timedelta(days=7))
    steps.inbox_shows(portal, applicant, lab.name_zh, steps.chinese_date(lab.construction_end))
    steps.apply_for_acceptance(portal, applicant, lab, "对照建设计划逐项完成建设任务，质量数据库已上线。")
    acceptance_round = steps.open_lab_round(portal, samr, lab, "acceptance", experts[:2], "验收评议")
    for expert, value in zip(experts[:2], (90, 87)):
        steps.expert_scores(portal, expert, lab.application, value)
    steps.conclude_lab_round(portal, samr, acceptance_round, lab, "Passed acceptance (通过验收)", "建设任务全部完成，同意通过验收。",
                             "Accepted, awaiting confirmation by SAMR and MIIT")
    steps.confirm_acceptance(portal, miit, lab)
    steps.confirm_acceptance(portal, samr, lab)
    acceptance_notice = steps.open_acceptance_publicity(portal, samr, lab, "国家质量标准实验室验收结果公示（第二批）")
    later(acceptance_notice.ends_on + datetime.timedelta(days=1))
    steps.close_acceptance_publicity(portal, samr, acceptance_notice, lab)

    with portal.person(applicant, steps.application_url(application)) as page:
        steps.open_application(page, application)
        application_status(page, "Approved for construction")
        timeline_shows(
            page,
            "Draft → Submitted, awaiting recommendation",
            "Submitted, awaiting recommendation → Recommended",
            "Recommended → Supplement requested by formal review",
            "Supplement requested by formal review → Recommended",
            "Recommended → Formal review passed",
            "Awaiting approval by SAMR and MIIT → Approved for construction",
        )
        steps.open_lab(page, lab)
        lab_status(page, "In operation")
        expect(page.get_by_test_id("acceptance-application")).to_contain_text("Passed acceptance (通过验收)")
        timeline_shows(
            page,
            "Under construction → Acceptance review",
            "Acceptance review → Accepted, awaiting confirmation by SAMR and MIIT",
            "Accepted, awaiting confirmation by SAMR and MIIT → Acceptance under publicity",
            "Acceptance under publicity → In operation",
        )
