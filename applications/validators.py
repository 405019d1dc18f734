"""The laboratory's names as Art. 31 fixes them: "××国家质量标准实验室" and its English form."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
