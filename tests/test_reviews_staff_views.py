"""The ministry staff pages of the review stage (Art. 7-9, 13): queue and bulk sign-off, formal review,
committees, rounds (assignment, ranking, export, conclusion), site inspection, publicity and objections."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationKind, Role
from applications.models import Status
from evaluations.models import Laboratory
from kernel.transitions import run_transition
from labportal.journeys import score
from reviews import services
from reviews.models import (
    Assignment,
    CommitteeStatus,
    FormalReview,
    FormalReviewItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PublicityNotice,
    ReviewRound,
    RoundEntry,
    SiteInspection,
)
from tests.factories import (
    LocalHostFactory,
    UserFactory,
    add_member,
    applicant_of,
    committee,
    ministry_staff,
    on,
    provincial_body,
    recommender_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]  # requests in English

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


def login(client, user):
    client.force_login(user)
    return client


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def all_checks_post():
    return {f"check_{pk}": "on" for pk in FormalReviewItem.objects.filter(active=True).values_list("pk", flat=True)}


# --- formal review (Art. 13) ---------------------------------------------------------------------


def test_formal_review_pass_through_page_art13(journey, client, staff):
    app = journey.recommended()
    url = reverse("reviews:formal_review", args=[app.pk])
    page = login(client, staff).get(url)
    assert page.status_code == 200
    assert all(item.text in page.content.decode() for item in FormalReviewItem.objects.filter(active=True))

    response = client.post(url, {**all_checks_post(), "comment": "材料齐全", "action": "pass_formal_review"})

    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.FORMAL_REVIEW_PASSED
    review = FormalReview.objects.get(application=app)
    assert review.outcome == FormalReview.Outcome.PASSED and all(review.checks.values())
    assert review.reviewer == staff
    # the page shows it among the previous reviews
    assert "材料齐全" in client.get(url).content.decode()


def test_formal_review_missing_check_refused_art13(journey, client, staff):
    app = journey.recommended()
    first = FormalReviewItem.objects.filter(active=True).first()
    data = all_checks_post()
    del data[f"check_{first.pk}"]

    response = login(client, staff).post(reverse("reviews:formal_review", args=[app.pk]), {**data, "action": "pass_formal_review"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Art. 13" in body and first.text in body
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    assert not FormalReview.objects.exists()


def test_formal_review_return_for_supplement_needs_a_comment_art13(journey, client, staff):
    app = journey.recommended()
    url = reverse("reviews:formal_review", args=[app.pk])

    refused = login(client, staff).post(url, {"action": "request_supplement", "comment": ""})
    assert refused.status_code == 200
    assert "Please give a comment" in refused.content.decode()
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED and not FormalReview.objects.exists()

    done = client.post(url, {"action": "request_supplement", "comment": "请补充联合体协议"})
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.SUPPLEMENT_REQUESTED
    assert FormalReview.objects.get(application=app).outcome == FormalReview.Outcome.SUPPLEMENT


def test_formal_review_reject_with_reason_art13(journey, client, staff):
    app = journey.recommended()
    response = login(client, staff).post(reverse("reviews:formal_review", args=[app.pk]),
                                         {"action": "reject_formally", "comment": "不属于第四条所列领域"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.FORMAL_REJECTED
    assert FormalReview.objects.get(application=app).comment == "不属于第四条所列领域"


def test_formal_review_page_offers_no_form_outside_recommended(client, staff, journey):
    app = journey.formal_review_passed()
    response = login(client, staff).get(reverse("reviews:formal_review", args=[app.pk]))
    assert response.status_code == 200
    assert 'data-testid="formal-review-form"' not in response.content.decode()
    refused = client.post(reverse("reviews:formal_review", args=[app.pk]), {**all_checks_post(), "action": "pass_formal_review"})
    assert refused.status_code == 302
    assert any("not possible" in m for m in message_texts(refused))


# --- committees (Art. 9) -------------------------------------------------------------------------


def test_committee_activation_refused_for_14_members_art9(client, staff):
    small = committee(14)
    url = reverse("reviews:committee_transition", args=[small.pk, "activate"])

    response = login(client, staff).post(url)

    assert response.status_code == 302
    texts = message_texts(response)
    assert any("Art. 9" in t and "at least 15" in t for t in texts), texts
    small.refresh_from_db()
    assert small.status == CommitteeStatus.DRAFT and small.term_start is None


def test_committee_with_15_members_activates_from_its_page_art9(client, staff):
    ready = committee(15)
    page = login(client, staff).get(reverse("reviews:committee", args=[ready.pk]))
    assert page.status_code == 200
    assert 'data-transition="activate"' in page.content.decode()

    client.post(reverse("reviews:committee_transition", args=[ready.pk, "activate"]))

    ready.refresh_from_db()
    assert ready.status == CommitteeStatus.ACTIVE
    assert ready.term_end == ready.term_start.replace(year=ready.term_start.year + 2)  # Civil Code Art. 201-202


def test_committee_list_shows_counts_and_art9_errors(client, staff, journey):
    committee(14, name="十四人委员会")
    journey.active_committee(name="正式委员会")
    body = login(client, staff).get(reverse("reviews:committees")).content.decode()
    assert "十四人委员会" in body and "正式委员会" in body
    assert "at least 15 members in all (now 14)" in body
    assert "an odd number of members (now 14)" in body


# --- review rounds ---------------------------------------------------------------------------------


def test_round_creation_preselects_and_opens_round(client, staff, journey):
    first, second = journey.formal_review_passed(), journey.formal_review_passed()
    other = journey.formal_review_passed()
    active = journey.committee
    url = reverse("reviews:round_create") + f"?applications={first.pk},{second.pk}"

    page = login(client, staff).get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert set(form["applications"].value()) == {first.pk, second.pk}

    response = client.post(url, {
        "title": "2026年第一批专家评审", "committee": active.pk, "criteria_set": journey.criteria.pk,
        "applications": [first.pk, second.pk],
    })

    review_round = ReviewRound.objects.get(title="2026年第一批专家评审")
    assert response.status_code == 302 and response["Location"] == review_round.get_absolute_url()
    assert set(review_round.entries.values_list("application_id", flat=True)) == {first.pk, second.pk}
    for app in (first, second):
        app.refresh_from_db()
        assert app.status == Status.EXPERT_REVIEW
    other.refresh_from_db()
    assert other.status == Status.FORMAL_REVIEW_PASSED


def test_round_creation_refuses_a_draft_committee_and_saves_nothing_art9(client, staff, journey):
    app = journey.formal_review_passed()
    draft = committee(15)
    response = login(client, staff).post(reverse("reviews:round_create"), {
        "title": "评审", "committee": draft.pk, "criteria_set": journey.criteria.pk, "applications": [app.pk],
    })
    assert response.status_code == 200
    assert response.context["form"].errors["committee"]
    assert not ReviewRound.objects.exists()


def test_assignment_refuses_conflicted_expert_with_reason_art9(client, staff, journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    conflicted = add_member(journey.committee, UserFactory(organisation=app.host, role=Role.EXPERT))
    assign_url = reverse("reviews:round_assign", args=[review_round.pk, app.pk])

    fragment = login(client, staff).get(assign_url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert [m.expert_id for m in fragment.context["suggested"]].count(conflicted.pk) == 0

    response = client.post(assign_url, {"expert": conflicted.pk})

    assert response.status_code == 302
    texts = message_texts(response)
    assert any("Conflict of interest" in t and "Art. 9" in t for t in texts), texts
    assert not Assignment.objects.filter(expert=conflicted).exists()


def test_assignment_of_a_suggested_expert_and_withdrawal(client, staff, journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    expert = journey.experts[0]

    response = login(client, staff).post(reverse("reviews:round_assign", args=[review_round.pk, app.pk]), {"expert": expert.pk})

    assert response.status_code == 302
    assignment = Assignment.objects.get(round=review_round, application=app, expert=expert)
    page = client.get(response.url).content.decode()  # back on the round's page, at the entry's card, open
    assert f'data-assignment="{assignment.pk}"' in page and 'data-transition="withdraw"' in page

    client.post(reverse("reviews:assignment_transition", args=[assignment.pk, "withdraw"]))
    assignment.refresh_from_db()
    assert assignment.status == "withdrawn"


def test_round_page_ranks_sorts_exports_and_flags_deviation(client, staff, journey):
    high, low = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([high, low])
    experts = journey.experts
    for app, values in ((high, (90, 90, 50)), (low, (60, 60, 60))):
        for expert, value in zip(experts, values):
            score(services.assign_expert(review_round, app, expert, staff), value)

    page = login(client, staff).get(review_round.get_absolute_url())
    results = page.context["results"]
    assert [r.application.pk for r in results] == [high.pk, low.pk]
    assert results[0].flagged and not results[1].flagged
    assert "data-deviates" in page.content.decode()

    by_name = client.get(review_round.get_absolute_url() + "?sort=-application").context["results"]
    assert [str(r.application) for r in by_name] == sorted([str(high), str(low)], reverse=True)
    by_mean = client.get(review_round.get_absolute_url() + "?sort=mean").context["results"]
    assert [r.application.pk for r in by_mean] == [low.pk, high.pk]

    export = client.get(reverse("reviews:round_export", args=[review_round.pk]))
    assert export["Content-Type"].startswith("text/csv")
    content = b"".join(export.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    lines = content.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Rank,Application")
    assert lines[1].startswith(f"1,{high}") and lines[2].startswith(f"2,{low}")


def test_round_conclusion_advances_and_rejects_art13(client, staff, journey):
    keep, drop = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.scored_round([keep, drop], values=(80,))
    url = reverse("reviews:round_conclude", args=[review_round.pk])

    missing_reason = login(client, staff).post(url, {f"action_{keep.pk}": "advance", f"action_{drop.pk}": "reject"})
    assert missing_reason.status_code == 200
    assert "Art. 13" in missing_reason.content.decode()
    keep.refresh_from_db()
    assert keep.status == Status.EXPERT_REVIEW  # nothing half-done

    response = client.post(url, {f"action_{keep.pk}": "advance", f"action_{drop.pk}": "reject",
                                 f"reason_{drop.pk}": "综合得分未达要求"})

    assert response.status_code == 302
    keep.refresh_from_db()
    drop.refresh_from_db()
    review_round.refresh_from_db()
    assert keep.status == Status.SITE_INSPECTION and drop.status == Status.REJECTED
    assert review_round.status == "concluded"
    assert RoundEntry.objects.get(round=review_round, application=drop).reason == "综合得分未达要求"


# --- site inspection -------------------------------------------------------------------------------


def test_site_inspection_recorded_with_report(client, staff, journey):
    app = journey.at_site_inspection()
    url = reverse("reviews:inspection", args=[app.pk])
    data = {"team": "王五（组长）、赵六", "visited_on": "2026-03-02", "findings": "场地、设备与申报一致", "verdict": "pass"}

    bad = login(client, staff).post(url, {**data, "report": SimpleUploadedFile("report.pdf", EXE)})
    assert bad.status_code == 200
    assert bad.context["form"].errors["report"]
    assert not SiteInspection.objects.exists()

    response = client.post(url, {**data, "report": SimpleUploadedFile("考察报告.pdf", PDF)})

    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.INSPECTED
    inspection = SiteInspection.objects.get(application=app)
    assert inspection.recorded_by == staff and inspection.report_name == "考察报告.pdf"
    assert inspection.visited_on == datetime.date(2026, 3, 2)


def test_failed_site_inspection_rejects(client, staff, journey):
    app = journey.at_site_inspection()
    login(client, staff).post(reverse("reviews:inspection", args=[app.pk]), {
        "team": "王五", "visited_on": "2026-03-02", "findings": "场地不足", "verdict": "fail"})
    app.refresh_from_db()
    assert app.status == Status.REJECTED


# --- publicity and objections (Art. 13) ------------------------------------------------------------


def test_notice_creation_with_window_in_working_days_art13(client, staff, journey):
    app = journey.inspected()
    url = reverse("reviews:notice_create") + f"?applications={app.pk}"

    page = login(client, staff).get(url)
    assert page.status_code == 200
    assert page.context["form"]["working_days"].value() == 5
    assert page.context["window"].date == services.publicity_end(timezone.localdate(), 5).date

    # Published Monday 2026-09-28 with 5 working days: National Day is skipped and the window ends on
    # the make-up working Saturday 2026-10-10.
    fragment = client.get(reverse("reviews:notice_window"), {"starts_on": "2026-09-28", "working_days": "5"})
    assert 'data-end="2026-10-10"' in fragment.content.decode()

    with on(2026, 9, 28):  # published on its first day
        response = client.post(url, {"title": "2026年国家质量标准实验室建设名单公示", "starts_on": "2026-09-28",
                                     "working_days": "5", "applications": [app.pk]})

    notice = PublicityNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == notice.get_staff_url()
    assert notice.ends_on == datetime.date(2026, 10, 10) and notice.working_days == 5
    app.refresh_from_db()
    assert app.status == Status.PUBLICITY
    assert "2026-10-10" in " ".join(message_texts(response))


def _objection(notice, app, **kw):
    data = {"objector_kind": Objection.ObjectorKind.PERSON, "name": "张三", "id_number": "11010519491231002X",
            "contact": "13800000000", "grounds": "申报材料与事实不符"}
    data.update(kw)
    return Objection.objects.create(notice=notice, application=app, **data)


def test_objections_dismissed_and_sustained_and_close_refused_while_open_art13(client, staff, journey):
    cleared, objected = journey.inspected(), journey.inspected()
    notice = journey.open_notice([cleared, objected], starts_on=timezone.localdate() - datetime.timedelta(days=30))
    minor = _objection(notice, cleared)
    serious = _objection(notice, objected, name="李四")
    login(client, staff)

    page = client.get(notice.get_staff_url()).content.decode()
    assert "李四" in page and minor.receipt_number in page and serious.receipt_number in page  # the objector, for staff
    assert "110105********002X" in page and "11010519491231002X" not in page  # the ID card number masked (PIPL)

    refused = client.post(reverse("reviews:notice_transition", args=[notice.pk, "close"]))
    assert any("Resolve every objection" in t and "Art. 13" in t for t in message_texts(refused))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN

    no_reason = client.post(reverse("reviews:objection_transition", args=[minor.pk, "dismiss"]), {"comment": ""})
    assert any("Please give a comment" in t for t in message_texts(no_reason))
    minor.refresh_from_db()
    assert minor.status == ObjectionStatus.OPEN

    client.post(reverse("reviews:objection_transition", args=[minor.pk, "dismiss"]), {"comment": "经核实不成立"})
    client.post(reverse("reviews:objection_transition", args=[serious.pk, "sustain"]), {"comment": "经核实属实"})
    minor.refresh_from_db()
    serious.refresh_from_db()
    assert (minor.status, minor.resolution) == (ObjectionStatus.DISMISSED, "经核实不成立")
    assert serious.status == ObjectionStatus.SUSTAINED

    client.post(reverse("reviews:notice_transition", args=[notice.pk, "close"]))
    notice.refresh_from_db()
    cleared.refresh_from_db()
    objected.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED
    assert cleared.status == Status.AWAITING_APPROVAL and objected.status == Status.REJECTED


def test_notice_cannot_close_before_its_window_ends_art13(client, staff, journey):
    app = journey.inspected()
    notice = journey.open_notice([app])
    response = login(client, staff).post(reverse("reviews:notice_transition", args=[notice.pk, "close"]))
    assert any("publicity window runs until" in t for t in message_texts(response))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN


def test_objection_files_only_for_staff(client, staff, journey):
    app = journey.inspected()
    notice = journey.open_notice([app])
    objection = _objection(notice, app, objector_kind=Objection.ObjectorKind.ORGANISATION, name="",
                           id_number="", organisation_name="某检测公司", legal_representative="王五")
    objection.seal_scan.save("seal.pdf", ContentFile(PDF))

    response = login(client, staff).get(reverse("reviews:objection_file", args=[objection.pk, "seal"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert client.get(reverse("reviews:objection_file", args=[objection.pk, "evidence"])).status_code == 404
    assert client.get(reverse("reviews:objection_file", args=[objection.pk, "other"])).status_code == 404

    client.force_login(applicant_of(app.host))
    assert client.get(reverse("reviews:objection_file", args=[objection.pk, "seal"])).status_code == 403


# --- approval: dual sign-off from the queue (Art. 7) ----------------------------------------------------


def test_batch_signoff_samr_then_miit_approves_and_creates_laboratory_art7(client, staff, journey):
    app = journey.awaiting_approval()
    miit = ministry_staff(OrganisationKind.MIIT)
    queue, batch = reverse("reviews:queue"), reverse("reviews:batch")

    first = login(client, staff).post(batch, {"action": "approve", "applications": [app.pk]})
    assert "other ministry" in first.context["report"].results[0].text
    app.refresh_from_db()
    assert app.status == Status.AWAITING_APPROVAL
    assert app.pk not in {a.pk for a in client.get(queue).context["page_obj"]}  # SAMR's part is done
    row = client.get(queue, {"show": "all"}).content.decode()
    assert "SAMR signed" in row and "MIIT signed" not in row

    again = client.post(batch, {"action": "approve", "applications": [app.pk]})
    assert again.context["report"].results[0].outcome == "skipped"  # SAMR has signed: not twice

    second = login(client, miit).post(batch, {"action": "approve", "applications": [app.pk]})
    assert "construction is approved" in second.context["report"].results[0].text
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    assert Laboratory.objects.filter(application=app, approved_on=timezone.localdate()).exists()
    body = client.get(queue + "?show=all&status=approved").content.decode()
    assert "SAMR signed" in body and "MIIT signed" in body


def test_queue_filters_and_excludes_drafts(client, staff, journey):
    passed = journey.formal_review_passed(host=LocalHostFactory(province="11"))
    recommended = journey.recommended()
    from tests.factories import ApplicationFactory

    draft = ApplicationFactory()
    login(client, staff)
    shown = {a.pk for a in client.get(reverse("reviews:queue")).context["page_obj"]}
    assert {passed.pk, recommended.pk} <= shown and draft.pk not in shown
    by_status = {a.pk for a in client.get(reverse("reviews:queue"), {"status": "formal_review_passed"}).context["page_obj"]}
    assert by_status == {passed.pk}
    by_province = {a.pk for a in client.get(reverse("reviews:queue"), {"province": "11"}).context["page_obj"]}
    assert by_province == {passed.pk}
    review_round = journey.open_round([passed])
    by_round = client.get(reverse("reviews:queue"), {"show": "all", "review_round": review_round.pk})
    assert {a.pk for a in by_round.context["page_obj"]} == {passed.pk}
    assert f'<option value="{review_round.pk}" selected>{review_round.title}</option>' in by_round.content.decode()


# --- access ------------------------------------------------------------------------------------------


def _every_page(journey):
    app = journey.inspected()
    notice = journey.open_notice([app])
    objection = _objection(notice, app)
    review_round = ReviewRound.objects.get()
    assignment = Assignment.objects.first()
    return [
        ("get", reverse("reviews:queue")),
        ("post", reverse("reviews:queue")),
        ("get", reverse("reviews:formal_review", args=[app.pk])),
        ("get", reverse("reviews:inspection", args=[app.pk])),
        ("get", reverse("reviews:committees")),
        ("get", reverse("reviews:committee", args=[journey.committee.pk])),
        ("post", reverse("reviews:committee_transition", args=[journey.committee.pk, "expire"])),
        ("get", reverse("reviews:rounds")),
        ("get", reverse("reviews:round_create")),
        ("get", review_round.get_absolute_url()),
        ("get", reverse("reviews:round_export", args=[review_round.pk])),
        ("get", reverse("reviews:round_assign", args=[review_round.pk, app.pk])),
        ("post", reverse("reviews:assignment_transition", args=[assignment.pk, "withdraw"])),
        ("get", reverse("reviews:notices")),
        ("get", reverse("reviews:notice_create")),
        ("get", reverse("reviews:notice_window")),
        ("get", notice.get_staff_url()),
        ("post", reverse("reviews:notice_transition", args=[notice.pk, "close"])),
        ("post", reverse("reviews:objection_transition", args=[objection.pk, "dismiss"])),
        ("get", reverse("reviews:objection_file", args=[objection.pk, "seal"])),
    ]


def test_non_staff_get_403_on_every_page(client, journey):
    pages = _every_page(journey)
    app = journey.formal_review_passed()
    outsiders = [
        applicant_of(app.host),
        recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, app.host.province)),
        journey.experts[0],
    ]
    for user in outsiders:
        client.force_login(user)
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 403, (user.role, url)
    client.logout()
    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_staff_and_administrators_reach_every_page(client, journey, admin_user):
    pages = [(m, u) for m, u in _every_page(journey) if m == "get" and "objections" not in u]
    for user in (journey.staff, admin_user):
        client.force_login(user)
        for _method, url in pages:
            assert client.get(url).status_code == 200, url


# --- query counts ------------------------------------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queue_query_count_does_not_grow_with_rows(client, staff, journey, django_assert_max_num_queries):
    apps = [journey.recommended() for _i in range(3)]
    checks = {str(pk): True for pk in FormalReviewItem.objects.values_list("pk", flat=True)}
    run_transition(apps[0], "pass_formal_review", staff, checks=checks)
    login(client, staff)
    url = reverse("reviews:queue")
    few = _count_queries(client, url)
    for _i in range(27):
        journey.recommended()
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["page_obj"]) == 25
    assert few <= 20


def test_round_page_query_count_does_not_grow_with_rows(client, staff, journey, django_assert_max_num_queries):
    first = [journey.formal_review_passed() for _i in range(3)]
    small = journey.scored_round(first, values=(80, 80))
    login(client, staff)
    few = _count_queries(client, small.get_absolute_url())
    more = [journey.formal_review_passed() for _i in range(12)]
    large = journey.scored_round(more, values=(80, 80, 80))
    with django_assert_max_num_queries(few):
        response = client.get(large.get_absolute_url())
    assert len(response.context["results"]) == 12
    assert few <= 25


# --- admin: configuration edited there, statuses never ---------------------------------------------------


def test_admin_edits_membership_but_never_a_status(client, admin_user, journey):
    app = journey.inspected()
    notice = journey.open_notice([app])
    objection = _objection(notice, app)
    client.force_login(admin_user)
    pages = [
        reverse("admin:reviews_expertcommittee_add"),
        reverse("admin:reviews_expertcommittee_change", args=[journey.committee.pk]),
        reverse("admin:reviews_criteriaset_change", args=[journey.criteria.pk]),
        reverse("admin:reviews_formalreviewitem_changelist"),
        reverse("admin:reviews_publicitynotice_change", args=[notice.pk]),
        reverse("admin:reviews_objection_change", args=[objection.pk]),
        reverse("admin:reviews_siteinspection_change", args=[SiteInspection.objects.get().pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'name="status"' not in response.content.decode(), url
    # The active committee's membership is frozen: the Art. 9 composition it was activated with stands.
    change = client.get(pages[1]).content.decode()
    assert 'name="members-0-position"' not in change and "members-TOTAL_FORMS" in change
    assert client.get(reverse("admin:reviews_objection_add")).status_code == 403


def test_admin_adds_a_member_with_fields(client, admin_user):
    draft = committee(2)
    expert = UserFactory(role=Role.EXPERT)
    client.force_login(admin_user)
    members = list(draft.members.order_by("pk"))
    data = {
        "name": draft.name,
        "members-TOTAL_FORMS": "3",
        "members-INITIAL_FORMS": "2",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-2-expert": str(expert.pk),
        "members-2-position": "member",
        "members-2-fields": ["key_software", "biomedicine"],
        "members-2-committee": str(draft.pk),
        "replacements-TOTAL_FORMS": "0",  # the read-only record of mid-term replacements
        "replacements-INITIAL_FORMS": "0",
    }
    for i, m in enumerate(members):
        data.update(
            {
                f"members-{i}-id": str(m.pk),
                f"members-{i}-committee": str(draft.pk),
                f"members-{i}-expert": str(m.expert_id),
                f"members-{i}-position": m.position,
            }
        )
    response = client.post(reverse("admin:reviews_expertcommittee_change", args=[draft.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = draft.members.get(expert=expert)
    assert added.fields == ["key_software", "biomedicine"]
    draft.refresh_from_db()
    assert draft.status == CommitteeStatus.DRAFT
