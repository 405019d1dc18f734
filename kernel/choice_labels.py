"""The labels of model choices, made once per field and language.

Django's `get_FOO_display` builds a dict of the field's choices and translates every label again on each call: about
a third of the time of a list page at national scale (a status, a field and a province per row). `choice_labels` is
the table, and `use_choice_labels` points every model's `get_FOO_display` at it when the apps are ready."""

import functools
from functools import partialmethod

from django.apps import apps
from django.utils import translation
from django.utils.hashable import make_hashable


@functools.cache
def choice_labels(model_field, language):
    """{value: label} of a model field's choices in `language`."""
    with translation.override(language):
        return {make_hashable(value): str(label) for value, label in model_field.flatchoices}


def _display(instance, field):
    """What Django's `_get_FIELD_display` answers (a value outside the choices is given as it is), from the table."""
    value = getattr(instance, field.attname)
    return choice_labels(field, translation.get_language()).get(make_hashable(value), value)


def use_choice_labels():
    """Every `get_FOO_display` Django made for a field with choices now reads `choice_labels` (one defined by hand in a
    model's class is left alone)."""
    for model in apps.get_models():
        for field in model._meta.fields:
            name = f"get_{field.name}_display"
            if field.choices is not None and isinstance(model.__dict__.get(name), partialmethod):
                setattr(model, name, partialmethod(_display, field=field))
