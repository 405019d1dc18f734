"""`manage.py seed_demo`: one account per role, an application in every state, idempotent."""

from io import StringIO

import pypdf
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Organisation, Role, User
from applications.models import Application, Attachment, PreliminaryReview, Revision, Status
from labportal.models import AuditEntry, Notification

MODELS = (Organisation, User, Application, Attachment, PreliminaryReview, Revision, AuditEntry, Notification)


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_role_and_is_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first_output = seed()
    first = counts()
    with django_capture_on_commit_callbacks(execute=True):
        second_output = seed()

    assert counts() == first
    assert "Created 14 demo accounts." in first_output
    assert "Created 8 demo applications." in first_output
    assert "nothing changed" in second_output
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    for username in ("applicant", "applicant_central", "samr_js", "miit_js", "recommender_moe",
                     "samr_staff", "miit_staff", "expert", "admin"):
        assert f"| {username} " in first_output
        user = User.objects.get(username=username)
        assert user.full_name and user.email
        assert authenticate(username=username, password="demo12345") == user
    assert User.objects.get(username="admin").is_superuser
    assert first["Notification"] > 0  # the transitions really notified (inbox), after commit


@pytest.mark.django_db
def test_seeded_states_were_reached_through_audited_transitions():
    seed()
    for app in Application.objects.exclude(status=Status.DRAFT):
        timeline = list(AuditEntry.objects.for_object(app).timeline())
        assert timeline, app
        assert timeline[-1].target_state == app.status
        assert all(entry.actor_id and entry.article for entry in timeline)


@pytest.mark.django_db
def test_seeded_local_recommendation_needed_both_provincial_bodies_art10():
    seed()
    local = Application.objects.get(status=Status.RECOMMENDED, host__level="local")
    decided = local.preliminary_reviews.filter(round=local.revision_count)
    assert sorted(decided.values_list("recommender__kind", "decision")) == [
        ("provincial_miit", "recommended"), ("provincial_samr", "recommended")]
    waiting = Application.objects.get(name_zh="智能传感器质量国家质量标准实验室")
    assert waiting.status == Status.SUBMITTED
    assert sorted(waiting.reviews_of_round().values_list("recommender__kind", "decision")) == [
        ("provincial_miit", "pending"), ("provincial_samr", "recommended")]
    central = Application.objects.get(status=Status.RECOMMENDED, host__level="central")
    assert list(central.preliminary_reviews.values_list("recommender__name", flat=True)) == ["教育部"]


@pytest.mark.django_db
def test_seeded_submitted_dossiers_pass_eligibility_art12():
    seed()
    for app in Application.objects.exclude(status=Status.DRAFT):
        assert app.eligibility.passed, (app, [line.message for line in app.eligibility.failures])
    draft = Application.objects.get(status=Status.DRAFT)
    assert draft.missing_for_submission()  # half-filled


@pytest.mark.django_db
def test_seeded_attachment_is_a_real_pdf_checked_by_content():
    seed()
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    with attachment.file.open("rb") as handle:
        reader = pypdf.PdfReader(handle)
        assert len(reader.pages) == 1


@pytest.mark.django_db
def test_seeded_visibility_follows_routing():
    seed()
    samr_js = User.objects.get(username="samr_js")
    visible = set(Application.objects.visible_to(samr_js).values_list("host__province", flat=True))
    assert visible == {"32"}
    moe = User.objects.get(username="recommender_moe")
    assert list(Application.objects.visible_to(moe).values_list("host__name", flat=True)) == ["华夏理工大学"]
    assert not Application.objects.visible_to(User.objects.get(username="expert")).exists()
