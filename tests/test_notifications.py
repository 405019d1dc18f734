"""Every decision reaches the people it concerns, in their inbox and by e-mail: the ministries' decisions
reach the applicant (with the deadline they open), the applicant's filings reach the ministries, experts
hear of their assignments, hosts of their round's results, objectors of how their objection was handled.

Messages are written in the portal's language; these tests set it to English to read them (the Chinese
catalogue is checked in `test_lab_evaluation_rules`)."""

import datetime
import html

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.models import Status
from evaluations import services as lab_services
from evaluations.models import AcceptanceVerdict, ChangeKind, LabStatus
from kernel.models import Notification
from kernel.transitions import run_transition
from kernel.workdays import add_working_days
from labportal.journeys import all_checks, score
from reviews import services
from reviews.models import FormalReviewItem, Objection
from tests.factories import applicant_of, miit_staff, on, samr_staff

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"  # the example number of GB 11643-1999


@pytest.fixture(autouse=True)
def portal_in_english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.SITE_URL = "https://portal.example.cn"


def inbox(client, user):
    """What `user` reads on their inbox page."""
    client.force_login(user)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def told(user, subject):
    """The one message titled `subject` in `user`'s inbox."""
    return Notification.objects.get(recipient=user, subject=subject)


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


# --- the ministries' decisions reach the applicant -----------------------------------------------


def test_supplement_request_tells_the_applicant_what_is_missing_and_the_due_date_in_working_days_art13(journey,
        client, django_capture_on_commit_callbacks, settings):
    settings.SUPPLEMENT_FIX_WORKING_DAYS = 10
    staff = samr_staff()
    with on(2026, 9, 21):
        app = journey.recommended()
    applicant = app.created_by
    missing = FormalReviewItem.objects.filter(active=True).order_by("order").last()
    form = {f"check_{pk}": "on" for pk in all_checks() if pk != str(missing.pk)}
    client.force_login(staff)
    with on(2026, 9, 28), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:formal_review", args=[app.pk]),
                               {**form, "action": "request_supplement", "comment": "请补充依托单位承诺书原件。"})
    assert response.status_code == 302
    due = add_working_days(datetime.date(2026, 9, 28), 10).date  # across the National Day holidays
    assert due == datetime.date(2026, 10, 16)  # 29, 30 Sept, then 8, 9, 10 (a make-up Saturday), 12-16 Oct

    page = inbox(client, applicant)
    assert f"{app.name_zh}: supplement requested by the formal review" in page
    assert f"resubmit it by {due.isoformat()} (10 working days, Art. 13)" in page
    assert f"Checks not confirmed: {missing.text}" in page
    assert "Comment: 请补充依托单位承诺书原件。" in page
    [email] = mails_to(applicant)
    assert "supplement requested" in email.subject and due.isoformat() in email.body
    assert f"https://portal.example.cn{app.get_absolute_url()}" in email.body
    assert not Notification.objects.filter(recipient=staff).exists()  # nobody hears of their own decision


def test_passed_formal_review_tells_the_applicant_art13(journey, django_capture_on_commit_callbacks):
    app = journey.recommended()
    with django_capture_on_commit_callbacks(execute=True):
        journey.formal_review_passed(app)
    note = told(app.created_by, f"{app.name_zh}: formal review passed")
    assert "found the dossier complete (Art. 13)" in note.body and note.url == app.get_absolute_url()
    assert mails_to(app.created_by)


def test_resubmitted_dossier_tells_the_ministries_art13(journey, client, django_capture_on_commit_callbacks):
    staff, miit = samr_staff(), miit_staff()
    app = run_transition(journey.recommended(), "request_supplement", staff, comment="缺少承诺书", checks=all_checks())
    client.force_login(app.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:transition", args=[app.pk, "resubmit_supplement"]))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    for person in (staff, miit):
        note = told(person, f"Dossier resubmitted for formal review: {app.name_zh}")
        assert f"{app.host.name} supplemented the dossier (submission 2)" in note.body
    assert f"Resubmitted: {app.name_zh}" in inbox(client, app.created_by)  # the host's receipt


def test_recorded_site_inspection_tells_the_applicant_art13(journey, django_capture_on_commit_callbacks):
    app = journey.at_site_inspection()
    with django_capture_on_commit_callbacks(execute=True):
        journey.inspect(app)
    note = told(app.created_by, f"{app.name_zh}: site inspection recorded")
    assert f"The site inspection of {timezone.localdate().isoformat()} confirmed the conditions (Art. 13)" in note.body


def test_approval_for_construction_reaches_the_applicant_after_the_second_ministry_signs_art7(
        client, journey, django_capture_on_commit_callbacks):
    app = journey.awaiting_approval()
    applicant, miit_colleague, other_miit = app.created_by, journey.miit, miit_staff()
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        run_transition(app, "approve", journey.staff)
    asked = Notification.objects.filter(subject=f"Sign the approval for construction: {app.name_zh}")
    assert set(asked.values_list("recipient", flat=True)) == {miit_colleague.pk, other_miit.pk}  # not SAMR: it signed
    assert not Notification.objects.filter(recipient=applicant).exists()  # nothing decided yet

    client.force_login(miit_colleague)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:transition", args=[app.pk, "approve"]), {"comment": "同意建设"})
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    lab = app.laboratory
    note = told(applicant, f"{app.name_zh}: approved for construction")
    assert f"Construction runs until {lab.construction_end.isoformat()} (Art. 18)" in note.body
    assert note.url == lab.get_absolute_url()
    assert f"{app.name_zh}: approved for construction" in inbox(client, applicant)
    assert told(journey.staff, f"Approved for construction: {app.name_zh}")
    assert mails_to(applicant)


def test_round_results_reach_each_host_and_the_end_of_the_round_its_experts_art13(
        journey, django_capture_on_commit_callbacks):
    advanced, rejected = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.scored_round([advanced, rejected], values=(80, 70))
    with django_capture_on_commit_callbacks(execute=True):
        journey.conclude(review_round, {advanced.pk: ("advance", ""), rejected.pk: ("reject", "综合得分排名靠后。")})
    assert told(advanced.created_by, f"{advanced.name_zh}: selected for a site inspection")
    refusal = told(rejected.created_by, f"{rejected.name_zh}: rejected")
    assert "rejected the application at the stage “Expert review” (Art. 13)" in refusal.body
    assert "Comment: 综合得分排名靠后。" in refusal.body
    for expert in journey.experts[:2]:
        assert told(expert, f"Round concluded: {review_round.title}")
    assert not Notification.objects.filter(recipient=journey.experts[2]).exists()  # not in this round


# --- the host's filings reach the ministries, and their decisions the host -----------------------


def test_extension_request_reaches_the_ministries_and_their_grant_the_host_art18(
        client, journey, django_capture_on_commit_callbacks):
    with on(2025, 1, 10):
        lab = journey.approved()  # construction ends 2027-01-10
    host = journey.host_user(lab)
    with on(2026, 6, 1), django_capture_on_commit_callbacks(execute=True):
        request = lab_services.file_extension_request(lab, host, 6, "关键设备到货延迟。")
    for staff in (journey.staff, journey.miit):
        note = told(staff, f"Extension requested: {lab.name_zh}")
        assert note.body.startswith(f"{lab.host.name} asks to extend the construction by 6 months, to 2027-07-10 (Art. 18).")
        assert "Comment: 关键设备到货延迟。" in note.body

    client.force_login(journey.staff)
    with on(2026, 6, 8), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("labs:extension_transition", args=[request.pk, "grant"]))
    note = told(host, f"{lab.name_zh}: extension granted")
    assert "granted an extension of 6 months (Art. 18): the construction now ends on 2027-07-10" in note.body
    assert note.url == lab.get_absolute_url()
    assert told(journey.miit, f"{lab.name_zh}: extension granted")
    assert not Notification.objects.filter(recipient=journey.staff, subject__contains="extension granted").exists()


def test_refused_extension_tells_the_host_why_and_until_when_to_ask_again_art18(journey, django_capture_on_commit_callbacks):
    with on(2025, 1, 10):
        lab = journey.approved()
    with on(2026, 6, 1):
        request = lab_services.file_extension_request(lab, journey.host_user(lab), 6, "关键设备到货延迟。")
        with django_capture_on_commit_callbacks(execute=True):
            run_transition(request, "refuse", journey.miit, comment="延期理由不充分。")
    note = told(journey.host_user(lab), f"{lab.name_zh}: extension refused")
    assert "refused the extension (Art. 18); the construction still ends on 2027-01-10." in note.body
    assert "You may ask again until 2026-10-10." in note.body
    assert "Comment: 延期理由不充分。" in note.body


def test_acceptance_rectification_tells_the_host_the_end_of_its_six_months_art19(journey, django_capture_on_commit_callbacks):
    lab = journey.apply_for_acceptance(journey.approved(months_ago=24))
    with django_capture_on_commit_callbacks(execute=True):
        lab = journey.acceptance_verdict(lab, AcceptanceVerdict.RECTIFY, opinion="数据库尚未建成。")
    assert lab.status == LabStatus.RECTIFYING
    end = timezone.localdate() + relativedelta(months=6)
    note = told(journey.host_user(lab), f"{lab.name_zh}: rectify after the acceptance review")
    assert f"apply for acceptance again by {end.isoformat()}" in note.body and "数据库尚未建成。" in note.body


def test_annual_construction_report_reaches_the_ministries_and_the_host_office_to_acknowledge_art18(
        journey, django_capture_on_commit_callbacks):
    with on(2025, 1, 10):
        lab = journey.approved()
    host, office = journey.host_user(lab), applicant_of(lab.host)
    with on(2025, 12, 20), django_capture_on_commit_callbacks(execute=True):
        lab_services.submit_annual_report(lab, host, "construction", {"summary": "完成一期建设。"})
    for staff in (journey.staff, journey.miit):
        note = told(staff, f"Annual construction report filed: {lab.name_zh}")
        assert f"{lab.host.name} filed the annual construction report for year 1 (Art. 18)." == note.body
    assert told(office, f"Acknowledge the annual construction report: {lab.name_zh}")
    assert not Notification.objects.filter(recipient=host).exists()  # the person who filed it


def test_change_report_reaches_the_ministries_and_its_acceptance_the_host_art24(
        client, journey, django_capture_on_commit_callbacks):
    lab = journey.approved()
    host = journey.host_user(lab)
    with django_capture_on_commit_callbacks(execute=True):
        change = lab_services.file_change_report(lab, host, ChangeKind.RENAME, "更名以反映研究方向。",
                                                 new_name_zh="智能机器人质量国家质量标准实验室",
                                                 new_name_en_subject="Intelligent Robot Quality")
    assert "reported a change of the laboratory (Renaming) for your decision (Art. 24)" in told(
        journey.miit, f"Change reported: {lab.name_zh}").body
    client.force_login(journey.miit)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("labs:change_transition", args=[change.pk, "accept"]))
    note = told(host, "智能机器人质量国家质量标准实验室: change accepted")
    assert "accepted the reported change (Renaming) (Art. 24)." in note.body
    assert "The laboratory is now named 智能机器人质量国家质量标准实验室 (Art. 31)." in note.body


# --- experts and objectors ---------------------------------------------------------------------


def test_assignment_reaches_the_expert_with_the_round_and_the_conflict_declaration_art9(
        client, journey, django_capture_on_commit_callbacks):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app], title="2026年第一轮专家评审")
    expert = journey.experts[0]
    with django_capture_on_commit_callbacks(execute=True):
        assignment = journey.assign(review_round, app, expert)
    page = inbox(client, expert)
    assert f"New review assignment: {app.name_zh}" in page
    assert "in the round “2026年第一轮专家评审”. Declare whether you have a conflict of interest" in page
    assert told(expert, f"New review assignment: {app.name_zh}").url == assignment.get_absolute_url()
    assert mails_to(expert)
    with django_capture_on_commit_callbacks(execute=True):
        score(assignment, 80)  # the last expert's scores are in: staff may conclude
    assert told(journey.staff, f"All scores are in: {review_round.title}").url == review_round.get_absolute_url()


@pytest.fixture
def objected(journey):
    with on(2026, 9, 21):
        app = journey.inspected()
    with on(2026, 9, 28):  # published on its first day
        notice = journey.open_notice([app], starts_on=datetime.date(2026, 9, 28), working_days=5)
    return notice, app


def objection(notice, app, contact):
    with on(2026, 9, 30):
        return services.lodge_objection(Objection(
            notice=notice, application=app, objector_kind=Objection.ObjectorKind.PERSON, name="张三",
            id_number=VALID_ID, contact=contact, grounds="场地面积不实。"))


def test_dismissed_objection_is_e_mailed_to_the_objector_who_left_an_address_art13(
        client, journey, objected, django_capture_on_commit_callbacks):
    notice, app = objected
    lodged = objection(notice, app, "zhangsan@example.cn")
    client.force_login(journey.staff)
    with on(2026, 10, 9), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:objection_transition", args=[lodged.pk, "dismiss"]), {"comment": "经核实，场地面积属实。"})
    [email] = [m for m in mail.outbox if m.to == ["zhangsan@example.cn"]]
    assert email.subject == f"Your objection to {app.name_zh}: dismissed"
    assert "examined the objection you lodged on 2026-09-30 under the notice" in email.body
    assert "经核实，场地面积属实。" in email.body
    assert f"https://portal.example.cn{notice.get_absolute_url()}" in email.body
    record = Notification.objects.get(address="zhangsan@example.cn")
    assert record.recipient is None and record.emailed_at is not None  # the record of what was sent
    assert not Notification.objects.filter(recipient=app.created_by, subject__contains="objection").exists()


def test_sustained_objection_tells_the_objector_and_the_host_art13(journey, objected, django_capture_on_commit_callbacks):
    notice, app = objected
    lodged = objection(notice, app, "zhangsan@example.cn")
    with on(2026, 10, 9), django_capture_on_commit_callbacks(execute=True):
        run_transition(lodged, "sustain", journey.staff, comment="场地面积确有不实。")
    assert [m.subject for m in mail.outbox if m.to == ["zhangsan@example.cn"]] == [
        f"Your objection to {app.name_zh}: sustained"]
    assert "was sustained (Art. 13)" in told(app.created_by, f"{app.name_zh}: objection sustained").body


def test_objector_who_left_a_phone_number_is_not_e_mailed_art13(journey, objected, django_capture_on_commit_callbacks):
    notice, app = objected
    lodged = objection(notice, app, "13800000000")
    mail.outbox.clear()
    with on(2026, 10, 9), django_capture_on_commit_callbacks(execute=True):
        run_transition(lodged, "dismiss", journey.staff, comment="经核实，场地面积属实。")
    assert mail.outbox == [] and not Notification.objects.filter(recipient__isnull=True).exists()
