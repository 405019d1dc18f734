"""The national-scale database of `make bench` (issue 16) at 1/1000: one copy of each template, so every state and
every relation the real flow leaves behind is there, consistent with the state; and the bench's hello-world view is
no address of the portal."""

import pytest
from django.urls import Resolver404, resolve

from applications.models import Application, PreliminaryReview, Status
from bench import scale
from evaluations.models import Laboratory
from evaluations.states import LabStatus
from kernel.models import AuditEntry, Deadline
from reviews.models import Assignment, CriteriaSet, PublicityNotice, ReviewRound, RoundEntry, Score

REACHED_A_ROUND = {Status.EXPERT_REVIEW, Status.SITE_INSPECTION, Status.INSPECTED, Status.PUBLICITY,
                   Status.AWAITING_APPROVAL, Status.APPROVED, Status.REJECTED}


def copies():
    return Application.objects.filter(created_by__username__startswith="bench-applicant-")


@pytest.mark.django_db
def test_the_scale_builder_makes_every_state_with_what_it_implies():
    assert scale.ensure(1 / 1000, log=lambda text: None) is True
    assert scale.built_version() == (scale.VERSION, 1 / 1000)
    assert scale.ensure(1 / 1000, log=lambda text: None) is False  # reused, not built again

    assert set(copies().values_list("status", flat=True)) == set(Status.values)
    assert set(Laboratory.objects.filter(application__in=copies()).values_list("status", flat=True)) == set(LabStatus.values)
    for app in copies().select_related("host", "created_by"):
        assert app.host.province and app.call_id and app.created_by.organisation_id == app.host_id
        reviews = PreliminaryReview.objects.filter(application=app).select_related("recommender")
        if app.status != Status.DRAFT:
            assert app.revisions.exists() and len(reviews) == 2, app.status
            assert {review.recommender.province for review in reviews} == {app.host.province}
            assert AuditEntry.objects.filter(content_type__model="application", object_id=app.pk,
                                             transition="submit").exists(), app.status
        if app.status in REACHED_A_ROUND:
            entry = RoundEntry.objects.get(application=app, round__criteria_set__purpose=CriteriaSet.Purpose.APPLICATION)
            assignments = Assignment.objects.filter(application=app, round=entry.round)
            assert assignments.count() == 5 and Score.objects.filter(assignment__in=assignments).exists(), app.status
            assert not assignments.filter(expert__organisation=app.host_id).exists()
        if app.status == Status.APPROVED:
            lab = Laboratory.objects.get(application=app)
            assert (lab.host_id, lab.name_zh) == (app.host_id, app.name_zh)
        if app.status in (Status.PUBLICITY, Status.AWAITING_APPROVAL):
            assert PublicityNotice.objects.filter(applications=app).exists(), app.status

    assert all(RoundEntry.objects.filter(round=r).exists() for r in ReviewRound.objects.all())
    assert Deadline.objects.filter(state=Deadline.State.OPEN).count() >= scale.OPEN_DEADLINES / 1000
    assert AuditEntry.objects.count() >= scale.AUDIT_RECORDS / 1000
    sequences = list(AuditEntry.objects.values_list("sequence", flat=True))
    assert len(set(sequences)) == len(sequences)


def test_hello_world_is_routed_only_by_the_bench():
    with pytest.raises(Resolver404):
        resolve("/bench/hello/")
    assert resolve("/bench/hello/", urlconf="bench.urls").url_name == "bench_hello"
