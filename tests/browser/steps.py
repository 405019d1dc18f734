"""The steps people take in the journeys, each through the browser, each checking what the person sees.

Every function works in the person's own browser (logging in through the login form the first time, and
again after time has passed), uses the portal's pages (links, forms, buttons) and asserts the page's
answer: the message, the status badge, the row of a table, the history.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field

from django.core.management import call_command
from playwright.sync_api import expect

from applications.choices import ReviewDimension
from applications.models import Application
from reviews.models import Objection, PublicityNotice, ReviewRound
from tests.browser.portal import application_status, at, click_button, follow, lab_status, message, no_error

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
VALID_ID_NUMBER = "11010519491231002X"  # the check digit of GB 11643's example is right


def morning(day, hour=9):
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=BEIJING)


def time_passes(clock, day):
    """The clock moves on to `day` and the hourly deadline sweep has run (reminders sent, lapses applied);
    whoever's session has expired meanwhile logs in again at their next step."""
    clock.move_to(morning(day))
    call_command("sweep_deadlines", as_of=day)


def pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@dataclass
class Dossier:
    """What an applicant types in: enough to pass every Art. 12 line and Art. 13's completeness."""

    name_zh: str
    name_en_subject: str
    field: str
    host_name: str
    year: int
    plan: list = field(default_factory=lambda: ["建成工业机器人可靠性检测平台", "主导制定国家标准3项", "形成质量数据库"])
    team: list = field(default_factory=list)


def save_and_continue(page, section_title):
    click_button(page, "Save and continue")
    message(page, f"“{section_title}” saved as draft.")


# --- the application (Art. 10-13) ----------------------------------------------------------------------


def applicant_fills_and_submits(portal, applicant, dossier, attachment_name="依托单位承诺函.pdf"):
    """From the home page: a new application, filled section by section, one attachment, submitted."""
    with portal.person(applicant, "/") as page:
        follow(page.get_by_test_id("new-application"))
        click_button(page, "Start the application")
        message(page, "A draft application was created.")
        application_status(page, "Draft")
        pk = int(re.search(r"/applications/(\d+)/", page.url).group(1))

        # Overview (Art. 3, 4, 31)
        page.fill("#id_name_zh", dossier.name_zh)
        page.fill("#id_name_en_subject", dossier.name_en_subject)
        page.select_option("#id_field", dossier.field)
        page.check("#id_research_directions_0")
        page.check("#id_research_directions_2")
        page.fill("#id_summary", "面向行业质量标准的共性技术研究与公共服务。")
        page.fill("#id_construction_plan", "\n".join(f"{i}. {goal}" for i, goal in enumerate(dossier.plan, 1)))
        save_and_continue(page, "Overview")
        expect(page.locator("#derived-name-en")).to_have_text(f"State Quality & Standards Laboratory of {dossier.name_en_subject}")

        # Facilities (Art. 12 (1))
        page.fill("#id_research_space_m2", "3500")
        page.fill("#id_instrument_value_cny", "62000000")
        page.fill("#id_precision_statement", "测量不确定度达到国际先进水平。")
        page.fill("#id_data_capability", "质量数据中心，存储 2 PB。")
        save_and_continue(page, "Facilities")

        # Team (Art. 12 (2), 14, 15): director, committee chair from outside, a member, the academic leader
        page.fill("#id_team_statement", "固定研究人员120人，其中高级职称60人。")
        team = dossier.team or [
            ("director", "张主任", dossier.host_name, "副院长", ""),
            ("committee_chair", "李院士", "清华大学", "院士", ""),
            ("committee_member", "王教授", "浙江大学", "教授", ""),
            ("leader", "赵研究员", dossier.host_name, "研究员", "ISO/TC 299 委员"),
        ]
        add_row = page.locator('[data-formset-add="team"]')
        while page.locator('[data-formset-body="team"] tr').count() < len(team):
            add_row.click()
        for i, (role, name, organisation, title, posts) in enumerate(team):
            page.select_option(f"#id_team-{i}-role", role)
            page.fill(f"#id_team-{i}-name", name)
            page.fill(f"#id_team-{i}-organisation_name", organisation)
            page.fill(f"#id_team-{i}-title", title)
            page.fill(f"#id_team-{i}-posts_held", posts)
        save_and_continue(page, "Team")

        # Research capability (Art. 12 (3)): 20 million CNY of national projects in 5 years
        page.fill("#id_authority_statement", "承担国家重点研发计划等国家级项目。")
        page.fill("#id_breakthrough_statement", "突破关键质量共性技术。")
        for i, (title, amount) in enumerate([("国家重点研发计划“质量基础设施”专项", "15000000"),
                                             ("国家自然科学基金重点项目", "6000000")]):
            page.fill(f"#id_projects-{i}-title", title)
            page.fill(f"#id_projects-{i}-number", f"2024YFF{i + 1:07d}")
            page.fill(f"#id_projects-{i}-programme", "国家重点研发计划")
            page.fill(f"#id_projects-{i}-year", str(dossier.year - 1 - i))
            page.fill(f"#id_projects-{i}-amount_cny", amount)
        save_and_continue(page, "Research capability")

        # Outcomes (Art. 12 (4)): three of the five items evidenced
        page.fill("#id_evidence_1", "系统性原创成果，获国家科技进步奖。")
        page.fill("#id_evidence_2", "解决国家重大质量问题。")
        page.fill("#id_evidence_3", "国际领先成果。")
        save_and_continue(page, "Outcomes")

        # Support (Art. 12 (5))
        page.check("#id_is_host_priority")
        page.fill("#id_host_commitment", "依托单位优先保障场地、人员与经费。")
        save_and_continue(page, "Support")
        save_and_continue(page, "Consortium")

        # Attachments: the host's commitment letter, checked by its content
        page.select_option("#id_section", "support")
        page.fill("#id_description", "依托单位承诺函")
        page.set_input_files("#id_file", pdf(attachment_name))
        click_button(page, "Upload")
        message(page, f"“{attachment_name}” uploaded.")
        expect(page.locator("main")).to_contain_text(attachment_name)

        # Review and submit (Art. 13 completeness, Art. 12 eligibility, Art. 10 routing)
        follow(page.get_by_role("link", name="Review and submit"))
        expect(page.get_by_text("Still missing before you can submit")).to_have_count(0)
        click_button(page, "Submit to recommender")
        message(page, "“Submit to recommender” done; the status is now “Submitted, awaiting the recommendation of ")
        application_status(page, re.compile(r"^Submitted, awaiting the recommendation of \S"))  # names who recommends
    return Application.objects.get(pk=pk)


def application_url(application):
    return f"/applications/{application.pk}/"


def open_application(page, application):
    """The person opens the dossier (the link of their list, their inbox or their home page)."""
    at(page, application_url(application))
    expect(page.locator("h1")).to_have_text(application.name_zh)


def preliminary_review(portal, recommender, application, action, comment, status):
    """A recommender's preliminary review (Art. 10): a verdict on each of the six dimensions and a decision."""
    verdict = "meets" if action == "Recommend" else "needs_revision"
    with portal.person(recommender, application_url(application)) as page:
        open_application(page, application)
        follow(page.get_by_role("link", name="Preliminary review"))
        for code in ReviewDimension.values:
            page.select_option(f"#id_verdict_{code}", verdict if code == "completeness" else "meets")
        page.fill("#id_comment", comment)
        click_button(page, action)
        message(page, f"Your preliminary review was recorded; the status is now “{status}”.")
        application_status(page, status)
        expect(page.locator("#preliminary-reviews")).to_contain_text(comment)


def applicant_fixes_and_resubmits(portal, applicant, application, reason, commitment, attachment_name):
    """The returned dossier: the applicant reads why, changes the support section, adds the letter, resubmits."""
    with portal.person(applicant, "/") as page:
        awaiting = page.get_by_test_id("awaiting")
        expect(awaiting).to_contain_text(application.name_zh)
        follow(awaiting.get_by_role("link", name=application.name_zh))
        application_status(page, "Returned for revision")
        expect(page.locator("#preliminary-reviews")).to_contain_text(reason)
        follow(page.get_by_role("link", name="Edit the dossier"))
        follow(page.get_by_role("link", name="Support", exact=True))
        page.fill("#id_host_commitment", commitment)
        click_button(page, "Save draft")
        message(page, "“Support” saved as draft.")
        follow(page.get_by_role("link", name="Attachments", exact=True))
        page.select_option("#id_section", "support")
        page.set_input_files("#id_file", pdf(attachment_name))
        click_button(page, "Upload")
        message(page, f"“{attachment_name}” uploaded.")
        follow(page.get_by_role("link", name="Review and submit"))
        click_button(page, "Submit to recommender")
        message(page, "the status is now “Submitted, awaiting the recommendation of ")
        expect(page.locator("#preliminary-reviews")).to_contain_text("Submission 2")


def recommender_compares_submissions(portal, recommender, application, changed_text):
    with portal.person(recommender, application_url(application)) as page:
        open_application(page, application)
        follow(page.get_by_role("link", name=re.compile(r"Compare submissions \(2 revisions\)")))
        expect(page.locator("main")).to_contain_text(changed_text)


# --- the ministries (Art. 7-9, 13) ---------------------------------------------------------------------


def queue_row(page, application):
    return page.locator(f'[data-testid="queue-table"] tr[data-application="{application.pk}"]')


def formal_review(portal, staff, application, action="Pass formal review", comment="材料齐全，推荐渠道相符。",
                  status="Formal review passed"):
    """Staff tick the Art. 13 checklist and pass, or ask for a supplement."""
    with portal.person(staff, "/reviews/") as page:
        row = queue_row(page, application)
        expect(row).to_contain_text("Recommended")
        follow(row.get_by_role("link", name="Formal review"))
        checks = page.locator('[data-testid="formal-review-form"] input[type=checkbox]')
        for i in range(checks.count()):
            if action == "Pass formal review" or i:
                checks.nth(i).check()
        page.fill("#id_comment", comment)
        click_button(page, action)
        message(page, f"Formal review recorded; the status is now “{status}”.")
        application_status(page, status)


def applicant_supplements(portal, applicant, application, reason, attachment_name):
    """Asked for a supplement at formal review: the applicant reads why, adds the document, resubmits."""
    with portal.person(applicant, application_url(application)) as page:
        open_application(page, application)
        application_status(page, "Supplement requested by formal review")
        expect(page.locator("#timeline")).to_contain_text(reason)
        follow(page.get_by_role("link", name="Edit the dossier"))
        follow(page.get_by_role("link", name="Attachments", exact=True))
        page.select_option("#id_section", "general")
        page.set_input_files("#id_file", pdf(attachment_name))
        click_button(page, "Upload")
        message(page, f"“{attachment_name}” uploaded.")
        follow(page.get_by_role("link", name="Review and submit"))
        click_button(page, "Resubmit to formal review")
        message(page, "“Resubmit to formal review” done; the status is now “Recommended”.")


def assign_experts(page, application, experts):
    """On the round's page: each expert chosen from the committee for the application (or its lab)."""
    card = page.locator(f"#application-{application.pk}")
    for expert in experts:
        card.scroll_into_view_if_needed()  # the assignment form loads (htmx) when the card comes into view
        select = page.locator(f"#assign-{application.pk}-expert")
        select.select_option(str(expert.pk))
        follow(card.locator("form").filter(has=select).get_by_role("button", name="Assign"))
        message(page, f"{expert} is assigned to “{application.name_zh}”")
        card = page.locator(f"#application-{application.pk}")
        expect(card).to_contain_text(str(expert))


def open_expert_round(portal, staff, application, experts, title):
    """Staff select the application in the queue, open a round of the active committee and assign experts."""
    with portal.person(staff, "/reviews/") as page:
        queue_row(page, application).locator("input[type=checkbox]").check()
        click_button(page, "Open an expert review round")
        follow(page.get_by_test_id("batch-continue"))  # the batch's report: the one selected is ready
        expect(page.locator(f'input[name="applications"][value="{application.pk}"]')).to_be_checked()
        page.fill("#id_title", title)
        click_button(page, "Open the round")
        message(page, f"The expert review round “{title}” is open; now assign experts.")
        expect(page.locator(f"#application-{application.pk}")).to_contain_text("Expert review")
        assign_experts(page, application, experts)
    return ReviewRound.objects.get(title=title)


def expert_scores(portal, expert, application, score):
    """The expert declares no conflict (Art. 9), reads the dossier, scores every criterion and submits."""
    with portal.person(expert, "/experts/") as page:
        follow(page.get_by_role("link", name=application.name_zh).first)
        expect(page.get_by_test_id("declaration")).to_be_visible()
        click_button(page, "I declare no conflict of interest")
        message(page, "You declared no conflict of interest. The dossier is open to you; you can score now.")
        inputs = page.locator("#score-form input[type=number]")
        for i in range(inputs.count()):
            inputs.nth(i).fill(str(score))
        page.fill("#id_overall_comment", "条件具备。")
        click_button(page, "Submit my scores")
        message(page, "Your scores are submitted.")
        expect(page.locator("header [data-status]")).to_have_text("Scores submitted")


def conclusion_form(page):
    """From the round's page, the page of its conclusion: a decision for every entry awaiting one."""
    follow(page.get_by_test_id("conclude-link"))
    return page.get_by_test_id("conclude-form")


def conclude_round(portal, staff, review_round, application, action_label, status):
    with portal.person(staff, f"/reviews/rounds/{review_round.pk}/") as page:
        ranking = page.get_by_test_id("ranking")
        expect(ranking.locator(f'tr[data-application="{application.pk}"] td').nth(3)).to_have_text("3")
        # The entry's experts are drawn into its card when it is opened: each with the score sheet they submitted.
        card = page.locator(f"#application-{application.pk}")
        card.get_by_test_id("experts").locator("summary").click()
        expect(card.get_by_test_id("experts-table").locator("tr[data-assignment]")).to_have_count(3)
        expect(card.get_by_role("link", name="Score sheet (PDF)")).to_have_count(3)
        form = conclusion_form(page)
        form.get_by_label(action_label).check()
        form.locator("textarea").first.fill("专家组一致同意。")
        click_button(page, "Conclude the round", scope=form)
        message(page, "The round is concluded")
        no_error(page)
        expect(page.locator(f"#application-{application.pk}")).to_contain_text(status)


def record_site_inspection(portal, staff, application):
    with portal.person(staff, "/reviews/") as page:
        follow(queue_row(page, application).get_by_role("link", name="Record the site inspection"))
        page.fill("#id_team", "张三（中国计量科学研究院）、李四（中国电子技术标准化研究院）")
        page.fill("#id_findings", "场地、仪器设备与人员情况属实。")
        page.get_by_label("Conditions confirmed").check()
        click_button(page, "Record the site inspection")
        message(page, "The site inspection is recorded; the status is now “Inspected, awaiting publicity”.")
        application_status(page, "Inspected, awaiting publicity")


def open_publicity(portal, staff, application, title):
    with portal.person(staff, "/reviews/") as page:
        queue_row(page, application).locator("input[type=checkbox]").check()
        click_button(page, "Open a publicity notice")
        follow(page.get_by_test_id("batch-continue"))
        page.fill("#id_title", title)
        expect(page.locator("#id_working_days")).to_have_value("5")
        click_button(page, "Open the notice")
        message(page, "The publicity notice is open from")
        expect(page.get_by_test_id("window")).to_contain_text("5 working days")
    return PublicityNotice.objects.get(title=title)


def public_objects(portal, notice, application, name):
    """A member of the public, not logged in, lodges a real-name objection during the window (Art. 13)."""
    with portal.visitor() as page:
        page.goto("/public/")
        follow(page.get_by_role("link", name=notice.title).first)
        expect(page.get_by_test_id("window-state")).to_contain_text("Objections accepted until")
        item = page.get_by_test_id("notice-application").filter(has_text=application.name_zh)
        follow(item.get_by_role("link", name="Lodge an objection"))
        page.get_by_label("A person").check()
        page.fill("#id_name", name)
        page.fill("#id_id_number", VALID_ID_NUMBER)
        page.fill("#id_contact", "13800000000")
        expect(page.locator("#id_application")).to_have_value(str(application.pk))
        page.fill("#id_grounds", "申报材料中的仪器设备原值与实际不符。")
        page.check("#id_declaration")
        click_button(page, "Lodge the objection")
        expect(page.locator("main h1")).to_have_text("Your objection has been received")
        objection = Objection.objects.get(notice=notice, name=name)
        expect(page.get_by_test_id("receipt-number")).to_have_text(objection.receipt_number)
        follow(page.locator("main").get_by_role("link", name="Follow an objection"))
        public_follows_objection(page, objection, "Being examined")
    return objection


def public_follows_objection(page, objection, status):
    """The objector looks the objection up with its receipt number and their ID card number."""
    page.fill("#id_receipt_number", objection.receipt_number)
    page.fill("#id_identity", VALID_ID_NUMBER)
    click_button(page, "Look up")
    expect(page.get_by_test_id("lookup-status")).to_have_text(status)


def staff_dismiss_objection(portal, staff, notice, objection):
    with portal.person(staff, f"/reviews/notices/{notice.pk}/") as page:
        expect(page.locator("main .alert-warning")).to_contain_text("1 objection is still open")
        card = page.locator(f"#objection-{objection.pk}")
        expect(card).to_contain_text(objection.name)
        # The ID card number is masked; the full number takes a stated reason, is shown once and recorded (PIPL).
        expect(card.get_by_test_id("id-number")).to_contain_text(VALID_ID_NUMBER[:6] + "********" + VALID_ID_NUMBER[-4:])
        follow(card.get_by_role("link", name="Show the full number"))
        page.fill("#id_reason", "向公安机关核实异议人身份")
        click_button(page, "Show the full ID card number")
        expect(page.get_by_test_id("revealed-id-number")).to_have_text(VALID_ID_NUMBER)
        follow(page.get_by_role("link", name="Back to the notice"))
        card = page.locator(f"#objection-{objection.pk}")
        card.locator("textarea[name=comment]").first.fill("经核查，仪器设备原值有发票与审计报告为证，异议不成立。")
        click_button(card.page, "Dismiss", scope=card)
        message(page, "“Dismiss” done; the status is now “Dismissed”.")
        expect(page.locator(f"#objection-{objection.pk}")).to_contain_text("异议不成立")
    with portal.visitor() as page:
        page.goto("/public/objections/lookup/")
        public_follows_objection(page, objection, "Dismissed")
        expect(page.get_by_test_id("lookup-resolution")).to_contain_text("异议不成立")


def staff_close_publicity(portal, staff, notice, too_early=False):
    with portal.person(staff, f"/reviews/notices/{notice.pk}/") as page:
        click_button(page, "Close the publicity")
        if too_early:
            message(page, f"The publicity window runs until {notice.ends_on.isoformat()}; it can be closed only after that (Art. 13).")
            return
        message(page, "“Close the publicity” done; the status is now “Closed”.")
        expect(page.locator("main table")).to_contain_text("Awaiting approval by SAMR and MIIT")


def sign_approval(portal, staff, application, text):
    """From the whole queue, a batch of one: its report says what was done (`text`); back in the queue, the
    application shows who has signed (once a ministry has, it no longer waits for it)."""
    with portal.person(staff, "/reviews/?show=all") as page:
        queue_row(page, application).locator("input[type=checkbox]").check()
        click_button(page, "Sign approval")
        expect(page.get_by_test_id("batch-report").locator(f'tr[data-pk="{application.pk}"]')).to_contain_text(text)
        follow(page.get_by_role("link", name="Back to the list"))
        return queue_row(page, application).get_by_test_id("signoffs").inner_text()


def approved_list_shows(portal, application, approved_on):
    with portal.visitor() as page:
        page.goto("/public/approved/")
        row = page.get_by_test_id("approved-row").filter(has_text=application.name_zh)
        expect(row).to_contain_text(application.host.name)
        expect(row).to_contain_text(approved_on.isoformat())


# --- the laboratory (Art. 14-27) ----------------------------------------------------------------------


def lab_url(lab):
    return f"/labs/{lab.pk}/"


def open_lab(page, lab):
    """The person opens the lab's page (the link of their list, their inbox or their home page)."""
    at(page, lab_url(lab))
    expect(page.locator("header h1")).to_contain_text(lab.name_zh)


def chinese_date(day):
    """A date as messages in the portal's language (Chinese) give it: 2028年4月21日."""
    return f"{day.year}年{day.month}月{day.day}日"


def inbox_shows(portal, user, *texts):
    """The person's inbox (the unread count shows on every page) holds a message containing every one of `texts`."""
    with portal.person(user, "/notifications/") as page:
        expect(page.get_by_test_id("unread-badge")).to_be_visible()
        note = page.locator(".portal-notification")
        for text in texts:
            note = note.filter(has_text=text)
        expect(note.first).to_be_visible()


def file_annual_report(portal, host_user, lab, kind_label, output_title):
    """The host files the report that is due; its outputs credit the lab by name (Art. 23)."""
    with portal.person(host_user, lab_url(lab)) as page:
        open_lab(page, lab)
        follow(page.get_by_test_id("file-report"))
        expect(page.locator("#id_kind")).to_have_value(re.compile(r"construction|operation"))
        page.fill("#id_summary", "本年度完成检测平台一期建设，新增仪器设备1200万元。")
        page.fill("#id_open_projects", "设立开放课题5项。")
        page.select_option("#id_outputs-0-kind", "paper")
        page.fill("#id_outputs-0-title", output_title)
        page.fill("#id_outputs-0-credit_line", f"{lab.host.name}，{lab.name_zh}")
        click_button(page, "File the report")
        message(page, f"“{kind_label} 1” was filed.")
        report = page.get_by_test_id("annual-report").filter(has_text=f"{kind_label} 1")
        expect(report).to_contain_text(output_title)


def acknowledge_report(portal, host_user, lab, kind_label):
    """Art. 18: the construction report is copied to the host, whose users acknowledge it."""
    with portal.person(host_user, lab_url(lab)) as page:
        open_lab(page, lab)
        report = page.get_by_test_id("annual-report").filter(has_text=f"{kind_label} 1")
        follow(report.get_by_role("button", name="Acknowledge for the host institution"))
        message(page, f"“{kind_label} 1” acknowledged by the host institution (Art. 18).")
        expect(page.get_by_test_id("annual-report").first).to_contain_text(f"Acknowledged by the host: {host_user}")


def request_extension(portal, host_user, lab, months, reason):
    with portal.person(host_user, lab_url(lab)) as page:
        open_lab(page, lab)
        follow(page.get_by_test_id("request-extension"))
        page.fill("#id_months", str(months))
        page.fill("#id_reason", reason)
        click_button(page, "Send the request to the ministries")
        message(page, "The extension request was sent to the ministries.")
        expect(page.get_by_test_id("extension-request")).to_contain_text("Requested")


def grant_extension(portal, staff, lab, new_end):
    with portal.person(staff, lab_url(lab)) as page:
        open_lab(page, lab)
        request = page.get_by_test_id("extension-request")
        follow(request.get_by_role("button", name="Grant the extension"))
        message(page, "“Grant the extension” done; the status is now “Granted”.")
        expect(page.locator("#overview")).to_contain_text(new_end.isoformat())


def apply_for_acceptance(portal, host_user, lab, report):
    """The construction report against each goal of the build plan (Art. 17-18)."""
    with portal.person(host_user, lab_url(lab)) as page:
        open_lab(page, lab)
        follow(page.get_by_test_id("lab-actions").get_by_role("link", name="Apply for acceptance"))
        page.fill("#id_report", report)
        goals = page.locator('textarea[name$="-achieved"]')
        for i in range(goals.count()):
            if page.locator(f"#id_goals-{i}-goal").input_value().strip():
                goals.nth(i).fill("已完成，详见验收材料。")
        click_button(page, "File the acceptance application")
        message(page, "The acceptance application was filed; the status is now “Acceptance review”.")
        lab_status(page, "Acceptance review")


def activate_committee(portal, staff, committee, expired=None):
    """The new committee's members were entered by the coordination office; staff activate it (Art. 9).
    `expired`: the previous committee, whose 2-year term the sweep has ended."""
    with portal.person(staff, "/reviews/committees/") as page:
        if expired is not None:
            expect(page.locator(f'tr[data-committee="{expired.pk}"]')).to_contain_text("Term ended")
        row = page.locator(f'tr[data-committee="{committee.pk}"]')
        expect(row).to_contain_text("Ready to activate")
        follow(row.get_by_role("link", name=committee.name))
        click_button(page, "Activate the committee")
        message(page, "“Activate the committee” done; the status is now “Active”.")


def open_lab_round(portal, staff, lab, purpose, experts, title):
    """An acceptance (Art. 19) or evaluation (Art. 26) round of the lab, opened from the laboratory rounds."""
    with portal.person(staff, "/reviews/rounds/?purpose=labs") as page:
        follow(page.get_by_test_id(f"open-{purpose}-round"))
        page.fill("#id_title", title)
        section = page.get_by_test_id("laboratories-section")
        section.get_by_label(lab.name_zh, exact=False).check()
        click_button(page, "Open the round")
        message(page, f"The expert review round “{title}” is open; now assign experts.")
        assign_experts(page, lab.application, experts)
    return ReviewRound.objects.get(title=title)


def conclude_lab_round(portal, staff, review_round, lab, outcome_label, opinion, status):
    with portal.person(staff, f"/reviews/rounds/{review_round.pk}/") as page:
        form = conclusion_form(page)
        row = form.locator(f'[data-lab="{lab.pk}"]')
        row.get_by_label(outcome_label).check()
        row.locator("textarea").fill(opinion)
        click_button(page, "Conclude the round", scope=form)
        message(page, "The round is concluded; the laboratories moved on as decided.")
        message(page, f"“{lab.name_zh}”: the status is now “{status}”.")


def confirm_acceptance(portal, staff, lab):
    with portal.person(staff, lab_url(lab)) as page:
        open_lab(page, lab)
        lab_status(page, re.compile(r"^(Accepted, awaiting confirmation by SAMR and MIIT"
                                    r"|(SAMR|MIIT) has confirmed the acceptance; awaiting the confirmation of (SAMR|MIIT))$"))
        follow(page.get_by_test_id("lab-actions").get_by_role("button", name="Confirm the acceptance"))
        message(page, "“Confirm the acceptance” done")
        expect(page.get_by_test_id("lab-actions").get_by_role("button", name="Confirm the acceptance")).to_have_count(0)


def open_acceptance_publicity(portal, staff, lab, title):
    with portal.person(staff, "/reviews/notices/new/") as page:
        page.get_by_test_id("notice-subject").locator('input[value="acceptance"]').check()
        page.fill("#id_title", title)
        page.get_by_test_id("laboratories-section").get_by_label(lab.name_zh, exact=False).check()
        click_button(page, "Open the notice")
        message(page, "The publicity notice is open from")
        open_lab(page, lab)
        lab_status(page, "Acceptance under publicity")
    return PublicityNotice.objects.get(title=title)


def close_acceptance_publicity(portal, staff, notice, lab):
    with portal.person(staff, f"/reviews/notices/{notice.pk}/") as page:
        click_button(page, "Close the publicity")
        message(page, "“Close the publicity” done; the status is now “Closed”.")
        open_lab(page, lab)
        lab_status(page, "In operation")
