"""The kinds of clock the Measures set, registered by each app (`deadlines.py` in each), with what a
lapse does. Apart from the engine (`kernel.deadlines`) so that the `Deadline` model can name its kind."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeadlineKind:
    code: str
    label: str
    article: str
    reminder_days: tuple = (30, 7)
    roles: tuple = ()  # which users of the concerned organisations hear of it; empty: all
    on_missed: Callable | None = None  # (deadline, subject) -> None, inside the sweep's transaction
    optional: bool = False  # a window for an option (not an obligation): when it passes it closes, unnoticed
    working_days: bool = False  # the rule counts working days: time left is told in working days
    reminded: Callable | None = None  # subject -> users reminded instead of the organisations' (an expert's own task)
    reminded_url: Callable | None = None  # subject -> where those people act (default: `url`)
    # A scheduled step rather than an obligation (a notice dated ahead is published on its first day): on its due
    # date the sweep runs it, (deadline, subject) -> None, and closes the clock as met; a step that fails stays open,
    # is tried again at the next sweep and, once its day has passed, lapses as missed, which tells the people.
    on_due: Callable | None = None
    url: Callable = field(default=lambda subject: subject.get_absolute_url())


registry: dict[str, DeadlineKind] = {}


def register(kind):
    registry[kind.code] = kind
    return kind
