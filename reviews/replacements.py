"""Seats left by experts who declined an assignment or declared a conflict (Art. 9), and who should take them.

Nothing is stored: a declined or conflicted assignment is a vacancy until a later assignment on the same entry of
the round fills it, and its proposed replacement is the first of `services.suggested_experts` (the same rules as the
manual suggestions, conflicts included) that has the fewest assignments in the round. Staff confirm it with one
click (`services.assign_expert`) or choose another."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from .models import Assignment, CommitteeMember, RoundStatus
from .services import suggested_experts, suggestions_for
from .states import EXPECTED_ASSIGNMENT_STATES, VACATING_ASSIGNMENT_STATES


@dataclass
class Vacancy:
    left: Assignment  # the declined or conflicted assignment
    proposal: CommitteeMember | None  # None: no member of the committee is free to take it


def round_loads(review_round):
    """{expert id: assignments in the round still counting on them or done}: the load a replacement should even out."""
    rows = (Assignment.objects.filter(round=review_round, status__in=EXPECTED_ASSIGNMENT_STATES).order_by()
            .values("expert_id").annotate(n=Count("pk")))
    return {row["expert_id"]: row["n"] for row in rows}


def propose_replacement(assignment, candidates=None, loads=None):
    """The member proposed to replace the expert of a declined or conflicted `assignment`: among the suggested
    experts for its application (never one who gave up this entry), the least loaded in the round, the
    suggestions' own order breaking ties. `candidates` and `loads` may be passed when already at hand."""
    if candidates is None:
        candidates = suggested_experts(assignment.round, assignment.application)
    if loads is None:
        loads = round_loads(assignment.round)
    gave_up = set(Assignment.objects.filter(round_id=assignment.round_id, application_id=assignment.application_id,
                                            status__in=VACATING_ASSIGNMENT_STATES).values_list("expert_id", flat=True))
    free = [(loads.get(member.expert.pk, 0), index, member) for index, member in enumerate(candidates)
            if member.expert.pk not in gave_up]
    return min(free, key=lambda row: row[:2])[2] if free else None


def unfilled(assignments):
    """The declined or conflicted assignments among `assignments` (all those of some entries of one round) that no
    later assignment on the same entry has filled: each vacancy is matched, in the order they arose, with the first
    assignment made after it."""
    by_entry = defaultdict(list)
    for task in assignments:
        by_entry[task.application_id].append(task)
    vacant = []
    for tasks in by_entry.values():
        arrivals = sorted((t.assigned_at, t.pk) for t in tasks)
        for task in sorted((t for t in tasks if t.status in VACATING_ASSIGNMENT_STATES), key=lambda t: (t.declared_at, t.pk)):
            filler = next((arrival for arrival in arrivals if arrival[0] > task.declared_at), None)
            if filler is None:
                vacant.append(task)
            else:
                arrivals.remove(filler)
    return vacant


def vacancies(review_round, live_ids, limit=None):
    """The open round's vacancies on the entries still to be decided (`live_ids`, application ids), each with its
    proposed replacement: a query for the entries' assignments, one for the loads, and the suggestions of the
    vacancies shown (at most `limit`) read together."""
    if review_round.status != RoundStatus.OPEN:
        return []
    # The vacated entries' assignments, kept to the live entries here, not in the query: the live entries of a round
    # of 500 are 500 ids, and sending them to the database cost more than reading the few vacated entries does.
    vacated = Assignment.objects.filter(round=review_round, status__in=VACATING_ASSIGNMENT_STATES).values("application_id")
    live = set(live_ids)
    tasks = [task for task in Assignment.objects.filter(round=review_round, application_id__in=vacated)
             .select_related("expert", "application", "application__host", "round", "round__committee")
             if task.application_id in live]
    vacant = sorted(unfilled(tasks), key=lambda t: (t.declared_at, t.pk))[:limit]
    loads = round_loads(review_round) if vacant else {}
    suggestions = suggestions_for(review_round, [task.application for task in vacant]) if vacant else {}
    proposed, result = defaultdict(set), []
    for task in vacant:  # two vacancies of one entry are offered two different experts
        candidates = [m for m in suggestions[task.application_id] if m.expert.pk not in proposed[task.application_id]]
        proposal = propose_replacement(task, candidates=candidates, loads=loads)
        if proposal is not None:
            proposed[task.application_id].add(proposal.expert.pk)
        result.append(Vacancy(task, proposal))
    return result


def entry_vacancies(review_round, application, candidates):
    """The vacancies of one entry with the replacement proposed for the first (the suggestions `candidates` already
    computed for its assignment form): what the entry's assignment page shows."""
    if review_round.status != RoundStatus.OPEN:
        return []
    vacant = unfilled(Assignment.objects.filter(round=review_round, application=application).select_related("expert"))
    if not vacant:
        return []
    vacant.sort(key=lambda t: (t.declared_at, t.pk))
    first = propose_replacement(vacant[0], candidates=candidates)
    return [Vacancy(task, first if index == 0 else None) for index, task in enumerate(vacant)]
