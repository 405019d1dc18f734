"""The laboratory (实验室), created when SAMR and MIIT approve its construction (Art. 13, 18).

This holds its identity and construction clock; acceptance, operation and evaluation (Art. 18-27)
grow from here.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin

from accounts.models import Organisation, Role
from applications.choices import Field
from applications.models import LAB_NAME_EN_PREFIX, Application


class LabStatus(models.TextChoices):
    CONSTRUCTION = "construction", _("Under construction")


PUBLIC_LAB_STATES = (LabStatus.CONSTRUCTION,)


class LaboratoryQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role in (Role.ADMINISTRATOR, Role.MINISTRY_STAFF):
            return self
        if user.role == Role.APPLICANT and user.organisation_id:
            return self.filter(Q(host_id=user.organisation_id) | Q(application__consortium_members__organisation_id=user.organisation_id)).distinct()
        if user.role == Role.RECOMMENDER and user.organisation_id:
            return self.filter(application__preliminary_reviews__recommender_id=user.organisation_id).distinct()
        return self.none()

    def public(self):
        return self.filter(status__in=PUBLIC_LAB_STATES)


class Laboratory(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="laboratory")
    name_zh = models.CharField(_("name"), max_length=100)
    name_en_subject = models.CharField(_("×× part of the English name"), max_length=150)
    host = models.ForeignKey(Organisation, verbose_name=_("host institution"), on_delete=models.PROTECT, related_name="laboratories")
    field = models.CharField(_("field (Art. 4)"), max_length=40, choices=Field.choices)
    province = models.CharField(_("province"), max_length=2, blank=True)
    status = FSMField(_("status"), default=LabStatus.CONSTRUCTION, choices=LabStatus.choices, protected=True, db_index=True)
    approved_on = models.DateField(_("approved on"))
    construction_start = models.DateField(_("construction start"))
    construction_end = models.DateField(_("construction end (Art. 18)"))

    objects = LaboratoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("laboratory")
        verbose_name_plural = _("laboratories")
        ordering = ["-approved_on", "name_zh"]

    def __str__(self):
        return self.name_zh

    @property
    def name_en(self):
        return f"{LAB_NAME_EN_PREFIX}{self.name_en_subject}"

    def get_absolute_url(self):
        return reverse("applications:detail", args=[self.application_id])
