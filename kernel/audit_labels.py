"""Words for the codes an audit record stores: the label of a transition and of a state, as the model
declares them (`@transition(custom={"label": ...})`, the FSM field's choices). Lazy, so each reader gets
their own language; cached per model, so a list of records costs no query for its labels."""

from functools import cache

from django_fsm import FSMFieldMixin


def _fsm_fields(model):
    return [f for f in model._meta.fields if isinstance(f, FSMFieldMixin)]


@cache
def transition_labels(model):
    """{transition name: label} of every FSM field of `model`, and of the other actions its audit records name
    (`audit_actions = {"reveal_id_number": _("...")}` on the model, for `kernel.audit.record`)."""
    labels = dict(getattr(model, "audit_actions", {}))
    for field in _fsm_fields(model):
        for t in field.get_all_transitions(model):
            labels.setdefault(t.name, (t.custom or {}).get("label", t.name))
    return labels


@cache
def state_labels(model):
    """{state code: label} of every FSM field of `model`."""
    labels = {}
    for field in _fsm_fields(model):
        labels.update({value: label for value, label in field.flatchoices})
    return labels


def transition_label(model, name):
    return transition_labels(model).get(name, name) if model is not None else name


def state_label(model, code):
    return state_labels(model).get(code, code) if model is not None else code


def all_transition_labels(models):
    """(name, label) of every transition of `models`, for a filter; names shared by several models
    (approve, withdraw) show their labels joined when they differ."""
    merged = {}
    for model in models:
        for name, label in transition_labels(model).items():
            merged.setdefault(name, [])
            if str(label) not in [str(x) for x in merged[name]]:
                merged[name].append(label)
    return sorted(((name, " / ".join(str(x) for x in labels)) for name, labels in merged.items()), key=lambda p: p[1])
