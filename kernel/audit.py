"""The one way an audit record is written: by a transition (`kernel.signals`) or by any other action the
record must show (an assignment, a score saved, a download, an ID number revealed)."""

from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry


def record(action, subject, *, actor=None, comment="", article="", data=None, source="", target=""):
    """Write one audit record of `action` on `subject`; a non-transition action keeps the state fields empty."""
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        transition=action,
        source_state=source,
        target_state=target,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        comment=comment,
        article=article,
        data=data or {},
    )
