"""Rows for the tests (factory_boy), the tests' cast of the journeys, and small helpers.

`complete_dossier()` gives an application that passes every Art. 12 rule. Everything that moves an application or a
laboratory from state to state is `labportal.journeys`; `FactoryCast` gives it new people and dossiers made here and
moves the clock with time-machine. The fixtures built on them (`journey`, `staff`, `english`, ...) are in conftest.py.
"""

import datetime
import zoneinfo
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

import factory
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import HostType, Level, Organisation, OrganisationKind, Role, User
from applications.choices import Field, ResearchDirection, StandardLevel, TeamRole
from applications.models import (
    Application,
    NationalProject,
    OutcomeClaim,
    ServiceIncome,
    StandardLed,
    TeamMember,
    TechnologyTransfer,
)
from kernel.transitions import run_transition
from kernel.workdays import is_working_day
from labportal import journeys
from labportal.journeys import ALL_MEET, Journey
from reviews.identity import CHECK_DIGITS, credit_code_check_character, resident_id_check_digit
from reviews.models import Position

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def provincial_body(kind, province):
    """Provincial bodies are reference data (accounts migration 0002)."""
    return Organisation.objects.get(kind=kind, province=province)


def ministry(kind):
    return Organisation.objects.get(kind=kind)


class CompetentDepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"主管部门{n}")
    kind = OrganisationKind.COMPETENT_DEPARTMENT


class LocalHostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"地方依托单位{n}")
    kind = OrganisationKind.HOST
    host_type = HostType.RESEARCH_INSTITUTE
    level = Level.LOCAL
    province = "32"


class CentralHostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"中央依托单位{n}")
    kind = OrganisationKind.HOST
    host_type = HostType.UNIVERSITY
    level = Level.CENTRAL
    competent_department = factory.SubFactory(CompetentDepartmentFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.APPLICANT
    password = factory.django.Password("pw-Secret-2026")


def applicant_of(host, **kw):
    return UserFactory(organisation=host, role=Role.APPLICANT, **kw)


def recommender_of(org, **kw):
    return UserFactory(organisation=org, role=Role.RECOMMENDER, **kw)


def ministry_staff(kind=OrganisationKind.SAMR, **kw):
    return UserFactory(organisation=ministry(kind), role=Role.MINISTRY_STAFF, **kw)


def standing_call(day=None):
    """The call taking applications on `day` (today), or one opened for that year by two officers of its own, who then
    leave (inactive): the people a test counts among the ministries' staff are only those it made."""
    signers = []

    def officer(kind):
        signers.append(ministry_staff(kind))
        return signers[-1]

    call = journeys.standing_call(lambda: officer(OrganisationKind.SAMR), lambda: officer(OrganisationKind.MIIT), day)
    User.objects.filter(pk__in=[s.pk for s in signers]).update(is_active=False)
    return call


def a_call(number, opens_on, closes_on, recommenders_due, **fields):
    """A call created and published by two new officers (SAMR, then MIIT), on the test's clock."""
    return journeys.open_call(ministry_staff(OrganisationKind.SAMR), ministry_staff(OrganisationKind.MIIT), number,
                              opens_on, closes_on, recommenders_due, clock=travel, **fields)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    host = factory.SubFactory(LocalHostFactory)
    call = factory.LazyFunction(standing_call)
    created_by = factory.LazyAttribute(lambda a: applicant_of(a.host))
    name_zh = factory.Sequence(lambda n: f"工业机器人质量{n}国家质量标准实验室")
    name_en_subject = "Industrial Robot Quality"
    field = Field.HIGH_END_MANUFACTURING
    research_directions = [ResearchDirection.TESTING, ResearchDirection.STANDARDS]
    summary = "面向工业机器人质量标准的研究。"
    construction_plan = "两年内建成……"
    research_space_m2 = Decimal("3500")
    instrument_value_cny = Decimal("60000000")
    precision_statement = "国内先进"
    data_capability = "数据中心 2 PB"
    is_host_priority = True
    host_commitment = "依托单位优先保障场地、人员与经费。"


def complete_dossier(application=None, year=None, **kw):
    """Fill the people, projects and outcomes so that every Art. 12 line passes."""
    app = application or ApplicationFactory(**kw)
    year = year or timezone.localdate().year
    TeamMember.objects.bulk_create([
        TeamMember(application=app, role=TeamRole.DIRECTOR, name="张主任", organisation_name=app.host.name, title="副院长"),
        TeamMember(application=app, role=TeamRole.COMMITTEE_CHAIR, name="李院士", organisation_name="清华大学", title="院士"),
        TeamMember(application=app, role=TeamRole.COMMITTEE_MEMBER, name="王教授", organisation_name="浙江大学", title="教授"),
        TeamMember(application=app, role=TeamRole.LEADER, name="赵研究员", organisation_name=app.host.name,
                   title="研究员", posts_held="ISO/TC 299 委员"),
    ])
    NationalProject.objects.bulk_create(
        NationalProject(application=app, title=f"国家重点研发计划项目{i}", year=year - (i % 5), amount_cny=Decimal("1500000"))
        for i in range(15)
    )
    OutcomeClaim.objects.bulk_create([
        OutcomeClaim(application=app, item=OutcomeClaim.Item.ORIGINAL_RESULTS, evidence="原创成果……"),
        OutcomeClaim(application=app, item=OutcomeClaim.Item.MAJOR_PROBLEMS, evidence="重大问题……"),
    ])
    StandardLed.objects.bulk_create(
        StandardLed(application=app, number=f"GB/T 4{i}000-{year}", title=f"标准{i}", level=StandardLevel.NATIONAL, year=year - (i % 3))
        for i in range(5)
    )
    TechnologyTransfer.objects.create(application=app, title="成果转化", year=year, amount_cny=Decimal("100000"))
    ServiceIncome.objects.create(application=app, year=year, amount_cny=Decimal("1000000"))
    return app


def all_meet_dimensions():
    """A preliminary review verdict of "meets" on each of the six Art. 10 dimensions."""
    return dict(ALL_MEET)


def provincial_recommenders(province, **kw):
    """One recommender user at the provincial SAMR and one at the provincial MIIT of `province`."""
    return (
        recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, province), **kw),
        recommender_of(provincial_body(OrganisationKind.PROVINCIAL_MIIT, province), **kw),
    )


def expert_user(**kw):
    return UserFactory(organisation=None, role=Role.EXPERT, **kw)


# --- experts, ministry staff, committees ---------------------------------------------------------------


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


def committee(members=15, vice_chairs=3, chairs=1, fields=None, name=None, **expert_kw):
    """A draft committee of `members` new experts: `chairs` chairs, `vice_chairs` vice-chairs, the rest members."""
    positions = [Position.CHAIR] * chairs + [Position.VICE_CHAIR] * vice_chairs
    positions += [Position.MEMBER] * max(members - len(positions), 0)
    return journeys.appoint_committee([(expert(**expert_kw), position, fields) for position in positions[:members]], name=name)


def add_member(committee_obj, expert_user=None, position=Position.MEMBER, fields=None):
    from reviews.models import CommitteeMember

    expert_user = expert_user or expert()
    CommitteeMember.objects.create(committee=committee_obj, expert=expert_user, position=position, fields=list(fields or []))
    return expert_user


def with_consortium_member(app, organisation=None):
    return journeys.with_consortium_member(app, organisation or LocalHostFactory())


# --- the tests' cast of the journeys ------------------------------------------------------------------


def travel(moment):
    """time-machine to `moment`, the clock standing still."""
    return time_machine.travel(moment, tick=False)


class FactoryCast(journeys.Cast):
    """New people for every part (as a test wants them: nobody of the test's own is drafted), new complete
    dossiers of a new local host, a criteria set of three criteria (40/30/30) of their own, and time-machine."""

    clock = staticmethod(travel)

    def ministry_staff(self, kind):
        return ministry_staff(kind)

    def applicant(self, host):
        return applicant_of(host)

    def recommender(self, organisation):
        return recommender_of(organisation)

    def expert(self):
        return expert()

    def dossier(self, host=None, **fields):
        return complete_dossier(host=host or LocalHostFactory(), **fields)

    def criteria(self):
        return journeys.criteria_set()


def new_journey(**kw):
    """A journey of the tests' cast (new staff unless given)."""
    return Journey(FactoryCast(), **kw)


# --- the clock ------------------------------------------------------------------------------------------


def on(year, month, day, hour=10):
    """time-machine at `hour` o'clock Beijing time on that date (the clock does not tick)."""
    return time_machine.travel(datetime.datetime(year, month, day, hour, 0, tzinfo=BEIJING), tick=False)


def at(day, hour=10):
    """time-machine at `hour` o'clock Beijing time on `day` (a date), the clock ticking."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING), tick=True)


# --- identity numbers and API clients ---------------------------------------------------------------


def resident_id(first17="11010519491231002"):
    """An 18-character resident ID number with the correct GB 11643 check digit."""
    return first17 + resident_id_check_digit(first17)


def credit_code(first17="91110108MA01K2L3X"):
    """An 18-character unified social credit code with the correct GB 32100 check character."""
    return first17 + credit_code_check_character(first17)


def wrong_check_digit(number):
    """The same number with a check digit that is not the right one."""
    wrong = next(c for c in CHECK_DIGITS if c != number[17])
    return number[:17] + wrong


def client_for(user=None):
    """A DRF client, authenticated as `user` if given."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def activate(committee_obj, staff, term_start=None):
    """Staff activate a draft committee (Art. 9 is checked then)."""
    return run_transition(committee_obj, "activate", staff, term_start=term_start)


# --- files a worker prepares (kernel.documents) ------------------------------------------------------------


def prepared(client, capture, url, params=None):
    """`url`'s file as a person gets it: the first request finds it being prepared and queues its rendering, which
    runs at commit (`capture` is pytest-django's `django_capture_on_commit_callbacks`; Celery is eager in the
    tests), and the next request gets the stored file. Returns the file's response and its content."""
    with capture(execute=True):
        response = client.get(url, params or {})
    if not response.get("Content-Disposition", "").startswith("attachment"):
        assert b'data-testid="document-status"' in response.content, response.status_code  # the "being prepared" page
        response = client.get(url, params or {})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment"), response.status_code
    return response, b"".join(response.streaming_content)  # reading it closes the stored file


# --- a round of applications with experts assigned (the expert's pages and PDFs) ------------------------------

LAB_NAME = "工业机器人质量国家质量标准实验室"


@dataclass
class ScoringSetup:
    journey: Journey
    review_round: object
    applications: list
    experts: list
    assignments: dict = dataclass_field(default_factory=dict)  # (application pk, expert pk) -> Assignment

    @property
    def staff(self):
        return self.journey.staff

    @property
    def committee(self):
        return self.journey.committee

    @property
    def criteria(self):
        return self.journey.criteria

    def assignment(self, expert, application=None):
        from reviews.models import Assignment

        application = application or self.applications[0]
        return Assignment.objects.get(pk=self.assignments[(application.pk, expert.pk)].pk)

    @property
    def criteria_list(self):
        return list(self.criteria.criteria.order_by("order", "pk"))

    def add_round(self, names, title):
        """A round of new applications named `names`, each assigned to the setup's experts."""
        applications = [self.journey.formal_review_passed(name_zh=name) for name in names]
        review_round = self.journey.open_round(applications, title)
        for application in applications:
            for expert_user in self.experts:
                self.assignments[(application.pk, expert_user.pk)] = self.journey.assign(review_round, application, expert_user)
        self.applications.extend(applications)
        return review_round


def scoring_setup(n_applications=1, n_experts=2, weights=(40, 30, 30), names=None):
    """A round of `n_applications` applications (the first named LAB_NAME), each assigned to the first `n_experts`
    members of an active committee of 15, scored against criteria of `weights`."""
    setup = ScoringSetup(new_journey(criteria=journeys.criteria_set(weights=weights)), None, [], [])
    setup.experts = setup.journey.experts[:n_experts]
    names = names or [LAB_NAME if i == 0 else f"智能传感器质量{i}国家质量标准实验室" for i in range(n_applications)]
    setup.review_round = setup.add_round(names, "2026年第一轮专家评审")
    return setup


def add_round(setup, n_applications=2, title="2026年第二轮专家评审"):
    """Another round in the same committee, its applications assigned to the same experts."""
    return setup.add_round([f"新能源汽车电池质量{i}国家质量标准实验室" for i in range(n_applications)], title)


def accept(assignment):
    """The expert declares no conflict of interest (Art. 9)."""
    return run_transition(assignment, "declare_no_conflict", assignment.expert)


def score_and_submit(assignment, value=80, comment=""):
    """Declare no conflict (if not yet), score every criterion `value`, submit."""
    return journeys.score(assignment, value, overall="同意推荐", comments=(comment,))


def lapse_day(end):
    """The first day on which a period ending on `end` has lapsed: one ending on a rest day runs to the end of the
    next working day (Civil Code Art. 203)."""
    last = end
    while not is_working_day(last):
        last += datetime.timedelta(days=1)
    return last + datetime.timedelta(days=1)
