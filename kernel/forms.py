"""What every app's browser forms share: refusals shown on the field they name, and text areas."""

from django import forms

from .rules import refusal_text


def textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class RuleFormMixin:
    """Show a RuleViolation (or PermissionDenied) on its field, or above the form, with its article."""

    rule_field_map = {}

    def add_rule_violation(self, exc):
        field = getattr(exc, "field", None)
        field = self.rule_field_map.get(field, field)
        self.add_error(field if field in self.fields else None, refusal_text(exc))
