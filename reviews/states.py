"""The states of the ministry stage's records (committees, rounds, assignments, notices, objections),
apart from the models so that their clocks and rules read them without importing the models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CommitteeStatus(models.TextChoices):
    DRAFT = "draft", _("Being formed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Term ended")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Scoring")
    CONCLUDED = "concluded", _("Concluded")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Awaiting conflict declaration")
    ACCEPTED = "accepted", _("No conflict declared: scoring")
    SUBMITTED = "submitted", _("Scores submitted")
    CONFLICT = "conflict", _("Conflict declared: withdrawn")
    DECLINED = "declined", _("Declined by the expert")
    WITHDRAWN = "withdrawn", _("Withdrawn by staff")
    LAPSED = "lapsed", _("Not submitted: the round concluded")


# An assignment still counting on the expert's opinion.
OPEN_ASSIGNMENT_STATES = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED)
# The assignments a round expects an opinion from: all but those the expert or staff took out of it.
EXPECTED_ASSIGNMENT_STATES = (*OPEN_ASSIGNMENT_STATES, AssignmentStatus.SUBMITTED, AssignmentStatus.LAPSED)
# The assignments the expert gave up (declined, or a conflict declared): each leaves a seat to fill until a later one.
VACATING_ASSIGNMENT_STATES = (AssignmentStatus.DECLINED, AssignmentStatus.CONFLICT)


class NoticeStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")  # dated ahead: published, and its subjects put under it, on its first day
    OPEN = "open", _("Under publicity")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled before publication")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Being examined")
    DISMISSED = "dismissed", _("Dismissed")
    SUSTAINED = "sustained", _("Sustained")
