"""What submitting does: completeness checks, Art. 10 routing and the frozen revision."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.rules import RuleViolation

from .choices import TeamRole
from .snapshots import snapshot
from .validators import validate_lab_name_en_subject, validate_lab_name_zh


def missing_for_submission(application):
    """A list of (field, message) the dossier still lacks. Empty when it may be submitted."""
    missing = []
    required = [
        ("name_zh", _("the proposed lab name in Chinese")),
        ("name_en_subject", _("the ×× part of the English name")),
        ("field", _("the field (Art. 4)")),
        ("summary", _("the summary")),
        ("construction_plan", _("the build plan (Art. 11)")),
        ("research_space_m2", _("the research space")),
        ("instrument_value_cny", _("the value of instruments")),
        ("precision_statement", _("the measurement precision")),
        ("data_capability", _("the data capability")),
        ("host_commitment", _("the host's commitment (Art. 12 (5))")),
    ]
    for field, label in required:
        value = getattr(application, field)
        if value is None or (isinstance(value, str) and not value.strip()):  # blanks are not an answer
            missing.append((field, _("Missing: %(what)s.") % {"what": label}))
    if not application.research_directions:
        missing.append(("research_directions", _("Missing: at least one research direction (Art. 3).")))
    for field, validator in (("name_zh", validate_lab_name_zh), ("name_en_subject", validate_lab_name_en_subject)):
        value = getattr(application, field)
        if value:
            try:
                validator(value)
            except ValidationError as exc:
                missing.append((field, exc.messages[0]))
    roles = set(application.team_members.values_list("role", flat=True))
    if TeamRole.DIRECTOR not in roles:
        missing.append(("team", _("Missing: the proposed lab director (Art. 14).")))
    if TeamRole.COMMITTEE_CHAIR not in roles:
        missing.append(("team", _("Missing: the academic committee chair (Art. 15).")))
    if TeamRole.LEADER not in roles:
        missing.append(("team", _("Missing: the academic leader (Art. 12 (2)).")))
    return missing


def refuse_incomplete_or_ineligible(application):
    """Every submission and every resubmission: the dossier complete (Art. 13) and meeting Art. 12's conditions."""
    missing = missing_for_submission(application)
    if missing:
        raise RuleViolation(
            _("The dossier is not complete: %(items)s") % {"items": " ".join(m for _, m in missing)},
            article="Art. 13",
        )
    failing = application.eligibility.failures
    if failing:
        raise RuleViolation(
            _("The dossier does not meet the conditions: %(items)s") % {"items": "; ".join(str(failure.message) for failure in failing)},
            article="Art. 12",
        )


def route_and_snapshot(application, user):
    """Run inside the `submit` transition: refuse an incomplete or ineligible dossier, freeze a
    revision, and open one preliminary review per recommender the host's level calls for."""
    refuse_incomplete_or_ineligible(application)
    recommenders = list(application.host.recommenders())
    expected = 1 if application.is_central else 2
    if len(recommenders) != expected:
        raise RuleViolation(
            _("No recommender is registered for this host yet; please contact the coordination office (Art. 10)."),
            article="Art. 10",
        )
    snapshot_revision(application, user)
    reviews = application.preliminary_reviews
    reviews.bulk_create(reviews.model(application=application, recommender=org, round=application.revision_count)
                        for org in recommenders)


def snapshot_revision(application, user):
    """Freeze the dossier as the next revision (each submission and each resubmission)."""
    application.revision_count += 1
    application.submitted_at = timezone.now()
    return application.revisions.create(
        number=application.revision_count, submitted_by=user,
        submitted_at=application.submitted_at, snapshot=snapshot(application),
    )


def resubmit(application, user):
    """Run inside `resubmit_supplement`: a supplemented dossier passes the same checks as a first submission and
    is frozen as a new revision, so that the ministries and the recommenders see what changed (Art. 12, 13)."""
    refuse_incomplete_or_ineligible(application)
    return snapshot_revision(application, user)
