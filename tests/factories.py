"""Test data builders. `complete_dossier()` gives an application that passes every Art. 12 rule."""

from decimal import Decimal

import factory
from django.utils import timezone

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


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    host = factory.SubFactory(LocalHostFactory)
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


# --- helpers for the model-layer suite (appended; the builders above are unchanged) -------------

def all_meet_dimensions():
    """A preliminary review verdict of "meets" on each of the six Art. 10 dimensions."""
    from applications.choices import DimensionVerdict, ReviewDimension

    return {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}


def provincial_recommenders(province, **kw):
    """One recommender user at the provincial SAMR and one at the provincial MIIT of `province`."""
    return (
        recommender_of(provincial_body(OrganisationKind.PROVINCIAL_SAMR, province), **kw),
        recommender_of(provincial_body(OrganisationKind.PROVINCIAL_MIIT, province), **kw),
    )


def expert_user(**kw):
    return UserFactory(organisation=None, role=Role.EXPERT, **kw)

