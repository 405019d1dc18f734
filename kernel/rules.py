"""The error every rule of the Measures raises: a translated message, the field, the article."""

from django.core.exceptions import ValidationError

from .citations import with_citation


class RuleViolation(ValidationError):
    """A business rule refused the action; carries the article it enforces (e.g. "Art. 18")."""

    def __init__(self, message, *, article="", field=None, code="rule"):
        self.article = article
        self.field = field
        if field:
            super().__init__({field: [ValidationError(message, code=code)]})
        else:
            super().__init__(message, code=code)
        self.rule_message = message


def refusal_text(exc):
    """What a person is told of a refusal (a RuleViolation, PermissionDenied, a transition conflict): its
    message followed by the article it rests on, cited in their language."""
    message = getattr(exc, "rule_message", None) or getattr(exc, "message", None)
    if not message:
        message = " ".join(getattr(exc, "messages", None) or []) or str(exc)
    return with_citation(message, getattr(exc, "article", ""))
