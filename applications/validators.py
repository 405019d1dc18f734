"""The laboratory's names as Art. 31 fixes them: "××国家质量标准实验室" and its English form; who may be a member
of an application's consortium (Art. 5)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind

LAB_NAME_SUFFIX = "国家质量标准实验室"
LAB_NAME_EN_PREFIX = "State Quality & Standards Laboratory of "


def validate_lab_name_zh(value):
    """Art. 31: "××国家质量标准实验室", with a non-empty ×× part."""
    value = (value or "").strip()
    if not value.endswith(LAB_NAME_SUFFIX) or not value[: -len(LAB_NAME_SUFFIX)].strip():
        raise ValidationError(
            _("The Chinese name must read “××国家质量标准实验室” with a non-empty ×× part (Art. 31)."),
            code="art31",
        )


def validate_lab_name_en_subject(value):
    value = (value or "").strip()
    if not value or value.lower().startswith(("state quality", "of ")) or not re.search(r"[A-Za-z]", value):
        raise ValidationError(
            _("Give the ×× part in English only, e.g. “Industrial Robots”; the portal writes the rest (Art. 31)."),
            code="art31",
        )


# Art. 5: laboratories are built on host institutions (research institutes, universities, enterprises), alone or
# in a consortium of them; ministries, recommenders and experts' institutions are never members.
CONSORTIUM_MEMBER_KINDS = (OrganisationKind.HOST,)
NOT_A_HOST_MESSAGE = _("Only a host institution (research institute, university or enterprise) can be a "
                       "consortium member; ministries, recommenders and experts' institutions cannot (Art. 5).")


def consortium_candidates():
    """The organisations that may be a consortium member (the form's choices)."""
    return Organisation.objects.filter(kind__in=CONSORTIUM_MEMBER_KINDS)


def validate_consortium_member(organisation):
    """Art. 5: a consortium member is a host institution."""
    if organisation is not None and organisation.kind not in CONSORTIUM_MEMBER_KINDS:
        raise ValidationError({"organisation": NOT_A_HOST_MESSAGE}, code="art5")
