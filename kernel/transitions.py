"""The one way a state changes: lock the row, check permission and state, run the @transition,
save, audit (see `signals.py`) and notify after commit.

Models declare their transitions with django-fsm's `@transition(..., permission=..., custom={...})`.
`custom` carries `label` (shown on buttons), `article` (cited in the audit) and optionally
`comment_required`, `button` (Bootstrap colour), `form` (the URL name of the page that collects the
transition's data, instead of a bare button), `internal` (run only by a service, e.g. opening a
review round moves each application; never offered as an action nor accepted from the API) and
`drastic` with its `consequence` (an action that ends or removes something: pages keep it apart and
ask for a second confirmation that names the consequence).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed, has_transition_perm

from .rules import RuleViolation


class TransitionConflict(Exception):
    """The object is not in a state that allows this action (HTTP 409)."""

    def __init__(self, message, article=""):
        super().__init__(message)
        self.message = message
        self.article = article


@dataclass(frozen=True)
class AvailableTransition:
    name: str
    label: str
    article: str
    comment_required: bool
    button: str
    form: str
    drastic: bool = False
    consequence: str = ""


def _meta(transition):
    custom = transition.custom or {}
    return AvailableTransition(
        name=transition.name,
        label=str(custom.get("label", transition.name)),
        article=custom.get("article", ""),
        comment_required=custom.get("comment_required", False),
        button=custom.get("button", "primary"),
        form=custom.get("form", ""),
        drastic=bool(custom.get("drastic", False)),
        consequence=str(custom.get("consequence", "")),
    )


def declared_transition(model, name, field="status"):
    """The metadata of transition `name` as `model` declares it (None if it has no such transition)."""
    for t in model._meta.get_field(field).get_all_transitions(model):
        if t.name == name:
            return _meta(t)
    return None


def available_transitions(obj, user, field="status", only=()):
    """The transitions `user` may take now, for rendering buttons and the API; `only`: just these names, whose
    permissions alone are asked (a round's page asks one transition of each of its 125 assignments)."""
    return [_meta(t) for t in getattr(obj, f"get_available_{field}_transitions")()
            if not (t.custom or {}).get("internal") and (not only or t.name in only) and t.has_perm(obj, user)]


def fsm_permission(predicate, party=None):
    """A `rules` predicate over (user, obj) as the permission of an @transition, which django-fsm calls
    with (obj, user). For a predicate that depends on the state, `party` is the state-independent one
    that tells a party acting at the wrong time (409) from a stranger (403); see `_could_ever`."""

    def permission(obj, user):
        return predicate.test(user, obj)

    permission.predicate = predicate
    if party is not None:
        permission.party = fsm_permission(party)
    return permission


def transition_names(obj, field="status"):
    return {t.name for t in getattr(obj, f"get_all_{field}_transitions")()}


def run_transition(obj, name, user, comment="", field="status", internal=False, as_system=False, **kwargs):
    """Run transition `name` on `obj` for `user`. Returns the refreshed, saved object.

    `as_system` is for consequences the Measures attach to a lapsed deadline (the sweep acts, user
    None): the permission is not asked, the state still is.
    Raises PermissionDenied (403), TransitionConflict (409) or RuleViolation (400).
    """
    if name not in transition_names(obj, field):
        raise TransitionConflict(_("Unknown action."))
    declared = next(t for t in getattr(obj, f"get_all_{field}_transitions")() if t.name == name)
    if (declared.custom or {}).get("internal") and not internal:
        raise TransitionConflict(_("This step happens through its own page, not as a bare action."))
    comment = (comment or "").strip()
    model = type(obj)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        method = getattr(locked, name)
        meta = _meta(declared)
        if as_system:
            if not can_proceed(method):
                raise TransitionConflict(_("This action is not possible in the current state."))
        elif not has_transition_perm(method, user):
            if name in {t.name for t in getattr(locked, f"get_available_{field}_transitions")()}:
                raise PermissionDenied(_("You are not allowed to do this."))
            if not _could_ever(locked, name, user, field):
                raise PermissionDenied(_("You are not allowed to do this."))
            raise TransitionConflict(
                _("This action is not possible while the status is “%(status)s”.")
                % {"status": getattr(locked, f"get_{field}_display")()}
            )
        if meta.comment_required and not comment:
            raise RuleViolation(_("Please give a comment for this action."), field="comment", article=meta.article)
        try:
            method(by=user, comment=comment, **kwargs)
            locked.save()
        except TransitionNotAllowed as exc:
            raise TransitionConflict(str(exc)) from exc
        except ConcurrentTransition as exc:
            raise TransitionConflict(_("Someone else changed this at the same moment; reload and try again.")) from exc
    return locked


def _could_ever(obj, name, user, field):
    """Whether the permission would pass in a state allowing `name` (to tell 403 from 409).

    A state-dependent permission callable names, as its `party` attribute, the state-independent
    test of whether `user` is a party to this action at all.
    """
    for t in getattr(obj, f"get_all_{field}_transitions")():
        if t.name == name:
            party = getattr(t.permission, "party", None)
            if callable(party):
                return bool(party(obj, user))
            return t.has_perm(obj, user)
    return False
