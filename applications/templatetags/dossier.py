"""Template helpers for the application pages (`{% load dossier %}`).

`cny`, `area` and `cn_date` wrap `labportal.formatting` (same names as the `portal` library, so a
template can switch libraries without other edits); the rest are small display helpers for the
dossier: status badges, field widgets with Bootstrap classes, plain values in revision diffs.
"""

from django import template
from django.forms import CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select, SelectMultiple

from labportal import formatting

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
_STATUS_LABELS = dict(Status.choices)


@register.filter
def cny(value):
    return formatting.format_cny(value)


@register.filter
def area(value):
    return formatting.format_area(value)


@register.filter
def cn_date(value):
    return formatting.format_date(value)


@register.filter
def status_css(value):
    """Bootstrap colour of an application status badge."""
    return STATUS_CSS.get(getattr(value, "value", value), "secondary")


@register.filter
def status_label(value):
    """The translated label of a status code (audit records store codes)."""
    value = getattr(value, "value", value)
    return _STATUS_LABELS.get(value, value or "—")


@register.filter
def plain(value):
    """A snapshot value for people: lists joined, booleans and blanks spelled out."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(plain(v) for v in value)
    if value is True:
        return "✓"
    if value is False:
        return "✗"
    return str(value)


def _css(bound_field):
    widget = bound_field.field.widget
    if isinstance(widget, (CheckboxInput, CheckboxSelectMultiple, RadioSelect)):
        css = "form-check-input"
    elif isinstance(widget, (Select, SelectMultiple)):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    return css


@register.simple_tag
def widget(bound_field, small=False, **attrs):
    """Render a field's widget with Bootstrap classes, is-invalid and aria-describedby."""
    css = _css(bound_field)
    if small and "form-check" not in css:
        css += " form-control-sm" if css.startswith("form-control") else " form-select-sm"
    existing = bound_field.field.widget.attrs.get("class", "")
    attrs["class"] = f"{existing} {css}".strip()
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field):
    return isinstance(bound_field.field.widget, CheckboxInput)


@register.filter
def is_multiple_choice(bound_field):
    return isinstance(bound_field.field.widget, (CheckboxSelectMultiple, RadioSelect))


@register.filter
def direction_labels(codes):
    """Art. 3 research direction codes as their translated labels."""
    from ..choices import ResearchDirection

    labels = dict(ResearchDirection.choices)
    return [labels.get(code, code) for code in codes or []]


@register.simple_tag
def label(path):
    """A model field's verbose name, capitalised: {% label "Application.summary" %}."""
    from django.apps import apps
    from django.utils.text import capfirst

    model_name, field_name = path.split(".")
    return capfirst(apps.get_model("applications", model_name)._meta.get_field(field_name).verbose_name)


@register.simple_tag
def name_en_prefix():
    """“State Quality & Standards Laboratory of”: the fixed part of the English name (Art. 31)."""
    return LAB_NAME_EN_PREFIX.strip()
