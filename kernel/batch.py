"""Batch actions on a list's selection: what every app's batch module builds on.

A batch never hides what it did to which item: each selected id ends as one `ItemResult` (done, refused with
the reason and its article, skipped because not in the state the action needs, ready for a next step, or not
found). Ids the user may not see are "not found", exactly like a missing id, and are never acted on. Whether a
batch is per item (`each`: every item in its own transaction, a refusal leaves the others done) or all-or-nothing
(a service that takes the whole selection, such as opening a round) is the action's, and the report says which.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .rules import RuleViolation
from .transitions import TransitionConflict
from .web import rule_text

DONE, REFUSED, SKIPPED, READY, NOT_FOUND = "done", "refused", "skipped", "ready", "not_found"
OUTCOME_LABELS = {
    DONE: _("Done"),
    REFUSED: _("Refused"),
    SKIPPED: _("Skipped"),
    READY: _("Ready"),
    NOT_FOUND: _("Not found"),
}
MAX_SELECTION = 200  # a batch is a page or a few of a list, never the whole table


@dataclass
class ItemResult:
    """What happened to one selected item; `text` is already in the reader's language, with its article."""

    pk: int
    subject: object = None
    outcome: str = DONE
    text: str = ""

    @property
    def label(self):
        return OUTCOME_LABELS[self.outcome]


@dataclass
class Report:
    """The per-item account of a batch, shown on the results page."""

    action: str
    results: list = field(default_factory=list)
    all_or_nothing: bool = False
    next_url: str = ""  # the form that continues with the ready items (a round, a notice)

    def count(self, outcome):
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def counts(self):
        return [(OUTCOME_LABELS[o], n, o) for o in OUTCOME_LABELS if (n := self.count(o))]

    def ids(self, outcome):
        return [r.pk for r in self.results if r.outcome == outcome]

    @property
    def ready_count(self):
        return self.count(READY)

    def finish(self, missing, ids):
        """Add the "not found" items and list every item in the order it was chosen."""
        order = {pk: index for index, pk in enumerate(ids)}
        self.results = sorted([*self.results, *missing], key=lambda r: order.get(r.pk, len(order)))
        return self


def chosen(queryset, ids):
    """The selected objects the queryset (already filtered to what the user may see) holds, in the order
    chosen, and an `ItemResult` "not found" for every other id (hidden or missing: the same answer)."""
    ids = list(dict.fromkeys(ids))[:MAX_SELECTION]
    found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
    missing = [ItemResult(pk, None, NOT_FOUND, str(_("Not found, or not yours to act on: nothing was done.")))
               for pk in ids if pk not in found]
    return [found[pk] for pk in ids if pk in found], missing


def each(objects, act, describe_done):
    """Run `act(obj)` on every object, each in its own transaction: a refusal (a rule, a permission, a state
    changed meanwhile) rolls back that item only and is reported with its reason and article."""
    results = []
    for obj in objects:
        try:
            with transaction.atomic():
                outcome = act(obj)
        except (RuleViolation, TransitionConflict, PermissionDenied) as exc:
            results.append(ItemResult(obj.pk, obj, REFUSED, rule_text(exc)))
        else:
            results.append(ItemResult(obj.pk, obj, DONE, describe_done(obj, outcome)))
    return results
