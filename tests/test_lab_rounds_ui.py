"""The ministry staff pages of expert rounds on laboratories: acceptance (Art. 19) and comprehensive
evaluation (Art. 26-27), built on the review-round pages; the expert's page of a lab assignment; and the
acceptance publicity notice (Art. 19). Everything through the pages, the labs reached the real way
(`labportal.journeys.Journey`)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from evaluations import services as lab_services
from evaluations.models import AnnualReport, LabStatus
from kernel import documents
from kernel.transitions import run_transition
from labportal.journeys import acceptance_criteria, evaluation_criteria, score
from reviews.models import Assignment, AssignmentStatus, PublicityNotice, ReviewRound, RoundStatus
from tests.factories import UserFactory, add_member, applicant_of, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]  # requests in English

REPORT = "建设任务全部完成：检测平台建成，标准验证能力通过比对。"


def as_staff(client, journey):
    client.force_login(journey.staff)
    return client


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def in_acceptance_review(journey, report=REPORT):
    return journey.apply_for_acceptance(journey.approved(months_ago=24), report=report)


def round_url(review_round):
    return reverse("reviews:round", args=[review_round.pk])


def conclude_url(review_round):
    return reverse("reviews:round_conclude", args=[review_round.pk])


def conclude_post(lab, outcome, opinion):
    data = {f"outcome_{lab.application_id}": outcome}
    if opinion is not None:
        data[f"opinion_{lab.application_id}"] = opinion
    return data


# --- opening a lab round -------------------------------------------------------------------------


def test_acceptance_round_opened_through_the_page_with_laboratories_art19(client, journey):
    lab = in_acceptance_review(journey)
    committee = journey.committee
    create = reverse("reviews:round_create") + "?purpose=acceptance"

    page = as_staff(client, journey).get(create)
    assert page.status_code == 200
    assert page.context["form"]["criteria_set"].value() == acceptance_criteria().pk
    assert lab in [row_lab for _choice, row_lab in page.context["laboratory_rows"]]

    response = client.post(create, {"title": "2026年验收评议", "committee": committee.pk,
                                    "criteria_set": acceptance_criteria().pk, "laboratories": [lab.pk]})

    review_round = ReviewRound.objects.get(title="2026年验收评议")
    assert response.status_code == 302 and response["Location"] == review_round.get_absolute_url()
    assert list(review_round.entries.values_list("application_id", flat=True)) == [lab.application_id]
    body = client.get(round_url(review_round)).content.decode()
    assert reverse("labs:detail", args=[lab.pk]) in body and lab.name_zh in body
    assert reverse("reviews:round_assign", args=[review_round.pk, lab.application_id]) in body


def test_acceptance_round_refuses_a_lab_in_operation_on_its_field_art19(client, journey):
    operating = journey.lab_in(LabStatus.OPERATING)
    before = ReviewRound.objects.count()

    response = as_staff(client, journey).post(reverse("reviews:round_create"), {
        "title": "验收评议", "committee": journey.committee.pk, "criteria_set": acceptance_criteria().pk,
        "laboratories": [operating.pk],
    })

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["laboratories"])
    assert operating.name_zh in errors and "Art. 19" in errors
    assert ReviewRound.objects.count() == before
    operating.refresh_from_db()
    assert operating.status == LabStatus.OPERATING


def test_lab_round_without_laboratories_is_refused_on_the_laboratories_field_art26(client, journey):
    response = as_staff(client, journey).post(reverse("reviews:round_create"), {
        "title": "综合评价", "committee": journey.committee.pk, "criteria_set": evaluation_criteria().pk,
    })
    assert response.status_code == 200
    assert "Art. 26" in " ".join(response.context["form"].errors["laboratories"])
    assert not ReviewRound.objects.exists()


# --- assigning experts (conflict rules as for applications, Art. 9) --------------------------------


def test_experts_assigned_to_a_lab_and_the_hosts_expert_refused_art9(client, journey):
    lab = in_acceptance_review(journey)
    review_round = lab_services.open_lab_round("验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)
    conflicted = add_member(journey.committee, UserFactory(organisation=lab.host, role=Role.EXPERT))
    assign_url = reverse("reviews:round_assign", args=[review_round.pk, lab.application_id])

    fragment = as_staff(client, journey).get(assign_url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert conflicted.pk not in [m.expert_id for m in fragment.context["suggested"]]

    refused = client.post(assign_url, {"expert": conflicted.pk})
    assert any("Conflict of interest" in t and "Art. 9" in t for t in message_texts(refused))
    assert not Assignment.objects.filter(expert=conflicted).exists()

    expert = journey.experts[0]
    client.post(assign_url, {"expert": expert.pk})
    assert Assignment.objects.filter(round=review_round, application=lab.application, expert=expert).exists()
    full_page = client.get(assign_url)
    assert full_page.context["entry"] == lab and lab.name_zh in full_page.content.decode()
    # The lab's experts, as its card on the round's page draws them when opened, and on a page of their own
    experts_url = reverse("reviews:round_entry_experts", args=[review_round.pk, lab.application_id])
    experts_page = client.get(experts_url)
    assert experts_page.context["entry"] == lab and experts_page.context["lab_round"]
    assert str(expert) in experts_page.content.decode() and "Laboratory rounds" in experts_page.content.decode()


# --- the expert's page -----------------------------------------------------------------------------


def test_expert_reads_the_acceptance_report_only_after_declaring_no_conflict_then_scores_art9(client, journey):
    lab = in_acceptance_review(journey)
    review_round = lab_services.open_lab_round("验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)
    expert = journey.experts[0]
    assignment = journey.assign(review_round, lab.application, expert)
    url = reverse("experts:assignment", args=[assignment.pk])
    client.force_login(expert)

    before = client.get(url).content.decode()
    assert lab.name_zh in before and str(lab.host) in before and 'data-testid="declaration"' in before
    assert REPORT not in before and 'data-testid="lab-material"' not in before

    client.post(url, {"action": "declare_no_conflict"})
    opened = client.get(url)
    body = opened.content.decode()
    assert 'data-testid="acceptance-report"' in body and REPORT in body
    assert "建成检测平台" in body and "已建成" in body  # the goal statement and what was achieved
    assert reverse("labs:detail", args=[lab.pk]) in body
    assert client.get(reverse("labs:detail", args=[lab.pk])).status_code == 200

    criteria = list(acceptance_criteria().criteria.all())
    post = {"action": "submit", "overall_comment": "同意通过"}
    post.update({f"criterion_{c.pk}": "85" for c in criteria})
    assert client.post(url, post).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED and assignment.scores.count() == len(criteria)


def test_expert_of_an_evaluation_reads_the_operation_reports_with_outputs_art26(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    lab_services.submit_annual_report(
        lab, journey.host_user(lab), AnnualReport.Kind.OPERATION, {"summary": "本年度完成标准研制十二项。"},
        outputs=[{"kind": "paper", "title": "标准验证方法研究", "credit_line": f"{lab.name_zh}，北京"}],
    )
    review_round = journey.evaluation_round([lab])
    assignment = journey.assign(review_round, lab.application, journey.experts[0])
    url = reverse("experts:assignment", args=[assignment.pk])
    client.force_login(assignment.expert)
    assert "本年度完成标准研制十二项" not in client.get(url).content.decode()

    client.post(url, {"action": "declare_no_conflict"})

    body = client.get(url).content.decode()
    assert 'data-testid="operation-report"' in body and "本年度完成标准研制十二项" in body
    assert "标准验证方法研究" in body


# --- concluding ------------------------------------------------------------------------------------


def test_acceptance_round_concluded_rectify_puts_the_lab_in_rectifying_art19(client, journey):
    lab = in_acceptance_review(journey)
    review_round = journey.scored_lab_round([lab], acceptance_criteria())
    as_staff(client, journey)
    form_page = client.get(conclude_url(review_round)).content.decode()
    assert 'value="rectify"' in form_page and 'value="pass"' in form_page and 'value="fail"' in form_page

    response = client.post(conclude_url(review_round), conclude_post(lab, "rectify", "平台建设未完成，限期整改"))

    assert response.status_code == 302
    texts = " ".join(message_texts(response))
    assert "Rectifying after acceptance review" in texts
    lab.refresh_from_db()
    review_round.refresh_from_db()
    assert lab.status == LabStatus.RECTIFYING and review_round.status == RoundStatus.CONCLUDED
    decided = lab.acceptance_applications.get()
    assert decided.verdict == "rectify" and decided.opinion == "平台建设未完成，限期整改"
    lab_page = client.get(reverse("labs:detail", args=[lab.pk])).content.decode()
    assert "Rectifying after acceptance review" in lab_page
    [opinion] = documents.issued_for(decided, "acceptance_opinion")  # the verdict issued it (Art. 19)
    assert opinion.number in lab_page and reverse("documents:download", args=[opinion.pk]) in lab_page
    round_page = client.get(round_url(review_round)).content.decode()
    assert "Rectify" in round_page and reverse("documents:download", args=[opinion.pk]) in round_page


def test_conclusion_without_the_experts_opinion_is_refused_on_that_field_art19(client, journey):
    lab = in_acceptance_review(journey)
    review_round = journey.scored_lab_round([lab], acceptance_criteria())

    response = as_staff(client, journey).post(conclude_url(review_round), conclude_post(lab, "pass", ""))

    assert response.status_code == 200
    errors = response.context["conclude_form"].errors
    assert f"opinion_{lab.application_id}" in errors
    assert "opinion" in errors[f"opinion_{lab.application_id}"][0] and "Art. 19" in errors[f"opinion_{lab.application_id}"][0]
    lab.refresh_from_db()
    review_round.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW and review_round.status == RoundStatus.OPEN


def test_conclusion_before_any_expert_scored_is_refused_with_the_lab_named(client, journey):
    lab = in_acceptance_review(journey)
    review_round = lab_services.open_lab_round("验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)

    response = as_staff(client, journey).post(conclude_url(review_round), conclude_post(lab, "pass", "同意通过验收"))

    assert response.status_code == 200
    assert any(lab.name_zh in e for e in response.context["conclude_form"].non_field_errors())
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW


def test_evaluation_round_opened_and_concluded_unqualified_sends_the_lab_to_rectify_art27(client, journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    as_staff(client, journey).post(reverse("reviews:round_create"), {
        "title": "第一周期综合评价", "committee": journey.committee.pk, "criteria_set": evaluation_criteria().pk,
        "laboratories": [lab.pk],
    })
    review_round = ReviewRound.objects.get(title="第一周期综合评价")
    lab.refresh_from_db()
    assert lab.status == LabStatus.EVALUATING
    score(journey.assign(review_round, lab.application, journey.experts[0]), 45)
    assert client.get(round_url(review_round)).context["results"][0].mean == 45
    page = client.get(conclude_url(review_round))
    assert 'value="unqualified"' in page.content.decode() and 'value="rectify"' not in page.content.decode()

    response = client.post(conclude_url(review_round), conclude_post(lab, "unqualified", "开放运行不足，限期整改"))

    assert response.status_code == 302
    lab.refresh_from_db()
    assert lab.status == LabStatus.EVALUATION_RECTIFYING and lab.latest_result == "unqualified"
    evaluation = lab.evaluations.get()
    lab_page = client.get(reverse("labs:detail", args=[lab.pk])).content.decode()
    assert "Rectifying after an unqualified evaluation" in lab_page
    [notice] = documents.issued_for(evaluation, "evaluation_notice")  # the result issued it (Art. 27)
    assert reverse("documents:download", args=[notice.pk]) in lab_page


# --- acceptance publicity (Art. 19) ------------------------------------------------------------------


def test_staff_open_an_acceptance_notice_for_a_confirmed_lab_only_then_close_it_art19(client, journey):
    confirmed = journey.confirm_acceptance(journey.lab_in(LabStatus.ACCEPTANCE_CONFIRMATION))
    half = journey.lab_in(LabStatus.ACCEPTANCE_CONFIRMATION)
    run_transition(half, "confirm_acceptance", journey.staff)  # SAMR only
    create = reverse("reviews:notice_create") + "?subject=acceptance"
    acceptance_notices = PublicityNotice.objects.filter(subject=PublicityNotice.Subject.ACCEPTANCE)
    as_staff(client, journey)

    page = client.get(create)
    assert page.context["form"]["subject"].value() == "acceptance"
    listed = page.content.decode()
    assert "acceptance confirmed by SAMR and MIIT" in listed and "awaiting MIIT&#x27;s confirmation" in listed

    published = timezone.localdate() - datetime.timedelta(days=30)  # opened then, on its first day (Art. 13)
    post = {"subject": "acceptance", "title": "国家质量标准实验室验收结果公示", "starts_on": published.isoformat(),
            "working_days": "5"}
    with at(published):
        refused = client.post(create, {**post, "laboratories": [half.pk]})
    assert refused.status_code == 200
    assert "Art. 19" in " ".join(refused.context["form"].errors["laboratories"])
    assert not acceptance_notices.exists()
    half.refresh_from_db()
    assert half.status == LabStatus.ACCEPTANCE_CONFIRMATION

    with at(published):
        response = client.post(create, {**post, "laboratories": [confirmed.pk]})

    notice = acceptance_notices.get()
    assert response.status_code == 302 and response["Location"] == notice.get_staff_url()
    assert notice.subject == PublicityNotice.Subject.ACCEPTANCE
    confirmed.refresh_from_db()
    assert confirmed.status == LabStatus.ACCEPTANCE_PUBLICITY
    staff_page = client.get(notice.get_staff_url()).content.decode()
    assert reverse("labs:detail", args=[confirmed.pk]) in staff_page and 'data-testid="notice-laboratories"' in staff_page

    client.post(reverse("reviews:notice_transition", args=[notice.pk, "close"]))
    confirmed.refresh_from_db()
    assert confirmed.status == LabStatus.OPERATING and confirmed.operation_started_on == timezone.localdate()


def test_the_public_notice_page_lists_labs_under_acceptance_publicity_art19(client, journey):
    lab = journey.lab_in(LabStatus.ACCEPTANCE_PUBLICITY)
    notice = lab.application.publicity_notices.get(subject="acceptance")
    client.logout()

    listing = client.get(reverse("public:notices")).content.decode()
    detail = client.get(notice.get_absolute_url()).content.decode()

    for body in (listing, detail):
        assert notice.title in body and lab.name_zh in body and escape(lab.name_en) in body
        assert 'data-testid="acceptance-subject"' in body


# --- who reaches the pages, and how many queries -----------------------------------------------------


def test_non_staff_get_403_and_anonymous_users_the_login_page(client, journey):
    lab = in_acceptance_review(journey)
    review_round = lab_services.open_lab_round("验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)
    pages = [
        reverse("reviews:rounds") + "?purpose=labs",
        reverse("reviews:round_create") + "?purpose=acceptance",
        round_url(review_round),
        conclude_url(review_round),
        reverse("reviews:round_assign", args=[review_round.pk, lab.application_id]),
        reverse("reviews:notice_create") + "?subject=acceptance",
    ]
    for user in (applicant_of(lab.host), journey.experts[0]):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user.role, url)
        assert client.post(conclude_url(review_round), conclude_post(lab, "pass", "通过")).status_code == 403
    client.logout()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    lab.refresh_from_db()
    assert lab.status == LabStatus.ACCEPTANCE_REVIEW


def test_lab_rounds_are_reachable_from_the_staff_tabs_and_the_ministry_home(client, journey):
    lab = in_acceptance_review(journey)
    lab_round = lab_services.open_lab_round("验收评议", journey.committee, acceptance_criteria(), [lab], journey.staff)
    app_round = journey.open_round([journey.formal_review_passed()], title="申报评审")
    lab_rounds = reverse("reviews:rounds") + "?purpose=labs"

    home = as_staff(client, journey).get(reverse("home")).content.decode()
    assert escape(lab_rounds) in home
    listing = client.get(lab_rounds)
    assert 'data-testid="lab-rounds-link"' in listing.content.decode()
    assert [r.pk for r in listing.context["page_obj"]] == [lab_round.pk]
    assert app_round.pk in [r.pk for r in client.get(reverse("reviews:rounds")).context["page_obj"]]
    body = listing.content.decode()
    assert escape(reverse("reviews:round_create") + "?purpose=acceptance") in body
    assert escape(reverse("reviews:round_create") + "?purpose=evaluation") in body


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lab_round_page_query_count_does_not_grow_with_labs(client, journey, django_assert_max_num_queries):
    small = journey.scored_lab_round([in_acceptance_review(journey) for _i in range(2)], acceptance_criteria(), title="小批")
    large_labs = [in_acceptance_review(journey) for _i in range(5)]
    large = journey.scored_lab_round(large_labs, acceptance_criteria(), title="大批")
    for lab in large_labs:
        score(journey.assign(large, lab.application, journey.experts[1]), 70)
    as_staff(client, journey)
    few = _count_queries(client, round_url(small))

    with django_assert_max_num_queries(few):
        response = client.get(round_url(large))

    assert len(response.context["results"]) == 5 and all(r.subject == r.application.laboratory for r in response.context["results"])
    assert few <= 25
