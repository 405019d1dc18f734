"""Batch actions on the staff lists: each item through its own rules, a per-item report, nothing on what is hidden."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from applications.models import APPROVAL_DECISION, Status
from evaluations.models import Laboratory
from kernel.models import AuditEntry, SignOff
from reviews.models import Assignment, RoundEntry
from tests.factories import ApplicationFactory, UserFactory, applicant_of, recommender_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("client_en")]

BATCH = "reviews:batch"


def post(client, user, action, ids, **extra):
    client.force_login(user)
    return client.post(reverse(BATCH), {"action": action, "applications": [str(i) for i in ids], **extra})


def outcomes(response):
    return {item.pk: (item.outcome, item.text) for item in response.context["report"].results}


def test_approve_batch_is_per_item_signed_skipped_and_not_found_art7(client, staff, journey):
    ready = journey.awaiting_approval()
    early = journey.formal_review_passed()
    draft = ApplicationFactory()  # staff never see a draft: not found, untouched
    response = post(client, staff, "approve", [ready.pk, early.pk, draft.pk, 999999])
    assert response.status_code == 200
    result = outcomes(response)
    assert result[ready.pk][0] == "done" and "other ministry" in result[ready.pk][1]
    assert result[early.pk][0] == "skipped" and "Not awaiting approval" in result[early.pk][1]
    assert "Art. 7" in result[early.pk][1]
    assert result[draft.pk][0] == "not_found" and result[999999][0] == "not_found"
    assert list(result) == [ready.pk, early.pk, draft.pk, 999999]  # in the order chosen
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not AuditEntry.objects.for_object(draft).exists()
    body = response.content.decode()
    assert "Done 1" in body and "Skipped 1" in body and "Not found 2" in body

    second = post(client, journey.miit, "approve", [ready.pk])
    assert outcomes(second)[ready.pk][0] == "done"
    assert Laboratory.objects.filter(application=ready).exists()
    again = post(client, staff, "approve", [ready.pk])
    assert outcomes(again)[ready.pk][0] == "skipped"  # approved now: not signed twice
    assert SignOff.objects.filter(object_id=ready.pk, decision=APPROVAL_DECISION).count() == 2


def test_approve_skips_what_the_ministry_signed_and_reports_refusals_art7(client, staff, journey):
    first, second = journey.awaiting_approval(), journey.awaiting_approval()
    post(client, staff, "approve", [first.pk])  # SAMR has signed the first already
    response = post(client, staff, "approve", [first.pk, second.pk])
    result = outcomes(response)
    assert result[first.pk][0] == "skipped" and "already signed" in result[first.pk][1]
    assert result[second.pk][0] == "done"

    administrator = UserFactory(role=Role.ADMINISTRATOR, organisation=None)  # may look, may not sign
    third = journey.awaiting_approval()
    refused = outcomes(post(client, administrator, "approve", [third.pk]))
    assert refused[third.pk][0] == "refused" and refused[third.pk][1]
    assert not SignOff.objects.filter(object_id=third.pk, decision=APPROVAL_DECISION).exists()


def test_round_batch_sorts_the_selection_and_continues_with_the_ready_ones_art13(client, staff, journey):
    passed = journey.formal_review_passed()
    recommended = journey.recommended()
    response = post(client, staff, "round", [passed.pk, recommended.pk, 424242])
    result = outcomes(response)
    assert result[passed.pk][0] == "ready"
    assert result[recommended.pk][0] == "skipped" and "formal review" in result[recommended.pk][1]
    assert "Art. 13" in result[recommended.pk][1]
    assert result[424242][0] == "not_found"
    report = response.context["report"]
    assert report.all_or_nothing
    assert report.next_url == reverse("reviews:round_create") + f"?applications={passed.pk}"
    assert not RoundEntry.objects.exists()  # nothing opened yet: the round's form opens it, all or nothing
    form = client.get(report.next_url).context["form"]
    assert form.initial["applications"] == [passed.pk]


def test_notice_batch_takes_only_inspected_applications_art13(client, staff, journey):
    inspected = journey.inspected()
    passed = journey.formal_review_passed()
    client.force_login(staff)  # "select all on this page" without script: one value holding the page's ids
    response = client.post(reverse(BATCH), {"action": "notice", "applications": [f"{inspected.pk},{passed.pk}", str(passed.pk)]})
    result = outcomes(response)
    assert len(result) == 2
    assert result[inspected.pk][0] == "ready" and result[passed.pk][0] == "skipped"
    assert "inspected" in result[passed.pk][1]
    assert f"applications={inspected.pk}" in response.context["report"].next_url


def test_nothing_ready_offers_no_continuation(client, staff, journey):
    response = post(client, staff, "notice", [journey.recommended().pk])
    assert response.context["report"].next_url == ""
    assert "None of the selection is ready" in response.content.decode()


def test_assign_batch_assigns_each_in_its_round_and_refuses_conflicts_art9(client, staff, journey):
    first, second, third = (journey.formal_review_passed() for _ in range(3))
    review_round = journey.open_round([first, second])
    expert = journey.experts[0]
    journey.assign(review_round, second, expert)  # already there: refused for this one only
    choose = post(client, staff, "assign", [first.pk, second.pk, third.pk])
    assert outcomes(choose)[third.pk][0] == "skipped"
    assert reverse("reviews:round_autoassign", args=[review_round.pk]) in choose.content.decode()
    assert not Assignment.objects.filter(application=first).exists()

    response = post(client, staff, "assign", [first.pk, second.pk, third.pk], expert=str(expert.pk))
    result = outcomes(response)
    assert result[first.pk][0] == "done"
    assert result[second.pk][0] == "refused" and "already assigned" in result[second.pk][1]
    assert result[third.pk][0] == "skipped" and "no open expert review round" in result[third.pk][1]
    assert Assignment.objects.filter(application=first, expert=expert, round=review_round).exists()


def test_assign_batch_refuses_an_expert_outside_the_committee(client, staff, journey):
    app = journey.formal_review_passed()
    journey.open_round([app])
    response = post(client, staff, "assign", [app.pk], expert=str(staff.pk))
    assert "Choose an expert of the active committee" in response.content.decode()
    assert not Assignment.objects.exists()


def test_export_batch_holds_only_the_visible_selected_rows(client, staff, journey):
    chosen, other = journey.recommended(), journey.recommended()
    draft = ApplicationFactory()
    client.force_login(staff)
    response = client.post(reverse(BATCH) + "?export=csv",
                           {"action": "export", "applications": [chosen.pk, draft.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert str(chosen) in text and str(other) not in text and str(draft) not in text
    xlsx = client.post(reverse(BATCH) + "?export=xlsx", {"action": "export", "applications": [chosen.pk]})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("who", ["recommender", "applicant"])
def test_recommenders_and_applicants_cannot_run_a_batch(client, journey, who):
    app = journey.awaiting_approval()
    user = applicant_of(app.host) if who == "applicant" else recommender_of(app.preliminary_reviews.first().recommender)
    response = post(client, user, "approve", [app.pk])
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.status == Status.AWAITING_APPROVAL


def test_batch_needs_a_post_with_the_csrf_token(staff, journey):
    app = journey.awaiting_approval()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(reverse(BATCH), {"action": "approve", "applications": [app.pk]}).status_code == 403
    assert client.get(reverse(BATCH)).status_code == 405
    app.refresh_from_db()
    assert not AuditEntry.objects.for_object(app).filter(transition="approve").exists()


def test_no_selection_goes_back_with_a_message(client, staff):
    client.force_login(staff)
    response = client.post(reverse(BATCH), {"action": "round", "next": reverse("reviews:queue") + "?show=all"})
    assert response.status_code == 302 and response["Location"].endswith("?show=all")


def test_a_page_of_25_is_triaged_in_a_bounded_number_of_queries(client, staff, journey, django_assert_max_num_queries):
    apps = [journey.formal_review_passed() for _ in range(3)]
    ids = [a.pk for a in apps] + list(range(900000, 900022))  # a page of 25 selected
    client.force_login(staff)
    for action in ("round", "notice", "assign", "approve"):
        with django_assert_max_num_queries(25):
            response = client.post(reverse(BATCH), {"action": action, "applications": ids})
        assert len(response.context["report"].results) == 25
    with django_assert_max_num_queries(25):
        client.post(reverse(BATCH) + "?export=csv", {"action": "export", "applications": ids}).getvalue()


def test_queue_page_has_a_labelled_select_all_and_row_boxes(client, staff, journey):
    app = journey.awaiting_approval()
    client.force_login(staff)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert 'for="batch-select-all"' in body and "Select all on this page" in body
    assert f'value="{app.pk}"' in body and f'aria-label="Select {app}"' in body
    assert f'action="{reverse(BATCH)}"' in body


# --- laboratories (the lab list) -----------------------------------------------------------------------


def post_labs(client, user, action, ids, url=None):
    client.force_login(user)
    return client.post(url or reverse("labs:batch"), {"action": action, "laboratories": [str(i) for i in ids]})


def test_lab_batch_sorts_rounds_and_notices_per_laboratory_art19(client, staff, journey):
    from evaluations.states import AcceptanceVerdict

    building = journey.approved()
    reviewing = journey.apply_for_acceptance(journey.approved(months_ago=24))
    response = post_labs(client, staff, "acceptance", [reviewing.pk, building.pk, 31337])
    result = outcomes(response)
    assert result[reviewing.pk][0] == "ready"
    assert result[building.pk][0] == "skipped" and "Art. 19" in result[building.pk][1]
    assert result[31337][0] == "not_found"
    next_url = response.context["report"].next_url
    assert "purpose=acceptance" in next_url and f"laboratories={reviewing.pk}" in next_url
    assert client.get(next_url).context["form"].initial["laboratories"] == [reviewing.pk]

    evaluation = outcomes(post_labs(client, staff, "evaluation", [reviewing.pk]))
    assert evaluation[reviewing.pk][0] == "skipped" and "Art. 26" in evaluation[reviewing.pk][1]

    confirmed = journey.confirm_acceptance(journey.acceptance_verdict(reviewing, AcceptanceVerdict.PASS))
    notice = outcomes(post_labs(client, staff, "notice", [confirmed.pk, building.pk]))
    assert notice[confirmed.pk][0] == "ready"
    assert notice[building.pk][0] == "skipped" and "both ministries confirmed" in notice[building.pk][1]


def test_lab_batch_export_queries_and_who_may_run_it(client, staff, journey, django_assert_max_num_queries):
    lab, other = journey.approved(), journey.approved()
    client.force_login(staff)
    page = client.get(reverse("labs:list")).content.decode()
    assert 'for="batch-select-all"' in page and f'aria-label="Select {lab.name_zh}"' in page
    response = post_labs(client, staff, "export", [lab.pk], url=reverse("labs:batch") + "?export=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert lab.name_zh in text and other.name_zh not in text

    ids = [lab.pk, other.pk, *range(800000, 800023)]  # a page of 25 selected
    for action in ("acceptance", "evaluation", "notice"):
        with django_assert_max_num_queries(25):
            assert len(post_labs(client, staff, action, ids).context["report"].results) == 25

    host = applicant_of(lab.host)
    assert post_labs(client, host, "acceptance", [lab.pk]).status_code == 403
    assert "batch-select-all" not in client.get(reverse("labs:list")).content.decode()


def test_application_list_offers_the_batch_to_staff_only(client, staff, journey):
    app = journey.recommended()
    client.force_login(staff)
    body = client.get(reverse("applications:list")).content.decode()
    assert f'action="{reverse(BATCH)}"' in body and f'aria-label="Select {app}"' in body
    client.force_login(applicant_of(app.host))
    assert "batch-select-all" not in client.get(reverse("applications:list")).content.decode()
