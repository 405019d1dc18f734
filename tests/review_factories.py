"""Builders for the ministry stage (Art. 7-9, 13): a committee of N members, criteria, and an
application brought to a given ministry state through the real transitions and services."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import OrganisationKind
from applications.models import Status
from kernel.transitions import run_transition
from reviews import services
from reviews.models import (
    CommitteeMember,
    CriteriaSet,
    Criterion,
    ExpertCommittee,
    FormalReviewItem,
    Position,
    SiteInspection,
)
from tests.factories import (
    LocalHostFactory,
    all_meet_dimensions,
    applicant_of,
    complete_dossier,
    expert_user,
    ministry_staff,
    provincial_recommenders,
)


def committee(n_members=15, vice_chairs=3, chairs=1, active=False, staff=None, fields=None, name=None, **expert_kw):
    """A committee of `n_members` experts: `chairs` chair(s), `vice_chairs` vice-chairs, the rest members.
    `active=True` activates it through the real transition (Art. 9 checked)."""
    committee = ExpertCommittee.objects.create(name=name or f"第{ExpertCommittee.objects.count() + 1}届专家委员会")
    positions = [Position.CHAIR] * chairs + [Position.VICE_CHAIR] * vice_chairs
    positions += [Position.MEMBER] * max(n_members - len(positions), 0)
    for position in positions[:n_members]:
        CommitteeMember.objects.create(
            committee=committee, expert=expert_user(**expert_kw), position=position,
            fields=list(fields) if fields is not None else [],
        )
    if active:
        committee = run_transition(committee, "activate", staff or ministry_staff())
    return committee


def add_member(committee, expert=None, position=Position.MEMBER, fields=None, **expert_kw):
    expert = expert or expert_user(**expert_kw)
    CommitteeMember.objects.create(committee=committee, expert=expert, position=position, fields=list(fields or []))
    return expert


def criteria_set(weights=(40, 30, 30), purpose=CriteriaSet.Purpose.APPLICATION, name="评审指标"):
    criteria = CriteriaSet.objects.create(name=name, purpose=purpose)
    for i, weight in enumerate(weights, 1):
        Criterion.objects.create(criteria_set=criteria, title=f"指标{i}", article="Art. 12", weight=Decimal(weight), order=i)
    return criteria


def all_checks():
    return {str(pk): True for pk in FormalReviewItem.objects.filter(active=True).values_list("pk", flat=True)}


def recommended_application(host=None, **kw):
    """A complete local dossier submitted and recommended by both provincial bodies (Art. 10)."""
    app = complete_dossier(host=host or LocalHostFactory(), **kw)
    app = run_transition(app, "submit", applicant_of(app.host))
    samr, miit = provincial_recommenders(app.host.province)
    app = run_transition(app, "recommend", samr, dimensions=all_meet_dimensions())
    return run_transition(app, "recommend", miit, dimensions=all_meet_dimensions())


def score_all(assignment, value=80):
    """The expert declares no conflict, scores every criterion `value` and submits."""
    expert = assignment.expert
    assignment = run_transition(assignment, "declare_no_conflict", expert)
    values = {c.pk: (value, "") for c in assignment.round.criteria_set.criteria.all()}
    services.save_scores(assignment, expert, values, "同意")
    return run_transition(assignment, "submit_scores", expert)


class Stage:
    """Builds applications and carries them through the ministry stage with one staff member."""

    def __init__(self, staff=None, committee_obj=None, criteria=None):
        self.staff = staff or ministry_staff(OrganisationKind.SAMR)
        self._committee = committee_obj
        self._criteria = criteria

    @property
    def committee(self):
        if self._committee is None:
            self._committee = committee(15, active=True, staff=self.staff)
        return self._committee

    @property
    def criteria(self):
        if self._criteria is None:
            self._criteria = criteria_set()
        return self._criteria

    def formal_review_passed(self, app=None, **kw):
        app = app or recommended_application(**kw)
        return run_transition(app, "pass_formal_review", self.staff, checks=all_checks())

    def in_round(self, apps, title="第一轮专家评审"):
        return services.open_round(title, self.committee, self.criteria, apps, self.staff)

    def expert_members(self):
        return [m.expert for m in self.committee.members.select_related("expert").order_by("pk")]

    def scored_round(self, apps, experts=3, value=80):
        review_round = self.in_round(apps)
        for app in apps:
            for expert in self.expert_members()[:experts]:
                score_all(services.assign_expert(review_round, app, expert, self.staff), value)
        return review_round

    def site_inspection(self, app=None, **kw):
        app = app or self.formal_review_passed(**kw)
        review_round = self.scored_round([app], experts=1)
        run_transition(review_round, "conclude", self.staff, decisions={app.pk: ("advance", "")})
        app.refresh_from_db()
        return app

    def inspected(self, app=None, **kw):
        app = self.site_inspection(app, **kw)
        services.record_site_inspection(
            app, self.staff, team="张三、李四", visited_on=timezone.localdate(), findings="条件属实",
            verdict=SiteInspection.Verdict.PASS,
        )
        app.refresh_from_db()
        return app

    def under_publicity(self, apps, starts_on=None, working_days=None, title="国家质量标准实验室建设名单公示"):
        return services.open_notice(title, apps, self.staff, starts_on=starts_on, working_days=working_days)

    def awaiting_approval(self, app=None, **kw):
        """Inspected, put under a notice whose window has passed, and the notice closed."""
        app = self.inspected(app, **kw)
        notice = self.under_publicity([app], starts_on=timezone.localdate() - datetime.timedelta(days=30))
        run_transition(notice, "close", self.staff)
        app.refresh_from_db()
        assert app.status == Status.AWAITING_APPROVAL
        return app
