"""`make bench`: the automatic assignment of experts (issue 17) on a national round, without the database: the data
are built in memory and fed to the same `reviews.autoassign.solve` the pages call. Prints a table; targets
(≤ 2 s to propose 500 × 300 × 5, 0 conflicts, load spread ≤ 1, objective ≥ the greedy baseline's) are asserted
except the clock, which is read from the output."""

import random
import time

from applications.choices import Field, ResearchDirection
from reviews.autoassign import Problem, greedy, solve
from reviews.conflicts import ExpertFacts, SubjectFacts, is_conflicted, normalise_name

PROVINCES = [f"{n}" for n in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50,
                              51, 52, 53, 54, 61, 62, 63, 64, 65)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文辉"


def national_round(n_subjects, n_experts=300, per_subject=5, seed=2026):
    """A round as a ministry sees one: 600 organisations over 31 provinces; each application a host and 0-3
    consortium members, its field and directions, a team of 8; each expert 1-3 fields, 1-4 directions, a current
    employer (a third of them at a host of the round), a past one for half of them (left 1-6 years ago), one chair and
    five vice-chairs; 3% of the experts are named in some dossier's team."""
    rng = random.Random(seed)
    fields, directions = Field.values, ResearchDirection.values
    orgs = {o: rng.choice(PROVINCES) for o in range(1, 601)}
    today_year = 2026
    subjects = []
    for s in range(1, n_subjects + 1):
        host = rng.randint(1, 300)
        subjects.append(SubjectFacts(
            id=s, label=f"申报{s}", host_id=host, province=orgs[host],
            consortium_ids=frozenset(rng.sample(range(1, 601), rng.randint(0, 3))),
            field=rng.choice(fields), directions=frozenset(rng.sample(directions, rng.randint(1, 3))),
            people={normalise_name(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) + str(s)): "核心成员"
                    for _ in range(8)},
        ))
    experts = []
    for e in range(1, n_experts + 1):
        current = rng.randint(1, 300) if rng.random() < 1 / 3 else rng.randint(301, 600)
        employers = {current: None}
        if rng.random() < 0.5:
            left = today_year - rng.randint(1, 6)
            if today_year - left <= 3:  # what `expert_facts` keeps: the employers of the last 3 years
                employers[rng.randint(1, 600)] = left
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) + f"专家{e}"
        if rng.random() < 0.03:
            rng.choice(subjects).people[normalise_name(name)] = "学术委员会委员"
        experts.append(ExpertFacts(
            id=10_000 + e, name=name, employers=employers, province=orgs[current],
            fields=frozenset(rng.sample(fields, rng.randint(1, 3))),
            directions=frozenset(rng.sample(directions, rng.randint(1, 4))), leader=e <= 6,
        ))
    max_load = -(-n_subjects * per_subject // n_experts) + 1
    return Problem(subjects=subjects, experts=experts, need={s.id: per_subject for s in subjects}, max_load=max_load,
                   spread_leaders=True)


def measure(n_subjects, time_limit):
    problem = national_round(n_subjects)
    started = time.perf_counter()
    solution = solve(problem, time_limit=time_limit, workers=2)
    seconds = time.perf_counter() - started
    baseline = greedy(problem)
    experts = {e.id: e for e in problem.experts}
    subjects = {s.id: s for s in problem.subjects}
    conflicts = sum(is_conflicted(experts[e], subjects[s]) for s, es in solution.cells.items() for e in es)
    filled = sum(len(es) for es in solution.cells.values())
    return {"subjects": n_subjects, "seconds": seconds, "conflicts": conflicts, "spread": solution.spread,
            "filled": filled, "asked": sum(problem.need.values()), "objective": solution.objective,
            "greedy": baseline.objective, "ratio": solution.objective / max(baseline.objective, 1),
            "optimal": solution.optimal, "hard": solution.hard, "unfilled": len(solution.shortfalls)}


def print_table(rows):
    header = ("subjects", "seconds", "conflicts", "spread", "filled", "asked", "objective", "greedy", "ratio",
              "optimal", "hard", "unfilled")
    print()
    print(" | ".join(f"{h:>9}" for h in header))
    for row in rows:
        print(" | ".join(f"{row[h]:>9.3f}" if isinstance(row[h], float) else f"{row[h]!s:>9}" for h in header))


def test_automatic_assignment_of_500_and_2000_subjects_among_300_experts():
    rows = [measure(500, time_limit=2.0), measure(2000, time_limit=8.0)]  # the CP-SAT limit, if the flow falls short
    print_table(rows)
    for row in rows:
        assert row["conflicts"] == 0
        assert row["spread"] <= 1
        assert row["filled"] == row["asked"]
        assert row["ratio"] >= 1
