"""Automatic assignment of a round's experts (Art. 9), solved exactly with OR-Tools CP-SAT.

`solve` is a pure function over plain data (`conflicts.SubjectFacts`, `conflicts.ExpertFacts`): the bench and the
tests feed it directly. A conflict of interest is never a variable, so no answer can hold one. Each subject gets its
experts (or the answer names it and says why not); no expert goes above the maximum load; the loads of the
committee's members who can take any entry of the round stay within one of each other (the round's existing
assignments counted); with `spread_leaders`, at most one chair or vice-chair per subject; among those answers, the
one with the most field matches (an entry's Art. 4 field among the expert's fields, then its Art. 3 directions).
When the hard form has no answer (too few experts free of conflict, a load that cannot be balanced), a second
model fills as much as it can, then balances, and the report says what gave.

`propose` and `confirm` below are the database's side: a proposal is kept as an `AssignmentProposal` until
staff confirm it, in one transaction, with one audit record and a notice to every expert.
"""

import hashlib
import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from kernel import audit
from kernel.notifications import notify
from kernel.rules import RuleViolation

from . import conflicts
from .models import Assignment, AssignmentProposal, CommitteeMember, CriteriaSet, ReviewRound, RoundStatus
from .services import _require_staff, refuse_conflicts
from .states import EXPECTED_ASSIGNMENT_STATES
from .subjects import round_purpose

FIELD_WEIGHT = 10  # an entry's Art. 4 field among the expert's
DIRECTION_WEIGHT, DIRECTIONS_COUNTED = 1, 3  # each shared Art. 3 direction, up to three

# Why an entry cannot get all its experts.
TOO_FEW_FREE, NO_CAPACITY = "too_few_free", "no_capacity"


def match(subject, expert):
    """The weight of putting `expert` on `subject`: field first, directions after."""
    score = FIELD_WEIGHT if subject.field and subject.field in expert.fields else 0
    return score + DIRECTION_WEIGHT * min(len(subject.directions & expert.directions), DIRECTIONS_COUNTED)


@dataclass
class Solution:
    cells: dict  # subject id -> [expert ids], new ones only
    shortfalls: dict = field(default_factory=dict)  # subject id -> {"missing", "free", "reason"}
    loads: dict = field(default_factory=dict)  # expert id -> load in the round (existing + new)
    spread: int = 0  # max - min load among the balanced experts
    balanced: list = field(default_factory=list)  # the expert ids whose loads are kept within one
    objective: int = 0  # Σ match of the new cells
    optimal: bool = False  # proven optimal by the solver
    hard: bool = True  # the hard model answered (every fillable cell filled, spread ≤ 1)
    seconds: float = 0.0
    conflicts: int = 0  # cells in conflict: always 0, counted for the bench and the tests


@dataclass
class Problem:
    subjects: list  # SubjectFacts, each with `need` new experts
    experts: list  # ExpertFacts
    need: dict  # subject id -> experts still to find
    load: dict = field(default_factory=dict)  # expert id -> existing load in the round
    taken: set = field(default_factory=set)  # (subject id, expert id) already assigned (any status)
    leaders_in: dict = field(default_factory=dict)  # subject id -> chairs/vice-chairs already assigned
    max_load: int = 10
    spread_leaders: bool = True
    avoid_province: bool = False

    def candidates(self):
        """{subject id: [expert ids]} free of conflict and not yet on it: the only variables there are."""
        return {s.id: [e.id for e in self.experts if (s.id, e.id) not in self.taken
                       and not conflicts.is_conflicted(e, s, self.avoid_province)] for s in self.subjects}


def solve(problem, time_limit=None, workers=None):
    started = time.perf_counter()
    candidates = problem.candidates()
    experts = {e.id: e for e in problem.experts}
    subjects = {s.id: s for s in problem.subjects}
    weights = {(s, e): match(subjects[s], experts[e]) for s, es in candidates.items() for e in es}
    # The members kept within one: those free of conflict with some entry of the round.
    balanced = sorted({e for es in candidates.values() for e in es})
    solution = _flow(problem, candidates, weights, balanced)
    if not solution.hard:  # no answer fills every cell within one: CP-SAT trades them off, from the flow's answer
        hint = {(s, e): 1 for s, es in solution.cells.items() for e in es}
        soft = _solve(problem, candidates, weights, balanced, time_limit=time_limit, workers=workers, hint=hint)
        if soft is not None:
            solution = soft
    for s in problem.subjects:
        missing = problem.need[s.id] - len(solution.cells.get(s.id, []))
        if missing > 0:
            free = len(candidates[s.id])
            solution.shortfalls[s.id] = {"missing": missing, "free": free,
                                         "reason": TOO_FEW_FREE if free < problem.need[s.id] else NO_CAPACITY}
    solution.conflicts = sum(conflicts.is_conflicted(experts[e], subjects[s], problem.avoid_province)
                             for s, es in solution.cells.items() for e in es)
    solution.seconds = time.perf_counter() - started
    return solution


def _bounds(problem, candidates, balanced):
    """The balanced members take every new cell, so their total is known: each load is its floor share or one more."""
    total = sum(problem.load.get(e, 0) for e in balanced) + sum(
        min(problem.need[s.id], len(candidates[s.id])) for s in problem.subjects)
    low = total // len(balanced) if balanced else 0
    return low, low + (1 if balanced and total % len(balanced) else 0)


def _flow(problem, candidates, weights, balanced):
    """The hard form as a min-cost flow (exact, and fast at national scale): source → entry (its need) → its
    chair-or-vice-chair node (at most one) or directly → expert (cost: − match) → sink, each expert's arc split in
    a part up to the lower load bound, worth more than any match, and the rest up to the upper bound."""
    low, high = _bounds(problem, candidates, balanced)
    is_leader = {e.id: e.leader for e in problem.experts}
    balanced_set = set(balanced)
    big = FIELD_WEIGHT + DIRECTION_WEIGHT * DIRECTIONS_COUNTED
    big = big * sum(problem.need.values()) + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    node = {}

    def at(key):
        return node.setdefault(key, len(node) + 2)

    tails, heads, caps, costs = [], [], [], []

    def arc(tail, head, cap, cost=0):
        if cap > 0:
            tails.append(tail), heads.append(head), caps.append(cap), costs.append(cost)

    pairs = []
    for s in problem.subjects:
        arc(source, at(("s", s.id)), min(problem.need[s.id], len(candidates[s.id])))
        arc(at(("s", s.id)), at(("l", s.id)), max(0, 1 - problem.leaders_in.get(s.id, 0)) if problem.spread_leaders
            else problem.need[s.id])
        for e in candidates[s.id]:
            pairs.append((len(tails), s.id, e))
            arc(at(("l", s.id)) if is_leader[e] else at(("s", s.id)), at(("e", e)), 1, -weights[s.id, e])
    for e in problem.experts:
        existing = problem.load.get(e.id, 0)
        cap = max(problem.max_load, existing) - existing
        if e.id in balanced_set:
            floor = max(0, min(low - existing, cap))
            arc(at(("e", e.id)), sink, floor, -big)
            arc(at(("e", e.id)), sink, max(0, min(high, existing + cap) - existing - floor))
        else:
            arc(at(("e", e.id)), sink, cap)
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    asked = sum(min(problem.need[s.id], len(candidates[s.id])) for s in problem.subjects)
    flow.set_node_supply(source, asked)  # as much of it as can flow: `solve_max_flow_with_min_cost`
    flow.set_node_supply(sink, -asked)
    status = flow.solve_max_flow_with_min_cost()
    cells = {s.id: [] for s in problem.subjects}
    if status == flow.OPTIMAL:
        for index, s, e in pairs:
            if flow.flow(index) > 0:
                cells[s].append(e)
    return _solution(problem, cells, weights, balanced, optimal=status == flow.OPTIMAL, candidates=candidates)


def _solution(problem, cells, weights, balanced, optimal, candidates, hard=None):
    loads = {e.id: problem.load.get(e.id, 0) for e in problem.experts}
    for es in cells.values():
        for e in es:
            loads[e] += 1
    spread_of = [loads[e] for e in balanced]
    spread = (max(spread_of) - min(spread_of)) if spread_of else 0
    if hard is None:  # every fillable cell filled and loads within one
        hard = spread <= 1 and all(len(cells[s.id]) == min(problem.need[s.id], len(candidates[s.id]))
                                   for s in problem.subjects)
    return Solution(cells=cells, loads=loads, spread=spread, balanced=list(balanced),
                    objective=sum(weights[s, e] for s, es in cells.items() for e in es), optimal=optimal and hard,
                    hard=hard)


def _solve(problem, candidates, weights, balanced, time_limit, workers, hint=None):
    """The soft form in CP-SAT, when no answer fills every cell within one: fewest cells left empty, then the
    smallest spread of loads, then the most matches."""
    model = cp_model.CpModel()
    x = {pair: model.NewBoolVar("") for pair in weights}
    by_expert = {e.id: [] for e in problem.experts}
    for (_s, e), var in x.items():
        by_expert[e].append(var)
    shortfall = []
    is_leader = {e.id: e.leader for e in problem.experts}
    balanced = set(balanced)
    for s in problem.subjects:
        cell = [x[s.id, e] for e in candidates[s.id]]
        need = min(problem.need[s.id], len(cell))
        short = model.NewIntVar(0, need, "")
        model.Add(sum(cell) + short == need)
        shortfall.append(short)
        if problem.spread_leaders:
            leaders = [x[s.id, e] for e in candidates[s.id] if is_leader[e]]
            model.Add(sum(leaders) <= max(0, 1 - problem.leaders_in.get(s.id, 0)))
    top = max([problem.max_load, *problem.load.values()], default=problem.max_load)
    low, high = model.NewIntVar(0, top, "low"), model.NewIntVar(0, top, "high")
    for e in problem.experts:
        existing = problem.load.get(e.id, 0)
        load = existing + sum(by_expert[e.id])
        model.Add(load <= max(problem.max_load, existing))
        if e.id in balanced:
            model.Add(load >= low)
            model.Add(load <= high)
    match_total = sum(w * x[pair] for pair, w in weights.items())
    balance_weight = sum(weights.values()) + 1  # fill first, then balance, then match
    fill_weight = balance_weight * (top + 1)
    model.Maximize(match_total - balance_weight * (high - low) - fill_weight * sum(shortfall))
    for pair, value in (hint or {}).items():
        if pair in x:
            model.AddHint(x[pair], value)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit or settings.AUTOASSIGN_TIME_LIMIT
    solver.parameters.num_workers = workers or settings.AUTOASSIGN_WORKERS
    solver.parameters.random_seed = 17
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    cells = {s.id: [e for e in candidates[s.id] if solver.BooleanValue(x[s.id, e])] for s in problem.subjects}
    return _solution(problem, cells, weights, sorted(balanced), optimal=status == cp_model.OPTIMAL,
                     candidates=candidates, hard=False)


def greedy(problem):
    """The baseline a person would follow: each entry in turn takes its best-matching free experts with room left,
    room being the maximum load or the balanced share's upper bound, whichever is lower."""
    candidates = problem.candidates()
    _low, high = _bounds(problem, candidates, sorted({e for es in candidates.values() for e in es}))
    cap = min(problem.max_load, high)
    experts = {e.id: e for e in problem.experts}
    loads = {e.id: problem.load.get(e.id, 0) for e in problem.experts}
    cells, total = {}, 0
    for s in problem.subjects:
        leaders = problem.leaders_in.get(s.id, 0)
        chosen = []
        for e in sorted(candidates[s.id], key=lambda e: (-match(s, experts[e]), loads[e], e)):
            if len(chosen) == problem.need[s.id]:
                break
            if loads[e] >= cap or (problem.spread_leaders and experts[e].leader and leaders >= 1):
                continue
            chosen.append(e)
            loads[e] += 1
            leaders += experts[e].leader
            total += match(s, experts[e])
        cells[s.id] = chosen
    return Solution(cells=cells, loads=loads, objective=total)


# --- the round in the database ----------------------------------------------------------------------------


def default_per_subject(review_round):
    return 5 if review_round.criteria_set.purpose == CriteriaSet.Purpose.APPLICATION else 3


def basis_of(review_round):
    """A fingerprint of the round's assignments (who, on what, in which state): a proposal made on another is stale."""
    rows = review_round.assignments.order_by("pk").values_list("pk", "application_id", "expert_id", "status")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def _check_open(review_round):
    if review_round.status != RoundStatus.OPEN:
        raise RuleViolation(_("This round is concluded."), article="Art. 13")
    if not review_round.committee.is_usable():
        raise RuleViolation(_("The committee's term has ended; it cannot be given new work (Art. 9)."), article="Art. 9")


def round_problem(review_round, per_subject, max_load, spread_leaders):
    """The round as plain data: its entries still to decide, the committee's members, their load and their facts."""
    entries = list(round_purpose(review_round.criteria_set.purpose).live(review_round)
                   .select_related("application", "application__host").order_by("pk"))
    applications = [e.application for e in entries]
    members = conflicts.committee_members(review_round)
    experts = conflicts.expert_facts(members)
    subjects = conflicts.subject_facts(applications)
    load, taken, leaders_in, counted = {}, set(), {}, {}
    for app_id, expert_id, status in review_round.assignments.values_list("application_id", "expert_id", "status"):
        taken.add((app_id, expert_id))
        if status in EXPECTED_ASSIGNMENT_STATES:
            load[expert_id] = load.get(expert_id, 0) + 1
            counted[app_id] = counted.get(app_id, 0) + 1
            if expert_id in experts and experts[expert_id].leader:
                leaders_in[app_id] = leaders_in.get(app_id, 0) + 1
    return Problem(
        subjects=[subjects[a.pk] for a in applications], experts=list(experts.values()),
        need={a.pk: max(0, per_subject - counted.get(a.pk, 0)) for a in applications},
        load=load, taken=taken, leaders_in=leaders_in, max_load=max_load, spread_leaders=spread_leaders,
        avoid_province=review_round.avoid_home_province,
    )


def default_max_load(review_round, per_subject):
    """Enough for the round shared evenly, and one more."""
    members = CommitteeMember.objects.filter(committee_id=review_round.committee_id).count() or 1
    return math.ceil(review_round.entries.count() * per_subject / members) + 1


def check_settings(per_subject, max_load):
    if per_subject is None or per_subject < 1 or per_subject % 2 == 0:
        raise RuleViolation(_("Experts per entry: an odd number (3, 5, 7…), so that their opinions cannot tie."),
                            field="per_subject")
    if max_load is None or max_load < 1:
        raise RuleViolation(_("Maximum load per expert: at least 1."), field="max_load")


def propose(review_round, by, per_subject=None, max_load=None, spread_leaders=True, avoid_home_province=None):
    """Solve the round and keep the answer as a proposal for staff to review (nothing is assigned yet). A change of
    the round's 回避本省 rule (`avoid_home_province`) is audited and kept only with the proposal made under it."""
    _require_staff(by)
    _check_open(review_round)
    with transaction.atomic():
        if avoid_home_province is not None and avoid_home_province != review_round.avoid_home_province:
            review_round.avoid_home_province = avoid_home_province
            review_round.save(update_fields=["avoid_home_province"])
            audit.record("avoid_home_province", review_round, actor=by, article="Art. 9",
                         data={"avoid_home_province": avoid_home_province})
        return _propose(review_round, by, per_subject, max_load, spread_leaders)


def _propose(review_round, by, per_subject, max_load, spread_leaders):
    per_subject = per_subject or default_per_subject(review_round)
    max_load = max_load or default_max_load(review_round, per_subject)
    check_settings(per_subject, max_load)
    basis = basis_of(review_round)
    problem = round_problem(review_round, per_subject, max_load, spread_leaders)
    solution = solve(problem)
    report = {"shortfalls": {str(s): v for s, v in solution.shortfalls.items()}, "spread": solution.spread,
              "balanced": len(solution.balanced), "objective": solution.objective,
              "greedy": greedy(problem).objective, "optimal": solution.optimal, "hard": solution.hard,
              "seconds": round(solution.seconds, 3), "loads": {str(e): n for e, n in solution.loads.items()}}
    return AssignmentProposal.objects.create(
        round=review_round, per_subject=per_subject, max_load=max_load, spread_leaders=spread_leaders,
        cells={str(s): es for s, es in solution.cells.items()}, report=report, basis=basis, made_by=by)


def _live_proposal(proposal):
    if proposal.confirmed_at is not None:
        raise RuleViolation(_("This proposal was confirmed already."))
    if proposal.basis != basis_of(proposal.round):
        raise RuleViolation(_("The round's assignments changed after this proposal was made: propose again."))


def change_cell(proposal, application_id, by, add=None, remove=None):
    """Staff change one entry's proposed experts by hand; an expert in conflict is refused with the reasons."""
    _require_staff(by)
    with transaction.atomic():  # two officers editing one proposal: each change on the other's
        proposal = AssignmentProposal.objects.select_for_update().select_related("round").get(pk=proposal.pk)
        _change_cell(proposal, application_id, by, add, remove)
    return proposal


def _change_cell(proposal, application_id, by, add, remove):
    _live_proposal(proposal)
    key = str(application_id)
    if key not in proposal.cells:
        raise RuleViolation(_("This application is not in the proposal."), field="application")
    cell = list(proposal.cells[key])
    if remove is not None:
        cell = [e for e in cell if e != remove.pk]
    if add is not None:
        review_round = proposal.round
        if not CommitteeMember.objects.filter(committee_id=review_round.committee_id, expert=add).exists():
            raise RuleViolation(_("Experts are drawn from the active expert committee (Art. 9)."), field="expert",
                                article="Art. 9")
        if add.pk in cell or review_round.assignments.filter(application_id=application_id, expert=add).exists():
            raise RuleViolation(_("This expert is already assigned to this application."), field="expert")
        application = review_round.entries.select_related("application__host").get(
            application_id=application_id).application
        refuse_conflicts(conflicts.conflicts_of(review_round, application, add))
        cell.append(add.pk)
    proposal.cells[key] = cell
    proposal.edited = True
    proposal.save(update_fields=["cells", "edited"])
    audit.record("change_proposal", proposal.round, actor=by, article="Art. 9",
                 data={"proposal": proposal.pk, "application": application_id,
                       "added": getattr(add, "pk", None), "removed": getattr(remove, "pk", None)})


def confirm(proposal, by):
    """Every cell of the proposal becomes an assignment, in one transaction, after the conflicts are checked again;
    one audit record for the batch; each expert is notified of each task (after the commit)."""
    _require_staff(by)
    with transaction.atomic():
        review_round = (ReviewRound.objects.select_for_update(of=("self",)).select_related("committee", "criteria_set")
                        .get(pk=proposal.round_id))
        proposal = AssignmentProposal.objects.select_for_update().get(pk=proposal.pk)
        _check_open(review_round)
        _live_proposal(proposal)
        members = {m.expert_id: m for m in conflicts.committee_members(review_round)}
        entries = {e.application_id: e.application for e in
                   round_purpose(review_round.criteria_set.purpose).live(review_round)
                   .filter(application_id__in=[int(k) for k in proposal.cells]).select_related("application__host")}
        if any(int(k) not in entries for k, expert_ids in proposal.cells.items() if expert_ids):
            raise RuleViolation(_("An entry of this proposal has been decided or has left the round since: propose again."))
        experts = conflicts.expert_facts(list(members.values()))
        subjects = conflicts.subject_facts(list(entries.values()))
        rows = []
        for key, expert_ids in proposal.cells.items():
            subject = subjects[int(key)]
            for expert_id in expert_ids:
                if expert_id not in experts or conflicts.is_conflicted(experts[expert_id], subject,
                                                                        review_round.avoid_home_province):
                    raise RuleViolation(_("%(expert)s can no longer review “%(app)s”: propose again.")
                                        % {"expert": members[expert_id].expert if expert_id in members else expert_id,
                                           "app": subject.label}, field="expert", article="Art. 9")
                rows.append(Assignment(round=review_round, application_id=subject.id, expert_id=expert_id))
        created = Assignment.objects.bulk_create(rows)
        proposal.confirmed_at = timezone.now()
        proposal.save(update_fields=["confirmed_at"])
        audit.record("auto_assign", review_round, actor=by, article="Art. 9",
                     data={"proposal": proposal.pk, "assignments": len(created),
                           "experts": len({a.expert_id for a in created}), "edited": proposal.edited})
        for assignment in created:  # each assignment's own history begins as a manual one's does
            assignment.round = review_round
            audit.record("assign_expert", assignment, actor=by, article="Art. 9",
                         data={"round": review_round.pk, "application": assignment.application_id,
                               "expert": assignment.expert_id, "proposal": proposal.pk})
            notify("assigned", assignment, actor=by)
    return created
