"""Frozen copies of the dossier and what changed between two of them.

`compare` matches the rows of each list (team, projects, standards...) by a stable key, so a reviewer sees
which rows were added or removed and, in a changed row, which cells changed; scalar fields come as a
before/after pair of only what changed, long texts with the changed passages marked. `diff` is the flat
form the API serves.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import TextField
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kernel.formatting import format_area, format_cny

from .choices import ResearchDirection
from .models import Application
from .snapshots import LISTS, SCALAR_FIELDS

# How a row is recognised from one revision to the next: the first of these keys whose fields are all
# filled in (a project without a number is known by its title).
ROW_KEYS = {
    "team_members": [("role", "name")],
    "projects": [("number",), ("title",)],
    "outcome_claims": [("item",)],
    "standards": [("number",)],
    "transfers": [("title",)],
    "service_incomes": [("year",)],
    "consortium_members": [("organisation__name",)],
    "attachments": [("section", "original_name")],
}

INLINE_DIFF_LIMIT = 20_000  # characters: beyond this a long text is shown whole, not marked passage by passage


# --- how a value reads ---------------------------------------------------------------------------------


def _model_field(model, path):
    name = path.split("__")[0]
    return model._meta.get_field(name)


def display(model, path, value):
    """A snapshot value as a person reads it: choice labels, ¥ and 万元, m², yes/no, "—" for blanks."""
    if value is None or value == "" or value == []:
        return "—"
    if path == "sha256":
        return str(value)[:12]
    if path == "size":
        return filesizeformat(value)
    if path == "research_directions":

        labels = dict(ResearchDirection.choices)
        return "、".join(str(labels.get(code, code)) for code in value)
    model_field = _model_field(model, path)
    if path == model_field.name and model_field.choices:
        return str(dict(model_field.choices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if path.endswith("_cny"):
        return format_cny(value)
    if path.endswith("_m2"):
        return format_area(value)
    return str(value)


def column_label(model, path):
    return capfirst(_model_field(model, path).verbose_name)


# --- the comparison ------------------------------------------------------------------------------------


@dataclass
class Segment:
    text: str
    changed: bool


def _segments(before, after):
    """Before and after text cut into passages, the changed ones marked (character by character: Chinese has no spaces)."""
    if len(before) > INLINE_DIFF_LIMIT or len(after) > INLINE_DIFF_LIMIT:
        return [Segment(before, True)], [Segment(after, True)]
    old, new = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if before[i1:i2]:
            old.append(Segment(before[i1:i2], op != "equal"))
        if after[j1:j2]:
            new.append(Segment(after[j1:j2], op != "equal"))
    return old, new


@dataclass
class FieldChange:
    """A scalar field that changed: raw values (the API) and what a person reads, changed passages marked."""

    name: str
    label: str
    before: object
    after: object
    before_segments: list = field(default_factory=list)
    after_segments: list = field(default_factory=list)


@dataclass
class Cell:
    before: str
    after: str

    @property
    def changed(self):
        return self.before != self.after


@dataclass
class RowChange:
    kind: str  # "added", "removed" or "changed"
    cells: list
    raw_before: tuple = ()
    raw_after: tuple = ()


@dataclass
class TableChange:
    relation: str
    label: str
    columns: list
    rows: list


@dataclass
class Comparison:
    fields: list
    tables: list

    def __bool__(self):
        return bool(self.fields or self.tables)


def _row_key(relation, fields, row):
    values = dict(zip(fields, row))
    for key in ROW_KEYS[relation]:
        if all(values.get(name) not in (None, "") for name in key):
            return tuple(values[name] for name in key)
    return tuple(row)


def _pair_rows(relation, fields, before, after):
    """(old row or None, new row or None) for every row of either revision, matched by key, in the new order.
    A column a revision did not record yet (older snapshots have fewer) is no change: it takes the other's value,
    or stays empty."""
    def widen(row, other=()):
        return row + tuple(other[len(row):]) + (None,) * (len(fields) - max(len(row), len(other)))

    pending = {}
    for row in before:
        pending.setdefault(_row_key(relation, fields, row), []).append(row)
    pairs = []
    for row in after:
        same_key = pending.get(_row_key(relation, fields, row))
        old = same_key.pop(0) if same_key else None
        pairs.append((widen(old, row) if old is not None else None, widen(row, old or ())))
    pairs += [(widen(row), None) for rows in pending.values() for row in rows]
    return pairs


def _compare_table(relation, model, old_rows, new_rows):
    label, fields = LISTS[relation]
    before = [tuple(r) for r in old_rows]
    after = [tuple(r) for r in new_rows]
    rows = []
    for old, new in _pair_rows(relation, fields, before, after):
        if old == new:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        cells = [Cell(display(model, path, old[i]) if old else "", display(model, path, new[i]) if new else "")
                 for i, path in enumerate(fields)]
        rows.append(RowChange(kind, cells, old or (), new or ()))
    if not rows:
        return None
    return TableChange(relation, label, [column_label(model, path) for path in fields], rows)


def compare(old, new):
    """What changed from snapshot `old` to `new`: scalar fields, and the rows of each list matched by key."""
    fields = []
    for name in SCALAR_FIELDS:
        before, after = old.get(name, ""), new.get(name, "")
        if before == after:
            continue
        model_field = Application._meta.get_field(name)
        shown_before, shown_after = display(Application, name, before), display(Application, name, after)
        if isinstance(model_field, TextField) and before and after:
            old_segments, new_segments = _segments(shown_before, shown_after)
        else:
            old_segments, new_segments = [Segment(shown_before, True)], [Segment(shown_after, True)]
        fields.append(FieldChange(name, model_field.verbose_name, before, after, old_segments, new_segments))
    tables = []
    for relation in LISTS:
        model = Application._meta.get_field(relation).related_model
        table = _compare_table(relation, model, old.get(relation, []), new.get(relation, []))
        if table is not None:
            tables.append(table)
    return Comparison(fields, tables)


@dataclass
class Change:
    label: str
    before: object
    after: object


def _joined(rows):
    return "; ".join(" / ".join(map(str, row)) for row in rows)


def diff(old, new):
    """The flat form of `compare` (the API): a scalar's raw values; a list's rows that went and came."""
    comparison = compare(old, new)
    changes = [Change(f.label, f.before, f.after) for f in comparison.fields]
    for table in comparison.tables:
        went = [row.raw_before for row in table.rows if row.raw_before]
        came = [row.raw_after for row in table.rows if row.raw_after]
        changes.append(Change(table.label, _joined(went), _joined(came)))
    return changes
