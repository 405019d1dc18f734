"""Where an object stands in its life under the Measures: its stages, who acts next and the open clock.

Each app computes the `Progress` of its own objects (`applications.progress`, `evaluations.progress`);
pages render it with `{% progress_stepper progress %}`. Parties are codes, never names: the template tag
names them in the reader's language, and the organisations that still owe a decision by their own names.
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .deadlines import time_left as clocks_left
from .formatting import format_list
from .models import SignOff


class StageState:
    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"
    ENDED = "ended"  # the life ended at this stage (withdrawn, rejected, terminated, removed from the list)
    SKIPPED = "skipped"  # never reached, because the life ended earlier


class PartyCode:
    HOST = "host"
    RECOMMENDERS = "recommenders"
    MINISTRIES = "ministries"
    SAMR = "samr"
    MIIT = "miit"
    EXPERTS = "experts"
    PUBLIC = "public"


PARTY_LABELS = {
    PartyCode.HOST: _("The host institution"),
    PartyCode.RECOMMENDERS: _("The recommender"),
    PartyCode.MINISTRIES: _("SAMR and MIIT"),
    PartyCode.SAMR: _("SAMR"),
    PartyCode.MIIT: _("MIIT"),
    PartyCode.EXPERTS: _("The expert committee"),
    PartyCode.PUBLIC: _("The public (objections)"),
}


@dataclass(frozen=True)
class StageDefinition:
    code: str
    label: str
    article: str


@dataclass(frozen=True)
class Stage:
    code: str
    label: str
    article: str
    state: str


@dataclass(frozen=True)
class Party:
    """Who acts next: a party code and, where it matters, the organisations that still owe the decision."""

    code: str
    organisations: tuple = ()


@dataclass
class Progress:
    stages: list
    status_text: str
    next_party: Party | None = None
    ask: str = ""  # what the next party is asked to do, in a sentence
    deadline: object = None  # the open kernel.models.Deadline that governs the next step
    ended: bool = False
    outcome: object = None  # an ended life: the audit record of the action that ended it

    @cached_property
    def left(self):
        return time_left(self.deadline) if self.deadline is not None else None


def stages(definitions, at, *, ended=False, completed=False):
    """The stages of a life whose current stage is `at` (a code): done before it, upcoming after it.

    `ended`: the life ended at `at` (later stages are never reached); `completed`: every stage is done.
    """
    codes = [d.code for d in definitions]
    index = codes.index(at)
    out = []
    for i, d in enumerate(definitions):
        if completed or i < index:
            state = StageState.DONE
        elif i == index:
            state = StageState.ENDED if ended else StageState.CURRENT
        else:
            state = StageState.SKIPPED if ended else StageState.UPCOMING
        out.append(Stage(d.code, d.label, d.article, state))
    return out


def nearest_open_deadline(deadlines, kinds=None):
    """The open deadline due first among `deadlines` (of `kinds`, if given); obligations before options."""
    candidates = [d for d in deadlines if d.state == "open" and (kinds is None or d.kind in kinds)]
    candidates.sort(key=lambda d: (bool(d.definition and d.definition.optional), d.due_date))
    return candidates[0] if candidates else None


def time_left(deadline, today=None):
    """What is left before one deadline (see `kernel.deadlines.time_left` for a list)."""
    return clocks_left([deadline], today)[0]


def join_names(names):
    """Organisations or ministries named together: 甲和乙 / A and B; three or more with 、."""
    names = [str(n) for n in names]
    if len(names) == 2:
        return gettext("%(first)s and %(second)s") % {"first": names[0], "second": names[1]}
    return format_list(names)


def ministry_names(codes):
    """"samr", "miit" as the ministries' short names in the reader's language."""
    labels = dict(SignOff.Ministry.choices)
    return join_names(labels[c] for c in codes)
