"""Organisations and users. Roles are stable codes; their labels are translated, never compared."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import NotificationPreference
from kernel.sorting import PinyinSorted, sort_key_field
from kernel.validators import no_control_characters

from .provinces import Province, default_document_prefix


class OrganisationKind(models.TextChoices):
    HOST = "host", _("Host institution")
    COMPETENT_DEPARTMENT = "competent_department", _("Competent department")
    PROVINCIAL_SAMR = "provincial_samr", _("Provincial market regulator")
    PROVINCIAL_MIIT = "provincial_miit", _("Provincial industry and IT department")
    SAMR = "samr", _("SAMR")
    MIIT = "miit", _("MIIT")
    EXPERT_POOL = "expert_pool", _("Expert's own institution")


class HostType(models.TextChoices):
    """Art. 5: labs are built on research institutes, universities or enterprises."""

    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    UNIVERSITY = "university", _("University")
    ENTERPRISE = "enterprise", _("Enterprise")


class Level(models.TextChoices):
    """Art. 10: the level decides who recommends."""

    CENTRAL = "central", _("Central")
    LOCAL = "local", _("Local")


RECOMMENDER_KINDS = (
    OrganisationKind.COMPETENT_DEPARTMENT,
    OrganisationKind.PROVINCIAL_SAMR,
    OrganisationKind.PROVINCIAL_MIIT,
)
MINISTRY_KINDS = (OrganisationKind.SAMR, OrganisationKind.MIIT)


class Organisation(PinyinSorted, models.Model):
    pinyin_sort = ("name_sort", "name")

    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters], unique=True)
    name_sort = sort_key_field()
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    host_type = models.CharField(_("host type"), max_length=32, choices=HostType.choices, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    competent_department = models.ForeignKey(
        "self",
        verbose_name=_("competent department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="central_hosts",
        limit_choices_to={"kind": OrganisationKind.COMPETENT_DEPARTMENT},
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    document_prefix = models.CharField(
        _("document number prefix (机关代字)"), max_length=32, blank=True, validators=[no_control_characters],
        help_text=_("The start of the numbers of the letters this organisation issues through the portal, such as "
                    "京市监质函 in 京市监质函〔2026〕3号. A recommender gets one from its province or name when "
                    "left empty."))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "province", "name_sort", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "province"],
                condition=Q(kind__in=["provincial_samr", "provincial_miit"]),
                name="one_provincial_body_of_each_kind_per_province",
            ),
            models.CheckConstraint(
                condition=~Q(kind="host") | Q(level="central", competent_department__isnull=False)
                | (Q(level="local") & ~Q(province="")),
                name="host_routed_by_level_art10",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.document_prefix and self.is_recommender:
            self.document_prefix = self.default_document_prefix
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "document_prefix"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.kind == OrganisationKind.HOST:
            if not self.host_type:
                raise ValidationError(
                    {"host_type": _("A host institution must be a research institute, university or enterprise (Art. 5).")}
                )
            if self.level == Level.CENTRAL and not self.competent_department_id:
                raise ValidationError(
                    {"competent_department": _("A central-level host needs its competent department, which recommends it (Art. 10).")}
                )
            if self.level == Level.LOCAL and not self.province:
                raise ValidationError(
                    {"province": _("A local host needs its province, whose two provincial bodies recommend it (Art. 10).")}
                )
            if not self.level:
                raise ValidationError({"level": _("A host institution must be central-level or local (Art. 10).")})
        if self.kind in (OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT) and not self.province:
            raise ValidationError({"province": _("A provincial body needs its province.")})

    @property
    def default_document_prefix(self):
        """The 机关代字 derived from the province or the name (`accounts.provinces.default_document_prefix`)."""
        return default_document_prefix(self.kind, self.province, self.name)

    @property
    def is_host(self):
        return self.kind == OrganisationKind.HOST

    @property
    def is_recommender(self):
        return self.kind in RECOMMENDER_KINDS

    @property
    def is_ministry(self):
        return self.kind in MINISTRY_KINDS

    def recommenders(self):
        """Art. 10: who must recommend this host's applications, as a queryset of organisations."""
        if self.level == Level.CENTRAL:
            return Organisation.objects.filter(pk=self.competent_department_id)
        return Organisation.objects.filter(
            kind__in=[OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT], province=self.province
        )


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RECOMMENDER = "recommender", _("Recommender")
    MINISTRY_STAFF = "ministry_staff", _("Ministry staff")
    EXPERT = "expert", _("Expert")
    ADMINISTRATOR = "administrator", _("Administrator")


ROLE_ORGANISATION_KINDS = {
    Role.APPLICANT: (OrganisationKind.HOST,),
    Role.RECOMMENDER: RECOMMENDER_KINDS,
    Role.MINISTRY_STAFF: MINISTRY_KINDS,
}


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.APPLICANT)
    full_name = models.CharField(_("full name"), max_length=100, validators=[no_control_characters], blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    notification_preference = models.CharField(
        _("notification e-mail"), max_length=16, choices=NotificationPreference.choices, default=NotificationPreference.IMMEDIATE
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        allowed = ROLE_ORGANISATION_KINDS.get(self.role)
        if allowed and (self.organisation is None or self.organisation.kind not in allowed):
            raise ValidationError({"organisation": _("This role needs an organisation of a matching kind.")})



class ApiToken(models.Model):
    """A named API token of a user, one per script or device. Only the token's SHA-256 is stored (the token is shown
    once, when it is made) with its first characters, to tell the tokens apart; it expires after
    `API_TOKEN_LIFETIME_HOURS` and is revoked (deleted) at logout and at a password change (`accounts.api_tokens`)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, validators=[no_control_characters])
    prefix = models.CharField(_("first characters"), max_length=8, editable=False)
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_api_token_per_name_and_user")]

    def __str__(self):
        return f"{self.name} ({self.masked})"

    @property
    def masked(self):
        return f"{self.prefix}…"

    @property
    def expired(self):
        return self.expires_at <= timezone.now()
