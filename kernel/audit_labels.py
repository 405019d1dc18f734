"""Words for the codes an audit record stores: the label of a transition and of a state, as the model
declares them (`@transition(custom={"label": ...})`, the FSM field's choices), and of a security action that
is no transition (`ACTION_LABELS`). Lazy, so each reader gets their own language; cached per model, so a list
of records costs no query for its labels."""

from functools import cache

from django.utils.translation import gettext_lazy as _
from django_fsm import FSMFieldMixin

# Security-relevant actions that are not transitions (`kernel.audit.record`): their words, in the reader's language.
# Other apps add theirs with `register_action` (e.g. an ID number revealed).
ACTION_LABELS = {
    "login": _("Logged in"),
    "login_failed": _("Failed login"),
    "login_locked_out": _("Login locked out"),
    "logout": _("Logged out"),
    "create_account": _("Account created"),
    "change_permissions": _("Role or permissions changed"),
    "upload": _("File uploaded"),
    "delete_file": _("File deleted"),
    "download": _("File downloaded"),
    "export": _("List exported"),
    "sign_off": _("Signed off"),
    "sign_offs_lapsed": _("Sign-offs lapsed (the text changed)"),
    "assign_expert": _("Expert assigned"),
    "save_scores": _("Scores saved"),
    "change_committee": _("Committee composition changed"),
    "purge_audit": _("Audit records past retention purged"),
    "verify_audit": _("Audit chain verified"),
    "issue_api_token": _("API token issued"),
    "revoke_api_token": _("API tokens revoked"),
}


def register_action(code, label):
    """Give the label of an action code another app records (`kernel.audit.record(code, ...)`)."""
    ACTION_LABELS[code] = label


def action_label(code):
    return ACTION_LABELS.get(code, code)


def _fsm_fields(model):
    return [f for f in model._meta.fields if isinstance(f, FSMFieldMixin)]


@cache
def transition_labels(model):
    """{transition name: label} of every FSM field of `model`."""
    labels = {}
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
    """The label of a transition of `model`, else of a security action, else the code itself."""
    label = transition_labels(model).get(name) if model is not None else None
    return label if label is not None else action_label(name)


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
    for name, label in ACTION_LABELS.items():
        merged.setdefault(name, [label])
    return sorted(((name, " / ".join(str(x) for x in labels)) for name, labels in merged.items()), key=lambda p: p[1])
