"""Shared records: the audit trail (every transition and security-relevant action, chained) and the in-app
notification inbox."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .audit_labels import action_label
from .deadline_kinds import registry
from .transitions import declared_transition


class AuditRecordImmutable(Exception):
    """An audit record is written once (`kernel.audit.record`) and never changed or deleted, except by the
    retention purge (`kernel.audit.purge`)."""


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)

    def transitions(self):
        """The records of state transitions only (a transition always names its source state); security
        records (logins, downloads, exports, sign-offs...) keep the state fields empty."""
        return self.exclude(source_state="")

    def timeline(self):
        """An object's history as its pages show it: its transitions, oldest first."""
        return self.transitions().select_related("actor", "actor__organisation").order_by("at", "pk")

    def update(self, **kwargs):
        raise AuditRecordImmutable("Audit records cannot be changed.")

    def delete(self):
        raise AuditRecordImmutable("Audit records cannot be deleted (only the retention purge removes them).")

    def bulk_create(self, *args, **kwargs):
        raise AuditRecordImmutable("Audit records are written one by one through kernel.audit.record.")

    def bulk_update(self, *args, **kwargs):
        raise AuditRecordImmutable("Audit records cannot be changed.")

    def _purge(self):
        """The retention purge's own way out (`kernel.audit.purge`): a plain DELETE of these rows."""
        return self._raw_delete(self.db)


class AuditEntry(models.Model):
    """One row per state transition or security-relevant action (a login, a download, an export, a sign-off...):
    who, when, from where, from and to which state, the comment and the article it rests on. Each row is chained to
    the one before it: `digest` is a keyed hash (HMAC-SM3 or HMAC-SHA-256, `kernel.audit`) of all its fields,
    `previous_digest` and `sequence` included, so an edit, a deletion or an insertion shows (`verify_audit`)."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, null=True, blank=True
    )
    object_id = models.PositiveBigIntegerField(_("object ID"), null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("action"), max_length=64)
    source_state = models.CharField(_("from"), max_length=64, blank=True)
    target_state = models.CharField(_("to"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False, db_index=True)
    comment = models.TextField(_("comment"), blank=True)
    article = models.CharField(_("article"), max_length=32, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    sequence = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    previous_digest = models.CharField(_("digest of the previous record"), max_length=64, blank=True)
    digest = models.CharField(_("digest"), max_length=64)
    algorithm = models.CharField(_("algorithm"), max_length=8)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self):
        if not self.source_state:
            return f"#{self.sequence} {self.transition}"
        return f"{self.transition}: {self.source_state} → {self.target_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditRecordImmutable("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditRecordImmutable("Audit records cannot be deleted (only the retention purge removes them).")

    @property
    def subject_model(self):
        if self.content_type_id is None:
            return None
        return ContentType.objects.get_for_id(self.content_type_id).model_class()

    @property
    def action_label(self):
        """The action as its transition is declared ("Recommend", "Sign the approval for construction"), or the
        label of a security action ("File downloaded")."""
        model = self.subject_model if self.source_state else None  # a security action is no transition
        declared = declared_transition(model, self.transition) if model is not None else None
        return declared.label if declared else action_label(self.transition)

    @property
    def changes_state(self):
        """False for an action that leaves the state as it was (a first recommendation or sign-off)."""
        return self.source_state != self.target_state

    def _state_label(self, code):
        model = self.subject_model if code else None
        choices = dict(model._meta.get_field("status").choices) if model is not None else {}
        return choices.get(code, code)

    @property
    def source_label(self):
        return self._state_label(self.source_state)

    @property
    def target_label(self):
        return self._state_label(self.target_state)


class AuditCheckpoint(models.Model):
    """Where the audit chain is anchored. The one `head` row holds the newest record's sequence and digest: every
    append locks it (one linear chain under concurrent writers) and advances it, and verification compares the last
    record with it (so deleting the newest records shows). A `purge` row is written by each retention purge: the
    sequence and digest of the last record purged, from which verification starts. `mac` seals each row's values."""

    class Kind(models.TextChoices):
        HEAD = "head", _("newest record")
        PURGE = "purge", _("last purged record")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    sequence = models.PositiveBigIntegerField(_("sequence number"), default=0)
    digest = models.CharField(_("digest"), max_length=64, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    purged = models.PositiveBigIntegerField(_("records purged"), default=0)
    mac = models.CharField(_("seal"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain checkpoint")
        verbose_name_plural = _("audit chain checkpoints")
        constraints = [models.UniqueConstraint(fields=["kind"], condition=models.Q(kind="head"), name="one_audit_head")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.sequence}"


class NotificationPreference(models.TextChoices):
    """How a user wants notifications e-mailed (the choice is on the user, in accounts)."""

    IMMEDIATE = "immediate", _("E-mail each notification")
    DAILY_DIGEST = "daily_digest", _("One e-mail digest a day")


class Notification(models.Model):
    """A message in a user's in-app inbox; the e-mail copy is sent by `kernel.notifications`. A message to
    someone without an account (an objector who left an e-mail address) has an `address` and no recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    address = models.EmailField(_("e-mail address"), blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # The outbox (`kernel.notifications.send_emails`): a sender claims the message before sending it; a claim
    # older than settings.MAIL_CLAIM_STALE_MINUTES belongs to a dead worker and is taken over.
    email_claim = models.CharField(_("e-mail claimed by"), max_length=32, blank=True)
    email_claimed_at = models.DateTimeField(_("e-mail claimed at"), null=True, blank=True)
    email_failed_at = models.DateTimeField(
        _("e-mail given up at"), null=True, blank=True,
        help_text=_("The mail server refused the address or the message: it is not sent again."))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(address=""), name="notification_has_an_addressee"
            ),
        ]

    def __str__(self):
        return self.subject


class DeadlineQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=Deadline.State.OPEN)

    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)

    def concerning(self, user):
        """The deadlines a user is concerned with: those of their organisation (calendar, feed)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if not user.organisation_id:
            return self.none()
        return self.filter(organisations=user.organisation_id)

    def upcoming_for(self, user, limit):
        """The first `limit` open deadlines `user` is concerned with, soonest first (calendar, feed). Their keys come from
        the organisation's links and the index of open deadlines alone (`deadline_open`), never from a walk over every
        open deadline; then the rows of those keys: two queries whatever the number of deadlines."""
        page = list(self.concerning(user).open().order_by("due_date", "pk").values_list("pk", flat=True)[:limit])
        return self.filter(pk__in=page).order_by("due_date", "pk")


class Deadline(models.Model):
    """One obligation with a due date (a clock of the Measures), swept by `kernel.tasks.sweep`."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("deadline", "Open")
        MET = "met", _("Met")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(_("object ID"))
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("obligation"), max_length=64)
    article = models.CharField(_("article"), max_length=32, blank=True)
    due_date = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    organisations = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("organisations concerned"), related_name="deadlines", blank=True
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["state", "due_date"]),
            models.Index(fields=["content_type", "object_id"]),
            # An organisation's open deadlines by their links (`upcoming_for`): each link a look-up in this small index.
            models.Index(fields=["id"], include=["due_date"], condition=models.Q(state="open"), name="deadline_open"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=models.Q(state="open"),
                name="one_open_deadline_per_kind_and_object",
            )
        ]

    def __str__(self):
        return f"{self.kind_label} · {self.due_date}"

    @property
    def definition(self):
        return registry.get(self.kind)

    @property
    def kind_label(self):
        definition = self.definition
        return definition.label if definition else self.kind

    def days_left(self, today=None):
        return (self.due_date - (today or timezone.localdate())).days

    @property
    def counts_working_days(self):
        definition = self.definition
        return bool(definition and definition.working_days)


class ReminderSent(models.Model):
    """A reminder sent once per deadline, person and offset: the unique constraint makes it so."""

    deadline = models.ForeignKey(Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+")
    days_before = models.IntegerField(_("days before the due date"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [models.UniqueConstraint(fields=["deadline", "recipient", "days_before"], name="reminder_once_per_person")]

    def __str__(self):
        return _("%(days)s days before the due date") % {"days": self.days_before}


class CalendarDay(models.Model):
    """An exception to Monday-Friday: a public holiday on a weekday or a make-up working day at a weekend.

    Seeded from `chinesecalendar`; administrators may add or correct days in the admin.
    """

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class CalendarYear(models.Model):
    """A year whose holidays are known (announced by the State Council and loaded)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=64, default="chinesecalendar")
    # A year loaded from a State Council schedule file (`kernel.holiday_schedule`): who, when and the file's text.
    loaded_at = models.DateTimeField(_("loaded"), null=True, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("loaded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    schedule = models.TextField(_("schedule as loaded"), blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarFeedToken(models.Model):
    """The secret in a user's private iCalendar feed URL; regenerating it revokes the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self):
        return str(self.user)


class SignOff(models.Model):
    """One ministry's sign-off on a decision the Measures give to "SAMR and MIIT" (Art. 7, 19, 25)."""

    class Ministry(models.TextChoices):
        SAMR = "samr", _("SAMR")
        MIIT = "miit", _("MIIT")

    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(_("object ID"))
    subject = GenericForeignKey("content_type", "object_id")
    decision = models.CharField(_("decision"), max_length=64)
    ministry = models.CharField(_("ministry"), max_length=8, choices=Ministry.choices)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("ministry sign-off")
        verbose_name_plural = _("ministry sign-offs")
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "decision", "ministry"], name="one_signoff_per_ministry_and_decision"
            )
        ]

    def __str__(self):
        return f"{self.get_ministry_display()} · {self.decision}"


class DocumentImmutable(Exception):
    """An issued document or a stored file never changes once rendered: it is what was decided and sent."""


class DocumentQuerySet(models.QuerySet):
    def delete(self):
        raise DocumentImmutable("Documents are never deleted.")

    def purge_copies(self):
        """Delete these rows when none is an issued document: a personal copy made for one reader (a list export,
        `kernel.exports.purge`) goes after its retention period; what was decided and sent stays for ever."""
        if self.issued().exists():
            raise DocumentImmutable("Issued documents are never deleted.")
        return models.QuerySet.delete(self)

    def issued(self):
        """The numbered documents (with a 文号), the register's rows."""
        return self.exclude(number="")


class Document(models.Model):
    """A stored file rendered once, off the request path (`kernel.documents`): an official document with its
    number (`issue`), or a big generated file such as a dossier book or the approved list (`prepare`)."""

    class State(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("could not be prepared")

    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=300)
    issuer = models.CharField(_("issuing authority code"), max_length=32, blank=True)
    issuer_name = models.CharField(_("issuing authority"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("serial number"), null=True, blank=True)
    number = models.CharField(_("document number"), max_length=64, blank=True, db_index=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    content = models.JSONField(_("content"), default=dict, blank=True)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT,
                                     null=True, blank=True)
    object_id = models.PositiveBigIntegerField(_("object ID"), null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    builder = models.CharField(_("builder"), max_length=200, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    content_type_header = models.CharField(_("media type"), max_length=100, default="application/pdf")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    signed = models.BooleanField(_("signed"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "serial"], condition=models.Q(serial__isnull=False),
                                    name="one_document_per_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}" if self.number else self.title

    def save(self, *args, **kwargs):
        if self.pk and Document.objects.filter(pk=self.pk, state=self.State.READY).exists():
            raise DocumentImmutable("A rendered document never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DocumentImmutable("Documents are never deleted.")

    @property
    def ready(self):
        return self.state == self.State.READY


class DocumentCounter(models.Model):
    """The last serial number an issuing authority gave in a year: locked while a number is taken, so numbers are
    gapless (a rolled-back decision gives its number back) and never given twice."""

    issuer = models.CharField(_("issuing authority code"), max_length=32)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last serial number"), default=0)

    class Meta:
        verbose_name = _("document number counter")
        verbose_name_plural = _("document number counters")
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="one_counter_per_issuer_and_year")]

    def __str__(self):
        return f"{self.issuer} {self.year}: {self.last}"
