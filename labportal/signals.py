"""Every django-fsm transition writes one audit record and queues its notifications after commit."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import receiver
from django.utils import translation
from django_fsm.signals import post_transition

from .models import AuditEntry


def _state(value):
    return getattr(value, "value", value)  # django-fsm may hand over an enum member


@receiver(post_transition, dispatch_uid="labportal_audit_transition")
def audit_transition(sender, instance, name, source, target, **kwargs):
    method_kwargs = kwargs.get("method_kwargs") or {}
    state_field = kwargs.get("field") or instance._meta.get_field("status")  # the FSM field that moved
    transition = next((t for t in state_field.get_all_transitions(sender) if t.name == name), None)
    custom = (transition.custom if transition else None) or {}
    entry = AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        transition=name,
        source_state=_state(source),
        target_state=_state(target),
        actor=method_kwargs.get("by"),
        comment=method_kwargs.get("comment", ""),
        article=custom.get("article", ""),
        data=getattr(instance, "_audit_data", {}) or {},
    )
    instance._audit_data = {}
    notify = getattr(instance, "notify_transition", None)
    if notify is not None:
        transaction.on_commit(lambda: _in_portal_language(notify, entry), robust=True)  # a mail failure never undoes a decision


def _in_portal_language(notify, entry):
    """Messages are written in the portal's language, whatever language the person acting browses in."""
    with translation.override(settings.LANGUAGE_CODE):
        notify(entry)
