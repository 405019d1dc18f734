"""Calls for applications (申报批次, Art. 13): published by both ministries (Art. 7), their submission window, the
recommenders' deadline and quotas (Art. 10, 13), their clocks, and the construction list approved as one joint
decision (Art. 7, 13)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import OrganisationKind
from applications import calls
from applications.deadlines import CALL_RECOMMENDERS, CALL_WINDOW
from applications.documents import CALL_NOTICE, LIST_APPROVAL
from applications.models import Application, Call, CallStatus, Status
from evaluations.models import Laboratory
from kernel import documents
from kernel.deadlines import sweep
from kernel.models import AuditEntry, Deadline, Notification
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, run_transition
from labportal import journeys
from tests.factories import (
    BEIJING,
    LocalHostFactory,
    a_call,
    applicant_of,
    client_for,
    complete_dossier,
    miit_staff,
    on,
    provincial_body,
    recommender_of,
    samr_staff,
    travel,
)

pytestmark = pytest.mark.django_db

OPENS, CLOSES, DUE = datetime.date(2026, 3, 2), datetime.date(2026, 4, 30), datetime.date(2026, 5, 29)


def a_draft_call(staff, **fields):
    return journeys.create_call(staff, "2026年度", OPENS, CLOSES, DUE, **fields)


def the_call(**fields):
    with on(2026, 3, 1):
        return a_call("2026年度", OPENS, CLOSES, DUE, **fields)


# --- publication: both ministries sign (Art. 7, 13) ---------------------------------------------------


def test_a_call_is_published_only_when_samr_and_miit_have_both_signed_art7(english):
    samr, miit = samr_staff(), miit_staff()
    call = a_draft_call(samr)
    call = run_transition(call, "sign_opening", samr)
    assert call.status == CallStatus.DRAFT and call.status_text == "Draft, awaiting SAMR and MIIT (signed by SAMR)"
    assert not Call.objects.public().exists()
    with pytest.raises(PermissionDenied):
        run_transition(call, "sign_opening", samr_staff())  # SAMR has signed already
    call = run_transition(call, "sign_opening", miit)
    assert call.status == CallStatus.OPEN and call.opened_at is not None
    assert list(AuditEntry.objects.for_object(call).filter(transition="sign_opening").values_list("article", flat=True)) \
        == ["Art. 7, 13", "Art. 7, 13"]
    clocks = {d.kind: d.due_date for d in Deadline.objects.for_object(call).open()}
    assert clocks == {CALL_WINDOW.code: CLOSES, CALL_RECOMMENDERS.code: DUE}


def test_only_ministry_staff_sign_a_call_art7():
    call = a_draft_call(samr_staff())
    host = LocalHostFactory()
    with pytest.raises(PermissionDenied):
        run_transition(call, "sign_opening", applicant_of(host))


def test_a_call_closes_on_or_after_it_opens_and_the_recommenders_decide_after_it_closes_art13():
    staff = samr_staff()
    with pytest.raises(Exception) as exc:
        journeys.create_call(staff, "2026年度", OPENS, OPENS - datetime.timedelta(days=1), DUE)
    assert "closes_on" in exc.value.message_dict
    with pytest.raises(Exception) as exc:
        journeys.create_call(staff, "2026年度", OPENS, CLOSES, CLOSES - datetime.timedelta(days=1))
    assert "recommenders_due" in exc.value.message_dict
    assert journeys.create_call(staff, "2026年度", OPENS, OPENS, OPENS).reference_year == 2026  # one day is enough


# --- the submission window (Art. 13) ----------------------------------------------------------------


@pytest.mark.parametrize("day, accepted", [(OPENS - datetime.timedelta(days=1), False), (OPENS, True), (CLOSES, True),
                                           (CLOSES + datetime.timedelta(days=1), False)])
def test_a_dossier_is_submitted_only_inside_its_calls_window_art13(english, day, accepted):
    call = the_call()
    app = complete_dossier(call=call, year=2026)
    with travel(datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=BEIJING)):
        if accepted:
            assert run_transition(app, "submit", applicant_of(app.host)).status == Status.SUBMITTED
        else:
            with pytest.raises(RuleViolation) as exc:
                run_transition(app, "submit", applicant_of(app.host))
            assert exc.value.field == "call" and exc.value.article == "Art. 13"
            assert "outside that window" in exc.value.rule_message


def test_the_window_is_read_in_beijing_time_art13():
    """17:00 UTC on the day before the window opens is already 01:00 on its first day in Beijing."""
    call = the_call()
    app = complete_dossier(call=call, year=2026)
    with travel(datetime.datetime(2026, 3, 1, 17, 0, tzinfo=datetime.UTC)):
        assert run_transition(app, "submit", applicant_of(app.host)).status == Status.SUBMITTED


def test_an_application_is_started_only_in_a_call_taking_applications_art13(client_en):
    call = the_call()
    host = LocalHostFactory()
    applicant = applicant_of(host)
    with on(2026, 2, 27):
        client_en.force_login(applicant)
        page = client_en.get(reverse("applications:create"))
        assert 'data-testid="no-open-call"' in page.content.decode()
        response = client_en.post(reverse("applications:create"), {"call": call.pk}, follow=True)
        assert "outside that window" in response.content.decode() and not Application.objects.exists()
    with on(2026, 3, 2):
        client_en.force_login(applicant)
        page = client_en.get(reverse("applications:create")).content.decode()
        assert f'value="{call.pk}"' in page and "2026年度" in page
        client_en.post(reverse("applications:create"), {"call": call.pk})
        assert Application.objects.get(host=host).call == call


def test_the_api_starts_an_application_only_while_a_call_takes_applications_art13():
    call = the_call()
    host = LocalHostFactory()
    with on(2026, 5, 4):
        response = client_for(applicant_of(host)).post("/api/applications/", {"call": call.pk, "name_zh": ""},
                                                       format="json")
    assert response.status_code == 400 and response.data["article"] == "Art. 13" and "call" in response.data["errors"]
    with on(2026, 4, 30):
        response = client_for(applicant_of(host)).post("/api/applications/", {"name_zh": ""}, format="json")
    assert response.status_code == 201 and response.data["call"] == call.pk


# --- the recommenders' deadline and quotas (Art. 10, 13) -------------------------------------------------


def submitted_in(call, host=None, day=datetime.date(2026, 4, 1)):
    app = complete_dossier(call=call, year=2026, host=host or LocalHostFactory())
    with travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=BEIJING)):
        return run_transition(app, "submit", applicant_of(app.host))


def recommend(app, organisation, day=datetime.date(2026, 4, 10)):
    with travel(datetime.datetime.combine(day, datetime.time(10), tzinfo=BEIJING)):
        return run_transition(app, "recommend", recommender_of(organisation), dimensions=journeys.ALL_MEET)


@pytest.mark.parametrize("day, accepted", [(DUE, True), (DUE + datetime.timedelta(days=1), False)])
def test_no_recommendation_after_the_recommenders_deadline_art13(english, day, accepted):
    app = submitted_in(the_call())
    samr = provincial_body(OrganisationKind.PROVINCIAL_SAMR, app.host.province)
    if accepted:
        assert recommend(app, samr, day).status == Status.SUBMITTED
    else:
        with pytest.raises(RuleViolation) as exc:
            recommend(app, samr, day)
        assert exc.value.field == "call" and exc.value.article == "Art. 13"
        assert "recommenders' deadline" in exc.value.rule_message


def test_a_recommender_recommends_no_more_than_its_quota_in_the_call_art13(english):
    samr_js = provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32")
    call = the_call(quotas={samr_js: 2})
    first, second, third = (submitted_in(call) for _ in range(3))
    recommend(first, samr_js)
    recommend(second, samr_js)
    with pytest.raises(RuleViolation) as exc:
        recommend(third, samr_js)
    assert exc.value.field == "quota" and exc.value.article == "Art. 13"
    assert "at most 2" in exc.value.rule_message
    # the MIIT of the same province has no quota; a withdrawn dossier gives its place back
    assert recommend(third, provincial_body(OrganisationKind.PROVINCIAL_MIIT, "32")).status == Status.SUBMITTED
    with on(2026, 4, 12):
        run_transition(first, "withdraw", applicant_of(first.host))
    assert recommend(third, samr_js).status == Status.RECOMMENDED


def test_quotas_are_set_only_while_the_call_is_a_draft_art13(client_en):
    samr = samr_staff()
    call = a_draft_call(samr)
    client_en.force_login(samr)
    recommender = provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32")
    client_en.post(reverse("calls:quota", args=[call.pk]), {"recommender": recommender.pk, "quota": 3})
    assert call.quota_for(recommender) == 3
    run_transition(call, "sign_opening", samr)
    call = run_transition(call, "sign_opening", miit_staff())
    response = client_en.post(reverse("calls:quota", args=[call.pk]), {"recommender": recommender.pk, "quota": 9},
                              follow=True)
    assert "a published call is what both ministries signed" in response.content.decode()
    assert call.quota_for(recommender) == 3



def test_a_draft_call_is_corrected_and_a_signature_given_to_the_earlier_text_lapses_art7(client_en):
    samr, miit = samr_staff(), miit_staff()
    call = a_draft_call(samr)
    run_transition(call, "sign_opening", samr)
    client_en.force_login(miit)
    form = client_en.get(reverse("calls:edit", args=[call.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"opens_on": "2026-03-02", "closes_on": "2026-05-15", "recommenders_due": "2026-05-29"})
    response = client_en.post(reverse("calls:edit", args=[call.pk]), data, follow=True)
    call.refresh_from_db()
    assert call.closes_on == datetime.date(2026, 5, 15) and call.status == CallStatus.DRAFT
    assert "that signature lapsed" in response.content.decode()
    assert not calls.signoffs(call, "open_call").exists()  # SAMR signed the earlier window: it signs again
    lapsed = AuditEntry.objects.get(transition="sign_offs_lapsed")
    assert lapsed.data["ministries"] == ["samr"] and lapsed.actor == miit
    assert lapsed.comment == "The draft call changed: Submissions close"  # what changed, in the editor's words
    call = run_transition(call, "sign_opening", miit)
    assert call.status == CallStatus.DRAFT  # one signature, MIIT's: not published yet
    call = run_transition(call, "sign_opening", samr)
    assert call.status == CallStatus.OPEN


def test_an_unchanged_draft_or_quota_keeps_its_signature_art7(client_en):
    samr = samr_staff()
    recommender = provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32")
    call = a_draft_call(samr)
    calls.set_quota(call, recommender, 3, samr)
    run_transition(call, "sign_opening", samr)
    assert calls.set_quota(call, recommender, 3, samr) == []
    client_en.force_login(samr)
    form = client_en.get(reverse("calls:edit", args=[call.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    client_en.post(reverse("calls:edit", args=[call.pk]), data)
    assert calls.signoffs(call, "open_call").count() == 1
    assert calls.set_quota(call, recommender, 4, samr) == ["samr"]  # a new quota is a new text
    assert not calls.signoffs(call, "open_call").exists() and call.quota_for(recommender) == 4


def test_a_published_call_is_not_edited_and_only_the_ministries_edit_a_draft_art13(client_en):
    samr, miit = samr_staff(), miit_staff()
    call = a_draft_call(samr)
    client_en.force_login(recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32")))
    assert client_en.get(reverse("calls:edit", args=[call.pk])).status_code == 403
    run_transition(call, "sign_opening", samr)
    call = run_transition(call, "sign_opening", miit)
    client_en.force_login(samr)
    assert "edit-call" not in client_en.get(reverse("calls:detail", args=[call.pk])).content.decode()
    response = client_en.post(reverse("calls:edit", args=[call.pk]), {"title": "改过的", "number": "2026年度"}, follow=True)
    assert "a published call is what both ministries signed" in response.content.decode()
    call.refresh_from_db()
    assert call.title != "改过的" and call.status == CallStatus.OPEN


# --- the clocks --------------------------------------------------------------------------------------


def test_hosts_with_unsubmitted_drafts_are_reminded_before_the_window_closes_art13():
    call = the_call()
    waiting = complete_dossier(call=call, year=2026)
    done = submitted_in(call)
    applicant, other = applicant_of(waiting.host), applicant_of(done.host)
    sweep(as_of=CLOSES - datetime.timedelta(days=7))
    assert Notification.objects.filter(recipient=applicant).count() == 1
    assert not Notification.objects.filter(recipient=other).exists()


def test_recommenders_still_owing_a_decision_are_reminded_before_their_deadline_art13():
    app = submitted_in(the_call())
    samr = recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, app.host.province))
    sweep(as_of=DUE - datetime.timedelta(days=1))
    assert Notification.objects.filter(recipient=samr).count() == 1


# --- rounds, notices and the construction list (Art. 7, 13) --------------------------------------------------


def test_rounds_and_notices_name_their_call_and_do_not_mix_calls_art13(journey):
    first = journey.inspected()
    assert first.round_entries.get().round.call == first.call
    mixed = journey.formal_review_passed()  # in the call of the year
    today = timezone.localdate()
    other = journey.formal_review_passed(call=a_call("专项申报", today, today, today))
    with pytest.raises(RuleViolation) as exc:
        journey.open_round([other, mixed])
    assert exc.value.article == "Art. 13" and exc.value.field == "applications"
    notice = journey.open_notice([first])
    assert notice.call == first.call


def test_the_construction_list_of_a_call_is_approved_as_one_joint_decision_art7(journey, english):
    one, two = journey.awaiting_approval(), journey.awaiting_approval()
    call = one.call
    assert two.call == call
    call = run_transition(call, "propose_list", journey.staff)
    assert set(call.construction_list.all()) == {one, two}
    with pytest.raises(RuleViolation):  # on the list: approved with it, not one by one
        run_transition(one, "approve", journey.staff)
    call = run_transition(call, "sign_list", journey.staff)
    assert call.status == CallStatus.LIST_PROPOSED and not Laboratory.objects.exists()
    with pytest.raises(PermissionDenied):
        run_transition(call, "sign_list", samr_staff())
    call = run_transition(call, "sign_list", journey.miit)
    assert call.status == CallStatus.CONCLUDED and call.concluded_at is not None
    assert set(Application.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", flat=True)) == {Status.APPROVED}
    assert Laboratory.objects.count() == 2
    assert AuditEntry.objects.for_object(one).filter(transition="approve_listed", article="Art. 7, 13").exists()
    assert not Deadline.objects.for_object(call).open().exists()


def test_a_withdrawn_list_voids_its_signatures_and_can_be_proposed_again_art13(journey):
    app = journey.awaiting_approval()
    call = run_transition(app.call, "propose_list", journey.staff)
    call = run_transition(call, "sign_list", journey.staff)
    with pytest.raises(RuleViolation):
        run_transition(call, "withdraw_list", journey.miit)  # a reason is required
    call = run_transition(call, "withdraw_list", journey.miit, "名单需调整")
    assert call.status == CallStatus.OPEN and not call.construction_list.exists()
    call = journey.approve_list(call)
    assert Application.objects.get(pk=app.pk).status == Status.APPROVED


def test_no_list_is_proposed_without_an_application_awaiting_approval_art13(english):
    call = the_call()
    with pytest.raises(RuleViolation) as exc:
        run_transition(call, "propose_list", samr_staff())
    assert exc.value.field == "applications"
    with pytest.raises(TransitionConflict):
        run_transition(call, "sign_list", samr_staff())


def test_the_public_approved_list_can_be_read_per_call(journey, client):
    listed = journey.awaiting_approval()
    journey.approve_list(listed.call)
    today = timezone.localdate()
    special = journey.approve(journey.awaiting_approval(call=a_call("专项申报", today, today, today)))
    for call, shown, hidden in ((listed.call, listed, special), (special.call, special, listed)):
        page = client.get(reverse("public:approved"), {"call": call.pk}).content.decode()
        assert shown.name_zh in page and hidden.name_zh not in page


# --- pages and API -------------------------------------------------------------------------------------


def test_staff_draft_sign_and_read_a_call_through_their_pages(client_en):
    samr, miit = samr_staff(), miit_staff()
    client_en.force_login(samr)
    response = client_en.post(reverse("calls:create"), {
        "title": "国家质量标准实验室申报", "number": "2027年度", "opens_on": "2027-03-01", "closes_on": "2027-04-30",
        "recommenders_due": "2027-05-31", "priority_fields": ["key_software"], "notes": "",
    })
    call = Call.objects.get(number="2027年度")
    assert response.status_code == 302 and call.reference_year == 2027 and call.priority_fields == ["key_software"]
    client_en.post(reverse("calls:transition", args=[call.pk, "sign_opening"]))
    client_en.force_login(miit)
    client_en.post(reverse("calls:transition", args=[call.pk, "sign_opening"]))
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    assert "2027年度" in client_en.get(reverse("calls:list")).content.decode()
    assert "Key basic software" in client_en.get(reverse("calls:detail", args=[call.pk])).content.decode()
    assert "2027年度" in client_en.get(reverse("front_page")).content.decode()


def test_only_the_ministries_and_administrators_see_draft_calls():
    draft = a_draft_call(samr_staff())
    published = a_call("2027年度", datetime.date(2027, 3, 1), datetime.date(2027, 4, 30), datetime.date(2027, 5, 31))
    host_user = applicant_of(LocalHostFactory())
    ids = [c["id"] for c in client_for(host_user).get("/api/calls/").data["results"]]
    assert ids == [published.pk]
    staff_ids = {c["id"] for c in client_for(samr_staff()).get("/api/calls/").data["results"]}
    assert staff_ids == {draft.pk, published.pk}
    client = Client()
    client.force_login(host_user)
    assert client.get(reverse("calls:list")).status_code == 403
    assert client_for(host_user).post("/api/calls/", {}, format="json").status_code == 403


def test_the_api_drafts_a_call_and_signs_it(english):
    samr, miit = samr_staff(), miit_staff()
    response = client_for(samr).post("/api/calls/", {
        "title": "申报", "number": "2027年度", "opens_on": "2027-03-01", "closes_on": "2027-04-30",
        "recommenders_due": "2027-05-31",
        "quotas": [{"recommender": provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32").pk, "quota": 2}],
    }, format="json")
    assert response.status_code == 201, response.data
    pk = response.data["id"]
    assert response.data["quotas"][0]["quota"] == 2 and response.data["reference_year"] == 2027
    client_for(samr).post(f"/api/calls/{pk}/transitions/sign_opening/", {}, format="json")
    response = client_for(miit).post(f"/api/calls/{pk}/transitions/sign_opening/", {}, format="json")
    assert response.status_code == 200 and response.data["status"] == "open"


# --- the documents the two joint decisions issue (Art. 7, 13) ----------------------------------------


def _pdf_text(document):
    document.refresh_from_db()
    assert document.state == document.State.READY, document.error
    with document.file.open("rb") as handle:
        return "".join("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(handle.read())).pages).split())


def test_the_call_notice_is_issued_at_the_second_signature_and_is_public_art13(django_capture_on_commit_callbacks):
    samr, miit = samr_staff(), miit_staff()
    call = a_draft_call(samr, priority_fields=["key_materials"])
    body = provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32")
    calls.set_quota(call, body, 3, samr)
    run_transition(call, "sign_opening", samr)
    assert not documents.issued_for(call, CALL_NOTICE).exists()  # one signature publishes nothing
    with django_capture_on_commit_callbacks(execute=True):
        call = run_transition(call, "sign_opening", miit)
    notice = documents.issued_for(call, CALL_NOTICE).get()
    assert notice.number == f"国市监质发〔{notice.year}〕{notice.serial}号" and notice.signed
    text = _pdf_text(notice)
    assert "关于组织申报2026年度国家质量标准实验室的通知" in text
    assert "2026年3月2日至2026年4月30日" in text and "2026年5月29日前完成推荐" in text  # the window, the deadline
    assert "计算至2026年" in text and body.name in text  # the Art. 12 reference year, the quota's recommender
    assert "优先支持关键基础材料领域" in text  # Art. 4
    response = Client().get(reverse("documents:download", args=[notice.pk]))  # anyone may read it
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_the_construction_list_is_issued_once_as_one_document_naming_every_laboratory_art7(
        journey, django_capture_on_commit_callbacks):
    one, two = journey.awaiting_approval(), journey.awaiting_approval()
    call = run_transition(one.call, "propose_list", journey.staff)
    call = run_transition(call, "sign_list", journey.staff)
    assert not documents.issued_for(call, LIST_APPROVAL).exists()
    with django_capture_on_commit_callbacks(execute=True):
        call = run_transition(call, "sign_list", journey.miit)
    approval = documents.issued_for(call, LIST_APPROVAL).get()
    text = _pdf_text(approval)
    assert "批准2个国家质量标准实验室建设" in text
    for application in (one, two):
        assert "".join(application.name_zh.split()) in text and "".join(application.host.name.split()) in text
    one.refresh_from_db()
    one.host.name = "改名后的依托单位"
    one.host.save()
    assert "改名后的依托单位" not in _pdf_text(approval)  # issued: later changes never reach it


def test_a_withdrawn_list_issues_nothing_art13(journey):
    one = journey.awaiting_approval()
    call = run_transition(one.call, "propose_list", journey.staff)
    call = run_transition(call, "sign_list", journey.staff)
    run_transition(call, "withdraw_list", journey.miit, "名单需调整")
    assert not documents.issued_for(call, LIST_APPROVAL).exists()


def test_the_call_list_says_who_has_signed_in_the_same_queries_for_one_or_many_calls_art7(
        client_en, django_assert_max_num_queries):
    samr, miit = samr_staff(), miit_staff()
    first = a_draft_call(samr)
    run_transition(first, "sign_opening", samr)
    client_en.force_login(samr)
    with CaptureQueriesContext(connection) as one:
        page = client_en.get(reverse("calls:list")).content.decode()
    assert "Draft, awaiting SAMR and MIIT (signed by SAMR)" in page
    for n in range(4):
        call = journeys.create_call(samr, f"20{30 + n}年度", OPENS, CLOSES, DUE)
        run_transition(call, "sign_opening", miit)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client_en.get(reverse("calls:list")).content.decode()
    assert page.count("(signed by MIIT)") == 4 and page.count("(signed by SAMR)") == 1
