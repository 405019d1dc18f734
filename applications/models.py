"""The application dossier (申报书) and its state machine, from draft to recommendation (Art. 10-13)."""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from accounts.models import Organisation, OrganisationKind, Role
from accounts.rules import is_ministry_staff
from kernel.deadlines import close_deadlines, open_deadline
from kernel.filters import keyword_filter
from kernel.formatting import format_list
from kernel.models import Deadline, SignOff
from kernel.rules import RuleViolation
from kernel.signoffs import both_signed, ministry_of, sign
from kernel.sorting import PinyinSorted, sort_key_field
from kernel.transitions import TransitionConflict, fsm_permission
from kernel.validators import no_control_characters, sane_date
from kernel.workdays import add_working_days

from . import calls, signals, submission
from .choices import (
    AttachmentSection,
    DimensionVerdict,
    Field,
    OutcomeItem,
    ResearchDirection,
    ReviewDimension,
    StandardLevel,
    TeamRole,
)
from .deadlines import RETURNED_DOSSIER_FIX, SUPPLEMENT_FIX
from .documents import issue_recommendation_letter
from .eligibility import check_eligibility
from .hooks import hooks
from .progress import status_text
from .rules import (
    APPROVAL_DECISION,
    CALL_LIST_DECISION,
    CALL_OPENING_DECISION,
    has_pending_review,
    is_host_applicant,
    is_routed_recommender,
    may_sign_approval,
    may_sign_call_list,
    may_sign_call_opening,
)
from .states import (
    EDITABLE_STATES,
    NOT_FORWARDED_STATES,
    PUBLIC_CALL_STATES,
    PUBLIC_STATES,
    REJECTABLE_STATES,
    WITHDRAWABLE_STATES,
    CallStatus,
    ReviewDecision,
    Status,
)
from .validators import LAB_NAME_EN_PREFIX, validate_consortium_member, validate_lab_name_en_subject, validate_lab_name_zh

# Who may run each transition: the predicates of `rules.py`, as django-fsm permissions.
BY_HOST = fsm_permission(is_host_applicant)
BY_PENDING_RECOMMENDER = fsm_permission(has_pending_review, party=is_routed_recommender)
BY_MINISTRY_STAFF = fsm_permission(is_ministry_staff)
BY_SIGNING_MINISTRY = fsm_permission(may_sign_approval, party=is_ministry_staff)
BY_MINISTRY_SIGNING_CALL = fsm_permission(may_sign_call_opening, party=is_ministry_staff)
BY_MINISTRY_SIGNING_LIST = fsm_permission(may_sign_call_list, party=is_ministry_staff)

DISCARD_DRAFT_LABEL = _("Delete the draft")
DISCARD_DRAFT_CONSEQUENCE = _("The draft will be deleted with everything filled in and uploaded. It was never "
                              "submitted, so nobody else has seen it; it cannot be restored.")

SEARCH_FIELDS = ("name_zh", "name_en_subject", "host__name")
# The dossier's narratives: pages of text each, read on the dossier and in its book, never in a list.
DOSSIER_LONG_TEXTS = ("summary", "construction_plan", "precision_statement", "data_capability", "team_statement",
                      "authority_statement", "breakthrough_statement", "host_commitment")


def search_text(text):
    """The words to look for; a pasted full English name loses its common prefix."""
    text, prefix = (text or "").strip(), LAB_NAME_EN_PREFIX.strip()
    return text[len(prefix):] if text.casefold().startswith(prefix.casefold()) else text


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one place that decides which applications a user may see (lists, detail, API, files)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == Role.ADMINISTRATOR:
            return self
        if user.role == Role.APPLICANT and user.organisation_id:
            return self.filter(host_id=user.organisation_id)
        if user.role == Role.RECOMMENDER and user.organisation_id:
            routed = PreliminaryReview.objects.filter(application=OuterRef("pk"), recommender_id=user.organisation_id)
            return self.filter(Exists(routed))
        if user.role == Role.MINISTRY_STAFF and user.organisation_id:
            return self.exclude(status__in=[Status.DRAFT, Status.WITHDRAWN]).exclude(submitted_at__isnull=True)
        if user.role == Role.EXPERT:
            return self.filter(hooks.required("expert_visible")(user))
        return self.none()

    def listed_for(self, user):
        """The lists a user browses (pages, exports, the API): what they may see, except that the ministries' lists
        hold only what the recommenders forwarded (Art. 10, 13); a dossier still before its recommenders stays
        reachable by its own address."""
        listed = self.visible_to(user)
        if user.is_authenticated and user.role == Role.MINISTRY_STAFF:
            listed = listed.exclude(status__in=NOT_FORWARDED_STATES)
        return listed

    def public(self):
        """What anyone may read without logging in: applications under publicity, and approved ones."""
        return self.filter(status__in=PUBLIC_STATES)

    def for_table(self):
        """List pages: everything a row shows, in a fixed number of queries, without the dossier's long texts, which
        no list shows (a detail page reads the whole dossier: `defer(None)`)."""
        return (self.select_related("host", "host__competent_department").defer(*DOSSIER_LONG_TEXTS)
                .with_status_detail().order_by("-updated_at", "-pk"))

    def with_status_detail(self):
        """What `Application.status_text` needs to say who still has to act, in the same query: the
        recommenders of the current submission that have recommended and that have not yet (at most two,
        Art. 10), and each ministry's sign-off of the approval (Art. 7)."""
        def signed(ministry):
            return Exists(SignOff.objects.filter(
                content_type__app_label=self.model._meta.app_label, content_type__model=self.model._meta.model_name,
                object_id=OuterRef("pk"), decision=APPROVAL_DECISION, ministry=ministry,
            ))

        def recommender(decision, index):
            reviews = PreliminaryReview.objects.filter(
                application=OuterRef("pk"), round=OuterRef("revision_count"), decision=decision,
            ).order_by("-recommender__kind", "pk").values("recommender__name")  # provincial SAMR before MIIT
            return Subquery(reviews[index:index + 1])
        pending, recommended = PreliminaryReview.Decision.PENDING, PreliminaryReview.Decision.RECOMMENDED
        return self.annotate(
            approval_samr_signed=signed(SignOff.Ministry.SAMR), approval_miit_signed=signed(SignOff.Ministry.MIIT),
            recommended_by=recommender(recommended, 0),
            awaiting_recommender_1=recommender(pending, 0), awaiting_recommender_2=recommender(pending, 1),
        )

    def search(self, text):
        """The keyword box of the lists: the Chinese or English name, or the host's name."""
        return keyword_filter(self, search_text(text), SEARCH_FIELDS)

    def awaiting(self, user):
        """What waits for `user`'s action (their home page)."""
        qs = self.visible_to(user)
        if user.role == Role.APPLICANT:
            return qs.filter(status__in=EDITABLE_STATES)
        if user.role == Role.RECOMMENDER:
            pending = PreliminaryReview.objects.filter(
                application=OuterRef("pk"),
                recommender_id=user.organisation_id,
                round=OuterRef("revision_count"),
                decision=PreliminaryReview.Decision.PENDING,
            )
            return qs.filter(status=Status.SUBMITTED).filter(Exists(pending))
        if user.role == Role.MINISTRY_STAFF:  # an approval their ministry has signed waits for the other one
            signed = SignOff.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model), object_id=OuterRef("pk"),
                decision=APPROVAL_DECISION, ministry=ministry_of(user),
            )
            lapsed = Deadline.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model), object_id=OuterRef("pk"),
                kind=SUPPLEMENT_FIX.code, state=Deadline.State.MISSED,
            )
            return qs.filter(Q(status__in=[Status.RECOMMENDED, Status.FORMAL_REVIEW_PASSED, Status.SITE_INSPECTION,
                                           Status.INSPECTED, Status.AWAITING_APPROVAL])
                             | Q(status=Status.SUPPLEMENT_REQUESTED) & Exists(lapsed)).exclude(
                Q(status=Status.AWAITING_APPROVAL) & Exists(signed))
        return qs.none()


# The earliest day a provincial or ministerial lab the application builds on can have started operating (Art. 12).
PROVINCIAL_LAB_EARLIEST = datetime.date(1949, 10, 1)

# --- calls for applications (申报批次, Art. 13) ------------------------------------------------------------


class CallQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff and administrators see every call, drafts too; everyone else (the public included) the published
        ones, which are announced on the front page."""
        if user.is_authenticated and user.is_active and (
                user.is_superuser or user.role in (Role.ADMINISTRATOR, Role.MINISTRY_STAFF)):
            return self
        return self.public()

    def public(self):
        return self.filter(status__in=PUBLIC_CALL_STATES)

    def with_status_detail(self):
        """What `Call.status_text` needs on a list, in the same query: each ministry's signature of the decision the
        call awaits (its publication while a draft, its construction list once proposed; Art. 7, 13)."""
        def signed(ministry):
            return Exists(SignOff.objects.filter(
                content_type__app_label=self.model._meta.app_label, content_type__model=self.model._meta.model_name,
                object_id=OuterRef("pk"), decision=OuterRef("awaited_decision"), ministry=ministry))
        return self.annotate(awaited_decision=Case(
            When(status=CallStatus.LIST_PROPOSED, then=Value(CALL_LIST_DECISION)), default=Value(CALL_OPENING_DECISION),
        )).annotate(samr_signed=signed(SignOff.Ministry.SAMR), miit_signed=signed(SignOff.Ministry.MIIT))

    def accepting(self, day=None):
        """Calls taking applications on `day` (today): published, inside their submission window."""
        day = day or timezone.localdate()
        return self.filter(status=CallStatus.OPEN, opens_on__lte=day, closes_on__gte=day).order_by("closes_on", "pk")

    def chosen(self, chosen, day=None):
        """The call a request names to start a dossier in (any published one, so that a closed window is told as
        such), or the only call taking applications when it names none."""
        if chosen not in (None, ""):
            return self.public().filter(pk=chosen).first() if str(chosen).isdecimal() else None
        accepting = list(self.accepting(day)[:2])
        return accepting[0] if len(accepting) == 1 else None


class Call(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A call for applications (申报批次): SAMR and MIIT jointly publish it with its submission window, the
    recommenders' deadline, the fields and directions it gives priority to (Art. 3, 4) and the quota of each
    recommender; every application belongs to one, and its construction list is approved as one joint decision
    (Art. 7, 13). It fixes the reference year of the Art. 12 windows for all its applications alike."""

    title = models.CharField(_("title"), max_length=200, validators=[no_control_characters])
    number = models.CharField(_("call"), max_length=32, unique=True, validators=[no_control_characters],
                              help_text=_("The call's own label, such as 2027年度."))
    status = FSMField(_("status"), default=CallStatus.DRAFT, choices=CallStatus.choices, protected=True, db_index=True)
    opens_on = models.DateField(_("submissions open"))
    closes_on = models.DateField(_("submissions close"))
    recommenders_due = models.DateField(_("recommenders' deadline"))
    reference_year = models.PositiveSmallIntegerField(
        _("reference year of the Art. 12 windows"), validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The last year of “the last 5 years” and “the last 3 years” (Art. 12), the same for every "
                    "application of the call."))
    priority_fields = models.JSONField(_("priority fields (Art. 4)"), default=list, blank=True)
    priority_directions = models.JSONField(_("priority directions (Art. 3)"), default=list, blank=True)
    notes = models.TextField(_("what the call asks"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_at = models.DateTimeField(_("published"), null=True, blank=True)
    list_proposed_at = models.DateTimeField(_("construction list proposed"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("construction list approved"), null=True, blank=True)
    construction_list = models.ManyToManyField(
        "applications.Application", verbose_name=_("construction list"), related_name="construction_lists", blank=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call for applications")
        verbose_name_plural = _("calls for applications")
        ordering = ["-opens_on", "-pk"]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        if self.reference_year is None and self.opens_on:
            self.reference_year = self.opens_on.year
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("calls:detail", args=[self.pk])

    def clean_fields(self, exclude=None):
        if self.reference_year is None and isinstance(self.opens_on, datetime.date):
            self.reference_year = self.opens_on.year  # by default the year submissions open
        super().clean_fields(exclude={*(exclude or ()), "status"})

    def clean(self):
        errors = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = [_("Submissions close on or after the day they open.")]
        if self.closes_on and self.recommenders_due and self.recommenders_due < self.closes_on:
            errors["recommenders_due"] = [_("The recommenders' deadline is on or after the day submissions close.")]
        if set(self.priority_fields or []) - set(Field.values):
            errors["priority_fields"] = [_("Unknown field.")]
        if set(self.priority_directions or []) - set(ResearchDirection.values):
            errors["priority_directions"] = [_("Unknown research direction.")]
        if errors:
            raise ValidationError(errors)

    @property
    def priority_field_labels(self):
        return [Field(code).label for code in self.priority_fields or () if code in Field.values]

    @property
    def priority_direction_labels(self):
        return [ResearchDirection(code).label for code in self.priority_directions or () if code in ResearchDirection.values]

    def accepts_submissions(self, day=None):
        return calls.accepts_submissions(self, day)

    def quota_for(self, recommender):
        quota = self.quotas.filter(recommender=recommender).values_list("quota", flat=True).first()
        return quota

    @property
    def status_text(self):
        """Who still has to sign a decision awaiting both ministries."""
        decision = {CallStatus.DRAFT: CALL_OPENING_DECISION, CallStatus.LIST_PROPOSED: CALL_LIST_DECISION}.get(self.status)
        if decision is None:
            return self.get_status_display()
        if hasattr(self, "samr_signed"):  # annotated by `with_status_detail` (list pages)
            signed = {m for m, done in ((SignOff.Ministry.SAMR, self.samr_signed),
                                        (SignOff.Ministry.MIIT, self.miit_signed)) if done}
        else:
            signed = {s.ministry for s in SignOff.objects.filter(
                content_type=ContentType.objects.get_for_model(self), object_id=self.pk, decision=decision)}
        if len(signed) == 1:
            return _("%(status)s (signed by %(ministry)s)") % {
                "status": self.get_status_display(), "ministry": SignOff.Ministry(next(iter(signed))).label}
        return self.get_status_display()

    @transition(
        field=status, source=CallStatus.DRAFT,
        target=GET_STATE(
            lambda self, *a, **kw: CallStatus.OPEN if both_signed(self, CALL_OPENING_DECISION) else CallStatus.DRAFT,
            states=[CallStatus.OPEN, CallStatus.DRAFT],
        ),
        permission=BY_MINISTRY_SIGNING_CALL,
        custom={"label": _("Sign the call for publication"), "article": "Art. 7, 13", "button": "success"},
    )
    def sign_opening(self, by=None, comment=""):
        """One ministry's signature; the second publishes the call and starts its clocks (Art. 7, 13)."""
        self.full_clean()
        if sign(self, CALL_OPENING_DECISION, by, comment, article="Art. 7, 13"):
            calls.open_call(self, by)

    @transition(
        field=status, source=CallStatus.OPEN, target=CallStatus.LIST_PROPOSED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Propose the construction list"), "article": "Art. 13", "button": "primary"},
    )
    def propose_list(self, by=None, comment="", applications=None):
        """The applications of the call awaiting approval (or those chosen) make its construction list (Art. 13)."""
        calls.propose_list(self, applications)

    @transition(
        field=status, source=CallStatus.LIST_PROPOSED,
        target=GET_STATE(
            lambda self, *a, **kw: CallStatus.CONCLUDED if both_signed(self, CALL_LIST_DECISION) else CallStatus.LIST_PROPOSED,
            states=[CallStatus.CONCLUDED, CallStatus.LIST_PROPOSED],
        ),
        permission=BY_MINISTRY_SIGNING_LIST,
        custom={"label": _("Sign the construction list"), "article": "Art. 7, 13", "button": "success"},
    )
    def sign_list(self, by=None, comment=""):
        """One ministry's signature; the second approves every application on the list (Art. 7, 13, 18)."""
        if sign(self, CALL_LIST_DECISION, by, comment, article="Art. 7, 13"):
            calls.approve_list(self, by, comment)

    @transition(
        field=status, source=CallStatus.LIST_PROPOSED, target=CallStatus.OPEN,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Withdraw the construction list"), "article": "Art. 13", "comment_required": True,
                "button": "outline-secondary"},
    )
    def withdraw_list(self, by=None, comment=""):
        """Either ministry may withdraw the list instead of signing, with its reason; the signatures lapse."""
        calls.withdraw_list(self)


class CallQuota(models.Model):
    """How many applications a recommender may recommend in a call (Art. 10, 13)."""

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="quotas")
    recommender = models.ForeignKey(
        Organisation, verbose_name=_("recommender"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind__in": [OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT,
                                       OrganisationKind.COMPETENT_DEPARTMENT]})
    quota = models.PositiveSmallIntegerField(_("quota"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("recommender's quota")
        verbose_name_plural = _("recommenders' quotas")
        ordering = ["recommender__name_sort", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "recommender"], name="one_quota_per_recommender_and_call")]

    def __str__(self):
        return f"{self.recommender}: {self.quota}"


class Application(PinyinSorted, ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    host = models.ForeignKey(
        Organisation,
        verbose_name=_("host institution"),
        on_delete=models.PROTECT,
        related_name="applications",
        limit_choices_to={"kind": OrganisationKind.HOST},
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications")
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    revision_count = models.PositiveIntegerField(_("submissions"), default=0, editable=False)

    # Overview (Art. 3, 4, 31)
    name_zh = models.CharField(_("proposed lab name (Chinese)"), max_length=100, validators=[no_control_characters], blank=True)
    name_sort = sort_key_field()
    name_en_subject = models.CharField(
        _("×× part of the English name"), max_length=150, validators=[no_control_characters], blank=True,
        help_text=_("The English name is shown as “State Quality & Standards Laboratory of ××” (Art. 31)."),
    )
    field = models.CharField(_("field (Art. 4)"), max_length=40, choices=Field.choices, blank=True, db_index=True)
    research_directions = models.JSONField(_("research directions (Art. 3)"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    construction_plan = models.TextField(
        _("build plan: direction, positioning and goals (Art. 11, 17)"), blank=True
    )
    provincial_lab_name = models.CharField(_("existing provincial/ministerial lab"), max_length=200, blank=True,
        validators=[no_control_characters],
    )
    provincial_lab_established = models.DateField(
        _("that lab in operation since"), null=True, blank=True,
        validators=[sane_date(_("that lab in operation since"), earliest=PROVINCIAL_LAB_EARLIEST, latest="today")])

    # Art. 12 (1) facilities
    research_space_m2 = models.DecimalField(
        _("research space (m²)"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    instrument_value_cny = models.DecimalField(
        _("current value of instruments (CNY)"), max_digits=15, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    precision_statement = models.TextField(_("measurement precision of instruments"), blank=True)
    data_capability = models.TextField(_("data analysis capability and storage"), blank=True)
    data_storage_tb = models.DecimalField(
        _("data available for analysis (TB)"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    # Art. 12 (2) team: narrative; the people are TeamMember rows
    team_statement = models.TextField(_("team structure and talent mechanism"), blank=True)

    # Art. 12 (3) 2-3 research capability: narrative; projects are NationalProject rows
    authority_statement = models.TextField(_("authority in the field (Art. 12 (3) 2)"), blank=True)
    breakthrough_statement = models.TextField(_("breakthroughs on bottleneck problems (Art. 12 (3) 3)"), blank=True)

    # Art. 12 (5) support
    is_host_priority = models.BooleanField(_("the lab's direction is one of the host's priorities"), default=False)
    host_commitment = models.TextField(_("host's commitment of organisation, people, funds and resources"), blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at"]
        indexes = [  # the lists' default order (last saved first), alone and within a status
            models.Index(fields=["-updated_at", "-id"], name="application_last_saved"),
            models.Index(fields=["status", "-updated_at", "-id"], name="application_status_last_saved"),
        ]

    def __str__(self):
        return self.name_zh or _("Application #%(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return reverse("applications:detail", args=[self.pk])

    @property
    def name_en(self):
        subject = (self.name_en_subject or "").strip()
        return f"{LAB_NAME_EN_PREFIX}{subject}" if subject else ""

    @property
    def is_central(self):
        return self.host.level == "central"

    @property
    def provincial_lab_years(self):
        """Art. 12: provincial/ministerial labs running 2+ years are preferred."""
        if not self.provincial_lab_established:
            return None
        today = timezone.localdate()
        years = today.year - self.provincial_lab_established.year
        if (today.month, today.day) < (self.provincial_lab_established.month, self.provincial_lab_established.day):
            years -= 1
        return max(years, 0)

    @property
    def is_preferred(self):
        years = self.provincial_lab_years
        return bool(self.provincial_lab_name) and years is not None and years >= 2

    @cached_property
    def eligibility(self):
        return check_eligibility(self)

    def clean_fields(self, exclude=None):
        # `status` is a protected FSMField that changes only through transitions; re-assigning it raises.
        super().clean_fields(exclude={*(exclude or ()), "status"})

    def clean(self):
        errors = {}
        for name, validator in (("name_zh", validate_lab_name_zh), ("name_en_subject", validate_lab_name_en_subject)):
            if getattr(self, name):
                try:
                    validator(getattr(self, name))
                except ValidationError as exc:
                    errors[name] = exc.messages
        unknown = set(self.research_directions or []) - set(ResearchDirection.values)
        if unknown:
            errors["research_directions"] = [_("Unknown research direction.")]
        if errors:
            raise ValidationError(errors)

    # --- state machine -------------------------------------------------------------------

    def is_editable_by(self, user):
        return self.status in EDITABLE_STATES and is_host_applicant(user, self)

    @property
    def status_text(self):
        """The status saying who has acted and who still has to (both recommenders, both ministries)."""
        return status_text(self)

    def may_discard(self, user):
        """A draft, never submitted, is its host's own: its applicants may delete it."""
        return self.status == Status.DRAFT and self.submitted_at is None and is_host_applicant(user, self)

    def discard_draft(self, by):
        """Delete a never-submitted draft with its rows and uploaded files (nobody else has seen it)."""
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=self.pk)
            if not locked.may_discard(by):
                if not is_host_applicant(by, locked):
                    raise PermissionDenied(_("You are not allowed to do this."))
                raise TransitionConflict(_("Only a draft that was never submitted can be deleted; withdraw it instead (Art. 13)."))
            files = [(a.file.storage, a.file.name) for a in locked.attachments.all()]
            locked.delete()
            transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])

    def missing_for_submission(self):
        """What the dossier still lacks before it can be submitted: a list of (field, message)."""
        return submission.missing_for_submission(self)

    @transition(
        field=status,
        source=[Status.DRAFT, Status.RETURNED],
        target=Status.SUBMITTED,
        permission=BY_HOST,
        custom={"label": _("Submit to recommender"), "article": "Art. 13", "button": "primary"},
    )
    def submit(self, by=None, comment=""):
        """Freeze a revision and route it to the recommender(s) of the host's level (Art. 10), inside the call's
        window (a returned dossier until its recommenders' deadline, Art. 13)."""
        calls.check_submission(self)
        submission.route_and_snapshot(self, by)
        close_deadlines(self, RETURNED_DOSSIER_FIX.code, Deadline.State.MET)

    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=GET_STATE(
            lambda self, *a, **kw: Status.RECOMMENDED if self.all_recommenders_agree() else Status.SUBMITTED,
            states=[Status.RECOMMENDED, Status.SUBMITTED],
        ),
        permission=BY_PENDING_RECOMMENDER,
        custom={"label": _("Recommend"), "article": "Art. 10", "button": "success"},
    )
    def recommend(self, by=None, comment="", dimensions=None, warnings_acknowledged=False):
        """One recommender's positive preliminary review, with its recommendation letter; a local application needs
        both (Art. 10), by the call's deadline and within the recommender's quota in the call (Art. 13)."""
        review = self.pending_review_for(by)
        calls.check_recommendation(self, review.recommender)
        review.record(by, PreliminaryReview.Decision.RECOMMENDED, comment, dimensions, warnings_acknowledged)
        issue_recommendation_letter(review, by)

    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=Status.RETURNED,
        permission=BY_PENDING_RECOMMENDER,
        custom={"label": _("Return for revision"), "article": "Art. 10", "comment_required": True, "button": "warning"},
    )
    def return_for_revision(self, by=None, comment="", dimensions=None, warnings_acknowledged=False):
        calls.check_recommenders_deadline(self)
        review = self.pending_review_for(by)
        review.record(by, PreliminaryReview.Decision.RETURNED, comment, dimensions, warnings_acknowledged)
        self.reviews_of_round().filter(decision=PreliminaryReview.Decision.PENDING).update(
            decision=PreliminaryReview.Decision.SUPERSEDED
        )
        fix_by = add_working_days(timezone.localdate(), settings.RETURNED_DOSSIER_FIX_WORKING_DAYS).date
        open_deadline(self, RETURNED_DOSSIER_FIX.code, fix_by, [self.host])

    @transition(
        field=status,
        source=Status.SUBMITTED,
        target=Status.NOT_RECOMMENDED,
        permission=BY_PENDING_RECOMMENDER,
        custom={"label": _("Decline to recommend"), "article": "Art. 10", "comment_required": True, "button": "danger"},
    )
    def decline(self, by=None, comment="", dimensions=None, warnings_acknowledged=False):
        review = self.pending_review_for(by)
        review.record(by, PreliminaryReview.Decision.DECLINED, comment, dimensions, warnings_acknowledged)
        self.reviews_of_round().filter(decision=PreliminaryReview.Decision.PENDING).update(
            decision=PreliminaryReview.Decision.SUPERSEDED
        )

    # --- ministry stage (Art. 13): formal review → expert review → site inspection → publicity → approval

    @transition(
        field=status, source=Status.RECOMMENDED, target=Status.FORMAL_REVIEW_PASSED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Pass formal review"), "article": "Art. 13", "button": "success", "form": "reviews:formal_review"},
    )
    def pass_formal_review(self, by=None, comment="", checks=None):
        hooks.required("record_formal_review")(self, by, checks, "passed", comment)

    @transition(
        field=status, source=Status.RECOMMENDED, target=Status.SUPPLEMENT_REQUESTED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Return for supplement"), "article": "Art. 13", "comment_required": True,
                "button": "warning", "form": "reviews:formal_review"},
    )
    def request_supplement(self, by=None, comment="", checks=None):
        """The applicant fixes the dossier within a window of working days (a setting)."""
        hooks.required("record_formal_review")(self, by, checks, "supplement", comment)
        fix_by = add_working_days(timezone.localdate(), settings.SUPPLEMENT_FIX_WORKING_DAYS).date
        open_deadline(self, SUPPLEMENT_FIX.code, fix_by, [self.host])

    @transition(
        field=status, source=Status.SUPPLEMENT_REQUESTED, target=Status.RECOMMENDED,
        permission=BY_HOST,
        custom={"label": _("Resubmit to formal review"), "article": "Art. 13", "button": "primary"},
    )
    def resubmit_supplement(self, by=None, comment=""):
        submission.resubmit(self, by)
        close_deadlines(self, SUPPLEMENT_FIX.code, Deadline.State.MET)

    def supplement_lapsed(self):
        """The window to supplement the dossier passed without a resubmission (Art. 13)."""
        clocks = Deadline.objects.for_object(self).filter(kind=SUPPLEMENT_FIX.code)
        return clocks.filter(state=Deadline.State.MISSED).exists() and not clocks.open().exists()

    @transition(
        field=status, source=Status.SUPPLEMENT_REQUESTED, target=Status.FORMAL_REJECTED,
        permission=BY_MINISTRY_STAFF, conditions=[supplement_lapsed],
        custom={"label": _("Reject: not supplemented in time"), "article": "Art. 13", "comment_required": True,
                "button": "danger", "drastic": True,
                "consequence": _("The application is rejected at the formal review because the dossier was not "
                                 "supplemented within its window. The host is told; it may apply again in a later "
                                 "call.")},
    )
    def reject_unsupplemented(self, by=None, comment=""):
        """Staff may reject once the supplement window has lapsed; nothing rejects by itself."""

    @transition(
        field=status, source=Status.RECOMMENDED, target=Status.FORMAL_REJECTED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Reject at formal review"), "article": "Art. 13", "comment_required": True,
                "button": "danger", "form": "reviews:formal_review"},
    )
    def reject_formally(self, by=None, comment="", checks=None):
        hooks.required("record_formal_review")(self, by, checks, "rejected", comment)

    @transition(
        field=status, source=Status.FORMAL_REVIEW_PASSED, target=Status.EXPERT_REVIEW,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Open expert review"), "article": "Art. 13", "internal": True},
    )
    def start_expert_review(self, by=None, comment=""):
        """Run by `reviews.services.open_round` for each application of the round."""

    @transition(
        field=status, source=Status.EXPERT_REVIEW, target=Status.SITE_INSPECTION,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Advance to site inspection"), "article": "Art. 13", "internal": True},
    )
    def advance_to_site_inspection(self, by=None, comment=""):
        """Run by `reviews.services.conclude_round` for the applications the round selected."""

    @transition(
        field=status, source=Status.SITE_INSPECTION,
        target=GET_STATE(
            lambda self, *a, **kw: Status.INSPECTED if kw["inspection"].verdict == "pass" else Status.REJECTED,
            states=[Status.INSPECTED, Status.REJECTED],
        ),
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Record the site inspection"), "article": "Art. 13", "internal": True},
    )
    def record_inspection(self, by=None, comment="", inspection=None):
        """Run by `reviews.services.record_site_inspection` with the saved inspection."""

    @transition(
        field=status, source=Status.INSPECTED, target=Status.PUBLICITY,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Put under publicity"), "article": "Art. 13", "internal": True},
    )
    def put_under_publicity(self, by=None, comment="", notice=None):
        """Run by `reviews.services.open_notice` for each application of the notice."""

    @transition(
        field=status, source=Status.PUBLICITY,
        target=GET_STATE(
            lambda self, *a, **kw: Status.REJECTED if kw.get("sustained") else Status.AWAITING_APPROVAL,
            states=[Status.AWAITING_APPROVAL, Status.REJECTED],
        ),
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Close publicity"), "article": "Art. 13", "internal": True},
    )
    def conclude_publicity(self, by=None, comment="", sustained=False):
        """Run by `reviews.models.PublicityNotice.close`: a sustained objection rejects the application."""

    @transition(
        field=status, source=Status.AWAITING_APPROVAL,
        target=GET_STATE(
            lambda self, *a, **kw: Status.APPROVED if both_signed(self, APPROVAL_DECISION) else Status.AWAITING_APPROVAL,
            states=[Status.APPROVED, Status.AWAITING_APPROVAL],
        ),
        permission=BY_SIGNING_MINISTRY,
        custom={"label": _("Sign the approval for construction"), "article": "Art. 7", "button": "success"},
    )
    def approve(self, by=None, comment=""):
        """One ministry's sign-off; the second one approves, and the announcement creates the laboratory (Art. 7, 13, 18).
        An application on its call's proposed construction list is approved with the list (`Call.sign_list`)."""
        if calls.on_a_proposed_list(self):
            raise RuleViolation(_("This application is on the construction list of its call, awaiting the ministries' "
                                  "signatures: it is approved with the list."), article="Art. 13")
        if sign(self, APPROVAL_DECISION, by, comment, article="Art. 7"):
            signals.approved.send(sender=Application, application=self, by=by)

    @transition(
        field=status, source=Status.AWAITING_APPROVAL, target=Status.APPROVED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Approved with the construction list"), "article": "Art. 7, 13", "internal": True},
    )
    def approve_listed(self, by=None, comment=""):
        """Run by `calls.approve_list` for each application of a call's list once SAMR and MIIT both signed it:
        the announcement creates the laboratory (Art. 7, 13, 18)."""
        signals.approved.send(sender=Application, application=self, by=by)

    @transition(
        field=status, source=list(REJECTABLE_STATES), target=Status.REJECTED,
        permission=BY_MINISTRY_STAFF,
        custom={"label": _("Reject"), "article": "Art. 13", "comment_required": True, "button": "danger", "drastic": True,
                "consequence": _("Rejecting ends this application: it goes no further on the way to approval, and the "
                                 "host is told the reason you give.")},
    )
    def reject(self, by=None, comment=""):
        """Any ministry stage may end in rejection, with the reason given."""

    @transition(
        field=status,
        source=list(WITHDRAWABLE_STATES),
        target=Status.WITHDRAWN,
        permission=BY_HOST,
        custom={"label": _("Withdraw"), "article": "Art. 13", "button": "outline-danger", "drastic": True,
                "consequence": _("Withdrawing ends this application: it can no longer be submitted, revised or "
                                 "resumed, and its recommenders are told.")},
    )
    def withdraw(self, by=None, comment=""):
        """Applying is voluntary (Art. 13): the host may withdraw before a decision."""
        close_deadlines(self, RETURNED_DOSSIER_FIX.code, Deadline.State.CANCELLED)
        close_deadlines(self, SUPPLEMENT_FIX.code, Deadline.State.CANCELLED)
        self.reviews_of_round().filter(decision=PreliminaryReview.Decision.PENDING).update(
            decision=PreliminaryReview.Decision.SUPERSEDED
        )

    # --- recommendation helpers ----------------------------------------------------------

    def reviews_of_round(self):
        return self.preliminary_reviews.filter(round=self.revision_count)

    def pending_review_for(self, user):
        if user is None or not user.organisation_id:
            return None
        return self.reviews_of_round().filter(
            recommender_id=user.organisation_id, decision=PreliminaryReview.Decision.PENDING
        ).first()

    def all_recommenders_agree(self):
        reviews = list(self.reviews_of_round().values_list("decision", flat=True))
        return bool(reviews) and all(d == PreliminaryReview.Decision.RECOMMENDED for d in reviews)


class ConsortiumMember(models.Model):
    """Art. 5: a consortium is the lead host (the application's host) plus these members."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="consortium_members")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role in the consortium"), max_length=200, validators=[no_control_characters])

    class Meta:
        verbose_name = _("consortium member")
        verbose_name_plural = _("consortium members")
        constraints = [models.UniqueConstraint(fields=["application", "organisation"], name="consortium_member_once")]

    def __str__(self):
        return f"{self.organisation} ({self.role})"

    def clean(self):
        if self.organisation_id and self.application_id and self.organisation_id == self.application.host_id:
            raise ValidationError({"organisation": _("The lead host is already part of the consortium (Art. 5).")})
        if self.organisation_id:
            validate_consortium_member(self.organisation)


class TeamMember(models.Model):
    """Art. 11-12, 14-15: the director, the academic committee and the research team."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="team_members")
    role = models.CharField(_("role"), max_length=32, choices=TeamRole.choices)
    name = models.CharField(_("full name"), max_length=100, validators=[no_control_characters])
    organisation_name = models.CharField(_("organisation"), max_length=200, validators=[no_control_characters])
    title = models.CharField(_("title and position"), max_length=200, validators=[no_control_characters], blank=True)
    posts_held = models.TextField(_("posts in domestic or international bodies"), blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["role", "pk"]

    def __str__(self):
        return self.name


class NationalProject(models.Model):
    """Art. 12 (3) 1: national-level projects undertaken in the last 5 years."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("project title"), max_length=300, validators=[no_control_characters])
    number = models.CharField(_("project number"), max_length=100, blank=True)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year started"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    amount_cny = models.DecimalField(
        _("funding (CNY)"), max_digits=15, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("national-level project")
        verbose_name_plural = _("national-level projects")
        ordering = ["-year", "pk"]

    def __str__(self):
        return self.title


class OutcomeClaim(models.Model):
    """Art. 12 (4): the evidence the host gives for each of the five outcome items."""

    Item = OutcomeItem

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="outcome_claims")
    item = models.PositiveSmallIntegerField(_("item"), choices=Item.choices)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        verbose_name = _("outcome item")
        verbose_name_plural = _("outcome items")
        ordering = ["item"]
        constraints = [models.UniqueConstraint(fields=["application", "item"], name="one_claim_per_outcome_item")]

    def __str__(self):
        return self.get_item_display()


class StandardLed(models.Model):
    """Art. 12 (4) 3: national/industry standards and published test methods the host led."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="standards")
    number = models.CharField(_("standard number"), max_length=64)
    title = models.CharField(_("title"), max_length=300, validators=[no_control_characters])
    level = models.CharField(_("level"), max_length=16, choices=StandardLevel.choices)
    year = models.PositiveSmallIntegerField(_("year issued"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])

    class Meta:
        verbose_name = _("standard led")
        verbose_name_plural = _("standards led")
        ordering = ["-year", "pk"]

    def __str__(self):
        return f"{self.number} {self.title}"


class TechnologyTransfer(models.Model):
    """Art. 12 (4) 4: research results transferred."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="transfers")
    title = models.CharField(_("result transferred"), max_length=300, validators=[no_control_characters])
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    amount_cny = models.DecimalField(
        _("contract value (CNY)"), max_digits=15, decimal_places=2, default=0, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("technology transfer")
        verbose_name_plural = _("technology transfers")
        ordering = ["-year", "pk"]

    def __str__(self):
        return self.title


class ServiceIncome(models.Model):
    """Art. 12 (4) 4: income from quality technology services, per year."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="service_incomes")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    amount_cny = models.DecimalField(
        _("service income (CNY)"), max_digits=15, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("quality service income")
        verbose_name_plural = _("quality service income")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["application", "year"], name="one_service_income_per_year")]

    def __str__(self):
        return f"{self.year}: {self.amount_cny}"


def attachment_path(instance, filename):
    return f"private/applications/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """Evidence files: checked by content, stored privately, served only through `download`."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="attachments")
    section = models.CharField(_("section"), max_length=16, choices=AttachmentSection.choices, default=AttachmentSection.GENERAL)
    outcome_item = models.PositiveSmallIntegerField(_("outcome item"), choices=OutcomeClaim.Item.choices, null=True, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["section", "uploaded_at"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("applications:attachment", args=[self.application_id, self.pk])


class RevisionQuerySet(models.QuerySet):
    def printable_for(self, user):
        """The revisions whose dossier `user` may download as a book: those of the applications they see
        (`visible_to`); an expert only the revision they review (the one submitted before their round opened)."""
        printable = self.filter(application__in=Application.objects.visible_to(user))
        if user.is_authenticated and user.role == Role.EXPERT:
            printable = printable.filter(hooks.required("expert_revisions")(user))
        return printable


class Revision(models.Model):
    """A frozen copy of the dossier at each submission, so reviewers see what changed."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+")
    snapshot = models.JSONField(_("snapshot"))

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="revision_number_once")]

    def __str__(self):
        return _("Revision %(number)s") % {"number": self.number}


class PreliminaryReview(models.Model):
    """Art. 10: one recommender's preliminary review of one submission (round = revision number)."""

    Decision = ReviewDecision

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="preliminary_reviews"
    )
    recommender = models.ForeignKey(
        Organisation, verbose_name=_("recommender"), on_delete=models.PROTECT, related_name="preliminary_reviews"
    )
    round = models.PositiveIntegerField(_("submission"))
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING)
    dimensions = models.JSONField(_("verdict per Art. 10 dimension"), default=dict, blank=True)
    warnings_acknowledged = models.BooleanField(_("eligibility warnings acknowledged"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("preliminary review")
        verbose_name_plural = _("preliminary reviews")
        ordering = ["round", "recommender__kind"]
        constraints = [models.UniqueConstraint(fields=["application", "recommender", "round"], name="one_review_per_recommender_round")]
        indexes = [models.Index(fields=["recommender", "decision"])]

    def __str__(self):
        return f"{self.application} / {self.recommender}"

    def dimension_rows(self):
        """(label, verdict label, comment) for each Art. 10 dimension, in order."""
        rows = []
        for code, label in ReviewDimension.choices:
            entry = (self.dimensions or {}).get(code) or {}
            verdict = entry.get("verdict", "")
            rows.append((label, DimensionVerdict(verdict).label if verdict in DimensionVerdict.values else "", entry.get("comment", "")))
        return rows

    def record(self, user, decision, comment, dimensions, warnings_acknowledged):
        """Store the decision after checking it against Art. 10 and the Art. 12 warnings."""
        dimensions = clean_dimensions(dimensions or {}, required=decision == self.Decision.RECOMMENDED)
        if decision == self.Decision.RECOMMENDED:
            not_met = [ReviewDimension(c).label for c, v in dimensions.items() if v["verdict"] != DimensionVerdict.MEETS]
            if not_met:
                raise RuleViolation(
                    _("A dossier can be recommended only when all six dimensions meet the requirement; not met: %(dims)s (Art. 10).")
                    % {"dims": format_list(not_met)},
                    article="Art. 10",
                    field="dimensions",
                )
            if self.application.eligibility.has_warnings and not warnings_acknowledged:
                raise RuleViolation(
                    _("Acknowledge the eligibility warnings before recommending (Art. 12: “in principle” thresholds)."),
                    article="Art. 12",
                    field="warnings_acknowledged",
                )
        self.decision = decision
        self.dimensions = dimensions
        self.comment = comment
        self.warnings_acknowledged = bool(warnings_acknowledged)
        self.decided_by = user
        self.decided_at = timezone.now()
        self.save()


def clean_dimensions(raw, required):
    """Normalise {code: {"verdict": ..., "comment": ...}}; when `required`, all six need a verdict."""
    cleaned, missing = {}, []
    for code in ReviewDimension.values:
        entry = raw.get(code) or {}
        if isinstance(entry, str):
            entry = {"verdict": entry}
        verdict = entry.get("verdict", "")
        if verdict and verdict not in DimensionVerdict.values:
            raise RuleViolation(_("Unknown verdict “%(v)s”.") % {"v": verdict}, field="dimensions", article="Art. 10")
        if not verdict:
            if required:
                missing.append(ReviewDimension(code).label)
            continue
        cleaned[code] = {"verdict": verdict, "comment": str(entry.get("comment", ""))[:2000]}
    if missing:
        raise RuleViolation(
            _("Give a verdict on every Art. 10 dimension; missing: %(dims)s.") % {"dims": format_list(missing)},
            field="dimensions",
            article="Art. 10",
        )
    return cleaned
