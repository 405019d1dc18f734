"""Creating the laboratory when its construction is approved (Art. 13, 18)."""

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from labportal.deadlines import open_deadline

from .deadlines import CONSTRUCTION_PERIOD
from .models import Laboratory

CONSTRUCTION_MONTHS = 24


def create_laboratory(application, by):
    """Inside the approving transition: the lab starts building today, for 24 months (Art. 18)."""
    today = timezone.localdate()
    lab = Laboratory.objects.create(
        application=application, name_zh=application.name_zh, name_en_subject=application.name_en_subject,
        host=application.host, field=application.field, province=application.host.province,
        approved_on=today, construction_start=today,
        construction_end=today + relativedelta(months=CONSTRUCTION_MONTHS),
    )
    ministries = Organisation.objects.filter(kind__in=[OrganisationKind.SAMR, OrganisationKind.MIIT])
    open_deadline(lab, CONSTRUCTION_PERIOD.code, lab.construction_end, [application.host, *ministries])
    return lab
