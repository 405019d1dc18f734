"""Recommenders assist the ministries with the laboratories they recommended (Art. 10(3): 协助开展实验室评审、验收及评估等
工作): they follow them through acceptance, operation and evaluation, and give the ministries their opinion on a lab's
entry in an open acceptance (Art. 19) or evaluation (Art. 26) round. The labs reached the real way (`journey`)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import OrganisationKind
from applications.models import PreliminaryReview
from evaluations import services
from evaluations.models import AcceptanceVerdict, Laboratory, LabStatus, RecommenderOpinion
from evaluations.rules import is_lab_recommender
from kernel.models import Notification
from kernel.rules import RuleViolation
from kernel.transitions import run_transition
from labportal.journeys import acceptance_criteria
from reviews.models import RoundStatus
from tests.factories import applicant_of, expert_user, provincial_body, recommender_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OPINION = "我局在建设期间给予了经费和场地支持，实验室按计划完成建设任务。"


def samr_recommender(province="32"):
    """A new user of the provincial SAMR of `province` (the labs of `journey` are hosted in Jiangsu, "32")."""
    return recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, province))


def miit_recommender(province="32"):
    return recommender_of(provincial_body(OrganisationKind.PROVINCIAL_MIIT, province))


def in_acceptance_round(journey):
    lab = journey.apply_for_acceptance(journey.approved(months_ago=24))
    review_round = journey.open_lab_round([lab], acceptance_criteria())
    lab.refresh_from_db()
    return lab, review_round


def in_evaluation_round(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    review_round = journey.evaluation_round([lab])
    lab.refresh_from_db()
    return lab, review_round


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


# --- who sees which laboratories ------------------------------------------------------------------


def test_recommender_sees_the_lab_it_recommended_in_operation_art10(journey):
    lab = journey.lab_in(LabStatus.OPERATING)
    for user in (samr_recommender(), miit_recommender()):
        assert list(Laboratory.objects.visible_to(user)) == [lab]
        assert is_lab_recommender(user, lab)


def test_a_routed_recommender_that_did_not_recommend_sees_nothing_art10(journey):
    lab = journey.lab_in(LabStatus.CONSTRUCTION)
    other = provincial_body(OrganisationKind.PROVINCIAL_SAMR, "33")
    PreliminaryReview.objects.create(application=lab.application, recommender=other, round=1,
                                     decision=PreliminaryReview.Decision.DECLINED)
    user = recommender_of(other)
    assert not Laboratory.objects.visible_to(user).exists()
    assert not is_lab_recommender(user, lab)


def test_other_provinces_recommender_cannot_see_or_comment_art10(client, journey, english):
    lab, review_round = in_acceptance_round(journey)
    outsider = samr_recommender("33")
    assert not Laboratory.objects.visible_to(outsider).exists()
    with pytest.raises(PermissionDenied):
        services.give_recommender_opinion(lab, outsider, OPINION)
    client.force_login(outsider)
    assert client.get(reverse("labs:detail", args=[lab.pk])).status_code == 404
    assert client.get(reverse("labs:opinion", args=[lab.pk, review_round.pk])).status_code == 404
    assert client.post(reverse("labs:opinion", args=[lab.pk, review_round.pk]), {"text": OPINION}).status_code == 404
    assert api(outsider).post(f"/api/laboratories/{lab.pk}/opinion/", {"text": OPINION}, format="json").status_code == 404
    assert not RecommenderOpinion.objects.exists()


# --- the opinion: the service's rules ---------------------------------------------------------------


def test_recommender_gives_then_changes_its_opinion_while_the_acceptance_round_is_open_art10(
        journey, english, settings, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"  # notifications are written in the portal's language
    lab, review_round = in_acceptance_round(journey)
    user, colleague = samr_recommender(), samr_recommender()
    staff = journey.staff
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        opinion = services.give_recommender_opinion(lab, user, f"  {OPINION}  ")
    assert (opinion.entry.round, opinion.laboratory, opinion.recommender, opinion.text) == (
        review_round, lab, user.organisation, OPINION)
    told = Notification.objects.filter(recipient=staff).get()
    assert told.subject == f"Recommender's opinion on {lab}"
    assert told.url == reverse("reviews:round", args=[review_round.pk]) + f"?entry={lab.application_id}#application-{lab.application_id}"
    # one per organisation: a colleague's changes it
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.give_recommender_opinion(lab, colleague, "补充意见：建议关注人才队伍建设。", review_round=review_round)
    assert changed.pk == opinion.pk and changed.author == colleague
    assert RecommenderOpinion.objects.count() == 1
    assert Notification.objects.filter(recipient=staff, subject=f"Recommender's opinion changed: {lab}").exists()
    # the other recommender of a local lab gives its own
    services.give_recommender_opinion(lab, miit_recommender(), OPINION)
    assert RecommenderOpinion.objects.count() == 2


def test_recommender_opinion_refused_after_the_round_concluded_art10(journey, english):
    lab, review_round = in_acceptance_round(journey)
    user = samr_recommender()
    services.give_recommender_opinion(lab, user, OPINION)
    journey.score(journey.assign(review_round, lab.application, journey.experts[0]), 80)
    journey.conclude(review_round, {lab.application_id: (AcceptanceVerdict.PASS, "通过")})
    review_round.refresh_from_db()
    assert review_round.status == RoundStatus.CONCLUDED
    with pytest.raises(RuleViolation) as refused:
        services.give_recommender_opinion(lab, user, "改过的意见", review_round=review_round)
    assert refused.value.field == "text" and refused.value.article == "Art. 10"
    assert "was concluded on" in refused.value.rule_message and ":" not in refused.value.rule_message  # a date, no time
    assert RecommenderOpinion.objects.get().text == OPINION  # frozen
    with pytest.raises(RuleViolation) as no_round:
        services.give_recommender_opinion(lab, user, "新意见")
    assert no_round.value.field == "round"


def test_opinion_needs_text_within_its_length_art10(journey, english):
    lab, _round = in_acceptance_round(journey)
    user = samr_recommender()
    for text in ("", "   "):
        with pytest.raises(RuleViolation) as refused:
            services.give_recommender_opinion(lab, user, text)
        assert refused.value.field == "text" and refused.value.article == "Art. 10"
    with pytest.raises(RuleViolation) as too_long:
        services.give_recommender_opinion(lab, user, "意" * (services.OPINION_MAX_LENGTH + 1))
    assert too_long.value.field == "text" and "at most 5000 characters" in too_long.value.rule_message
    assert services.give_recommender_opinion(lab, user, "意" * services.OPINION_MAX_LENGTH)


def test_opinion_only_on_acceptance_and_evaluation_rounds_art10(journey, english):
    lab = journey.lab_in(LabStatus.CONSTRUCTION)
    application_round = lab.application.round_entries.get().round  # the dossier's own expert review (Art. 13)
    with pytest.raises(RuleViolation) as refused:
        services.give_recommender_opinion(lab, samr_recommender(), OPINION, review_round=application_round)
    assert refused.value.field == "round" and "acceptance and comprehensive evaluation rounds" in refused.value.rule_message
    with pytest.raises(RuleViolation) as not_in_one:
        services.give_recommender_opinion(lab, samr_recommender(), OPINION)
    assert not_in_one.value.field == "round"


def test_opinion_refused_on_a_round_the_lab_is_not_in_art10(journey, english):
    lab, _round = in_acceptance_round(journey)
    other_lab, other_round = in_acceptance_round(journey)
    with pytest.raises(RuleViolation) as refused:
        services.give_recommender_opinion(lab, samr_recommender(), OPINION, review_round=other_round)
    assert refused.value.field == "round" and "is not in the round" in refused.value.rule_message


def test_host_expert_and_staff_give_no_opinion_art10(journey):
    lab, review_round = in_acceptance_round(journey)
    for user in (applicant_of(lab.host), journey.staff, expert_user()):
        with pytest.raises(PermissionDenied):
            services.give_recommender_opinion(lab, user, OPINION)


def test_recommender_told_when_its_lab_enters_an_evaluation_round_art10(journey, english, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"  # notifications are written in the portal's language
    lab = journey.lab_in(LabStatus.OPERATING)
    user, outsider = samr_recommender(), samr_recommender("33")
    with django_capture_on_commit_callbacks(execute=True):
        review_round = journey.evaluation_round([lab])
    note = Notification.objects.get(recipient=user, subject__contains="your opinion is welcome")
    assert review_round.title in note.subject
    assert note.url == reverse("labs:opinion", args=[lab.pk, review_round.pk])
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert not Notification.objects.filter(recipient=applicant_of(lab.host), subject__contains="opinion").exists()


# --- the pages ---------------------------------------------------------------------------------------


def test_recommender_home_and_list_show_its_labs_with_their_open_round_art10(client, client_en, journey):
    lab, review_round = in_evaluation_round(journey)
    user = samr_recommender()
    client.force_login(user)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    html = home.content.decode()
    assert 'data-testid="recommended-laboratories"' in html and lab.name_zh in html
    assert reverse("labs:opinion", args=[lab.pk, review_round.pk]) in html
    page = client.get(reverse("labs:recommended"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-lab="{lab.pk}"' in html and review_round.title in html and "Give your opinion" in html
    services.give_recommender_opinion(lab, user, OPINION)
    assert "Opinion given" in client.get(reverse("labs:recommended")).content.decode()
    assert client.get(reverse("labs:list")).content.decode().count('data-testid="recommended-link"') == 1


def test_recommended_list_is_for_recommenders_only_art10(client, journey):
    client.force_login(journey.staff)
    assert client.get(reverse("labs:recommended")).status_code == 403


def test_recommended_list_queries_do_not_grow_with_the_labs_art10(client, journey, django_assert_max_num_queries):
    user = samr_recommender()
    first = journey.lab_in(LabStatus.OPERATING)
    journey.evaluation_round([first])
    client.force_login(user)
    client.get(reverse("labs:recommended"))  # warm up (session, content types)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("labs:recommended")).status_code == 200
    for _ in range(3):
        journey.lab_in(LabStatus.CONSTRUCTION)
    journey.open_lab_round([journey.apply_for_acceptance(journey.approved(months_ago=24))], acceptance_criteria())
    assert Laboratory.objects.visible_to(user).count() == 5
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("labs:recommended"))
    assert response.content.decode().count('data-testid="recommended-lab"') == 5


def test_recommender_reads_the_lab_page_without_host_actions_and_gives_its_opinion_there(client, client_en, journey):
    lab, review_round = in_acceptance_round(journey)
    user = samr_recommender()
    client.force_login(user)
    page = client.get(reverse("labs:detail", args=[lab.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="give-opinion-now"' in html and 'data-testid="lab-rounds"' in html
    for host_only in ("edit-lab", "request-extension", "report-change", "file-report", "make-statement-now"):
        assert f'data-testid="{host_only}"' not in html
    assert client.get(reverse("labs:edit", args=[lab.pk])).status_code == 403
    url = reverse("labs:opinion", args=[lab.pk, review_round.pk])
    assert client.get(url).status_code == 200
    empty = client.post(url, {"text": " "})
    assert empty.status_code == 200 and "Write your organisation&#x27;s opinion" in empty.content.decode()
    sent = client.post(url, {"text": OPINION})
    assert sent.status_code == 302 and sent["Location"].endswith("#rounds")
    html = client.get(reverse("labs:detail", args=[lab.pk])).content.decode()
    assert OPINION in html and "Change your opinion" in html
    # the host does not read it
    client.force_login(applicant_of(lab.host))
    host_html = client.get(reverse("labs:detail", args=[lab.pk])).content.decode()
    assert OPINION not in host_html and 'data-testid="give-opinion' not in host_html
    assert client.get(url).status_code == 403


def test_opinion_page_after_the_round_concluded_sends_back_to_the_lab_art10(client, client_en, journey):
    lab = journey.acceptance_verdict(journey.apply_for_acceptance(journey.approved(months_ago=24)), AcceptanceVerdict.PASS)
    review_round = lab.application.round_entries.filter(round__criteria_set__purpose="acceptance").get().round
    user = samr_recommender()
    client.force_login(user)
    url = reverse("labs:opinion", args=[lab.pk, review_round.pk])
    assert client.get(url).status_code == 302
    refused = client.post(url, {"text": OPINION})
    assert refused.status_code == 200 and "was concluded on" in refused.content.decode()
    assert not RecommenderOpinion.objects.exists()
    html = client.get(reverse("labs:detail", args=[lab.pk])).content.decode()
    assert 'data-testid="lab-round"' in html and 'data-testid="give-opinion' not in html


def test_staff_see_the_opinions_beside_the_entry_on_the_round_page_experts_do_not_art10(client, client_en, journey):
    lab, review_round = in_evaluation_round(journey)
    services.give_recommender_opinion(lab, samr_recommender(), OPINION)
    client.force_login(journey.staff)
    html = client.get(reverse("reviews:round", args=[review_round.pk])).content.decode()
    assert 'data-testid="round-recommender-opinions"' in html and OPINION in html
    assert OPINION in client.get(reverse("labs:detail", args=[lab.pk])).content.decode()
    # an expert of the round reads the lab's page but not the recommenders' opinions (their scores are their own)
    expert = journey.experts[0]
    assignment = journey.assign(review_round, lab.application, expert)
    run_transition(assignment, "declare_no_conflict", expert)
    client.force_login(expert)
    page = client.get(reverse("labs:detail", args=[lab.pk]))
    assert page.status_code == 200 and OPINION not in page.content.decode()
    assert not RecommenderOpinion.objects.visible_to(expert).exists()


# --- the API -----------------------------------------------------------------------------------------


def test_recommender_gives_its_opinion_through_the_api_art10(journey):
    lab, review_round = in_evaluation_round(journey)
    user = samr_recommender()
    client = api(user)
    detail = client.get(f"/api/laboratories/{lab.pk}/")
    assert detail.status_code == 200 and detail.data["may_give_opinion"] is True
    assert detail.data["available_transitions"] == []
    refused = client.post(f"/api/laboratories/{lab.pk}/opinion/", {"text": ""}, format="json")
    assert refused.status_code == 400 and list(refused.data["errors"]) == ["text"]
    assert refused.data["article"] == "Art. 10"
    given = client.post(f"/api/laboratories/{lab.pk}/opinion/", {"text": OPINION, "round": review_round.pk}, format="json")
    assert given.status_code == 200, given.data
    assert [o["text"] for o in given.data["recommender_opinions"]] == [OPINION]
    assert given.data["recommender_opinions"][0]["round"] == review_round.pk
    # staff read every organisation's; the host none; the other recommender only its own (none yet)
    services.give_recommender_opinion(lab, miit_recommender(), "工信厅意见")
    assert len(api(journey.staff).get(f"/api/laboratories/{lab.pk}/").data["recommender_opinions"]) == 2
    assert api(applicant_of(lab.host)).get(f"/api/laboratories/{lab.pk}/").data["recommender_opinions"] == []
    assert api(applicant_of(lab.host)).post(f"/api/laboratories/{lab.pk}/opinion/", {"text": OPINION},
                                            format="json").status_code == 403
    assert [o["text"] for o in client.get(f"/api/laboratories/{lab.pk}/").data["recommender_opinions"]] == [OPINION]


def test_api_opinion_on_an_evaluation_round_that_concluded_is_refused_art10(journey):
    lab = journey.evaluation_result(journey.lab_in(LabStatus.OPERATING), "qualified")
    review_round = lab.application.round_entries.get(round__criteria_set__purpose="evaluation").round
    response = api(samr_recommender()).post(f"/api/laboratories/{lab.pk}/opinion/",
                                            {"text": OPINION, "round": review_round.pk}, format="json")
    assert response.status_code == 400 and list(response.data["errors"]) == ["text"]
    assert "was concluded on" in response.data["detail"]
