"""Test data for the expert pages, built only through the real services and transitions.

An active committee of 15 (1 chair, 3 vice-chairs, 11 members, activated by staff: Art. 9), a criteria
set whose weights sum to 100, applications brought to formal_review_passed (complete dossier, submit,
both provincial bodies recommend, formal review passed with every check), a round opened with
`open_round` and experts assigned with `assign_expert`.
"""

from dataclasses import dataclass, field

from accounts.models import OrganisationKind
from kernel.transitions import run_transition
from reviews import services
from reviews.models import Assignment, FormalReviewItem
from tests import review_factories
from tests.factories import ministry_staff

LAB_NAME = "工业机器人质量国家质量标准实验室"


@dataclass
class ScoringSetup:
    staff: object
    committee: object
    criteria: object
    review_round: object
    applications: list
    experts: list
    assignments: dict = field(default_factory=dict)  # (application pk, expert pk) -> Assignment

    def assignment(self, expert, application=None):
        application = application or self.applications[0]
        return Assignment.objects.get(pk=self.assignments[(application.pk, expert.pk)].pk)

    @property
    def criteria_list(self):
        return list(self.criteria.criteria.order_by("order", "pk"))


def formal_review_items():
    """The admin-configured formal review checklist (two checks) if none exists yet."""
    if not FormalReviewItem.objects.filter(active=True).exists():
        FormalReviewItem.objects.create(text="申报书完整", order=1)
        FormalReviewItem.objects.create(text="推荐意见齐全", order=2)


def formal_review_passed(staff, name_zh=None, **kw):
    formal_review_items()
    app = review_factories.recommended_application(**({"name_zh": name_zh} if name_zh else {}), **kw)
    return run_transition(app, "pass_formal_review", staff, checks=review_factories.all_checks())


def scoring_setup(n_applications=1, n_experts=2, weights=(40, 30, 30), names=None):
    """A round of `n_applications` applications, each assigned to the first `n_experts` committee members."""
    staff = ministry_staff(OrganisationKind.SAMR)
    committee = review_factories.committee(15, vice_chairs=3, active=True, staff=staff)
    criteria = review_factories.criteria_set(weights=weights)
    names = names or [LAB_NAME if i == 0 else f"智能传感器质量{i}国家质量标准实验室" for i in range(n_applications)]
    applications = [formal_review_passed(staff, name_zh=name) for name in names]
    review_round = services.open_round("2026年第一轮专家评审", committee, criteria, applications, staff)
    experts = [m.expert for m in committee.members.select_related("expert").order_by("pk")][:n_experts]
    setup = ScoringSetup(staff, committee, criteria, review_round, applications, experts)
    for application in applications:
        for expert in experts:
            setup.assignments[(application.pk, expert.pk)] = services.assign_expert(review_round, application, expert, staff)
    return setup


def accept(assignment):
    return run_transition(assignment, "declare_no_conflict", assignment.expert)


def score_and_submit(assignment, value=80, comment=""):
    """Declare no conflict (if not yet), score every criterion `value`, submit."""
    if assignment.status == "assigned":
        assignment = accept(assignment)
    values = {c.pk: (value, comment) for c in assignment.round.criteria_set.criteria.all()}
    services.save_scores(assignment, assignment.expert, values, "同意推荐")
    return run_transition(assignment, "submit_scores", assignment.expert)


def add_round(setup, n_applications=2, title="2026年第二轮专家评审"):
    """Another round in the same committee, its applications assigned to the same experts."""
    applications = [formal_review_passed(setup.staff, name_zh=f"新能源汽车电池质量{i}国家质量标准实验室")
                    for i in range(n_applications)]
    review_round = services.open_round(title, setup.committee, setup.criteria, applications, setup.staff)
    for application in applications:
        for expert in setup.experts:
            setup.assignments[(application.pk, expert.pk)] = services.assign_expert(review_round, application, expert, setup.staff)
    setup.applications.extend(applications)
    return review_round
