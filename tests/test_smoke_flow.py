"""The spine: a complete local dossier goes from draft to recommended by both provincial bodies."""

import pytest

from applications.choices import DimensionVerdict, ReviewDimension
from applications.models import Status
from kernel.models import AuditEntry
from kernel.transitions import run_transition
from tests.factories import applicant_of, complete_dossier, provincial_body, recommender_of

ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}


@pytest.mark.django_db(transaction=False)
def test_local_application_recommended_only_when_both_provincial_bodies_agree_art10(django_capture_on_commit_callbacks):
    app = complete_dossier()
    applicant = applicant_of(app.host)
    samr = recommender_of(provincial_body("provincial_samr", app.host.province))
    miit = recommender_of(provincial_body("provincial_miit", app.host.province))

    with django_capture_on_commit_callbacks(execute=True):
        app = run_transition(app, "submit", applicant)
    assert app.status == Status.SUBMITTED
    app = run_transition(app, "recommend", samr, dimensions=ALL_MEET)
    assert app.status == Status.SUBMITTED
    app = run_transition(app, "recommend", miit, dimensions=ALL_MEET)
    assert app.status == Status.RECOMMENDED
    assert list(AuditEntry.objects.for_object(app).values_list("transition", "target_state")) == [
        ("submit", "submitted"), ("recommend", "submitted"), ("recommend", "recommended")]
