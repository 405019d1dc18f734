"""Application transitions through `run_transition`: who may act (Art. 10, 13), from which state, what
each one records (one audit entry) and whom it tells (after commit only)."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db.models import F

from accounts.models import NotificationPreference, OrganisationKind
from applications.choices import DimensionVerdict, ReviewDimension, TeamRole
from applications.models import Application, PreliminaryReview, Revision, Status
from kernel.models import AuditEntry, Notification
from kernel.rules import RuleViolation
from kernel.transitions import TransitionConflict, available_transitions, run_transition
from tests.factories import (
    CentralHostFactory,
    LocalHostFactory,
    all_meet_dimensions,
    applicant_of,
    complete_dossier,
    expert_user,
    ministry_staff,
    provincial_body,
    provincial_recommenders,
    recommender_of,
)

pytestmark = pytest.mark.django_db


def audit(app):
    return list(AuditEntry.objects.for_object(app).timeline())


def reload(app):
    return Application.objects.get(pk=app.pk)


@pytest.fixture
def local():
    """A complete dossier of a Jiangsu host, its applicant and both Jiangsu recommenders."""
    app = complete_dossier(host=LocalHostFactory(province="32"))
    samr, miit = provincial_recommenders("32")
    return app, applicant_of(app.host), samr, miit


@pytest.fixture
def central():
    app = complete_dossier(host=CentralHostFactory())
    return app, applicant_of(app.host), recommender_of(app.host.competent_department)


def submitted(local):
    app, applicant, samr, miit = local
    return run_transition(app, "submit", applicant)


def recommend(app, user, **kw):
    kw.setdefault("dimensions", all_meet_dimensions())
    return run_transition(app, "recommend", user, **kw)


# --- submit (Art. 13) ----------------------------------------------------------------------------------


def test_host_applicant_submits_a_complete_dossier_art13(local):
    app, applicant, samr, miit = local
    app = run_transition(app, "submit", applicant, comment="  首次申报  ")
    assert app.status == Status.SUBMITTED
    assert reload(app).status == Status.SUBMITTED
    assert app.revision_count == 1
    assert app.submitted_at is not None
    [entry] = audit(app)
    assert (entry.transition, entry.source_state, entry.target_state) == ("submit", "draft", "submitted")
    assert entry.actor == applicant
    assert entry.comment == "首次申报"  # trimmed
    assert entry.article == "Art. 13"


@pytest.mark.parametrize(
    "who",
    ["applicant_of_other_host", "recommender", "ministry_staff", "expert", "inactive_applicant", "anonymous"],
)
def test_only_an_active_applicant_of_the_host_may_submit_art13(local, who):
    from django.contrib.auth.models import AnonymousUser

    app, applicant, samr, miit = local
    user = {
        "applicant_of_other_host": lambda: applicant_of(LocalHostFactory(province="32")),
        "recommender": lambda: samr,
        "ministry_staff": lambda: ministry_staff(),
        "expert": lambda: expert_user(),
        "inactive_applicant": lambda: applicant_of(app.host, is_active=False),
        "anonymous": AnonymousUser,
    }[who]()
    with pytest.raises(PermissionDenied):
        run_transition(app, "submit", user)
    assert reload(app).status == Status.DRAFT
    assert audit(app) == []
    assert not Revision.objects.filter(application=app).exists()


def test_incomplete_dossier_is_refused_and_nothing_is_saved_art13(local, english):
    app, applicant, samr, miit = local
    Application.objects.filter(pk=app.pk).update(summary="", field="")
    app.team_members.filter(role=TeamRole.DIRECTOR).delete()
    with pytest.raises(RuleViolation) as exc:
        run_transition(reload(app), "submit", applicant)
    assert exc.value.article == "Art. 13"
    text = " ".join(exc.value.messages)
    assert "summary" in text
    assert "Art. 4" in text  # the field
    assert "Art. 14" in text  # the director
    app = reload(app)
    assert app.status == Status.DRAFT
    assert app.revision_count == 0
    assert app.submitted_at is None
    assert not Revision.objects.filter(application=app).exists()
    assert not PreliminaryReview.objects.filter(application=app).exists()
    assert audit(app) == []


def test_whitespace_only_answers_count_as_missing_art13(local):
    app, applicant, samr, miit = local
    Application.objects.filter(pk=app.pk).update(summary="   ", construction_plan="\u3000\n")
    app = reload(app)
    assert {"summary", "construction_plan"} <= {field for field, _message in app.missing_for_submission()}
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, "submit", applicant)
    assert exc.value.article == "Art. 13"
    assert reload(app).status == Status.DRAFT


def test_dossier_failing_art12_is_refused_art12(local):
    app, applicant, samr, miit = local
    Application.objects.filter(pk=app.pk).update(is_host_priority=False)
    with pytest.raises(RuleViolation) as exc:
        run_transition(reload(app), "submit", applicant)
    assert exc.value.article == "Art. 12"
    assert reload(app).status == Status.DRAFT
    assert not PreliminaryReview.objects.filter(application=app).exists()
    assert audit(app) == []


def test_art12_warnings_do_not_block_submission_art12(local):
    app, applicant, samr, miit = local
    Application.objects.filter(pk=app.pk).update(research_space_m2=Decimal("2999.99"))
    app = run_transition(reload(app), "submit", applicant)
    assert app.status == Status.SUBMITTED


def test_unknown_action_is_a_conflict(local):
    app, applicant, samr, miit = local
    with pytest.raises(TransitionConflict):
        run_transition(app, "launch_rocket", applicant)


# --- recommend / return / decline (Art. 10) ------------------------------------------------------------


def test_routed_recommender_recommends_art10(local):
    app, applicant, samr, miit = local
    app = submitted(local)
    app = recommend(app, samr, comment="同意推荐")
    review = app.preliminary_reviews.get(recommender=samr.organisation)
    assert review.decision == PreliminaryReview.Decision.RECOMMENDED
    assert review.decided_by == samr
    assert review.comment == "同意推荐"
    entry = audit(app)[-1]
    assert (entry.transition, entry.source_state, entry.target_state, entry.actor, entry.comment, entry.article) == (
        "recommend", "submitted", "submitted", samr, "同意推荐", "Art. 10")


@pytest.mark.parametrize("action", ["recommend", "return_for_revision", "decline"])
def test_unrouted_recommender_may_not_act_art10(local, action):
    app, applicant, samr, miit = local
    app = submitted(local)
    zhejiang_samr, _zj_miit = provincial_recommenders("33")
    competent = recommender_of(CentralHostFactory().competent_department)
    for outsider in (zhejiang_samr, competent, applicant, ministry_staff()):
        with pytest.raises(PermissionDenied):
            run_transition(app, action, outsider, comment="意见", dimensions=all_meet_dimensions())
    assert reload(app).status == Status.SUBMITTED
    assert len(audit(app)) == 1


def test_same_recommender_cannot_recommend_twice_while_the_other_is_pending_art10(local):
    """Local: after SAMR recommends, the action stays open (MIIT still owes its review), so SAMR's second
    attempt is a permission refusal (403): its own review is no longer pending."""
    app, applicant, samr, miit = local
    app = recommend(submitted(local), samr)
    with pytest.raises(PermissionDenied):
        recommend(app, samr)
    # A colleague at the same provincial body is the same recommender organisation.
    with pytest.raises(PermissionDenied):
        recommend(app, recommender_of(samr.organisation))
    assert reload(app).status == Status.SUBMITTED
    assert [e.transition for e in audit(app)] == ["submit", "recommend"]


def test_same_recommender_recommending_again_after_the_decision_is_a_conflict_art10(central):
    """Central: the single recommendation moves the application on, so a second click is a state
    conflict (409): the recommender is routed, but nothing is awaiting a recommendation any more."""
    app, applicant, department = central
    app = run_transition(app, "submit", applicant)
    app = recommend(app, department)
    assert app.status == Status.RECOMMENDED
    with pytest.raises(TransitionConflict):
        recommend(app, department)
    assert len(audit(app)) == 2


def test_routed_recommender_acting_on_a_returned_dossier_is_a_conflict_art10(local):
    """Round 1 was returned: the round-1 recommenders are still parties, but the state is wrong (409)."""
    app, applicant, samr, miit = local
    app = run_transition(submitted(local), "return_for_revision", miit, comment="请补充数据")
    assert app.status == Status.RETURNED
    for user in (samr, miit):
        with pytest.raises(TransitionConflict):
            recommend(app, user)
        with pytest.raises(TransitionConflict):
            run_transition(app, "decline", user, comment="不推荐")


def test_recommender_acting_on_a_withdrawn_application_is_a_conflict_art10(local):
    app, applicant, samr, miit = local
    app = run_transition(submitted(local), "withdraw", applicant)
    with pytest.raises(TransitionConflict):
        recommend(app, samr)


@pytest.mark.parametrize("action", ["return_for_revision", "decline"])
@pytest.mark.parametrize("comment", ["", "   "])
def test_return_and_decline_need_a_comment_art10(local, action, comment):
    app, applicant, samr, miit = local
    app = submitted(local)
    with pytest.raises(RuleViolation) as exc:
        run_transition(app, action, samr, comment=comment)
    assert exc.value.field == "comment"
    assert "comment" in exc.value.message_dict
    assert exc.value.article == "Art. 10"
    assert reload(app).status == Status.SUBMITTED
    assert app.preliminary_reviews.get(recommender=samr.organisation).decision == PreliminaryReview.Decision.PENDING


def test_recommend_needs_a_verdict_on_all_six_dimensions_art10(local):
    app, applicant, samr, miit = local
    app = submitted(local)
    partial = all_meet_dimensions()
    partial.pop(ReviewDimension.LEGALITY)
    with pytest.raises(RuleViolation) as exc:
        recommend(app, samr, dimensions=partial)
    assert (exc.value.field, exc.value.article) == ("dimensions", "Art. 10")
    one_short = all_meet_dimensions()
    one_short[ReviewDimension.ACCURACY] = {"verdict": DimensionVerdict.NEEDS_REVISION, "comment": "数据不一致"}
    with pytest.raises(RuleViolation) as exc:
        recommend(app, samr, dimensions=one_short)
    assert (exc.value.field, exc.value.article) == ("dimensions", "Art. 10")
    assert app.preliminary_reviews.get(recommender=samr.organisation).decision == PreliminaryReview.Decision.PENDING
    assert len(audit(app)) == 1


def test_recommend_needs_eligibility_warnings_acknowledged_art12(local):
    app, applicant, samr, miit = local
    Application.objects.filter(pk=app.pk).update(instrument_value_cny=Decimal("49999999.99"))
    app = run_transition(reload(app), "submit", applicant)
    with pytest.raises(RuleViolation) as exc:
        recommend(app, samr)
    assert (exc.value.field, exc.value.article) == ("warnings_acknowledged", "Art. 12")
    app = recommend(app, samr, warnings_acknowledged=True)
    assert app.preliminary_reviews.get(recommender=samr.organisation).warnings_acknowledged is True


def test_return_records_the_comment_and_article_art10(local):
    app, applicant, samr, miit = local
    app = run_transition(submitted(local), "return_for_revision", samr, comment="请补充仪器清单")
    entry = audit(app)[-1]
    assert (entry.transition, entry.source_state, entry.target_state, entry.actor, entry.comment, entry.article) == (
        "return_for_revision", "submitted", "returned", samr, "请补充仪器清单", "Art. 10")


def test_decline_records_the_comment_art10(local):
    app, applicant, samr, miit = local
    app = run_transition(submitted(local), "decline", miit, comment="不符合条件")
    assert app.status == Status.NOT_RECOMMENDED
    entry = audit(app)[-1]
    assert (entry.source_state, entry.target_state, entry.actor, entry.comment) == (
        "submitted", "not_recommended", miit, "不符合条件")


# --- withdraw (Art. 13) --------------------------------------------------------------------------------


def _to_state(local, state):
    app, applicant, samr, miit = local
    if state == Status.DRAFT:
        return app
    app = submitted(local)
    if state == Status.SUBMITTED:
        return app
    if state == Status.RETURNED:
        return run_transition(app, "return_for_revision", samr, comment="补充")
    if state == Status.NOT_RECOMMENDED:
        return run_transition(app, "decline", samr, comment="不推荐")
    if state == Status.RECOMMENDED:
        return recommend(recommend(app, samr), miit)
    if state == Status.WITHDRAWN:
        return run_transition(app, "withdraw", applicant)
    raise AssertionError(state)


@pytest.mark.parametrize("state", [Status.SUBMITTED, Status.RETURNED, Status.RECOMMENDED])
def test_applicant_may_withdraw_before_a_decision_art13(local, state):
    app, applicant, samr, miit = local
    app = _to_state(local, state)
    assert app.status == state
    before = len(audit(app))
    app = run_transition(app, "withdraw", applicant, comment="主动撤回")
    assert app.status == Status.WITHDRAWN
    entries = audit(app)
    assert len(entries) == before + 1
    assert (entries[-1].source_state, entries[-1].target_state, entries[-1].actor, entries[-1].article) == (
        state, "withdrawn", applicant, "Art. 13")
    assert not app.preliminary_reviews.filter(decision=PreliminaryReview.Decision.PENDING).exists()


@pytest.mark.parametrize("state", [Status.DRAFT, Status.NOT_RECOMMENDED, Status.WITHDRAWN])
def test_withdraw_of_a_draft_or_after_the_end_is_a_conflict_art13(local, state):
    """A draft was never submitted: there is nothing to withdraw (its host deletes it instead)."""
    app, applicant, samr, miit = local
    app = _to_state(local, state)
    before = len(audit(app))
    with pytest.raises(TransitionConflict):
        run_transition(app, "withdraw", applicant)
    assert reload(app).status == state
    assert len(audit(app)) == before


@pytest.mark.parametrize("state", [Status.DRAFT, Status.SUBMITTED])
def test_recommender_may_not_withdraw_art13(local, state):
    app, applicant, samr, miit = local
    app = _to_state(local, state)
    with pytest.raises(PermissionDenied):
        run_transition(app, "withdraw", samr)


# --- what each user is offered -----------------------------------------------------------------------


def test_available_transitions_follow_role_and_state_art10(local):
    app, applicant, samr, miit = local
    names = lambda user: [t.name for t in available_transitions(reload(app), user)]  # noqa: E731
    assert names(applicant) == ["submit"]
    assert names(samr) == []
    app = submitted(local)
    assert names(applicant) == ["withdraw"]
    assert sorted(names(samr)) == ["decline", "recommend", "return_for_revision"]
    recommend(app, samr)
    assert names(samr) == []
    assert sorted(names(miit)) == ["decline", "recommend", "return_for_revision"]
    assert names(ministry_staff()) == []
    by_name = {t.name: t for t in available_transitions(reload(app), miit)}
    assert by_name["return_for_revision"].comment_required is True
    assert by_name["recommend"].comment_required is False
    assert by_name["recommend"].article == "Art. 10"


# --- concurrency ---------------------------------------------------------------------------------------


def test_second_of_two_stale_transitions_is_a_conflict(local):
    app, applicant, samr, miit = local
    first, second = reload(app), reload(app)
    run_transition(first, "submit", applicant)
    with pytest.raises(TransitionConflict):
        run_transition(second, "submit", applicant)
    assert [e.transition for e in audit(app)] == ["submit"]
    assert Revision.objects.filter(application=app).count() == 1


def test_row_changed_between_lock_and_save_is_a_conflict_and_rolls_back():
    """ConcurrentTransitionMixin: if another writer moves the status while our transition runs, our save
    matches no row in the expected state, so everything this transition did is rolled back."""
    app = complete_dossier()
    applicant = applicant_of(app.host)
    from applications import submission

    original = submission.route_and_snapshot

    def racing(application, user):
        original(application, user)
        # Another request withdraws the same application before our save.
        Application.objects.filter(pk=application.pk).update(status=Status.WITHDRAWN, updated_at=F("updated_at"))

    with mock.patch.object(submission, "route_and_snapshot", racing):
        with pytest.raises(TransitionConflict):
            run_transition(app, "submit", applicant)
    app = reload(app)
    assert app.status == Status.DRAFT  # the simulated writer was rolled back with us: nothing half-saved
    assert audit(app) == []
    assert not Revision.objects.filter(application=app).exists()
    assert not PreliminaryReview.objects.filter(application=app).exists()


# --- notifications after commit ------------------------------------------------------------------------


def test_submit_notifies_recommenders_only_after_commit_art10(local, django_capture_on_commit_callbacks):
    app, applicant, samr, miit = local
    samr.notification_preference = NotificationPreference.DAILY_DIGEST
    samr.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        app = run_transition(app, "submit", applicant)
        assert Notification.objects.count() == 0
    assert len(callbacks) == 1
    assert Notification.objects.count() == 0 and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail task is queued after its inbox rows commit
        callbacks[0]()
    for user in (samr, miit):
        note = Notification.objects.get(recipient=user)
        assert note.url == app.get_absolute_url()
    # Mail only for users who asked for immediate e-mail.
    recipients = [m.to for m in mail.outbox]
    assert [miit.email] in recipients
    assert [samr.email] not in recipients
    assert Notification.objects.get(recipient=samr).emailed_at is None
    assert Notification.objects.get(recipient=miit).emailed_at is not None
    # Nobody outside the routing hears about it.
    other_samr, _ = provincial_recommenders("33")
    assert not Notification.objects.filter(recipient=other_samr).exists()


def test_return_notifies_the_applicant_with_the_comment_art10(local, django_capture_on_commit_callbacks):
    app, applicant, samr, miit = local
    app = submitted(local)
    applicant_without_email = applicant_of(app.host, email="")
    with django_capture_on_commit_callbacks(execute=True):
        run_transition(app, "return_for_revision", samr, comment="请补充近三年标准清单")
    note = Notification.objects.get(recipient=applicant)
    assert "请补充近三年标准清单" in note.body
    # Every applicant of the host with an e-mail address gets a mail; so does the other recommender, whose
    # review of this submission is closed; the recommender who returned it hears nothing of their own act.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([applicant.email, app.created_by.email, miit.email])
    assert all("请补充近三年标准清单" in m.body for m in mail.outbox)
    assert not Notification.objects.filter(recipient=samr).exists()
    assert Notification.objects.get(recipient=applicant_without_email).emailed_at is None


def test_failed_transition_sends_nothing(local, django_capture_on_commit_callbacks):
    app, applicant, samr, miit = local
    Application.objects.filter(pk=app.pk).update(summary="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuleViolation):
            run_transition(reload(app), "submit", applicant)
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_recommender_kinds_are_provincial_bodies_for_a_local_host_art10(local):
    app, applicant, samr, miit = local
    assert samr.organisation == provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32")
    assert miit.organisation == provincial_body(OrganisationKind.PROVINCIAL_MIIT, "32")
