"""Art. 10 routing: a central host's application goes to its competent department; a local host's to
both provincial bodies of its province, and it is recommended only when both agree."""

import pytest

from accounts.models import OrganisationKind
from applications.models import Application, PreliminaryReview, Revision, Status
from kernel.models import AuditEntry
from kernel.rules import RuleViolation
from kernel.transitions import run_transition
from tests.factories import (
    CentralHostFactory,
    LocalHostFactory,
    all_meet_dimensions,
    applicant_of,
    complete_dossier,
    provincial_body,
    provincial_recommenders,
    recommender_of,
)

pytestmark = pytest.mark.django_db

Decision = PreliminaryReview.Decision


def recommend(app, user, **kw):
    return run_transition(app, "recommend", user, dimensions=all_meet_dimensions(), **kw)


def reviews(app, round_=None):
    qs = PreliminaryReview.objects.filter(application=app)
    if round_ is not None:
        qs = qs.filter(round=round_)
    return {(r.recommender.kind, r.recommender.province, r.round): r.decision for r in qs.select_related("recommender")}


@pytest.fixture
def local():
    app = complete_dossier(host=LocalHostFactory(province="32"))
    applicant = applicant_of(app.host)
    samr, miit = provincial_recommenders("32")
    app = run_transition(app, "submit", applicant)
    return app, applicant, samr, miit


def test_central_host_is_routed_to_its_competent_department_only_art10():
    host = CentralHostFactory()
    CentralHostFactory()  # another department with its own host: not involved
    app = complete_dossier(host=host)
    app = run_transition(app, "submit", applicant_of(host))
    [review] = PreliminaryReview.objects.filter(application=app)
    assert review.recommender == host.competent_department
    assert (review.round, review.decision) == (1, Decision.PENDING)


def test_central_application_is_recommended_by_its_single_recommender_art10():
    host = CentralHostFactory()
    app = run_transition(complete_dossier(host=host), "submit", applicant_of(host))
    app = recommend(app, recommender_of(host.competent_department))
    assert app.status == Status.RECOMMENDED


def test_local_host_is_routed_to_both_bodies_of_its_own_province_art10(local):
    app, applicant, samr, miit = local
    assert reviews(app) == {
        (OrganisationKind.PROVINCIAL_SAMR, "32", 1): Decision.PENDING,
        (OrganisationKind.PROVINCIAL_MIIT, "32", 1): Decision.PENDING,
    }
    zhejiang = [provincial_body(kind, "33") for kind in (OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT)]
    assert not PreliminaryReview.objects.filter(recommender__in=zhejiang).exists()


@pytest.mark.parametrize("province", ["11", "44", "65", "66"])
def test_local_routing_follows_the_hosts_province_art10(province):
    host = LocalHostFactory(province=province)
    app = run_transition(complete_dossier(host=host), "submit", applicant_of(host))
    assert {r.recommender for r in app.preliminary_reviews.all()} == {
        provincial_body(OrganisationKind.PROVINCIAL_SAMR, province),
        provincial_body(OrganisationKind.PROVINCIAL_MIIT, province),
    }


def test_local_needs_both_recommendations_art10(local):
    app, applicant, samr, miit = local
    app = recommend(app, samr)
    assert app.status == Status.SUBMITTED
    assert reviews(app, 1)[(OrganisationKind.PROVINCIAL_SAMR, "32", 1)] == Decision.RECOMMENDED
    assert reviews(app, 1)[(OrganisationKind.PROVINCIAL_MIIT, "32", 1)] == Decision.PENDING
    app = recommend(app, miit)
    assert app.status == Status.RECOMMENDED
    assert set(reviews(app).values()) == {Decision.RECOMMENDED}


def test_order_of_the_two_recommendations_does_not_matter_art10(local):
    app, applicant, samr, miit = local
    app = recommend(recommend(app, miit), samr)
    assert app.status == Status.RECOMMENDED


def test_one_return_returns_and_closes_the_other_review_art10(local):
    app, applicant, samr, miit = local
    app = run_transition(app, "return_for_revision", samr, comment="请补充场地证明")
    assert app.status == Status.RETURNED
    assert reviews(app) == {
        (OrganisationKind.PROVINCIAL_SAMR, "32", 1): Decision.RETURNED,
        (OrganisationKind.PROVINCIAL_MIIT, "32", 1): Decision.SUPERSEDED,
    }


def test_return_after_the_other_recommended_keeps_that_recommendation_on_record_art10(local):
    app, applicant, samr, miit = local
    app = recommend(app, samr)
    app = run_transition(app, "return_for_revision", miit, comment="请补充")
    assert app.status == Status.RETURNED
    assert reviews(app) == {
        (OrganisationKind.PROVINCIAL_SAMR, "32", 1): Decision.RECOMMENDED,
        (OrganisationKind.PROVINCIAL_MIIT, "32", 1): Decision.RETURNED,
    }


def test_decline_by_one_body_means_not_recommended_art10(local):
    app, applicant, samr, miit = local
    app = recommend(app, samr)
    app = run_transition(app, "decline", miit, comment="不符合第十二条")
    assert app.status == Status.NOT_RECOMMENDED
    app = Application.objects.get(pk=app.pk)
    assert app.status == Status.NOT_RECOMMENDED
    assert reviews(app)[(OrganisationKind.PROVINCIAL_MIIT, "32", 1)] == Decision.DECLINED


def test_decline_first_closes_the_other_pending_review_art10(local):
    app, applicant, samr, miit = local
    app = run_transition(app, "decline", samr, comment="不推荐")
    assert app.status == Status.NOT_RECOMMENDED
    assert reviews(app)[(OrganisationKind.PROVINCIAL_MIIT, "32", 1)] == Decision.SUPERSEDED


def test_resubmission_opens_round_two_with_fresh_reviews_and_revision_two_art10(local):
    app, applicant, samr, miit = local
    app = recommend(app, samr)
    app = run_transition(app, "return_for_revision", miit, comment="请补充")
    Application.objects.filter(pk=app.pk).update(summary="补充后的摘要")
    app = run_transition(Application.objects.get(pk=app.pk), "submit", applicant)
    assert app.status == Status.SUBMITTED
    assert app.revision_count == 2
    assert list(Revision.objects.filter(application=app).values_list("number", flat=True)) == [1, 2]
    assert Revision.objects.get(application=app, number=2).snapshot["summary"] == "补充后的摘要"
    assert reviews(app, 2) == {
        (OrganisationKind.PROVINCIAL_SAMR, "32", 2): Decision.PENDING,
        (OrganisationKind.PROVINCIAL_MIIT, "32", 2): Decision.PENDING,
    }
    # Round 1 stays on record as it was decided.
    assert reviews(app, 1) == {
        (OrganisationKind.PROVINCIAL_SAMR, "32", 1): Decision.RECOMMENDED,
        (OrganisationKind.PROVINCIAL_MIIT, "32", 1): Decision.RETURNED,
    }


def test_recommender_of_round_one_acts_again_in_round_two_art10(local):
    app, applicant, samr, miit = local
    app = recommend(app, samr)
    app = run_transition(app, "return_for_revision", miit, comment="请补充")
    app = run_transition(app, "submit", applicant)
    # SAMR's round-1 recommendation does not count for round 2: one recommendation is not enough.
    app = recommend(app, samr)
    assert app.status == Status.SUBMITTED
    app = recommend(app, miit)
    assert app.status == Status.RECOMMENDED
    assert reviews(app, 2) == {
        (OrganisationKind.PROVINCIAL_SAMR, "32", 2): Decision.RECOMMENDED,
        (OrganisationKind.PROVINCIAL_MIIT, "32", 2): Decision.RECOMMENDED,
    }
    assert [(e.transition, e.target_state) for e in AuditEntry.objects.for_object(app).timeline()] == [
        ("submit", "submitted"), ("recommend", "submitted"), ("return_for_revision", "returned"),
        ("submit", "submitted"), ("recommend", "submitted"), ("recommend", "recommended"),
    ]


def test_host_without_registered_recommenders_cannot_submit_art10():
    """If a provincial body is missing from the reference data, nothing is routed half-way."""
    host = LocalHostFactory(province="46")
    app = complete_dossier(host=host)
    provincial_body(OrganisationKind.PROVINCIAL_MIIT, "46").delete()
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, "submit", applicant_of(host))
    assert exc.value.article == "Art. 10"
    assert Application.objects.get(pk=app.pk).status == Status.DRAFT
    assert not PreliminaryReview.objects.filter(application=app).exists()
    assert not Revision.objects.filter(application=app).exists()


def test_recommenders_of_a_host_art10():
    central = CentralHostFactory()
    assert list(central.recommenders()) == [central.competent_department]
    local = LocalHostFactory(province="51")
    assert set(local.recommenders().values_list("kind", "province")) == {
        (OrganisationKind.PROVINCIAL_SAMR, "51"), (OrganisationKind.PROVINCIAL_MIIT, "51")}
