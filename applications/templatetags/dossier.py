"""Display helpers for the application pages (`{% load dossier %}`): status badges, research directions,
field labels. Formatting filters and widgets come from `{% load portal %}`."""

from django import template
from django.apps import apps
from django.utils.text import capfirst

from ..choices import ResearchDirection
from ..models import LAB_NAME_EN_PREFIX, Status

register = template.Library()

STATUS_CSS = {
    Status.DRAFT: "secondary",
    Status.SUBMITTED: "primary",
    Status.RETURNED: "warning",
    Status.RECOMMENDED: "success",
    Status.NOT_RECOMMENDED: "danger",
    Status.WITHDRAWN: "dark",
}


@register.filter
def status_css(value):
    """Bootstrap colour of an application status badge."""
    return STATUS_CSS.get(getattr(value, "value", value), "secondary")


@register.filter
def direction_labels(codes):
    """Art. 3 research direction codes as their translated labels."""
    labels = dict(ResearchDirection.choices)
    return [labels.get(code, code) for code in codes or []]


@register.simple_tag
def label(path):
    """A model field's verbose name, capitalised: {% label "Application.summary" %}."""
    model_name, field_name = path.split(".")
    return capfirst(apps.get_model("applications", model_name)._meta.get_field(field_name).verbose_name)


@register.simple_tag
def name_en_prefix():
    """“State Quality & Standards Laboratory of”: the fixed part of the English name (Art. 31)."""
    return LAB_NAME_EN_PREFIX.strip()
