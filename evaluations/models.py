"""The laboratory (实验室) from approval to operation (Art. 14-31): construction and its clocks,
extension, acceptance, operation, annual reports, the triennial evaluation, changes and delisting.

    construction ─apply_for_acceptance→ acceptance_review ─verdict pass→ acceptance_confirmation
      ─both ministries confirm→ (acceptance notice) acceptance_publicity ─closes→ operating
    acceptance_review ─verdict rectify→ rectifying (6 months) ─apply_for_acceptance→ acceptance_review
    operating | evaluation_rectifying ─evaluation round opens→ evaluating ─excellent/qualified→ operating
    evaluating ─unqualified→ evaluation_rectifying (6 months)
    Adverse decisions are proposed, answered by the host in writing, then signed by both ministries:
    fail, or not pass after rectification; rectifying lapses; an extended construction lapses (or staff, once it
    lapsed) → termination_proposed ─both sign→ terminated
    unqualified again; misconduct (Art. 25) from any active state → delisting_proposed ─both sign→ delisted
    either proposed state ─withdraw_proposal→ the state it came from
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, RETURN_VALUE, ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from accounts.models import Organisation, Role
from accounts.rules import is_ministry_staff
from applications.choices import Field
from applications.models import (
    LAB_NAME_EN_PREFIX,
    SEARCH_FIELDS,
    Application,
    search_text,
    validate_lab_name_en_subject,
    validate_lab_name_zh,
)
from kernel.filters import keyword_filter
from kernel.models import SignOff
from kernel.signoffs import both_signed, sign
from kernel.sorting import PinyinSorted, sort_key_field
from kernel.transitions import fsm_permission, run_transition
from kernel.validators import no_control_characters
from reviews.models import Assignment, AssignmentStatus, CriteriaSet, RoundEntry, RoundStatus

from . import lifecycle
from .deadlines import ACCEPTANCE_RECTIFICATION, CONSTRUCTION_PERIOD
from .progress import status_text
from .rules import (
    CONFIRM_ACCEPTANCE,
    DELIST,
    TERMINATE,
    is_lab_host,
    may_confirm_acceptance,
    may_sign_delisting,
    may_sign_termination,
    recommended_lab_condition,
)
from .states import (
    GROUNDS,
    LAB_ROUND_PURPOSES,
    PROPOSABLE_STATES,
    PROPOSED_STATES,
    PUBLIC_LAB_STATES,
    RE_REVIEWABLE_STATES,
    AcceptanceVerdict,
    ChangeKind,
    ChangeStatus,
    EvaluationResult,
    ExtensionStatus,
    LabStatus,
    ProposalGrounds,
    ProposalKind,
    ProposalOutcome,
    ReportKind,
)

# Who may run each transition: the predicates of `rules.py`, as django-fsm permissions.
BY_HOST = fsm_permission(is_lab_host)
BY_MINISTRY_STAFF = fsm_permission(is_ministry_staff)
BY_CONFIRMING_MINISTRY = fsm_permission(may_confirm_acceptance, party=is_ministry_staff)
BY_DELISTING_MINISTRY = fsm_permission(may_sign_delisting, party=is_ministry_staff)
BY_TERMINATING_MINISTRY = fsm_permission(may_sign_termination, party=is_ministry_staff)

PROPOSAL_CONSEQUENCE = _("The host institution is told at once and may answer in writing within its statement period. "
                         "The decision then needs the signatures of both SAMR and MIIT; either may withdraw the "
                         "proposal instead.")


# The lists' default order; `Laboratory.Meta.indexes` holds it.
LATEST_APPROVED_FIRST = ("-approved_on", "name_sort", "pk")
# Read on the lab's own page only.
LAB_LONG_TEXTS = ("research_units", "staff_summary")


class LaboratoryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Who may see a laboratory: its host's and consortium members' users, the recommenders that
        recommended it, experts reviewing it, ministry staff and administrators."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role in (Role.ADMINISTRATOR, Role.MINISTRY_STAFF):
            return self
        if user.role == Role.APPLICANT and user.organisation_id:
            member = Application.objects.filter(pk=models.OuterRef("application_id"),
                                                consortium_members__organisation_id=user.organisation_id)
            return self.filter(Q(host_id=user.organisation_id) | models.Exists(member))
        if user.role == Role.RECOMMENDER and user.organisation_id:  # those it recommended (Art. 10(3))
            return self.filter(recommended_lab_condition(user.organisation_id, models.OuterRef("application_id")))
        if user.role == Role.EXPERT:  # experts reviewing the lab's acceptance or evaluation

            reviewing = Assignment.objects.filter(
                application_id=models.OuterRef("application_id"), expert=user,
                status__in=[AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED],
                round__criteria_set__purpose__in=[CriteriaSet.Purpose.ACCEPTANCE, CriteriaSet.Purpose.EVALUATION],
            )
            return self.filter(models.Exists(reviewing))
        return self.none()

    def public(self):
        """The public directory: labs in construction or operation; terminated and delisted ones leave it."""
        return self.filter(status__in=PUBLIC_LAB_STATES)

    def for_table(self):
        """List pages: a row's facts and who still has to act, without the lab's long texts (`LAB_LONG_TEXTS`)."""
        return self.select_related("host").defer(*LAB_LONG_TEXTS).with_status_detail().order_by(*LATEST_APPROVED_FIRST)

    def with_status_detail(self):
        """What `Laboratory.status_text` needs to say who still has to act (no query per row): each ministry's
        confirmation of the acceptance (Art. 19) and signature of a proposed removal or termination."""
        return self.with_confirmations().annotate(samr_delist_signed=self._signed(DELIST, "samr"),
                                                  miit_delist_signed=self._signed(DELIST, "miit"),
                                                  samr_terminate_signed=self._signed(TERMINATE, "samr"),
                                                  miit_terminate_signed=self._signed(TERMINATE, "miit"))

    def _signed(self, decision, ministry):
        return models.Exists(SignOff.objects.filter(
            content_type__app_label=self.model._meta.app_label, content_type__model=self.model._meta.model_name,
            object_id=models.OuterRef("pk"), decision=decision, ministry=ministry,
        ))

    def search(self, text):
        """The keyword box of the lists: the Chinese or English name, or the host's name."""
        return keyword_filter(self, search_text(text), SEARCH_FIELDS)

    def with_open_round(self):
        """`in_open_round`: the lab is in an expert round still being scored (one at a time, Art. 19, 26)."""
        entries = RoundEntry.objects.filter(application_id=models.OuterRef("application_id"), round__status=RoundStatus.OPEN)
        return self.annotate(in_open_round=models.Exists(entries))

    def with_rounds(self, recommender_id=None):
        """For the recommender's list (Art. 10(3)): `lab_rounds`, the number of acceptance and evaluation rounds the lab
        was in; `open_round_id`, `open_round_title`, `open_round_purpose` of the one being scored now; with
        `recommender_id`, `opinion_given`: that organisation's opinion on the lab's entry in it. No query per row."""
        lab_entries = RoundEntry.objects.filter(application_id=models.OuterRef("application_id"),
                                                round__criteria_set__purpose__in=LAB_ROUND_PURPOSES)
        open_entries = lab_entries.filter(round__status=RoundStatus.OPEN).order_by("-round__opened_at", "-pk")
        counted = (lab_entries.order_by().values("application_id").annotate(n=models.Count("pk")).values("n"))
        queryset = self.annotate(
            lab_rounds=Coalesce(models.Subquery(counted), 0),
            open_round_id=models.Subquery(open_entries.values("round_id")[:1]),
            open_round_title=models.Subquery(open_entries.values("round__title")[:1]),
            open_round_purpose=models.Subquery(open_entries.values("round__criteria_set__purpose")[:1]),
        )
        if recommender_id is not None:
            given = RecommenderOpinion.objects.filter(laboratory_id=models.OuterRef("pk"), recommender_id=recommender_id,
                                                      entry__round__status=RoundStatus.OPEN)
            queryset = queryset.annotate(opinion_given=models.Exists(given))
        return queryset

    def with_confirmations(self):
        """`samr_confirmed`, `miit_confirmed`: each ministry's confirmation of the acceptance (Art. 19)."""
        return self.annotate(samr_confirmed=self._signed(CONFIRM_ACCEPTANCE, "samr"),
                             miit_confirmed=self._signed(CONFIRM_ACCEPTANCE, "miit"))


class Laboratory(PinyinSorted, ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    application = models.OneToOneField(Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="laboratory")
    name_zh = models.CharField(_("name"), max_length=100, validators=[no_control_characters, validate_lab_name_zh])
    name_sort = sort_key_field()
    name_en_subject = models.CharField(_("×× part of the English name"), max_length=150, validators=[no_control_characters])
    host = models.ForeignKey(Organisation, verbose_name=_("host institution"), on_delete=models.PROTECT, related_name="laboratories")
    field = models.CharField(_("field (Art. 4)"), max_length=40, choices=Field.choices, db_index=True)
    research_directions = models.JSONField(_("research directions (Art. 3)"), default=list, blank=True)
    province = models.CharField(_("province"), max_length=2, blank=True, db_index=True)
    status = FSMField(_("status"), default=LabStatus.CONSTRUCTION, choices=LabStatus.choices, protected=True, db_index=True)
    approved_on = models.DateField(_("approved on"))
    construction_start = models.DateField(_("construction start"))
    construction_end = models.DateField(_("construction end (Art. 18)"))
    extension_granted = models.BooleanField(_("extension granted"), default=False, editable=False)
    acceptance_rectified = models.BooleanField(_("already rectified once after acceptance"), default=False, editable=False)
    operation_started_on = models.DateField(_("in operation since"), null=True, blank=True)
    evaluation_rectified = models.BooleanField(_("already rectified once after evaluation"), default=False, editable=False)
    latest_result = models.CharField(_("latest evaluation result"), max_length=16, choices=EvaluationResult.choices, blank=True)
    # Art. 14-17: the lab's own data, kept by its host
    director_name = models.CharField(_("lab director (Art. 14)"), max_length=100, validators=[no_control_characters], blank=True)
    director_position = models.CharField(_("director's position at the host"), max_length=200, blank=True)
    committee_chair_name = models.CharField(_("academic committee chair (Art. 15)"), max_length=100, blank=True,
        validators=[no_control_characters],
    )
    committee_chair_organisation = models.CharField(_("chair's organisation"), max_length=200, blank=True)
    research_units = models.TextField(_("research units (Art. 16)"), blank=True)
    staff_summary = models.TextField(_("staff"), blank=True)

    objects = LaboratoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("laboratory")
        verbose_name_plural = _("laboratories")
        ordering = ["-approved_on", "name_sort", "name_zh"]
        indexes = [  # the lists' and the directory's orders: latest approved first, and by field
            models.Index(fields=["-approved_on", "name_sort", "id"], name="laboratory_latest_approved"),
            models.Index(fields=["field", "name_sort", "id"], name="laboratory_field_by_name"),
        ]

    def __str__(self):
        return self.name_zh

    def get_absolute_url(self):
        return reverse("labs:detail", args=[self.pk])

    @property
    def name_en(self):
        return f"{LAB_NAME_EN_PREFIX}{self.name_en_subject}"

    @property
    def is_excellent(self):
        return self.latest_result == EvaluationResult.EXCELLENT

    @property
    def status_text(self):
        """The status saying who has acted and who still has to (both ministries' confirmation or removal)."""
        return status_text(self)

    def chair_is_inside(self):
        """Art. 15: the academic committee chair is generally not from the host or a consortium member."""
        org = (self.committee_chair_organisation or "").strip()
        if not org:
            return False
        inside = {self.host.name} | set(self.application.consortium_members.values_list("organisation__name", flat=True))
        return org in inside

    # --- construction and acceptance (Art. 18-19) ----------------------------------------------

    @transition(field=status, source=[LabStatus.CONSTRUCTION, LabStatus.RECTIFYING], target=LabStatus.ACCEPTANCE_REVIEW,
                permission=BY_HOST,
                custom={"label": _("Apply for acceptance"), "article": "Art. 18", "form": "labs:apply_acceptance"})
    def apply_for_acceptance(self, by=None, comment="", report=None, goal_statements=None):
        lifecycle.file_acceptance_application(self, by, report, goal_statements)

    @transition(field=status, source=LabStatus.ACCEPTANCE_REVIEW,
                target=RETURN_VALUE(LabStatus.ACCEPTANCE_CONFIRMATION, LabStatus.RECTIFYING, LabStatus.TERMINATION_PROPOSED),
                permission=BY_MINISTRY_STAFF,
                custom={"label": _("Record the acceptance verdict"), "article": "Art. 19", "internal": True})
    def record_acceptance_verdict(self, by=None, comment="", verdict=None):
        """Run when an acceptance round concludes; a second non-pass after rectification terminates."""
        return lifecycle.record_acceptance_verdict(self, by, verdict, comment)

    @transition(field=status, source=LabStatus.ACCEPTANCE_CONFIRMATION, target=LabStatus.ACCEPTANCE_CONFIRMATION,
                permission=BY_CONFIRMING_MINISTRY,
                custom={"label": _("Confirm the acceptance"), "article": "Art. 19", "button": "success"})
    def confirm_acceptance(self, by=None, comment=""):
        """One ministry's confirmation; with both, the lab can go under acceptance publicity (Art. 19)."""
        sign(self, CONFIRM_ACCEPTANCE, by, comment, article="Art. 19")

    @property
    def acceptance_confirmed(self):
        return both_signed(self, CONFIRM_ACCEPTANCE)

    def acceptance_not_yet_confirmed(self):
        return not self.acceptance_confirmed

    @transition(field=status, source=LabStatus.ACCEPTANCE_CONFIRMATION, target=LabStatus.ACCEPTANCE_REVIEW,
                permission=BY_MINISTRY_STAFF, conditions=[acceptance_not_yet_confirmed],
                custom={"label": _("Send the acceptance back to the experts"), "article": "Art. 19", "comment_required": True,
                        "button": "outline-danger"})
    def refuse_acceptance(self, by=None, comment=""):
        """Either ministry, with its reason, instead of confirming: the verdict goes back to the expert committee
        for reconsideration, and a new pass needs both confirmations again (Art. 19)."""
        lifecycle.reopen_acceptance(self)

    @transition(field=status, source=LabStatus.ACCEPTANCE_CONFIRMATION, target=LabStatus.ACCEPTANCE_PUBLICITY,
                permission=BY_MINISTRY_STAFF, conditions=[lambda self: self.acceptance_confirmed],
                custom={"label": _("Put the acceptance under publicity"), "article": "Art. 19", "internal": True})
    def put_under_acceptance_publicity(self, by=None, comment="", notice=None):
        """Run by `evaluations.services.open_acceptance_notice`."""

    @transition(field=status, source=LabStatus.ACCEPTANCE_PUBLICITY,
                target=GET_STATE(lambda self, *a, **kw: LabStatus.ACCEPTANCE_REVIEW if kw.get("sustained") else LabStatus.OPERATING,
                                 states=[LabStatus.OPERATING, LabStatus.ACCEPTANCE_REVIEW]),
                permission=BY_MINISTRY_STAFF,
                custom={"label": _("Close the acceptance publicity"), "article": "Art. 19", "internal": True})
    def conclude_acceptance_publicity(self, by=None, comment="", sustained=False):
        """No sustained objection: formal operation starts (Art. 19). A sustained one sends the lab back
        to the experts."""
        if sustained:
            lifecycle.reopen_acceptance(self)
        else:
            lifecycle.start_operation(self)

    # --- operation and evaluation (Art. 26-27) -------------------------------------------------

    @transition(field=status, source=[LabStatus.OPERATING, LabStatus.EVALUATION_RECTIFYING], target=LabStatus.EVALUATING,
                permission=BY_MINISTRY_STAFF,
                custom={"label": _("Start the comprehensive evaluation"), "article": "Art. 26", "internal": True})
    def start_evaluation(self, by=None, comment=""):
        """Run when an evaluation round opens with this lab, or when the ministries order a re-review."""

    @transition(field=status, source=LabStatus.EVALUATING,
                target=RETURN_VALUE(LabStatus.OPERATING, LabStatus.EVALUATION_RECTIFYING, LabStatus.DELISTING_PROPOSED),
                permission=BY_MINISTRY_STAFF,
                custom={"label": _("Record the evaluation result"), "article": "Art. 27", "internal": True})
    def record_evaluation_result(self, by=None, comment="", result=None):
        return lifecycle.record_evaluation_result(self, by, result, comment)

    # --- adverse decisions: proposed, answered in writing, signed by both (Art. 18, 19, 25, 27) ---------

    def construction_lapsed(self):
        """The (extended) construction period ended without an application for acceptance (Art. 18)."""
        return lifecycle.clock_missed(self, CONSTRUCTION_PERIOD)

    def rectification_lapsed(self):
        """The 6 months of rectification ended without a new application for acceptance (Art. 19)."""
        return lifecycle.clock_missed(self, ACCEPTANCE_RECTIFICATION)

    @transition(field=status, source=LabStatus.CONSTRUCTION, target=LabStatus.TERMINATION_PROPOSED,
                permission=BY_MINISTRY_STAFF, conditions=[construction_lapsed],
                custom={"label": _("Propose termination"), "article": "Art. 18", "comment_required": True,
                        "button": "danger", "drastic": True, "consequence": PROPOSAL_CONSEQUENCE})
    def propose_termination(self, by=None, comment=""):
        """By staff once the construction period has lapsed; by the sweep when an extended one lapses."""
        lifecycle.propose(self, ProposalGrounds.CONSTRUCTION_LAPSED, by, comment)

    @transition(field=status, source=LabStatus.RECTIFYING, target=LabStatus.TERMINATION_PROPOSED,
                permission=BY_MINISTRY_STAFF, conditions=[rectification_lapsed],
                custom={"label": _("Propose termination"), "article": "Art. 19", "comment_required": True,
                        "button": "danger", "drastic": True, "consequence": PROPOSAL_CONSEQUENCE})
    def propose_termination_unrectified(self, by=None, comment=""):
        """By the sweep (or staff) when the rectification window lapses with no new acceptance application."""
        lifecycle.propose(self, ProposalGrounds.RECTIFICATION_LAPSED, by, comment)

    @transition(field=status, source=list(PROPOSABLE_STATES), target=LabStatus.DELISTING_PROPOSED,
                permission=BY_MINISTRY_STAFF,
                custom={"label": _("Propose removal from the list (misconduct)"), "article": "Art. 25",
                        "comment_required": True, "button": "danger", "drastic": True,
                        "consequence": PROPOSAL_CONSEQUENCE})
    def propose_delisting(self, by=None, comment=""):
        """False materials, integrity problems or other violations (Art. 25), with the facts as the reason."""
        lifecycle.propose(self, ProposalGrounds.MISCONDUCT, by, comment)

    def statement_heard(self):
        """The host has answered the proposal in writing, or its time to answer has passed."""
        proposal = self.open_proposal
        return proposal is not None and proposal.statement_heard()

    @cached_property
    def open_proposal(self):
        return lifecycle.open_proposal(self)

    @transition(field=status, source=LabStatus.TERMINATION_PROPOSED,
                target=GET_STATE(lambda self, *a, **kw: LabStatus.TERMINATED if both_signed(self, TERMINATE) else self.status,
                                 states=[LabStatus.TERMINATION_PROPOSED, LabStatus.TERMINATED]),
                permission=BY_TERMINATING_MINISTRY, conditions=[statement_heard],
                custom={"label": _("Sign the termination"), "article": "Art. 18, 19", "comment_required": True,
                        "button": "danger", "drastic": True,
                        "consequence": _("Your ministry's signature cannot be taken back. Once SAMR and MIIT have both "
                                         "signed, the construction is terminated: the laboratory leaves the list and the "
                                         "public directory, its open clocks close and the decision is announced.")})
    def sign_termination(self, by=None, comment=""):
        """One ministry's signature of the proposed termination, after the host's statement (or its time) is in."""
        lifecycle.sign_proposal(self, TERMINATE, by, comment)

    @transition(field=status, source=LabStatus.DELISTING_PROPOSED,
                target=GET_STATE(lambda self, *a, **kw: LabStatus.DELISTED if both_signed(self, DELIST) else self.status,
                                 states=[LabStatus.DELISTING_PROPOSED, LabStatus.DELISTED]),
                permission=BY_DELISTING_MINISTRY, conditions=[statement_heard],
                custom={"label": _("Sign the removal from the list"), "article": "Art. 25, 27", "comment_required": True,
                        "button": "danger", "drastic": True,
                        "consequence": _("Your ministry's signature cannot be taken back. Once SAMR and MIIT have both "
                                         "signed, the laboratory is removed from the list of State Quality & Standards "
                                         "Laboratories, leaves the public directory, its open clocks close and the "
                                         "decision is announced.")})
    def sign_delisting(self, by=None, comment=""):
        """One ministry's signature of the proposed removal, after the host's statement (or its time) is in."""
        lifecycle.sign_proposal(self, DELIST, by, comment)

    @transition(field=status, source=list(PROPOSED_STATES), target=RETURN_VALUE(*PROPOSABLE_STATES),
                permission=BY_MINISTRY_STAFF,
                custom={"label": _("Withdraw the proposal"), "article": "Art. 18, 19, 25, 27", "comment_required": True,
                        "button": "outline-secondary"})
    def withdraw_proposal(self, by=None, comment=""):
        """Either ministry may withdraw instead of signing, with its reason: the lab returns where it was."""
        return lifecycle.withdraw_proposal(self, by, comment)


class AcceptanceApplication(models.Model):
    """The lab's application for acceptance: its report against the build plan's goals (Art. 17-18)."""

    laboratory = models.ForeignKey(
        Laboratory, verbose_name=_("laboratory"), on_delete=models.CASCADE, related_name="acceptance_applications"
    )
    report = models.TextField(_("construction report"))
    goal_statements = models.JSONField(_("goals and what was achieved"), default=list, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)
    verdict = models.CharField(_("verdict"), max_length=8, choices=AcceptanceVerdict.choices, blank=True)
    opinion = models.TextField(_("acceptance opinion"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance application")
        verbose_name_plural = _("acceptance applications")
        ordering = ["-filed_at"]

    def __str__(self):
        return _("Acceptance application no. %(pk)s") % {"pk": self.pk}


class ExtensionRequest(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """Art. 18: filed ≥ 3 months before the construction end, for ≤ 12 months, once."""

    laboratory = models.ForeignKey(Laboratory, verbose_name=_("laboratory"), on_delete=models.CASCADE, related_name="extension_requests")
    months = models.PositiveSmallIntegerField(_("extension (months)"))
    reason = models.TextField(_("reason"))
    filed_on = models.DateField(_("filed on"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+")
    status = FSMField(_("status"), default=ExtensionStatus.REQUESTED, choices=ExtensionStatus.choices, protected=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-filed_on", "-pk"]

    def __str__(self):
        return _("Extension of %(months)s months requested on %(date)s") % {"months": self.months, "date": self.filed_on}

    def get_absolute_url(self):
        return self.laboratory.get_absolute_url()

    @transition(
        field=status,
        source=ExtensionStatus.REQUESTED,
        target=ExtensionStatus.GRANTED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Grant the extension"), "article": "Art. 18", "button": "success"},
    )
    def grant(self, by=None, comment=""):
        lifecycle.grant_extension(self, by)

    @transition(
        field=status,
        source=ExtensionStatus.REQUESTED,
        target=ExtensionStatus.REFUSED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Refuse the extension"), "article": "Art. 18", "comment_required": True, "button": "danger"},
    )
    def refuse(self, by=None, comment=""):
        lifecycle.reopen_extension_window(self)

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "status"})


class AnnualReport(models.Model):
    """Art. 18 (construction, copied to the host) and Art. 26 (operation): one report per year."""

    Kind = ReportKind

    laboratory = models.ForeignKey(Laboratory, verbose_name=_("laboratory"), on_delete=models.CASCADE, related_name="annual_reports")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    period = models.PositiveSmallIntegerField(_("year number"))
    due_on = models.DateField(_("due"))
    summary = models.TextField(_("progress and research"))
    open_projects = models.TextField(_("open projects (Art. 21)"), blank=True)
    exchanges = models.TextField(_("exchanges and cooperation (Art. 21)"), blank=True)
    public_services = models.TextField(_("public-benefit quality services (Art. 22)"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["kind", "period"]
        constraints = [models.UniqueConstraint(fields=["laboratory", "kind", "period"], name="one_report_per_year")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period}"


class ReportOutput(models.Model):
    """Art. 23: monographs, papers, software and databases done in the lab carry its name."""

    class Kind(models.TextChoices):
        MONOGRAPH = "monograph", _("Monograph")
        PAPER = "paper", _("Paper")
        SOFTWARE = "software", _("Software")
        DATABASE = "database", _("Database")

    report = models.ForeignKey(AnnualReport, verbose_name=_("annual report"), on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    credit_line = models.CharField(_("affiliation as printed"), max_length=300)

    class Meta:
        verbose_name = _("output")
        verbose_name_plural = _("outputs")

    def __str__(self):
        return self.title

    def credits_lab(self):
        """Art. 23: the printed affiliation names the lab (its Chinese or English name)."""
        lab = self.report.laboratory
        line = self.credit_line.casefold()
        return lab.name_zh.casefold() in line or lab.name_en.casefold() in line


class Evaluation(models.Model):
    """One comprehensive evaluation (Art. 26) of a lab: the round it was scored in and its result."""

    laboratory = models.ForeignKey(Laboratory, verbose_name=_("laboratory"), on_delete=models.CASCADE, related_name="evaluations")
    cycle = models.PositiveSmallIntegerField(_("cycle"))
    is_reevaluation = models.BooleanField(_("re-evaluation after rectification"), default=False)
    result = models.CharField(_("result"), max_length=16, choices=EvaluationResult.choices, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("comprehensive evaluation")
        verbose_name_plural = _("comprehensive evaluations")
        ordering = ["-pk"]

    def __str__(self):
        return _("Comprehensive evaluation, cycle %(cycle)s") % {"cycle": self.cycle}


class ChangeReport(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """Art. 24: a written report of a major change; the ministries accept it or order a re-review."""

    laboratory = models.ForeignKey(Laboratory, verbose_name=_("laboratory"), on_delete=models.CASCADE, related_name="change_reports")
    kind = models.CharField(_("change"), max_length=16, choices=ChangeKind.choices)
    description = models.TextField(_("report"))
    new_name_zh = models.CharField(_("new name"), max_length=100, validators=[no_control_characters], blank=True)
    new_name_en_subject = models.CharField(_("new ×× part of the English name"), max_length=150, blank=True,
        validators=[no_control_characters],
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)
    status = FSMField(_("status"), default=ChangeStatus.SUBMITTED, choices=ChangeStatus.choices, protected=True)

    class Meta:
        verbose_name = _("change report")
        verbose_name_plural = _("change reports")
        ordering = ["-filed_at"]

    def __str__(self):
        return self.get_kind_display()

    def get_absolute_url(self):
        return self.laboratory.get_absolute_url()

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "status"})

    def clean(self):
        if self.kind == ChangeKind.RENAME:
            errors = {}
            for field, validator in (("new_name_zh", validate_lab_name_zh), ("new_name_en_subject", validate_lab_name_en_subject)):
                try:
                    validator(getattr(self, field))
                except ValidationError as exc:
                    errors[field] = exc.messages
            if errors:
                raise ValidationError(errors)

    @transition(
        field=status,
        source=ChangeStatus.SUBMITTED,
        target=ChangeStatus.ACCEPTED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Accept the change"), "article": "Art. 24", "button": "success"},
    )
    def accept(self, by=None, comment=""):
        lifecycle.apply_change(self)

    def lab_in_operation(self):
        """A re-review is a comprehensive evaluation (Art. 24, 26): only of a lab in operation. A lab still
        being built is reviewed at its acceptance; its changes are accepted."""
        return self.laboratory.status in RE_REVIEWABLE_STATES

    @transition(
        field=status,
        source=ChangeStatus.SUBMITTED,
        target=ChangeStatus.RE_REVIEW,
        permission=BY_MINISTRY_STAFF,
        conditions=[lab_in_operation],
        custom={"label": _("Order a re-review"), "article": "Art. 24", "comment_required": True, "button": "warning"},
    )
    def order_re_review(self, by=None, comment=""):
        """The change is applied and the lab goes to a comprehensive evaluation (unless it is in one already)."""
        lifecycle.apply_change(self)
        if self.laboratory.status != LabStatus.EVALUATING:
            run_transition(self.laboratory, "start_evaluation", by, comment=comment, internal=True)


class AdverseProposal(models.Model):
    """A proposed termination (Art. 18, 19) or removal from the list (Art. 25, 27): the grounds, the host's
    written statement (陈述申辩) and how it ended. The lab's state says where it stands; this is its record."""

    laboratory = models.ForeignKey(Laboratory, verbose_name=_("laboratory"), on_delete=models.CASCADE, related_name="proposals")
    grounds = models.CharField(_("grounds"), max_length=24, choices=ProposalGrounds.choices)
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    resume_status = models.CharField(_("status before the proposal"), max_length=32, choices=LabStatus.choices)
    statement_due = models.DateField(_("written statement due"))
    statement = models.TextField(_("written statement"), blank=True)
    statement_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("statement by"), on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    statement_at = models.DateTimeField(_("statement made"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ProposalOutcome.choices, blank=True)
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposed termination or removal")
        verbose_name_plural = _("proposed terminations and removals")
        ordering = ["-proposed_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.laboratory}"

    def get_absolute_url(self):
        return self.laboratory.get_absolute_url() + "#proposal"

    @property
    def kind(self):
        return GROUNDS[self.grounds][0]

    def get_kind_display(self):
        return ProposalKind(self.kind).label

    @property
    def article(self):
        return GROUNDS[self.grounds][1]

    @property
    def is_open(self):
        return not self.outcome

    def statement_heard(self, today=None):
        return self.statement_at is not None or (today or timezone.localdate()) > self.statement_due

    def accepts_statement(self, today=None):
        return self.is_open and self.statement_at is None and (today or timezone.localdate()) <= self.statement_due


def statement_file_path(instance, filename):
    return f"statements/{instance.proposal_id}/{uuid.uuid4().hex}"


class StatementAttachment(models.Model):
    """A file the host gives with its written statement: checked by content, served only to the parties."""

    proposal = models.ForeignKey(AdverseProposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=statement_file_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement attachment")
        verbose_name_plural = _("statement attachments")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("labs:statement_file", args=[self.pk])


class RecommenderOpinionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Who reads the recommenders' opinions (Art. 10(3)): ministry staff and administrators all of them, a
        recommender its own organisation's. Not the host, and not the round's experts (their scoring is their own)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role in (Role.ADMINISTRATOR, Role.MINISTRY_STAFF):
            return self
        if user.role == Role.RECOMMENDER and user.organisation_id:
            return self.filter(recommender_id=user.organisation_id)
        return self.none()


class RecommenderOpinion(models.Model):
    """A recommending organisation's opinion (推荐单位意见) on a laboratory it recommended, in an acceptance (Art. 19)
    or comprehensive evaluation (Art. 26) round: Art. 10(3) has the recommenders assist the ministries with both.
    One per organisation per round entry; changed while the round is open, frozen once it concluded. Given and
    changed only through `evaluations.services.give_recommender_opinion`."""

    entry = models.ForeignKey(RoundEntry, verbose_name=_("round entry"), on_delete=models.CASCADE,
                              related_name="recommender_opinions")
    laboratory = models.ForeignKey(Laboratory, verbose_name=_("laboratory"), on_delete=models.CASCADE,
                                   related_name="recommender_opinions")
    recommender = models.ForeignKey(Organisation, verbose_name=_("recommender"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("opinion"))
    submitted_at = models.DateTimeField(_("given"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = RecommenderOpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommender's opinion")
        verbose_name_plural = _("recommenders' opinions")
        ordering = ["entry", "recommender__kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["entry", "recommender"], name="one_opinion_per_recommender_entry")]

    def __str__(self):
        return f"{self.recommender} · {self.laboratory}"

    def get_absolute_url(self):
        return self.laboratory.get_absolute_url() + "#rounds"

    @property
    def was_changed(self):
        return (self.updated_at - self.submitted_at).total_seconds() > 1
