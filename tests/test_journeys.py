"""The journeys (`labportal.journeys`) reach every state they name through the real transitions, and the record shows
each step: what the tests, the browser journeys' casts and the demo seed build on."""

import datetime

import pytest
from django.utils import timezone

from applications.models import Status
from evaluations.models import LabStatus
from kernel.models import AuditEntry
from labportal.journeys import Cast, Journey, happening_at, moment

pytestmark = pytest.mark.django_db

WALKED = [Status.DRAFT, Status.SUBMITTED, Status.RECOMMENDED, Status.FORMAL_REVIEW_PASSED, Status.EXPERT_REVIEW,
          Status.SITE_INSPECTION, Status.INSPECTED, Status.PUBLICITY, Status.AWAITING_APPROVAL, Status.APPROVED]


@pytest.mark.parametrize("status", WALKED)
def test_an_application_reaches_each_state_through_the_transitions(journey, status):
    app = journey.application_in(status)
    assert app.status == status
    steps = list(AuditEntry.objects.for_object(app).timeline().values_list("target_state", flat=True))
    assert steps[-1:] == ([status] if status != Status.DRAFT else [])  # the last step recorded is the one that got there
    if status == Status.APPROVED:
        assert app.laboratory.status == LabStatus.CONSTRUCTION  # the second signature creates the laboratory (Art. 18)


def test_a_step_given_a_day_happens_on_it(journey):
    day = datetime.date(2026, 3, 2)
    app = journey.submitted(on=day)
    entry = AuditEntry.objects.for_object(app).get(transition="submit")
    assert timezone.localtime(entry.at).date() == day


def test_the_demo_cast_finds_the_people_already_there_and_dates_steps_on_the_demo_clock(journey):
    """The seed's cast: each organisation's first account of the role, no dossiers of its own, `happening_at`."""
    samr = journey.staff
    app = journey.recommended()
    demo = Journey(Cast(), staff=samr)
    assert demo.cast.recommender(app.host.recommenders().first()).role == "recommender"
    with pytest.raises(NotImplementedError):
        demo.cast.dossier()
    with happening_at(moment(datetime.date(2026, 5, 6), 15)):
        assert timezone.localtime().date() == datetime.date(2026, 5, 6) and timezone.localtime().hour == 15
    passed = demo.formal_review_passed(app, comment="齐全", on=datetime.date(2026, 5, 7))
    assert passed.status == Status.FORMAL_REVIEW_PASSED
    entry = AuditEntry.objects.for_object(passed).get(transition="pass_formal_review")
    assert (entry.actor, entry.comment, timezone.localtime(entry.at).date()) == (samr, "齐全", datetime.date(2026, 5, 7))
