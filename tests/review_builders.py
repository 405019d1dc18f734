"""Builders for the ministry-stage tests (Art. 7-9, 13).

Everything goes through the real transitions and services: a committee is activated by
`run_transition(..., "activate")` (Art. 9 checked), an application reaches each state by
complete_dossier → submit → both recommend → pass_formal_review → open_round → assign_expert →
declare_no_conflict → save_scores → submit_scores → conclude → record_site_inspection →
open_notice → close → approve × 2. Nothing assigns a status.
"""

import datetime
import zoneinfo
from decimal import Decimal

import factory
import pytest
import time_machine
from django.utils import timezone, translation

from accounts.models import Organisation, OrganisationKind, Role
from applications.choices import DimensionVerdict, ReviewDimension
from applications.models import ConsortiumMember, Status
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
    UserFactory,
    applicant_of,
    complete_dossier,
    ministry_staff,
    provincial_body,
    recommender_of,
)

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}


def on(year, month, day, hour=10):
    """time-machine at `hour` o'clock Beijing time on that date (the clock does not tick)."""
    return time_machine.travel(datetime.datetime(year, month, day, hour, 0, tzinfo=BEIJING), tick=False)


# --- people --------------------------------------------------------------------------------------


class ExpertInstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"专家所在单位{n}")
    kind = OrganisationKind.EXPERT_POOL


def expert(organisation=None, **kw):
    """An expert user; by default of their own institution (never a host of the tests)."""
    return UserFactory(role=Role.EXPERT, organisation=organisation or ExpertInstitutionFactory(), **kw)


def samr_staff(**kw):
    return ministry_staff(OrganisationKind.SAMR, **kw)


def miit_staff(**kw):
    return ministry_staff(OrganisationKind.MIIT, **kw)


# --- the committee (Art. 9) ----------------------------------------------------------------------


def committee(members=15, vice_chairs=3, chairs=1, fields=None, name=None):
    """A draft committee of `members` experts: `chairs` chairs, `vice_chairs` vice-chairs, the rest members."""
    positions = [Position.CHAIR] * chairs + [Position.VICE_CHAIR] * vice_chairs
    positions += [Position.MEMBER] * (members - len(positions))
    obj = ExpertCommittee.objects.create(name=name or f"第{ExpertCommittee.objects.count() + 1}届专家委员会")
    for position in positions[:members]:
        CommitteeMember.objects.create(committee=obj, expert=expert(), position=position, fields=list(fields or []))
    return obj


def add_member(committee_obj, expert_user=None, position=Position.MEMBER, fields=None):
    expert_user = expert_user or expert()
    CommitteeMember.objects.create(committee=committee_obj, expert=expert_user, position=position, fields=list(fields or []))
    return expert_user


def activate(committee_obj, staff, term_start=None):
    return run_transition(committee_obj, "activate", staff, term_start=term_start)


def active_committee(staff, **kw):
    return activate(committee(**kw), staff)


def members_of(committee_obj):
    return [m.expert for m in committee_obj.members.select_related("expert").order_by("pk")]


# --- criteria and checklist ----------------------------------------------------------------------


def criteria_set(weights=(40, 30, 30), purpose=CriteriaSet.Purpose.APPLICATION, name="申报评审指标"):
    obj = CriteriaSet.objects.create(name=name, purpose=purpose)
    for i, weight in enumerate(weights, 1):
        Criterion.objects.create(criteria_set=obj, title=f"指标{i}", article="Art. 12", weight=Decimal(weight), order=i)
    return obj


def all_checks():
    """Every active formal-review check ticked."""
    return {str(pk): True for pk in FormalReviewItem.objects.filter(active=True).values_list("pk", flat=True)}


# --- an application through the stages ------------------------------------------------------------


def recommended(host=None, **kw):
    """A complete local dossier, submitted and recommended by both provincial bodies (Art. 10)."""
    app = complete_dossier(host=host or LocalHostFactory(), **kw)
    app = run_transition(app, "submit", applicant_of(app.host))
    for kind in (OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT):
        app = run_transition(app, "recommend", recommender_of(provincial_body(kind, app.host.province)), dimensions=ALL_MEET)
    assert app.status == Status.RECOMMENDED
    return app


def with_consortium_member(app, organisation=None):
    organisation = organisation or LocalHostFactory()
    ConsortiumMember.objects.create(application=app, organisation=organisation, role="联合申报单位")
    return organisation


def score(assignment, value, comment="", submit=True):
    """The assigned expert declares no conflict, scores every criterion `value`, and submits."""
    who = assignment.expert
    assignment = run_transition(assignment, "declare_no_conflict", who)
    values = {c.pk: (value, comment) for c in assignment.round.criteria_set.criteria.all()}
    services.save_scores(assignment, who, values, "总体意见")
    if submit:
        assignment = run_transition(assignment, "submit_scores", who)
    return assignment


class Ministry:
    """One SAMR staff member carrying applications through the ministry stage with one committee."""

    def __init__(self, staff=None, committee_obj=None, criteria=None):
        self.staff = staff or samr_staff()
        self._committee = committee_obj
        self._criteria = criteria

    @property
    def committee(self):
        if self._committee is None:
            self._committee = active_committee(self.staff)
        return self._committee

    @property
    def criteria(self):
        if self._criteria is None:
            self._criteria = criteria_set()
        return self._criteria

    @property
    def experts(self):
        return members_of(self.committee)

    def formal_review_passed(self, app=None, **kw):
        app = app or recommended(**kw)
        return run_transition(app, "pass_formal_review", self.staff, checks=all_checks())

    def open_round(self, apps, title="第一轮专家评审"):
        return services.open_round(title, self.committee, self.criteria, apps, self.staff)

    def assign(self, review_round, app, expert_user):
        return services.assign_expert(review_round, app, expert_user, self.staff)

    def scored_round(self, apps, values=(80,)):
        """A round in which, for each application, one expert per value scores every criterion that value."""
        review_round = self.open_round(apps)
        for app in apps:
            for expert_user, value in zip(self.experts, values):
                score(self.assign(review_round, app, expert_user), value)
        return review_round

    def conclude(self, review_round, decisions):
        return run_transition(review_round, "conclude", self.staff, decisions=decisions)

    def at_site_inspection(self, app=None, **kw):
        app = self.formal_review_passed(app, **kw)
        review_round = self.scored_round([app])
        self.conclude(review_round, {app.pk: ("advance", "")})
        app.refresh_from_db()
        assert app.status == Status.SITE_INSPECTION
        return app

    def inspect(self, app, verdict=SiteInspection.Verdict.PASS, findings="条件属实"):
        services.record_site_inspection(
            app, self.staff, team="张三、李四", visited_on=timezone.localdate(), findings=findings, verdict=verdict,
        )
        app.refresh_from_db()
        return app

    def inspected(self, app=None, **kw):
        return self.inspect(self.at_site_inspection(app, **kw))

    def open_notice(self, apps, starts_on=None, working_days=None, title="国家质量标准实验室拟建设名单公示"):
        return services.open_notice(title, apps, self.staff, starts_on=starts_on, working_days=working_days)

    def awaiting_approval(self, app=None, **kw):
        """Inspected, under a notice whose window has passed, and the notice closed with no objection."""
        app = self.inspected(app, **kw)
        notice = self.open_notice([app], starts_on=timezone.localdate() - datetime.timedelta(days=30))
        run_transition(notice, "close", self.staff)
        app.refresh_from_db()
        assert app.status == Status.AWAITING_APPROVAL
        return app


@pytest.fixture
def english():
    """Messages are asserted in English (their msgids), whatever the Chinese catalogue says."""
    with translation.override("en"):
        yield
