"""The project's select (templates/django/forms/widgets/select.html, options written by `select_options`) writes
the markup Django's own templates write, for every kind of option, and escapes what it is given."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates


class BoldOption(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"  # an option drawn by a template of its own


CHOICES = [("", "—"), ("a&b", "甲 & <乙>"), ("Group \"x\"", [(1, "一"), (2, "二")]), (3, "三")]


def markup(widget, value, renderer=None):
    return re.sub(r"\s+", " ", widget.render("pick", value, attrs={"id": "id_pick"}, renderer=renderer)).strip()


def test_the_select_writes_djangos_markup_for_plain_grouped_selected_and_disabled_options():
    for widget, value in ((forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True}), 2),
                          (forms.SelectMultiple(choices=CHOICES), ["a&b", 3]),
                          (forms.NullBooleanSelect(), True)):
        ours = markup(widget, value)
        assert ours == markup(widget, value, DjangoTemplates())
    ours = markup(forms.Select(choices=CHOICES), "a&b")
    assert '<option value="a&amp;b" selected>甲 &amp; &lt;乙&gt;</option>' in ours
    assert '<optgroup label="Group &quot;x&quot;">' in ours


def test_an_option_with_a_template_of_its_own_is_drawn_by_it():
    widget = BoldOption(choices=[(1, "一"), (2, "二")])
    assert markup(widget, 1) == markup(widget, 1, DjangoTemplates())
