"""Every django-fsm transition writes one audit record and is announced (after commit) to whoever the
notification tables name for it (`kernel.notifications`). A transition whose article depends on the case
(a termination proposed under Art. 18 or 19) sets `_audit_article` on the instance; `_audit_data` adds facts."""

from django.dispatch import receiver
from django_fsm.signals import post_transition

from .audit import record
from .notifications import notify


def _state(value):
    return getattr(value, "value", value)  # django-fsm may hand over an enum member


@receiver(post_transition, dispatch_uid="labportal_audit_transition")
def audit_transition(sender, instance, name, source, target, **kwargs):
    method_kwargs = kwargs.get("method_kwargs") or {}
    state_field = kwargs.get("field") or instance._meta.get_field("status")  # the FSM field that moved
    transition = next((t for t in state_field.get_all_transitions(sender) if t.name == name), None)
    custom = (transition.custom if transition else None) or {}
    entry = record(
        name, instance,
        source=_state(source),
        target=_state(target),
        actor=method_kwargs.get("by"),
        comment=method_kwargs.get("comment", ""),
        article=getattr(instance, "_audit_article", "") or custom.get("article", ""),
        data=getattr(instance, "_audit_data", {}) or {},
    )
    instance._audit_data, instance._audit_article = {}, ""
    notify(name, instance, actor=entry.actor, comment=entry.comment, source=entry.source_state,
           target=entry.target_state)  # after commit: a mail failure never undoes a decision
