"""Ministry-side review (Art. 7-9, 13): formal review, the expert committee and its scoring rounds,
site inspection, and publicity with objections. Approval sign-offs are `kernel.signoffs`."""

from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from accounts.models import Role
from accounts.rules import is_ministry_staff
from applications.models import Application, Call
from kernel.counting import count_of
from kernel.crypto import BlindIndexField, EncryptedTextField, normalise
from kernel.deadlines import close_deadlines, open_deadline
from kernel.formatting import format_date, format_list
from kernel.models import AuditEntry, Deadline
from kernel.periods import period_end
from kernel.rules import RuleViolation
from kernel.transitions import fsm_permission, run_transition
from kernel.validators import no_control_characters, sane_date
from kernel.workdays import add_working_days

from .bands import validate_bands
from .deadlines import COMMITTEE_TERM, PUBLICITY_START, PUBLICITY_WINDOW, ROUND_SCORING, ministries
from .documents import issue_publicity_notice
from .identity import validate_credit_code, validate_resident_id
from .rules import is_the_expert
from .states import (
    EXPECTED_ASSIGNMENT_STATES,
    OPEN_ASSIGNMENT_STATES,
    AssignmentStatus,
    CommitteeStatus,
    NoticeStatus,
    ObjectionStatus,
    RoundStatus,
)
from .subjects import notice_subject, round_purpose

# Who may run each transition: the predicates of `accounts/rules.py` and `rules.py`, as django-fsm permissions.
BY_MINISTRY_STAFF = fsm_permission(is_ministry_staff)
BY_THE_EXPERT = fsm_permission(is_the_expert)

# --- formal review -----------------------------------------------------------------------------


class FormalReviewItem(models.Model):
    """One completeness check of the formal review (形式审查), configured in the admin."""

    text = models.CharField(_("check"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("formal review check")
        verbose_name_plural = _("formal review checklist")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class FormalReview(models.Model):
    """The checklist as ticked by ministry staff for one submission of an application."""

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        SUPPLEMENT = "supplement", _("Supplement requested")
        REJECTED = "rejected", _("Rejected")

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="formal_reviews")
    revision_number = models.PositiveIntegerField(_("revision"))
    checks = models.JSONField(_("checks"), default=dict)  # {item id: true/false}
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    comment = models.TextField(_("comment"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("formal review")
        verbose_name_plural = _("formal reviews")
        ordering = ["at"]

    def __str__(self):
        return _("Formal review of submission %(number)s") % {"number": self.revision_number}


# --- expert committee (Art. 9) -----------------------------------------------------------------


class Position(models.TextChoices):
    CHAIR = "chair", _("Chair (主任委员)")
    VICE_CHAIR = "vice_chair", _("Vice-chair (副主任委员)")
    MEMBER = "member", _("Member (委员)")


COMMITTEE_MIN_MEMBERS = 15
VICE_CHAIRS_MIN, VICE_CHAIRS_MAX = 3, 5
COMMITTEE_TERM_YEARS = 2


class ExpertCommittee(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    status = FSMField(_("status"), default=CommitteeStatus.DRAFT, choices=CommitteeStatus.choices, protected=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)

    class Meta:
        verbose_name = _("expert committee")
        verbose_name_plural = _("expert committees")
        ordering = ["-term_start", "name"]

    def __str__(self):
        return self.name

    def composition_errors(self):
        """Art. 9: one chair, 3-5 vice-chairs and members; an odd total of at least 15."""
        counts = dict(self.members.order_by().values_list("position").annotate(n=models.Count("pk")))
        chairs, vices = counts.get(Position.CHAIR, 0), counts.get(Position.VICE_CHAIR, 0)
        total = sum(counts.values())
        errors = []
        if chairs != 1:
            errors.append(_("exactly one chair (now %(n)s)") % {"n": chairs})
        if not VICE_CHAIRS_MIN <= vices <= VICE_CHAIRS_MAX:
            errors.append(_("3 to 5 vice-chairs (now %(n)s)") % {"n": vices})
        if total < COMMITTEE_MIN_MEMBERS:
            errors.append(_("at least 15 members in all (now %(n)s)") % {"n": total})
        if total % 2 == 0:
            errors.append(_("an odd number of members (now %(n)s)") % {"n": total})
        return errors

    @transition(field=status, source=CommitteeStatus.DRAFT, target=CommitteeStatus.ACTIVE, permission=BY_MINISTRY_STAFF,
                custom={"label": _("Activate the committee"), "article": "Art. 9", "button": "success"})
    def activate(self, by=None, comment="", term_start=None):
        errors = self.composition_errors()
        if errors:
            raise RuleViolation(
                _("The committee cannot be activated; Art. 9 requires %(errors)s.") % {"errors": "; ".join(str(e) for e in errors)},
                article="Art. 9",
            )
        start = term_start or timezone.localdate()
        sitting = self.sitting_during(start, period_end(start, years=COMMITTEE_TERM_YEARS)).first()
        if sitting is not None:
            raise RuleViolation(
                _("“%(other)s” is the expert committee until %(end)s; a second committee cannot be activated while one "
                  "is within its term (Art. 9). End that term first, or replace its members.")
                % {"other": sitting, "end": format_date(sitting.term_end)},
                article="Art. 9",
            )
        self._start_term(start)

    def sitting_during(self, start, end):
        """The other active committees whose term overlaps [start, end], rows locked: one committee sits at a time."""
        return (ExpertCommittee.objects.select_for_update().exclude(pk=self.pk)
                .filter(status=CommitteeStatus.ACTIVE, term_start__lte=end, term_end__gte=start).order_by("term_start"))

    def _start_term(self, start):
        """A 2-year term from activation, counted as every period of the portal is (`kernel.periods`), with
        reminders before it ends and expiry when it lapses."""
        self.term_start = start
        self.term_end = period_end(start, years=COMMITTEE_TERM_YEARS)
        open_deadline(self, COMMITTEE_TERM.code, self.term_end, ministries())

    @transition(field=status, source=CommitteeStatus.ACTIVE, target=CommitteeStatus.ACTIVE, permission=BY_MINISTRY_STAFF,
                custom={"label": _("Replace a member"), "article": "Art. 9", "comment_required": True,
                        "form": "reviews:committee_replace_member"})
    def replace_member(self, by=None, comment="", member=None, incoming=None, position=None, fields=()):
        """Mid-term: `incoming` takes the seat of `member` (a CommitteeMember of this committee) in `position`;
        the Art. 9 composition is checked on the result, and the outgoing expert's unfinished tasks are withdrawn."""
        if not self.is_usable():
            raise RuleViolation(_("The committee's term has ended; its membership is closed (Art. 9)."), article="Art. 9")
        if member is None or member.committee_id != self.pk:
            raise RuleViolation(_("Choose a member of this committee."), field="member", article="Art. 9")
        if incoming is None or incoming.role != Role.EXPERT or not incoming.is_active:
            raise RuleViolation(_("Choose an active expert account to take the seat."), field="incoming", article="Art. 9")
        if self.members.filter(expert=incoming).exists():
            raise RuleViolation(_("%(expert)s is already a member of this committee.") % {"expert": incoming},
                                field="incoming", article="Art. 9")
        outgoing, outgoing_position = member.expert, member.position
        position = position or outgoing_position
        member.delete()
        CommitteeMember.objects.create(committee=self, expert=incoming, position=position, fields=list(fields or []))
        errors = self.composition_errors()
        if errors:
            raise RuleViolation(
                _("This change would break the Art. 9 composition, which requires %(errors)s.")
                % {"errors": "; ".join(str(e) for e in errors)}, field="position", article="Art. 9")
        MemberReplacement.objects.create(committee=self, outgoing=outgoing, outgoing_position=outgoing_position,
                                         incoming=incoming, position=position, reason=comment, by=by)
        withdrawn = self.withdraw_tasks_of(outgoing, by)
        self._audit_data = {"outgoing": outgoing.pk, "outgoing_position": outgoing_position, "incoming": incoming.pk,
                            "position": position, "withdrawn_assignments": withdrawn}

    def withdraw_tasks_of(self, expert, by):
        """An expert leaving the committee leaves its open rounds: their unfinished assignments are withdrawn."""
        open_tasks = Assignment.objects.filter(round__committee=self, round__status=RoundStatus.OPEN, expert=expert,
                                               status__in=OPEN_ASSIGNMENT_STATES)
        withdrawn = []
        for task in open_tasks:
            run_transition(task, "withdraw", by, comment=str(_("The expert left the committee.")))
            withdrawn.append(task.pk)
        return withdrawn

    @transition(field=status, source=CommitteeStatus.ACTIVE, target=CommitteeStatus.EXPIRED, permission=BY_MINISTRY_STAFF,
                custom={"label": _("End the term"), "article": "Art. 9", "button": "outline-secondary"})
    def expire(self, by=None, comment=""):
        """Run by the deadline sweep when the 2-year term ends (or by staff)."""

    def is_usable(self, on=None):
        on = on or timezone.localdate()
        return self.status == CommitteeStatus.ACTIVE and self.term_end is not None and on <= self.term_end


class CommitteeMember(models.Model):
    committee = models.ForeignKey(ExpertCommittee, verbose_name=_("expert committee"), on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT,
                               related_name="committee_memberships", limit_choices_to={"role": Role.EXPERT})
    position = models.CharField(_("position"), max_length=16, choices=Position.choices, default=Position.MEMBER)
    fields = models.JSONField(_("fields (Art. 4)"), default=list, blank=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["committee", "expert"], name="expert_once_per_committee")]

    def __str__(self):
        return f"{self.expert} ({self.get_position_display()})"


class MemberReplacement(models.Model):
    """A seat of an active committee changing hands mid-term (Art. 9): who left, who came, why, decided by whom."""

    committee = models.ForeignKey(ExpertCommittee, verbose_name=_("expert committee"), on_delete=models.CASCADE,
                                  related_name="replacements")
    outgoing = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("outgoing member"), on_delete=models.PROTECT,
                                 related_name="+")
    outgoing_position = models.CharField(_("outgoing member's position"), max_length=16, choices=Position.choices)
    incoming = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("incoming member"), on_delete=models.PROTECT,
                                 related_name="+")
    position = models.CharField(_("position"), max_length=16, choices=Position.choices)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member replacement")
        verbose_name_plural = _("member replacements")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.outgoing} → {self.incoming}"


# --- criteria ----------------------------------------------------------------------------------


class CriteriaSet(models.Model):
    class Purpose(models.TextChoices):
        APPLICATION = "application", _("Application review (Art. 12)")
        ACCEPTANCE = "acceptance", _("Acceptance (Art. 19)")
        EVALUATION = "evaluation", _("Comprehensive evaluation (Art. 26)")

    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("used for"), max_length=16, choices=Purpose.choices, default=Purpose.APPLICATION)

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")

    def __str__(self):
        return self.name

    def weight_error(self):
        total = sum((c.weight for c in self.criteria.all()), Decimal(0))
        if total != 100:
            return _("The weights of “%(name)s” add up to %(total)s, not 100.") % {"name": self.name, "total": total}
        return None


class EvaluationDimension(models.TextChoices):
    """Art. 26: what a comprehensive evaluation looks at, each covered by at least one criterion."""

    RESEARCH = "research", _("Research level and capability")
    TEAM = "team", _("Team and talent")
    OPENNESS = "openness", _("Openness, exchange and management")
    CONTRIBUTION = "contribution", _("Contribution to quality and standards, public-good promotion")


class Criterion(models.Model):
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name=_("criteria set"), on_delete=models.CASCADE, related_name="criteria")
    title = models.CharField(_("criterion"), max_length=200)
    article = models.CharField(_("article"), max_length=32, blank=True)
    dimension = models.CharField(_("dimension (Art. 26)"), max_length=16, choices=EvaluationDimension.choices, blank=True,
                                 help_text=_("For a comprehensive evaluation: the Art. 26 dimension this criterion scores."))
    guidance = models.TextField(_("guidance"), blank=True)
    bands = models.JSONField(_("grading bands"), default=list, blank=True, validators=[validate_bands],
                             help_text=_("Which range of scores means what, shown to the experts beside the criterion."))
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title


# --- expert review rounds ----------------------------------------------------------------------


class ReviewRoundQuerySet(models.QuerySet):
    def for_table(self):
        """What a list of rounds shows: its committee, criteria and opener, and the counts of its entries, of its
        assignments and of the scores submitted."""
        return self.select_related("committee", "criteria_set", "opened_by").annotate(
            n_applications=count_of(RoundEntry, "round"),
            n_assignments=count_of(Assignment, "round"),
            n_submitted=count_of(Assignment, "round", status=AssignmentStatus.SUBMITTED),
        )


class ReviewRound(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """Expert review (专家评审) of a batch of applications by experts of the active committee."""

    title = models.CharField(_("title"), max_length=200)
    committee = models.ForeignKey(ExpertCommittee, verbose_name=_("expert committee"), on_delete=models.PROTECT, related_name="rounds")
    criteria_set = models.ForeignKey(CriteriaSet, verbose_name=_("criteria"), on_delete=models.PROTECT, related_name="rounds")
    # the call whose applications the round reviews (none for a laboratory's acceptance or evaluation round)
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="rounds", null=True,
                             blank=True)
    status = FSMField(_("status"), default=RoundStatus.OPEN, choices=RoundStatus.choices, protected=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    scoring_due = models.DateField(_("scores due"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    short_reason = models.TextField(_("reason for concluding without every opinion"), blank=True)
    avoid_home_province = models.BooleanField(
        _("avoid experts of the entry's own province (回避本省)"), default=False,
        help_text=_("An expert working in the province of an application's host is then in conflict with it (Art. 9)."))

    objects = ReviewRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("expert review round")
        verbose_name_plural = _("expert review rounds")
        ordering = ["-opened_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reviews:round", args=[self.pk])

    def schedule_scoring(self, due):
        """Set the experts' scoring deadline (a day after today), with reminders to those yet to submit."""
        if due is None or due <= timezone.localdate():
            raise RuleViolation(_("The scoring deadline must be a day after today."), field="scoring_due", article="Art. 13")
        self.scoring_due = due
        open_deadline(self, ROUND_SCORING.code, due, ministries())

    def scoring_clock(self):
        """The open scoring deadline (None once the round is concluded or the deadline has passed)."""
        return Deadline.objects.for_object(self).open().filter(kind=ROUND_SCORING.code).first()

    @transition(field=status, source=RoundStatus.OPEN, target=RoundStatus.OPEN, permission=BY_MINISTRY_STAFF,
                custom={"label": _("Change the scoring deadline"), "article": "Art. 13", "form": "reviews:round"})
    def reschedule(self, by=None, comment="", due=None):
        previous = self.scoring_due
        self.schedule_scoring(due)
        self._audit_data = {"scoring_due": due.isoformat(), "previous": previous.isoformat() if previous else None}

    def opinion_counts(self):
        """[(entry, submitted, expected)] for the entries still to be decided: `expected` counts the assignments not
        taken out of the round (conflict declared, withdrawn by staff)."""
        live = list(round_purpose(self.criteria_set.purpose).live(self).select_related("application").order_by("pk"))
        counts = {row["application_id"]: row for row in (
            self.assignments.filter(status__in=EXPECTED_ASSIGNMENT_STATES).order_by().values("application_id")
            .annotate(expected=models.Count("pk"),
                      submitted=models.Count("pk", filter=models.Q(status=AssignmentStatus.SUBMITTED))))}
        return [(entry, counts.get(entry.application_id, {}).get("submitted", 0),
                 counts.get(entry.application_id, {}).get("expected", 0)) for entry in live]

    def check_opinions(self, short_reason=""):
        """A round is concluded on the opinions of every expert assigned to each entry still to be decided, or, with a
        recorded reason, of at least `ROUND_QUORUM_WITH_REASON` of them (two thirds by default)."""
        share = quorum_share()
        reason = (short_reason or "").strip()
        unassigned, short, below = [], [], []
        for entry, submitted, expected in self.opinion_counts():
            name = str(entry.application)
            if expected == 0:
                unassigned.append(name)
            elif submitted < expected:
                short.append(name)
                if submitted < share * expected:
                    below.append(_("%(entry)s: %(n)s of %(m)s") % {"entry": name, "n": submitted, "m": expected})
        if unassigned:
            raise RuleViolation(_("No expert's opinion can be had on %(entries)s: assign experts of the committee first.")
                                % {"entries": format_list(unassigned)}, field="decisions", article="Art. 13")
        if below:
            raise RuleViolation(
                _("Too few opinions to conclude: at least %(share)s of the experts assigned to each entry must have "
                  "submitted (%(entries)s).") % {"share": share_text(share), "entries": format_list(below)},
                field="short_reason", article="Art. 13")
        if short and not reason:
            raise RuleViolation(
                _("Not every assigned expert has submitted (%(entries)s): wait for them, or record why the round is "
                  "concluded without their opinions.") % {"entries": format_list(short)},
                field="short_reason", article="Art. 13")
        return reason if short else ""

    @transition(field=status, source=RoundStatus.OPEN, target=RoundStatus.CONCLUDED, permission=BY_MINISTRY_STAFF,
                custom={"label": _("Conclude the round"), "article": "Art. 13", "button": "success"})
    def conclude(self, by=None, comment="", decisions=None, short_reason=""):
        """`decisions`: {application id: (action, reason)} for every entry: advance/reject for
        applications, pass/rectify/fail for acceptance, excellent/qualified/unqualified for evaluation.
        The experts who have not submitted by then have their tasks closed."""
        self.short_reason = self.check_opinions(short_reason)
        round_purpose(self.criteria_set.purpose).conclude(self, by, decisions or {})
        for task in self.assignments.filter(status__in=OPEN_ASSIGNMENT_STATES):
            run_transition(task, "close_unsubmitted", by, internal=True)
        close_deadlines(self, ROUND_SCORING.code, Deadline.State.MET)
        self.concluded_at = timezone.now()


def quorum_share():
    """`ROUND_QUORUM_WITH_REASON` ("2/3"): a share above nothing and at most all, or the setting is wrong."""
    share = Fraction(settings.ROUND_QUORUM_WITH_REASON)
    if not 0 < share <= 1:
        raise ImproperlyConfigured("ROUND_QUORUM_WITH_REASON must be a fraction above 0 and at most 1.")
    return share


def share_text(share):
    """2/3 as “two thirds” in prose, any other fraction as a percentage."""
    if share == Fraction(2, 3):
        return _("two thirds")
    return f"{float(share) * 100:.0f}%"


class RoundEntry(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("Being scored")
        ADVANCED = "advanced", _("To site inspection")
        REJECTED = "rejected", _("Rejected")

    round = models.ForeignKey(ReviewRound, verbose_name=_("expert review round"), on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="round_entries")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("round entry")
        verbose_name_plural = _("round entries")
        constraints = [models.UniqueConstraint(fields=["round", "application"], name="application_once_per_round")]

    def __str__(self):
        return self.get_outcome_display()

    def get_absolute_url(self):
        return round_entry_url(self.round_id, self.application_id)


def round_entry_url(round_id, application_id):
    """Where the staff round page shows one entry: the page of the ranking that holds it, at its card."""
    return reverse("reviews:round", args=[round_id]) + f"?entry={application_id}#application-{application_id}"


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role in (Role.ADMINISTRATOR, Role.MINISTRY_STAFF):
            return self
        if user.role == Role.EXPERT:
            return self.filter(expert=user)
        return self.none()


class Assignment(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """An expert asked to score one application in one round. Blind: the expert sees no other
    scores until theirs are submitted."""

    round = models.ForeignKey(ReviewRound, verbose_name=_("expert review round"), on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="assignments")
    status = FSMField(_("status"), default=AssignmentStatus.ASSIGNED, choices=AssignmentStatus.choices, protected=True)
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    declared_at = models.DateTimeField(_("conflict declaration"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("scores submitted"), null=True, blank=True)
    overall_comment = models.TextField(_("overall opinion"), blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["round", "application", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "application", "expert"], name="expert_once_per_application_round")
        ]

    def __str__(self):
        return f"{self.expert} · {self.application}"

    def get_absolute_url(self):
        return reverse("experts:assignment", args=[self.pk])

    @transition(field=status, source=AssignmentStatus.ASSIGNED, target=AssignmentStatus.ACCEPTED, permission=BY_THE_EXPERT,
                custom={"label": _("I declare no conflict of interest"), "article": "Art. 9", "button": "success"})
    def declare_no_conflict(self, by=None, comment=""):
        if self.round.status != RoundStatus.OPEN:  # the dossier opens only for a round still scoring
            raise RuleViolation(_("This round is concluded."), article="Art. 13")
        self.declared_at = timezone.now()

    @transition(field=status, source=[AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED], target=AssignmentStatus.CONFLICT,
                permission=BY_THE_EXPERT,
                custom={"label": _("I have a conflict of interest"), "article": "Art. 9", "button": "outline-danger",
                        "comment_required": True})
    def declare_conflict(self, by=None, comment=""):
        self.declared_at = timezone.now()
        self.scores.all().delete()

    @transition(field=status, source=AssignmentStatus.ASSIGNED, target=AssignmentStatus.DECLINED, permission=BY_THE_EXPERT,
                custom={"label": _("Decline this assignment"), "article": "Art. 9", "button": "outline-secondary",
                        "comment_required": True})
    def decline(self, by=None, comment=""):
        """Before declaring, the expert may decline (unavailable, outside their expertise) with a reason; once they
        declared no conflict the dossier is open to them and only a conflict takes them out of the round."""
        self.declared_at = timezone.now()

    @transition(
        field=status,
        source=AssignmentStatus.ACCEPTED,
        target=AssignmentStatus.SUBMITTED,
        permission=BY_THE_EXPERT,
        custom={"label": _("Submit my scores"), "article": "Art. 13", "button": "primary"},
    )
    def submit_scores(self, by=None, comment=""):
        scored = set(self.scores.values_list("criterion_id", flat=True))
        missing = [c.title for c in self.round.criteria_set.criteria.all() if c.pk not in scored]
        if missing:
            raise RuleViolation(_("Score every criterion before submitting; missing: %(c)s") % {"c": format_list(missing)},
                                field="scores")
        if self.round.status != RoundStatus.OPEN:
            raise RuleViolation(_("This round is concluded."))
        self.submitted_at = timezone.now()

    @transition(
        field=status,
        source=[AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED],
        target=AssignmentStatus.WITHDRAWN,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Withdraw the assignment"), "article": "Art. 9", "button": "outline-secondary"},
    )
    def withdraw(self, by=None, comment=""):
        self.scores.all().delete()

    @transition(field=status, source=list(OPEN_ASSIGNMENT_STATES), target=AssignmentStatus.LAPSED, permission=BY_MINISTRY_STAFF,
                custom={"label": _("Close the unfinished task"), "article": "Art. 13", "internal": True})
    def close_unsubmitted(self, by=None, comment=""):
        """Run by `ReviewRound.conclude`: a draft never submitted is not an opinion; it is kept, unread, in the record."""

    def reviewed_revision(self):
        """The revision of the dossier this assignment reviews: the last one submitted before its round opened (a
        dossier under expert review, or an approved one, is not revised any more)."""
        return self.application.revisions.filter(submitted_at__lte=self.round.opened_at).order_by("-number").first()

    @property
    def weighted_total(self):
        """Σ score × weight / 100 over the criteria (scores 0-100)."""
        scores = list(self.scores.all())
        if not scores:
            return None
        return sum((s.value * s.criterion.weight for s in scores), Decimal(0)) / Decimal(100)


class ScoreQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Blind scoring: an expert sees their own scores, and others' submitted scores on an
        application only once their own scores for it are submitted (never others' drafts); staff see all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role in (Role.ADMINISTRATOR, Role.MINISTRY_STAFF):
            return self
        if user.role != Role.EXPERT:
            return self.none()
        submitted = Assignment.objects.filter(
            expert=user,
            status=AssignmentStatus.SUBMITTED,
            round=models.OuterRef("assignment__round"),
            application=models.OuterRef("assignment__application"),
        )
        return self.filter(
            models.Q(assignment__expert=user) | (models.Q(assignment__status=AssignmentStatus.SUBMITTED) & models.Exists(submitted))
        )


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(
        _("score (0-100)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
    )
    comment = models.TextField(_("comment"), blank=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["assignment", "criterion"], name="one_score_per_criterion")]

    def __str__(self):
        return f"{self.value}"


# --- site inspection ---------------------------------------------------------------------------


class SiteInspection(models.Model):
    class Verdict(models.TextChoices):
        PASS = "pass", _("Conditions confirmed")
        FAIL = "fail", _("Conditions not confirmed")

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="site_inspections")
    team = models.TextField(_("inspection team"))
    visited_on = models.DateField(_("date of visit"), validators=[sane_date(_("date of visit"), latest="today")])
    findings = models.TextField(_("findings"))
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    report = models.FileField(_("report or photos"), upload_to="private/inspections/", blank=True)
    report_name = models.CharField(_("report file name"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("site inspection")
        verbose_name_plural = _("site inspections")
        ordering = ["-visited_on"]

    def __str__(self):
        return _("Site inspection of %(date)s") % {"date": self.visited_on}


# --- publicity and objections (Art. 13) --------------------------------------------------------


def publicity_window_text(starts_on, ends_on, working_days):
    """The one sentence that says how a publicity window is counted: N working days from the day after
    publication (`reviews.services.publicity_end`), with the real dates, in the reader's language."""
    return ngettext(
        "The publicity period is %(n)s working day, counted from the day after publication: published on %(start)s, it ends on %(end)s.",
        "The publicity period is %(n)s working days, counted from the day after publication: published on %(start)s, it ends on %(end)s.",
        working_days,
    ) % {"n": working_days, "start": format_date(starts_on), "end": format_date(ends_on)}


class PublicityNoticeQuerySet(models.QuerySet):
    def for_table(self):
        """What the staff list of notices shows: who opened each, the counts of its applications, of its objections
        and of those still open."""
        return self.select_related("opened_by").annotate(
            n_applications=count_of(PublicityNotice.applications.through, "publicitynotice"),
            n_objections=count_of(Objection, "notice"),
            n_open=count_of(Objection, "notice", status=ObjectionStatus.OPEN),
        )

    def public(self):
        """What the public pages and the public API show: notices published and not yet closed (a scheduled notice
        is not public before its first day)."""
        return self.filter(status=NoticeStatus.OPEN)

    def scheduled(self):
        return self.filter(status=NoticeStatus.SCHEDULED)


class PublicityNotice(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """公示: a batch of applications shown to the public for a window of working days. One dated ahead is
    `scheduled`: staff see it, the public does not, and its applications wait for it (no other notice may take
    them); on its first day the sweep publishes it (`publish`), or staff cancel it before then (`cancel`)."""

    class Subject(models.TextChoices):
        APPLICATIONS = "applications", _("Approval of construction")
        ACCEPTANCE = "acceptance", _("Acceptance of construction")

    title = models.CharField(_("title"), max_length=200)
    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices, default=Subject.APPLICATIONS)
    # the call whose applications the notice publishes (none for an acceptance notice)
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="notices", null=True,
                             blank=True)
    status = FSMField(_("status"), default=NoticeStatus.OPEN, choices=NoticeStatus.choices, protected=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (inclusive)"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    applications = models.ManyToManyField(Application, verbose_name=_("applications"), related_name="publicity_notices", blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = PublicityNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("publicity notice")
        verbose_name_plural = _("publicity notices")
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("public:notice", args=[self.pk])

    def get_staff_url(self):
        return reverse("reviews:notice", args=[self.pk])

    @property
    def window_text(self):
        return publicity_window_text(self.starts_on, self.ends_on, self.working_days)

    def accepts_objections(self, today=None):
        today = today or timezone.localdate()
        return self.status == NoticeStatus.OPEN and self.starts_on <= today <= self.ends_on

    @property
    def is_scheduled(self):
        return self.status == NoticeStatus.SCHEDULED

    def put_subjects_under_publicity(self, by):
        """Publication: each application (or lab) still ready goes under this notice, and the window's clock starts
        (staff close the notice the first working day after it; a clock due on its last day would lapse in the
        sweep before the notice may be closed). One no longer ready (withdrawn, rejected meanwhile) is left out."""
        subject = notice_subject(self.subject)
        placed = []
        for application in self.applications.select_related("host").order_by("pk"):
            if subject.ready(application):
                subject.put(application, by, self)
                placed.append(application)
        open_deadline(self, PUBLICITY_WINDOW.code, add_working_days(self.ends_on, 1).date, ministries())
        issue_publicity_notice(self, subject, placed)

    @transition(
        field=status,
        source=NoticeStatus.SCHEDULED,
        target=NoticeStatus.OPEN,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Publish the scheduled notice"), "article": "Art. 13", "internal": True},
    )
    def publish(self, by=None, comment=""):
        """Run by the sweep on the notice's first day (`reviews.deadlines.PUBLICITY_START`), never before it."""
        if timezone.localdate() < self.starts_on:
            raise RuleViolation(_("This notice is published on %(date)s, not before.") % {"date": format_date(self.starts_on)},
                                article="Art. 13")
        close_deadlines(self, PUBLICITY_START.code, Deadline.State.MET)
        self.put_subjects_under_publicity(by)

    @transition(
        field=status,
        source=NoticeStatus.SCHEDULED,
        target=NoticeStatus.CANCELLED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Cancel the scheduled notice"), "article": "Art. 13", "comment_required": True,
                "button": "outline-danger"},
    )
    def cancel(self, by=None, comment=""):
        """Before its first day only: it is never published, and its applications may go on another notice."""
        close_deadlines(self, PUBLICITY_START.code, Deadline.State.CANCELLED)
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=NoticeStatus.OPEN,
        target=NoticeStatus.CLOSED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Close the publicity"), "article": "Art. 13", "button": "primary"},
    )
    def close(self, by=None, comment=""):
        """Not before the window ends, not while an objection is open; each application or lab under this
        notice then leaves publicity, those with a sustained objection the other way (Art. 13, 19)."""
        if timezone.localdate() <= self.ends_on:
            raise RuleViolation(_("The publicity window runs until %(date)s; it can be closed only after that.")
                                % {"date": format_date(self.ends_on)}, article="Art. 13")
        if self.objections.filter(status=ObjectionStatus.OPEN).exists():
            raise RuleViolation(_("Resolve every objection before closing the publicity."), article="Art. 13")
        subject = notice_subject(self.subject)
        sustained = set(self.objections.filter(status=ObjectionStatus.SUSTAINED).values_list("application_id", flat=True))
        for application in subject.live(self):
            upheld = application.pk in sustained
            subject.conclude(application, by, upheld, str(subject.sustained_comment) if upheld else "")
        close_deadlines(self, PUBLICITY_WINDOW.code, Deadline.State.MET)
        self.closed_at = timezone.now()


RECEIPT_NUMBER_FORMAT = "{year}-GS{notice:02d}-{seq:04d}"


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.is_active and (user.is_superuser or user.role in (Role.MINISTRY_STAFF, Role.ADMINISTRATOR)):
            return self
        return self.none()

    def by_receipt(self, receipt_number, identity):
        """The objector's own look-up: the objection with this receipt number whose objector gave
        `identity` (a person's ID card number, an organisation's unified social credit code), else None.
        A wrong number and a wrong identity are told apart by nobody."""
        receipt_number = (receipt_number or "").strip().upper()
        identity = normalise(identity)
        if not receipt_number or not identity:
            return None
        # A person's ID card number is matched by its blind index (the column holds only the encrypted number);
        # an organisation's credit code, public in the national enterprise credit system, as it is.
        person = models.Q(objector_kind=Objection.ObjectorKind.PERSON,
                   id_number_index__in=Objection._meta.get_field("id_number_index").candidates(identity))
        organisation = models.Q(objector_kind=Objection.ObjectorKind.ORGANISATION, credit_code=identity)
        return self.select_related("notice", "application").filter(person | organisation, receipt_number=receipt_number).first()


class Objection(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A real-name objection lodged during the window; anonymous ones are not accepted. Its receipt
    number (异议受理号, e.g. 2026-GS02-0007: year of the notice, the notice, the objection's place in it)
    and the objector's ID number or credit code let the objector follow it on the public look-up page."""

    class ObjectorKind(models.TextChoices):
        PERSON = "person", _("A person")
        ORGANISATION = "organisation", _("An organisation")

    notice = models.ForeignKey(PublicityNotice, verbose_name=_("publicity notice"), on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(
        Application, verbose_name=_("application objected to"), on_delete=models.PROTECT, related_name="objections"
    )
    receipt_number = models.CharField(_("receipt number"), max_length=24, unique=True, editable=False)
    objector_kind = models.CharField(_("objection by"), max_length=16, choices=ObjectorKind.choices)
    name = models.CharField(_("full name"), max_length=100, validators=[no_control_characters], blank=True)
    # Encrypted in its column (PIPL; `kernel.crypto`), shown masked; found by its blind index.
    id_number = EncryptedTextField(_("ID card number"), max_length=18, blank=True)
    id_number_index = BlindIndexField(_("ID card number (blind index)"), source="id_number")
    organisation_name = models.CharField(_("organisation"), max_length=200, validators=[no_control_characters], blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    seal_scan = models.FileField(_("scan of the seal"), upload_to="private/objections/", blank=True)
    contact = models.CharField(_("phone or e-mail"), max_length=200)
    grounds = models.TextField(_("grounds"))
    evidence = models.FileField(_("evidence"), upload_to="private/objections/", blank=True)
    status = FSMField(_("status"), default=ObjectionStatus.OPEN, choices=ObjectionStatus.choices, protected=True)
    resolution = models.TextField(_("resolution"), blank=True)
    lodged_at = models.DateTimeField(_("lodged"), auto_now_add=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-lodged_at"]

    def __str__(self):
        return _("Objection %(number)s by %(name)s") % {"number": self.receipt_number, "name": self.name or self.organisation_name}

    def save(self, *args, **kwargs):
        if self.receipt_number:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            self.receipt_number = self._next_receipt_number()
            return super().save(*args, **kwargs)

    def _next_receipt_number(self):
        """The next number of this objection's notice. The notice's row is locked until the objection is
        saved, so two objections lodged at the same moment never get the same number."""
        notice = PublicityNotice.objects.select_for_update().get(pk=self.notice_id)
        seq = notice.objections.count() + 1
        while Objection.objects.filter(receipt_number=self.format_receipt_number(notice, seq)).exists():
            seq += 1
        return self.format_receipt_number(notice, seq)

    @staticmethod
    def format_receipt_number(notice, seq):
        return RECEIPT_NUMBER_FORMAT.format(year=notice.starts_on.year, notice=notice.pk, seq=seq)

    def clean_fields(self, exclude=None):
        # `status` is a protected FSMField that changes only through transitions; re-assigning it raises.
        # The receipt number is given when the objection is first saved.
        super().clean_fields(exclude={*(exclude or ()), "status", "receipt_number"})

    def clean(self):
        """Real name only: a person gives name, ID number and contact; an organisation its name, unified
        social credit code, legal representative, contact and a scan of its seal. Anonymous objections
        are not accepted."""
        required = {
            self.ObjectorKind.PERSON: ["name", "id_number", "contact", "grounds"],
            self.ObjectorKind.ORGANISATION: ["organisation_name", "credit_code", "legal_representative", "contact", "seal_scan", "grounds"],
        }.get(self.objector_kind, ["objector_kind"])
        errors = {
            f: _("Required: anonymous objections are not accepted (Art. 13 publicity rules).")
            for f in required
            if not str(getattr(self, f) or "").strip()
        }
        checks = {
            self.ObjectorKind.PERSON: ("id_number", validate_resident_id),
            self.ObjectorKind.ORGANISATION: ("credit_code", validate_credit_code),
        }
        if self.objector_kind in checks:
            name, validate = checks[self.objector_kind]
            if getattr(self, name) and name not in errors:
                try:
                    setattr(self, name, validate(getattr(self, name)))  # stored upper-case, trimmed
                except ValidationError as exc:
                    errors[name] = exc.messages[0]
        if self.notice_id and self.application_id and not self.notice.applications.filter(pk=self.application_id).exists():
            errors["application"] = _("This application is not under this publicity notice.")
        if errors:
            raise ValidationError(errors)

    def decision_entry(self):
        """The audit record of the decision on this objection (dismissed or sustained); None while it is open."""
        if self.status == ObjectionStatus.OPEN:
            return None

        return AuditEntry.objects.for_object(self).filter(target_state=self.status).order_by("-at", "-pk").first()

    @transition(
        field=status,
        source=ObjectionStatus.OPEN,
        target=ObjectionStatus.DISMISSED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Dismiss"), "article": "Art. 13", "comment_required": True, "button": "secondary"},
    )
    def dismiss(self, by=None, comment=""):
        self.resolution = comment

    @transition(
        field=status,
        source=ObjectionStatus.OPEN,
        target=ObjectionStatus.SUSTAINED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Sustain"), "article": "Art. 13", "comment_required": True, "button": "danger"},
    )
    def sustain(self, by=None, comment=""):
        self.resolution = comment


# --- experts' expertise and employers (Art. 9) -----------------------------------------------------------


class Expertise(models.Model):
    """What an expert knows (Art. 4 fields, Art. 3 directions): the automatic assignment matches on it, beside the
    fields of their committee seat."""

    expert = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.CASCADE,
                                  related_name="expertise", limit_choices_to={"role": Role.EXPERT})
    fields = models.JSONField(_("fields (Art. 4)"), default=list, blank=True)
    directions = models.JSONField(_("research directions (Art. 3)"), default=list, blank=True)

    class Meta:
        verbose_name = _("expert's fields and directions")
        verbose_name_plural = _("experts' fields and directions")

    def __str__(self):
        return str(self.expert)


class Employment(models.Model):
    """An employer of an expert, current (no end) or past: conflicts of interest are computed from these
    (`reviews.conflicts`), never typed per round."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.CASCADE,
                               related_name="employments", limit_choices_to={"role": Role.EXPERT})
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="+")
    started_on = models.DateField(_("employed from"), null=True, blank=True, validators=[sane_date])
    ended_on = models.DateField(_("employed until"), null=True, blank=True, validators=[sane_date],
                                help_text=_("Leave empty for a current employer."))

    class Meta:
        verbose_name = _("employer of an expert")
        verbose_name_plural = _("employment history")
        ordering = ["expert", "-started_on", "pk"]

    def __str__(self):
        return f"{self.expert} · {self.organisation}"

    def clean(self):
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end of an employment comes after its start.")})


class AssignmentProposal(models.Model):
    """An automatic assignment of a round (`reviews.autoassign`) waiting for staff to confirm it: the cells
    {application id: [expert ids]}, the solver's report, and the round's assignments it was made on (`basis`),
    so that a proposal overtaken by a change is refused rather than applied."""

    round = models.ForeignKey(ReviewRound, verbose_name=_("expert review round"), on_delete=models.CASCADE,
                              related_name="proposals")
    per_subject = models.PositiveSmallIntegerField(_("experts per entry"))
    max_load = models.PositiveSmallIntegerField(_("maximum load per expert"))
    spread_leaders = models.BooleanField(_("at most one chair or vice-chair per entry"), default=True)
    cells = models.JSONField(_("proposed experts"), default=dict)
    report = models.JSONField(_("report"), default=dict)
    basis = models.CharField(_("assignments proposed on"), max_length=64)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT,
                                related_name="+")
    made_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    edited = models.BooleanField(_("changed by hand"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment proposal")
        verbose_name_plural = _("assignment proposals")
        ordering = ["-made_at", "-pk"]

    def __str__(self):
        return f"{self.round} · {self.made_at:%Y-%m-%d %H:%M}"
