"""The Django admin: the site's branding, the base classes every app's admin uses, and the admin of the
shared records (audit trail, notifications, deadlines, sign-offs, the working-day calendar).

Every status is a protected FSM field that changes only through its transitions (staff pages, the API,
the deadline sweep): `PortalModelAdmin` makes it read-only everywhere. Records the portal writes as work
happens are looked at here, not edited (`ReadOnlyAdmin`). Lists name the related rows they show in
`list_select_related` (or prefetch them), so a page costs the same number of queries whatever its rows.
"""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMFieldMixin

from .audit_labels import all_transition_labels, state_label, transition_label
from .citations import cite as cite_article
from .deadlines import registry
from .formatting import format_date
from .holiday_schedule import ScheduleInvalid, decode, example_text, load_schedule, parse
from .models import (
    AuditCheckpoint,
    AuditEntry,
    CalendarDay,
    CalendarFeedToken,
    CalendarYear,
    Deadline,
    Document,
    DocumentCounter,
    Notification,
    ReminderSent,
    SignOff,
)

admin.site.site_header = _("State Quality & Standards Laboratory Management Platform · Administration")
admin.site.site_title = _("State Quality & Standards Laboratory Management Platform · Administration")
admin.site.index_title = _("Administration")


def _portal_login(request, extra_context=None):
    """No login form of the admin's own: the portal's (captcha, pauses, then the second factor) lets people in; a
    signed-in user the admin refuses gets a 403, never a second form to try other people's passwords in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if admin.site.has_permission(request):
        return redirect("admin:index")
    raise PermissionDenied


admin.site.login = _portal_login


class PortalModelAdmin(admin.ModelAdmin):
    """A status changes only through its transitions: every FSM field is read-only in the admin."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [f.name for f in self.model._meta.fields if isinstance(f, FSMFieldMixin) and f.name not in fields]


class ReadMostlyAdmin(PortalModelAdmin):
    """Records the portal's pages and services create: corrected here if need be, never added or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadMostlyAdmin):
    """Records of what happened (the audit trail, scores, sign-offs): looked at, never changed."""

    def has_change_permission(self, request, obj=None):
        return False


# --- subjects of generic records (audit entries, deadlines, sign-offs) ---------------------------------

_subject_querysets = {}


def register_audit_subject(queryset):
    """Apps whose objects' names need related rows register the queryset that fetches them
    (e.g. an assignment is named by its expert and application), so generic lists stay N+1-free."""
    _subject_querysets[queryset.model] = queryset


def subject_prefetch():
    return GenericPrefetch("subject", list(_subject_querysets.values()))


register_audit_subject(CalendarFeedToken.objects.select_related("user"))


def subject_text(obj):
    """“application: 某某国家质量标准实验室”: the kind of object and its name, as text."""
    if obj.content_type_id is None:
        return "—"
    model = obj.content_type.model_class()
    kind = capfirst(model._meta.verbose_name) if model else obj.content_type.model
    subject = obj.subject
    return f"{kind}: {subject if subject is not None else '#' + str(obj.object_id)}"


class ReadOnlyInline(admin.TabularInline):
    """A record's rows shown beside it, never added, changed or deleted here: `fields` are all read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class SubjectTypeFilter(admin.SimpleListFilter):
    """The kinds of object a generic record concerns, by their names (only kinds that occur)."""

    title = _("object type")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        ids = model_admin.model.objects.exclude(content_type=None).order_by().values_list("content_type_id", flat=True).distinct()
        types = [ContentType.objects.get_for_id(pk) for pk in ids]
        return sorted(((t.pk, t.model_class()._meta.verbose_name if t.model_class() else t.model) for t in types),
                      key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if self.value() else queryset


class TransitionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        models = [m for m in apps.get_models() if any(isinstance(f, FSMFieldMixin) for f in m._meta.fields)]
        return all_transition_labels(models)

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


class ArticleFilter(admin.SimpleListFilter):
    title = _("article")
    parameter_name = "article"

    def lookups(self, request, model_admin):
        cited = model_admin.model.objects.exclude(article="").order_by().values_list("article", flat=True).distinct()
        return sorted(((a, cite_article(a)) for a in cited), key=lambda pair: int("".join(c for c in pair[0] if c.isdigit()) or 0))

    def queryset(self, request, queryset):
        return queryset.filter(article=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail in words: the object's name, the action's label, the states' labels, who, when
    (Beijing time), from which address and the article cited, in the reader's language. Strictly read-only: no
    add, change or delete (nor the bulk delete action); the model itself refuses changes (`kernel.audit`)."""

    actions = None
    ordering = ["-sequence"]
    list_display = ["sequence", "when", "object_name", "action", "from_state", "to_state", "actor_name", "client_ip",
                    "cited_article", "comment_excerpt"]
    list_filter = [SubjectTypeFilter, TransitionFilter, ArticleFilter]
    list_select_related = ["content_type", "actor", "actor__organisation"]
    search_fields = ["comment", "actor__username", "actor__full_name"]
    date_hierarchy = "at"
    fields = ["sequence", "when", "object_name", "action", "from_state", "to_state", "actor_name", "client_ip",
              "cited_article", "comment", "data", "algorithm", "previous_digest", "digest"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(subject_prefetch())

    @staticmethod
    def _model(entry):
        return entry.content_type.model_class() if entry.content_type_id else None

    @admin.display(description=_("at"), ordering="at")
    def when(self, entry):
        return format_date(entry.at)

    @admin.display(description=_("object"))
    def object_name(self, entry):
        return subject_text(entry)

    @admin.display(description=_("action"), ordering="transition")
    def action(self, entry):
        return transition_label(self._model(entry), entry.transition)

    @admin.display(description=_("from"))
    def from_state(self, entry):
        return state_label(self._model(entry), entry.source_state)

    @admin.display(description=_("to"))
    def to_state(self, entry):
        return state_label(self._model(entry), entry.target_state)

    @admin.display(description=_("by"), ordering="actor")
    def actor_name(self, entry):
        if entry.actor is None:
            return _("System")
        return f"{entry.actor} ({entry.actor.organisation})" if entry.actor.organisation else str(entry.actor)

    @admin.display(description=_("article"), ordering="article")
    def cited_article(self, entry):
        return cite_article(entry.article) if entry.article else "—"

    @admin.display(description=_("comment"))
    def comment_excerpt(self, entry):
        return Truncator(entry.comment).chars(80) if entry.comment else "—"


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    """Where the audit chain is anchored: its newest record and each purge's last record (read-only)."""

    actions = None
    list_display = ["kind", "sequence", "at", "purged", "digest"]
    list_filter = ["kind"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Issued documents and stored files: what was decided and sent, looked at, never changed."""

    list_display = ["number", "title", "kind", "object_name", "issuer_name", "issued_on", "state", "signed", "created_at"]
    list_filter = ["kind", "state", "signed", "issuer"]
    list_select_related = ["content_type"]
    search_fields = ["number", "title", "sha256"]
    date_hierarchy = "created_at"
    exclude = ["content"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(subject_prefetch())

    @admin.display(description=_("object"))
    def object_name(self, document):
        """What the decision was about (a recommender's review, a notice, a laboratory's record)."""
        return subject_text(document)


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ["issuer", "year", "last"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "subject", "read_at", "emailed_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter),
                   ("email_failed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__username", "recipient__full_name"]
    date_hierarchy = "created_at"


class DeadlineKindFilter(admin.SimpleListFilter):
    title = _("obligation")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted(((code, kind.label) for code, kind in registry.items()), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Deadline)
class DeadlineAdmin(ReadMostlyAdmin):
    """A due date may be corrected here (e.g. a holiday announced late); its state moves only by the sweep
    and the transitions."""

    list_display = ["obligation", "object_name", "due_date", "state", "cited_article"]
    list_filter = ["state", DeadlineKindFilter, ArticleFilter]
    list_select_related = ["content_type"]
    date_hierarchy = "due_date"
    readonly_fields = ["content_type", "object_id", "kind", "article", "state", "organisations", "created_at", "closed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(subject_prefetch())

    @admin.display(description=_("obligation"), ordering="kind")
    def obligation(self, deadline):
        return deadline.kind_label

    @admin.display(description=_("object"))
    def object_name(self, deadline):
        return subject_text(deadline)

    @admin.display(description=_("article"), ordering="article")
    def cited_article(self, deadline):
        return cite_article(deadline.article) if deadline.article else "—"


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "recipient", "deadline", "days_before"]
    list_select_related = ["recipient", "deadline"]
    date_hierarchy = "sent_at"


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(ReadOnlyAdmin):
    """Who has a private calendar feed; the secret itself is never shown (delete to revoke)."""

    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    fields = ["user", "created_at"]
    search_fields = ["user__username", "user__full_name"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


_signoff_decisions = {}


def register_signoff_decision(code, label):
    """The label of a joint decision the apps sign (`kernel.signoffs`), e.g. the approval for construction."""
    _signoff_decisions[code] = label


class DecisionFilter(admin.SimpleListFilter):
    title = _("decision")
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return sorted(_signoff_decisions.items(), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(decision=self.value()) if self.value() else queryset


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    """One ministry's sign-off on a joint decision (Art. 7, 19, 25): a record, never edited."""

    list_display = ["signed_at", "ministry", "decision_label", "object_name", "signed_by", "comment"]
    list_filter = ["ministry", DecisionFilter]
    list_select_related = ["content_type", "signed_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(subject_prefetch())

    @admin.display(description=_("decision"), ordering="decision")
    def decision_label(self, signoff):
        return _signoff_decisions.get(signoff.decision, signoff.decision)

    @admin.display(description=_("object"))
    def object_name(self, signoff):
        return subject_text(signoff)


@admin.register(CalendarDay)
class CalendarDayAdmin(PortalModelAdmin):
    """Holidays and make-up working days: correct or add days the State Council announces."""

    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


class ScheduleUploadForm(forms.Form):
    """A State Council holiday schedule file (`kernel.holiday_schedule`), checked line by line on upload."""

    file = forms.FileField(label=_("Schedule file"),
                           help_text=_("A UTF-8 text file: one line “year 2027”, then a “holiday” line per holiday "
                                       "period and a “workday” line per make-up working day."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            text = decode(upload.read())
            self.schedule = parse(text)
        except ScheduleInvalid as invalid:
            raise ValidationError([str(error) for error in invalid.errors]) from None
        self.text = text
        return upload


@admin.register(CalendarYear)
class CalendarYearAdmin(PortalModelAdmin):
    """The years whose holidays are loaded. “Load a State Council schedule” reads next year's notice from a text
    file (`kernel.holiday_schedule`): the year's exceptions are replaced at once, or nothing is saved."""

    list_display = ["year", "source", "loaded", "loaded_by_name"]
    list_select_related = ["loaded_by"]
    readonly_fields = ["loaded_at", "loaded_by", "schedule"]
    change_list_template = "admin/labportal/calendaryear/change_list.html"

    @admin.display(description=_("loaded"), ordering="loaded_at")
    def loaded(self, year):
        return format_date(year.loaded_at) if year.loaded_at else "—"

    @admin.display(description=_("loaded by"), ordering="loaded_by")
    def loaded_by_name(self, year):
        return str(year.loaded_by) if year.loaded_by else "—"

    def may_load(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        return [path("load/", self.admin_site.admin_view(self.load_view), name="labportal_calendaryear_load"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "may_load": self.may_load(request)})

    def load_view(self, request):
        if not self.may_load(request):
            raise PermissionDenied
        form = ScheduleUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            loaded = load_schedule(form.schedule, by=request.user, text=form.text)
            message = (_("The %(year)s holiday schedule replaced the one loaded before: %(holidays)s weekdays off, "
                         "%(workdays)s make-up working days.") if loaded.replaced else
                       _("The %(year)s holiday schedule is loaded: %(holidays)s weekdays off, %(workdays)s make-up "
                         "working days."))
            messages.success(request, message % {"year": loaded.year, "holidays": loaded.holidays,
                                                 "workdays": loaded.workdays})
            return redirect("admin:labportal_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Load a State Council holiday schedule"),
            "opts": self.model._meta,
            "form": form,
            "example": example_text(),
        }
        return TemplateResponse(request, "admin/labportal/calendaryear/load.html", context)

