"""Builders for the ministry-stage API tests (tests/test_reviews_api.py).

Every state is reached through the real transitions and services (submit → both recommend →
pass_formal_review → open_round → assign_expert → declare_no_conflict → save_scores → submit_scores →
conclude → record_site_inspection → open_notice → close); nothing assigns a status.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organisation, OrganisationKind, Role
from applications.choices import DimensionVerdict, ReviewDimension
from applications.models import ConsortiumMember, Status
from kernel.transitions import run_transition
from reviews import services
from reviews.identity import CHECK_DIGITS, WEIGHTS
from reviews.models import CommitteeMember, CriteriaSet, Criterion, ExpertCommittee, FormalReviewItem, Position, SiteInspection
from tests.factories import LocalHostFactory, UserFactory, applicant_of, complete_dossier, ministry_staff, provincial_body, recommender_of

ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def resident_id(first17="11010519491231002"):
    """A valid 18-digit resident ID number (GB 11643-1999 check digit)."""
    return first17 + CHECK_DIGITS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


# --- people ------------------------------------------------------------------------------------------


class ExpertInstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"评审专家单位{n}")
    kind = OrganisationKind.EXPERT_POOL


def expert(organisation=None, **kw):
    return UserFactory(role=Role.EXPERT, organisation=organisation or ExpertInstitutionFactory(), **kw)


def samr_staff(**kw):
    return ministry_staff(OrganisationKind.SAMR, **kw)


def miit_staff(**kw):
    return ministry_staff(OrganisationKind.MIIT, **kw)


# --- committee and criteria ---------------------------------------------------------------------------


def committee(members=15, vice_chairs=3, chairs=1, fields=None):
    """A draft committee: `chairs` chair(s), `vice_chairs` vice-chairs, the rest members (Art. 9)."""
    positions = [Position.CHAIR] * chairs + [Position.VICE_CHAIR] * vice_chairs
    positions += [Position.MEMBER] * (members - len(positions))
    obj = ExpertCommittee.objects.create(name=f"第{ExpertCommittee.objects.count() + 1}届专家委员会")
    for position in positions[:members]:
        CommitteeMember.objects.create(committee=obj, expert=expert(), position=position, fields=list(fields or []))
    return obj


def add_member(committee_obj, expert_user=None, position=Position.MEMBER, fields=None):
    expert_user = expert_user or expert()
    CommitteeMember.objects.create(committee=committee_obj, expert=expert_user, position=position, fields=list(fields or []))
    return expert_user


def criteria_set(weights=(40, 30, 30)):
    obj = CriteriaSet.objects.create(name="接口测试指标", purpose=CriteriaSet.Purpose.APPLICATION)
    for i, weight in enumerate(weights, 1):
        Criterion.objects.create(criteria_set=obj, title=f"指标{i}", article="Art. 12", weight=Decimal(weight), order=i)
    return obj


def all_checks():
    return {str(pk): True for pk in FormalReviewItem.objects.filter(active=True).values_list("pk", flat=True)}


# --- applications through the stage -------------------------------------------------------------------


def recommended(host=None, **kw):
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


def score(assignment, value, submit=True):
    """The assigned expert declares no conflict, scores every criterion `value` and (by default) submits."""
    who = assignment.expert
    assignment = run_transition(assignment, "declare_no_conflict", who)
    services.save_scores(assignment, who, {c.pk: (value, "") for c in assignment.round.criteria_set.criteria.all()}, "意见")
    return run_transition(assignment, "submit_scores", who) if submit else assignment


class Stage:
    """One SAMR staff member carrying applications through the ministry stage with one active committee."""

    def __init__(self):
        self.staff = samr_staff()
        self.committee = run_transition(committee(), "activate", self.staff)
        self.criteria = criteria_set()

    def experts(self):
        return [m.expert for m in self.committee.members.select_related("expert").order_by("pk")]

    def formal_review_passed(self, app=None, **kw):
        app = app or recommended(**kw)
        return run_transition(app, "pass_formal_review", self.staff, checks=all_checks())

    def new_round(self, apps, title="第一轮专家评审"):
        return services.open_round(title, self.committee, self.criteria, apps, self.staff)

    def assign(self, review_round, app, expert_user):
        return services.assign_expert(review_round, app, expert_user, self.staff)

    def inspected(self, n=1):
        """`n` applications scored in one round, advanced, and inspected (ready for publicity)."""
        apps = [self.formal_review_passed() for _ in range(n)]
        review_round = self.new_round(apps)
        for app in apps:
            score(self.assign(review_round, app, self.experts()[0]), 80)
        run_transition(review_round, "conclude", self.staff, decisions={a.pk: ("advance", "") for a in apps})
        for app in apps:
            app.refresh_from_db()
            services.record_site_inspection(app, self.staff, team="张三、李四", visited_on=timezone.localdate(),
                                            findings="条件属实", verdict=SiteInspection.Verdict.PASS)
            app.refresh_from_db()
        return apps

    def notice(self, apps, starts_on=None, working_days=None, title="国家质量标准实验室建设名单公示"):
        return services.open_notice(title, apps, self.staff, starts_on=starts_on, working_days=working_days)

    def awaiting_approval(self):
        (app,) = self.inspected(1)
        notice = self.notice([app], starts_on=timezone.localdate() - datetime.timedelta(days=30))
        run_transition(notice, "close", self.staff)
        app.refresh_from_db()
        assert app.status == Status.AWAITING_APPROVAL
        return app
