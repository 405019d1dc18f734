"""The ministry-stage API (Art. 7-9, 13): who sees what, the committee's composition, conflicts,
blind scoring, the round's aggregate and conclusion, inspections, publicity and objections (public,
real-name, in the window, throttled), dual sign-off, and bounded query counts."""

import datetime
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationKind
from applications.models import APPROVAL_DECISION, Application, Status
from evaluations.models import Laboratory
from kernel.models import SignOff
from kernel.signoffs import signoffs
from kernel.transitions import run_transition
from labportal.journeys import all_checks, score
from reviews.models import (
    Assignment,
    AssignmentStatus,
    CommitteeStatus,
    FormalReview,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Position,
    RoundEntry,
    RoundStatus,
    SiteInspection,
)
from tests.factories import (
    PDF,
    add_member,
    applicant_of,
    client_for,
    committee,
    expert,
    miit_staff,
    provincial_body,
    recommender_of,
    resident_id,
    samr_staff,
    with_consortium_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def address():
    """The objection throttle counts per address in the (possibly shared) cache: each test objects
    from an address of its own (never clearing the whole cache; counters expire by themselves)."""
    number = uuid.uuid4().int
    return f"10.{number % 250 + 1}.{number // 250 % 250 + 1}.{number // 62500 % 250 + 1}"


def ids(response):
    data = response.data
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    return {row["id"] for row in rows}


def transition(client, resource, pk, name, **body):
    return client.post(f"/api/{resource}/{pk}/transitions/{name}/", body, format="json")


# --- visibility ----------------------------------------------------------------------------------------


def test_expert_lists_only_their_own_assignments(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    mine, other = journey.experts[:2]
    own = journey.assign(review_round, app, mine)
    journey.assign(review_round, app, other)

    response = client_for(mine).get("/api/assignments/")
    assert response.status_code == 200
    assert ids(response) == {own.pk}
    theirs = Assignment.objects.get(expert=other)
    assert client_for(mine).get(f"/api/assignments/{theirs.pk}/").status_code == 404
    assert ids(client_for(journey.staff).get("/api/assignments/")) == {own.pk, theirs.pk}


def test_assignment_detail_has_the_rounds_criteria_and_the_experts_actions(journey):
    app = journey.formal_review_passed()
    assignment = journey.assign(journey.open_round([app]), app, journey.experts[0])
    data = client_for(assignment.expert).get(f"/api/assignments/{assignment.pk}/").data
    assert [c["title"] for c in data["criteria"]] == ["指标1", "指标2", "指标3"]
    assert data["scores"] == [] and data["weighted_total"] is None
    assert {t["name"] for t in data["available_transitions"]} == {"declare_no_conflict", "declare_conflict", "decline"}


@pytest.mark.parametrize("who", ["recommender", "applicant", "expert"])
def test_others_get_403_or_nothing_on_staff_endpoints(journey, who):
    app = journey.formal_review_passed()
    journey.open_round([app])
    user = {
        "recommender": lambda: recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, app.host.province)),
        "applicant": lambda: applicant_of(app.host),
        "expert": lambda: journey.experts[0],
    }[who]()
    client = client_for(user)
    for url in ("/api/committees/", "/api/criteria-sets/", "/api/formal-review-items/", "/api/rounds/",
                "/api/inspections/", "/api/notices/"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/api/committees/{journey.committee.pk}/").status_code == 403
    for url in ("/api/objections/", "/api/assignments/"):
        response = client.get(url)
        assert response.status_code == 200 and response.data["results"] == [], url
    refused = client.post("/api/rounds/", {"title": "x", "committee": journey.committee.pk,
                                           "criteria_set": journey.criteria.pk, "applications": [app.pk]}, format="json")
    assert refused.status_code == 403


def test_anonymous_gets_nothing_from_staff_endpoints():
    for url in ("/api/committees/", "/api/rounds/", "/api/assignments/", "/api/objections/", "/api/laboratories/"):
        assert client_for().get(url).status_code in (401, 403), url


# --- committee (Art. 9) ------------------------------------------------------------------------------


def test_committee_of_14_cannot_be_activated_art9():
    staff = samr_staff()
    obj = committee(members=14)
    response = transition(client_for(staff), "committees", obj.pk, "activate")
    assert response.status_code == 400
    assert response.data["article"] == "Art. 9"
    assert "15" in response.data["detail"]
    obj.refresh_from_db()
    assert obj.status == CommitteeStatus.DRAFT and obj.term_start is None


def test_committee_of_15_with_one_chair_and_three_vice_chairs_is_activated_art9():
    staff = samr_staff()
    obj = committee(members=15, vice_chairs=3)
    detail = client_for(staff).get(f"/api/committees/{obj.pk}/").data
    assert detail["composition_errors"] == []
    assert len(detail["members"]) == 15
    assert sum(m["position"] == Position.VICE_CHAIR for m in detail["members"]) == 3

    response = transition(client_for(staff), "committees", obj.pk, "activate", term_start="2026-03-01")
    assert response.status_code == 200
    assert response.data["status"] == CommitteeStatus.ACTIVE
    assert response.data["term_start"] == "2026-03-01"
    assert response.data["term_end"] == "2028-03-01"


def test_committee_of_16_is_refused_for_an_even_number_art9():
    staff = samr_staff()
    obj = committee(members=16)
    assert any("16" in e for e in client_for(staff).get(f"/api/committees/{obj.pk}/").data["composition_errors"])
    response = transition(client_for(staff), "committees", obj.pk, "activate")
    assert response.status_code == 400
    assert response.data["article"] == "Art. 9"


def test_committee_without_a_chair_is_refused_art9():
    response = transition(client_for(samr_staff()), "committees", committee(members=15, chairs=0).pk, "activate")
    assert response.status_code == 400 and response.data["article"] == "Art. 9"


# --- criteria and checklist ----------------------------------------------------------------------------


def test_criteria_sets_show_weights_and_their_error():
    from labportal.journeys import criteria_set

    good, bad = criteria_set((40, 30, 30)), criteria_set((50, 30))
    rows = {row["id"]: row for row in client_for(samr_staff()).get("/api/criteria-sets/").data["results"]}
    assert [Decimal(c["weight"]) for c in rows[good.pk]["criteria"]] == [40, 30, 30]
    assert rows[good.pk]["weight_error"] is None
    assert "80" in rows[bad.pk]["weight_error"]


def test_formal_review_checklist_is_served_to_staff():
    response = client_for(samr_staff()).get("/api/formal-review-items/")
    assert response.status_code == 200
    assert set(all_checks()) == {str(row["id"]) for row in response.data["results"] if row["active"]}


def test_formal_review_checks_pass_through_the_application_transition_art13(journey):
    app = journey.recommended()
    staff = samr_staff()
    checks = all_checks()
    one_missing = {**checks, next(iter(checks)): False}
    refused = transition(client_for(staff), "applications", app.pk, "pass_formal_review", checks=one_missing)
    assert refused.status_code == 400 and refused.data["article"] == "Art. 13"
    assert not FormalReview.objects.filter(application=app).exists()

    response = transition(client_for(staff), "applications", app.pk, "pass_formal_review", checks=checks)
    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.FORMAL_REVIEW_PASSED
    review = FormalReview.objects.get(application=app)
    assert review.outcome == FormalReview.Outcome.PASSED and all(review.checks.values())


# --- rounds, conflicts, scoring ---------------------------------------------------------------------


def test_staff_open_a_round_through_the_api_art13(journey):
    ready, not_ready = journey.formal_review_passed(), journey.recommended()
    client = client_for(journey.staff)
    body = {"title": "2026年第一轮", "committee": journey.committee.pk, "criteria_set": journey.criteria.pk}

    refused = client.post("/api/rounds/", {**body, "applications": [ready.pk, not_ready.pk]}, format="json")
    assert refused.status_code == 400 and refused.data["article"] == "Art. 13"
    assert "applications" in refused.data["errors"]
    ready.refresh_from_db()
    assert ready.status == Status.FORMAL_REVIEW_PASSED

    response = client.post("/api/rounds/", {**body, "applications": [ready.pk]}, format="json")
    assert response.status_code == 201 and response.data["entry_count"] == 1
    entries = client.get(f"/api/rounds/{response.data['id']}/entries/").data["results"]
    assert [e["application"]["id"] for e in entries] == [ready.pk]
    ready.refresh_from_db()
    assert ready.status == Status.EXPERT_REVIEW


def test_round_on_an_inactive_committee_is_refused_art9(journey):
    draft = committee(members=15)
    response = client_for(journey.staff).post("/api/rounds/", {
        "title": "x", "committee": draft.pk, "criteria_set": journey.criteria.pk,
        "applications": [journey.formal_review_passed().pk],
    }, format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 9"
    assert "committee" in response.data["errors"]


def test_assigning_an_expert_of_the_host_is_refused_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    colleague = add_member(journey.committee, expert(organisation=app.host))
    response = client_for(journey.staff).post(f"/api/rounds/{review_round.pk}/assignments/",
                                            {"application": app.pk, "expert": colleague.pk}, format="json")
    assert response.status_code == 400
    assert response.data["article"] == "Art. 9"
    assert "expert" in response.data["errors"]
    assert not Assignment.objects.filter(expert=colleague).exists()


def test_assigning_an_expert_of_a_consortium_member_is_refused_art9(journey):
    app = journey.formal_review_passed()
    partner = with_consortium_member(app)
    review_round = journey.open_round([app])
    partner_expert = add_member(journey.committee, expert(organisation=partner))
    response = client_for(journey.staff).post(f"/api/rounds/{review_round.pk}/assignments/",
                                            {"application": app.pk, "expert": partner_expert.pk}, format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 9"


def test_suggested_experts_leave_out_conflicts_and_the_assigned_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    colleague = add_member(journey.committee, expert(organisation=app.host))
    first = journey.experts[0]
    client = client_for(journey.staff)
    response = client.post(f"/api/rounds/{review_round.pk}/assignments/", {"application": app.pk, "expert": first.pk},
                           format="json")
    assert response.status_code == 201 and response.data["status"] == AssignmentStatus.ASSIGNED

    suggested = client.get(f"/api/rounds/{review_round.pk}/suggested-experts/", {"application": app.pk})
    assert suggested.status_code == 200
    offered = {row["expert"]["id"] for row in suggested.data}
    assert colleague.pk not in offered and first.pk not in offered
    assert len(offered) == 14
    missing = client.get(f"/api/rounds/{review_round.pk}/suggested-experts/")
    assert missing.status_code == 400 and "application" in missing.data["errors"]


def test_expert_declares_conflict_and_the_assignment_is_withdrawn_art9(journey):
    app = journey.formal_review_passed()
    assignment = journey.assign(journey.open_round([app]), app, journey.experts[0])
    client = client_for(assignment.expert)
    refused = transition(client, "assignments", assignment.pk, "declare_conflict")
    assert refused.status_code == 400 and refused.data["article"] == "Art. 9"  # a comment is required
    response = transition(client, "assignments", assignment.pk, "declare_conflict", comment="曾在该单位任职")
    assert response.status_code == 200 and response.data["status"] == AssignmentStatus.CONFLICT
    # the dossier never opened to them
    assert client.get(f"/api/applications/{app.pk}/").status_code == 404


def test_expert_declines_through_the_api_with_a_reason_only_before_declaring_art9(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    first, second = (journey.assign(review_round, app, expert) for expert in journey.experts[:2])
    client = client_for(first.expert)
    refused = transition(client, "assignments", first.pk, "decline")
    assert refused.status_code == 400 and refused.data["article"] == "Art. 9"  # a reason is required
    response = transition(client, "assignments", first.pk, "decline", comment="评审期间出国")
    assert response.status_code == 200 and response.data["status"] == AssignmentStatus.DECLINED
    assert client.get(f"/api/applications/{app.pk}/").status_code == 404  # the dossier never opened to them
    other = client_for(second.expert)
    assert transition(other, "assignments", second.pk, "declare_no_conflict").status_code == 200
    assert transition(other, "assignments", second.pk, "decline", comment="太忙").status_code == 409


def test_staff_withdraw_an_assignment_and_the_expert_cannot_art9(journey):
    app = journey.formal_review_passed()
    assignment = journey.assign(journey.open_round([app]), app, journey.experts[0])
    assert transition(client_for(assignment.expert), "assignments", assignment.pk, "withdraw").status_code == 403
    response = transition(client_for(journey.staff), "assignments", assignment.pk, "withdraw", comment="另行安排")
    assert response.status_code == 200 and response.data["status"] == AssignmentStatus.WITHDRAWN
    assert transition(client_for(assignment.expert), "assignments", assignment.pk,
                      "declare_no_conflict").status_code == 409


def test_blind_scoring_through_all_scores_art13(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    first, second = journey.experts[:2]
    a1 = score(journey.assign(review_round, app, first), 90)  # submitted
    a2 = journey.assign(review_round, app, second)
    client = client_for(second)
    assert transition(client, "assignments", a2.pk, "declare_no_conflict").status_code == 200
    criteria = list(journey.criteria.criteria.order_by("order"))
    saved = client.put(f"/api/assignments/{a2.pk}/scores/", {
        "scores": [{"criterion": c.pk, "value": "70", "comment": "良"} for c in criteria], "overall_comment": "草稿",
    }, format="json")
    assert saved.status_code == 200
    assert [Decimal(s["value"]) for s in saved.data["scores"]] == [70, 70, 70]
    assert Decimal(saved.data["weighted_total"]) == 70

    before = client.get(f"/api/assignments/{a2.pk}/all-scores/")
    assert before.status_code == 200
    assert [group["assignment"] for group in before.data] == [a2.pk]  # only their own draft

    assert transition(client, "assignments", a2.pk, "submit_scores").status_code == 200
    after = client.get(f"/api/assignments/{a2.pk}/all-scores/")
    by_assignment = {group["assignment"]: group for group in after.data}
    assert set(by_assignment) == {a1.pk, a2.pk}
    assert [Decimal(s["value"]) for s in by_assignment[a1.pk]["scores"]] == [90, 90, 90]
    # the first expert, submitted, sees the second's scores too; staff see all
    assert len(client_for(first).get(f"/api/assignments/{a1.pk}/all-scores/").data) == 2
    assert len(client_for(journey.staff).get(f"/api/assignments/{a1.pk}/all-scores/").data) == 2


def test_score_above_100_is_refused_naming_the_row(journey):
    app = journey.formal_review_passed()
    assignment = journey.assign(journey.open_round([app]), app, journey.experts[0])
    client = client_for(assignment.expert)
    transition(client, "assignments", assignment.pk, "declare_no_conflict")
    criteria = list(journey.criteria.criteria.order_by("order"))
    response = client.put(f"/api/assignments/{assignment.pk}/scores/", {"scores": [
        {"criterion": criteria[0].pk, "value": "80"}, {"criterion": criteria[1].pk, "value": "101"},
    ]}, format="json")
    assert response.status_code == 400
    assert "value" in response.json()["errors"]["scores"]["1"]
    assert "100" in response.data["detail"]
    assert not assignment.scores.exists()  # nothing half-saved


def test_scores_only_by_the_assigned_expert_and_only_after_declaring(journey):
    app = journey.formal_review_passed()
    assignment = journey.assign(journey.open_round([app]), app, journey.experts[0])
    body = {"scores": [{"criterion": journey.criteria.criteria.first().pk, "value": "80"}]}
    assert client_for(assignment.expert).put(f"/api/assignments/{assignment.pk}/scores/", body,
                                             format="json").status_code == 400  # no declaration yet
    assert client_for(journey.staff).put(f"/api/assignments/{assignment.pk}/scores/", body,
                                       format="json").status_code == 403
    submit = transition(client_for(assignment.expert), "assignments", assignment.pk, "submit_scores")
    assert submit.status_code == 409


def test_round_results_aggregate_and_rank(journey):
    strong, weak = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([strong, weak])
    e1, e2, e3 = journey.experts[:3]
    score(journey.assign(review_round, strong, e1), 80)
    score(journey.assign(review_round, strong, e2), 82)
    score(journey.assign(review_round, strong, e3), 55)  # 26 points below the others' mean: flagged
    score(journey.assign(review_round, weak, e1), 70)
    journey.assign(review_round, weak, e2)  # pending

    response = client_for(journey.staff).get(f"/api/rounds/{review_round.pk}/results/")
    assert response.status_code == 200
    first, second = response.data
    assert first["application"]["id"] == strong.pk and first["rank"] == 1
    assert first["count"] == 3 and Decimal(first["mean"]) == Decimal("72.33")
    assert Decimal(first["spread"]) == 27 and first["flagged"] is True
    assert [t["deviates"] for t in first["totals"]] == [False, False, True]
    assert second["rank"] == 2 and second["pending"] == 1 and Decimal(second["mean"]) == 70


def test_conclude_advances_and_rejects_the_round_art13(journey):
    keep, drop = journey.formal_review_passed(), journey.formal_review_passed()
    review_round = journey.open_round([keep, drop])
    score(journey.assign(review_round, keep, journey.experts[0]), 85)
    score(journey.assign(review_round, drop, journey.experts[1]), 55)
    client = client_for(journey.staff)

    incomplete = transition(client, "rounds", review_round.pk, "conclude",
                            decisions={str(keep.pk): {"action": "advance"}})
    assert incomplete.status_code == 400 and incomplete.data["article"] == "Art. 13"
    no_reason = transition(client, "rounds", review_round.pk, "conclude", decisions={
        str(keep.pk): {"action": "advance"}, str(drop.pk): {"action": "reject"}})
    assert no_reason.status_code == 400 and no_reason.data["article"] == "Art. 13"
    keep.refresh_from_db()
    assert keep.status == Status.EXPERT_REVIEW  # nothing half-done

    response = transition(client, "rounds", review_round.pk, "conclude", decisions={
        str(keep.pk): {"action": "advance", "reason": ""}, str(drop.pk): {"action": "reject", "reason": "得分偏低"}})
    assert response.status_code == 200, response.data
    assert response.data["status"] == RoundStatus.CONCLUDED
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert keep.status == Status.SITE_INSPECTION
    assert drop.status == Status.REJECTED
    assert RoundEntry.objects.get(round=review_round, application=drop).reason == "得分偏低"
    assert transition(client, "rounds", review_round.pk, "conclude", decisions={}).status_code == 409


def test_conclude_refuses_an_unknown_action(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    response = transition(client_for(journey.staff), "rounds", review_round.pk, "conclude",
                          decisions={str(app.pk): {"action": "promote"}})
    assert response.status_code == 400 and "decisions" in response.data["errors"]


def test_rounds_list_query_count_is_bounded(journey, django_assert_max_num_queries):
    for i in range(3):
        apps = [journey.formal_review_passed(), journey.formal_review_passed()]
        review_round = journey.open_round(apps, title=f"第{i + 1}轮")
        journey.assign(review_round, apps[0], journey.experts[i])
    client = client_for(journey.staff)
    client.get("/api/rounds/")  # warm the user's organisation
    with django_assert_max_num_queries(3):  # count, rounds (+ committee, criteria, opener and their counts)
        response = client.get("/api/rounds/")
    assert response.status_code == 200 and len(response.data["results"]) == 3
    assert all(row["entry_count"] == 2 and row["assignment_count"] == 1 and "entries" not in row
               for row in response.data["results"])


# --- site inspection ----------------------------------------------------------------------------------


def _at_site_inspection(journey):
    app = journey.formal_review_passed()
    review_round = journey.open_round([app])
    score(journey.assign(review_round, app, journey.experts[0]), 80)
    run_transition(review_round, "conclude", journey.staff, decisions={app.pk: ("advance", "")})
    app.refresh_from_db()
    return app


def test_staff_record_a_site_inspection_with_a_report_art13(journey):
    app = _at_site_inspection(journey)
    client = client_for(journey.staff)
    body = {"application": app.pk, "team": "张三、李四", "visited_on": "2026-05-01", "findings": "条件属实",
            "verdict": SiteInspection.Verdict.PASS}
    bad = client.post("/api/inspections/", {**body, "report": SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf")},
                      format="multipart")
    assert bad.status_code == 400 and "report" in bad.data["errors"]
    assert not SiteInspection.objects.exists()

    response = client.post("/api/inspections/", {**body, "report": SimpleUploadedFile("考察报告.pdf", PDF)},
                           format="multipart")
    assert response.status_code == 201, response.data
    assert response.data["has_report"] is True and response.data["report_name"] == "考察报告.pdf"
    app.refresh_from_db()
    assert app.status == Status.INSPECTED
    report = client.get(f"/api/inspections/{response.data['id']}/report/")
    assert report.status_code == 200 and b"".join(report.streaming_content) == PDF  # read to the end: the file is closed

    again = client.post("/api/inspections/", body, format="multipart")
    assert again.status_code == 409
    assert SiteInspection.objects.count() == 1


# --- publicity and objections (Art. 13) ------------------------------------------------------------


def _objection(app, **overrides):
    body = {"application": app.pk, "objector_kind": Objection.ObjectorKind.PERSON, "name": "王五",
            "id_number": resident_id(), "contact": "13800000000", "grounds": "申报材料中的数据与事实不符。"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _post_objection(notice, body, address):
    return client_for().post(f"/api/public/notices/{notice.pk}/objections/", body, format="multipart",
                             REMOTE_ADDR=address)


def test_staff_open_a_notice_whose_window_counts_working_days_art13(journey):
    holiday_app, current_app, not_inspected = *journey.inspected_together(2), journey.formal_review_passed()
    client = client_for(journey.staff)
    refused = client.post("/api/notices/", {"title": "公示", "applications": [not_inspected.pk]}, format="json")
    assert refused.status_code == 400 and refused.data["article"] == "Art. 13"
    assert "applications" in refused.data["errors"]

    with time_machine.travel(datetime.datetime(2026, 9, 28, 9, tzinfo=datetime.UTC), tick=False):  # published that day
        response = client.post("/api/notices/", {"title": "公示", "applications": [holiday_app.pk],
                                                 "starts_on": "2026-09-28", "working_days": 5}, format="json")
    assert response.status_code == 201, response.data
    # Mon 28, Tue 29, Wed 30 Sep 2026, then the National Day holiday: the fifth working day comes after it
    assert response.data["ends_on"] > "2026-10-07"
    assert response.data["status"] == NoticeStatus.OPEN
    holiday_app.refresh_from_db()
    assert holiday_app.status == Status.PUBLICITY

    current = client.post("/api/notices/", {"title": "公示", "applications": [current_app.pk]}, format="json")
    assert current.status_code == 201
    too_early = transition(client, "notices", current.data["id"], "close")
    assert too_early.status_code == 400 and too_early.data["article"] == "Art. 13"


def test_public_notices_are_readable_anonymously_and_only_open_ones(journey):
    first, second = journey.inspected_together(2)
    open_notice = journey.open_notice([first])
    closed = journey.open_notice([second], starts_on=timezone.localdate() - datetime.timedelta(days=30))
    run_transition(closed, "close", journey.staff)

    response = client_for().get("/api/public/notices/")
    assert response.status_code == 200
    assert ids(response) == {open_notice.pk}
    (row,) = response.data["results"]
    assert row["accepts_objections"] is True
    (shown,) = row["applications"]
    assert shown["id"] == first.pk and shown["name_zh"] == first.name_zh and shown["host"] == first.host.name
    assert set(shown) == {"id", "name_zh", "name_en", "host", "province", "field", "field_display"}
    assert client_for().get(f"/api/public/notices/{closed.pk}/").status_code == 404
    assert client_for().get("/api/notices/").status_code in (401, 403)


def test_public_notices_query_count_is_bounded(journey, django_assert_max_num_queries):
    apps = journey.inspected_together(4)
    for pair in (apps[:2], apps[2:]):
        journey.open_notice(pair)
    with django_assert_max_num_queries(3):  # count, notices, their applications (+ hosts)
        response = client_for().get("/api/public/notices/")
    assert len(response.data["results"]) == 2


def test_a_person_lodges_a_real_name_objection_and_staff_sustain_it_art13(journey, address):
    (app,) = journey.inspected_together(1)
    notice = journey.open_notice([app])
    response = _post_objection(notice, _objection(app, evidence=SimpleUploadedFile("证据.pdf", PDF)), address)
    assert response.status_code == 201, response.data
    assert response.data["status"] == ObjectionStatus.OPEN
    objection = Objection.objects.get(pk=response.data["id"])
    assert objection.name == "王五" and objection.evidence
    assert response.data["receipt_number"] == objection.receipt_number and objection.receipt_number in response.data["detail"]

    staff = client_for(journey.staff)
    listed = staff.get("/api/objections/")
    assert ids(listed) == {objection.pk}
    assert listed.data["results"][0]["id_number"] == resident_id()[:6] + "********" + resident_id()[-4:]  # PIPL
    assert listed.data["results"][0]["receipt_number"] == objection.receipt_number
    evidence = staff.get(f"/api/objections/{objection.pk}/files/evidence/")
    assert evidence.status_code == 200
    # Read to its end, which closes the file it streams (left to the collector, it warns). Not `close()`: outside the
    # test client's wrapper that sends `request_finished` with the connection-closing receiver attached.
    b"".join(evidence.streaming_content)
    assert transition(staff, "objections", objection.pk, "sustain").status_code == 400  # reasons required
    response = transition(staff, "objections", objection.pk, "sustain", comment="经核实，数据不实。")
    assert response.status_code == 200 and response.data["status"] == ObjectionStatus.SUSTAINED


def test_an_organisation_objects_with_its_seal_art13(journey, address):
    (app,) = journey.inspected_together(1)
    notice = journey.open_notice([app])
    body = _objection(app, objector_kind=Objection.ObjectorKind.ORGANISATION, name=None, id_number=None,
                      organisation_name="某检测公司", credit_code="91350100M000100Y43", legal_representative="赵六")
    missing_seal = _post_objection(notice, body, address)
    assert missing_seal.status_code == 400 and "seal_scan" in missing_seal.data["errors"]
    response = _post_objection(notice, {**body, "seal_scan": SimpleUploadedFile("seal.pdf", PDF)}, address)
    assert response.status_code == 201, response.data


def test_anonymous_objection_is_refused_naming_the_missing_fields_art13(journey, address):
    (app,) = journey.inspected_together(1)
    notice = journey.open_notice([app])
    response = _post_objection(notice, _objection(app, name=None, id_number=None), address)
    assert response.status_code == 400
    assert {"name", "id_number"} <= set(response.data["errors"])
    assert "第十三条" in " ".join(response.data["errors"]["name"])  # the error cites the article, in Chinese by default
    bad_id = _post_objection(notice, _objection(app, id_number="110105194912310020"), address)
    assert bad_id.status_code == 400 and "id_number" in bad_id.data["errors"]
    assert not Objection.objects.exists()


def test_objection_outside_the_window_is_refused_art13(journey, address):
    early_app, late_app = journey.inspected_together(2)
    not_yet = journey.open_notice([early_app], starts_on=timezone.localdate() + datetime.timedelta(days=10))
    assert not_yet.status == NoticeStatus.SCHEDULED
    response = _post_objection(not_yet, _objection(early_app), address)
    assert response.status_code == 404  # not published yet: the public does not see it

    notice = journey.open_notice([late_app])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30), tick=False):
        late = _post_objection(notice, _objection(late_app), address)
    assert late.status_code == 400 and late.data["article"] == "Art. 13"
    assert not Objection.objects.exists()


def test_objection_to_an_application_not_under_that_notice_is_refused(journey, address):
    mine, other = journey.inspected_together(2)
    notice = journey.open_notice([mine])
    journey.open_notice([other])
    response = _post_objection(notice, _objection(other), address)
    assert response.status_code == 400 and "application" in response.data["errors"]


def test_a_flood_of_objections_is_throttled(journey, settings, address):
    settings.OBJECTIONS_PER_HOUR_PER_ADDRESS = 2
    (app,) = journey.inspected_together(1)
    notice = journey.open_notice([app])
    assert _post_objection(notice, _objection(app), address).status_code == 201
    assert _post_objection(notice, _objection(app, name=None), address).status_code == 400  # refused ones count too
    response = _post_objection(notice, _objection(app), address)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Objection.objects.count() == 1
    # The public form shares the API's counter for that address.
    form = Client(REMOTE_ADDR=address).post(reverse("public:object", args=[notice.pk]), {})
    assert form.status_code == 429


# --- approval (Art. 7, 13) ------------------------------------------------------------------------------


def test_dual_sign_off_approves_and_creates_the_laboratory_art7(journey):
    app = journey.awaiting_approval()
    samr, samr_colleague, miit = samr_staff(), samr_staff(), miit_staff()

    first = transition(client_for(samr), "applications", app.pk, "approve", comment="同意")
    assert first.status_code == 200, first.data
    assert first.data["status"] == Status.AWAITING_APPROVAL
    assert not Laboratory.objects.filter(application=app).exists()

    twice = transition(client_for(samr_colleague), "applications", app.pk, "approve")
    assert twice.status_code == 403  # SAMR has signed: only MIIT may sign now
    assert signoffs(app, APPROVAL_DECISION).filter(ministry=SignOff.Ministry.SAMR).count() == 1
    assert signoffs(app, APPROVAL_DECISION).count() == 1

    second = transition(client_for(miit), "applications", app.pk, "approve")
    assert second.status_code == 200, second.data
    assert second.data["status"] == Status.APPROVED
    lab = Laboratory.objects.get(application=app)
    assert lab.construction_start == timezone.localdate()

    public = client_for().get("/api/public/approved/")
    assert public.status_code == 200 and ids(public) == {lab.pk}
    assert public.data["results"][0]["host"]["name"] == app.host.name
    assert ids(client_for(applicant_of(app.host)).get("/api/laboratories/")) == {lab.pk}
    assert ids(client_for(applicant_of(journey.recommended().host)).get("/api/laboratories/")) == set()
    assert Application.objects.public().filter(pk=app.pk).exists()
