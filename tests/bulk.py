"""Thousands of approved laboratories in seconds, for the bench and the tests of big lists: rows of the project's own
models made with `bulk_create`, as the real ones look (names by Art. 31 with their pinyin sort keys, hosts across
the provinces and central ones under their competent departments, fields of Art. 4, laboratories under construction
or in operation, approved over several years). Bypassing the transitions is the point: the journeys take a second
per laboratory; nothing here is asserted about how a laboratory got there."""

import datetime
import itertools

from dateutil.relativedelta import relativedelta

from accounts.models import HostType, Level, Organisation, OrganisationKind, Role, User
from accounts.provinces import Province
from applications.choices import Field, ResearchDirection
from applications.models import Application, Status
from applications.validators import LAB_NAME_SUFFIX
from evaluations.models import Laboratory
from evaluations.states import LabStatus
from kernel.sorting import pinyin_key
from tests.factories import standing_call

SUBJECTS = [
    ("工业机器人", "Industrial Robot"), ("动力电池", "Power Battery"), ("集成电路封装测试", "IC Packaging and Testing"),
    ("高端轴承", "High-end Bearing"), ("数控机床精度", "CNC Machine Tool Precision"), ("轨道交通装备", "Rail Transit Equipment"),
    ("海洋工程装备", "Offshore Engineering Equipment"), ("功率半导体器件", "Power Semiconductor Device"),
    ("高分子分离膜材料", "Polymer Separation Membrane"), ("稀土功能材料", "Rare Earth Functional Material"),
    ("工业软件", "Industrial Software"), ("工业互联网安全", "Industrial Internet Security"),
    ("卫星导航终端", "Satellite Navigation Terminal"), ("移动通信设备", "Mobile Communication Equipment"),
    ("医疗器械生物相容性", "Medical Device Biocompatibility"), ("体外诊断试剂", "In Vitro Diagnostic Reagent"),
    ("疫苗质量评价", "Vaccine Quality Evaluation"), ("细胞治疗产品", "Cell Therapy Product"),
    ("精密光学元件", "Precision Optical Component"), ("增材制造", "Additive Manufacturing"),
    ("智能传感器", "Smart Sensor"), ("汽车电子", "Automotive Electronics"), ("特种工程塑料", "Special Engineering Plastic"),
    ("先进焊接与连接工艺", "Advanced Welding and Joining"), ("量子精密测量", "Quantum Precision Measurement"),
]
ASPECTS = [("质量", "Quality"), ("安全", "Safety"), ("可靠性", "Reliability"), ("检测评价", "Testing and Evaluation")]
REGIONS = ["华北", "华东", "华南", "华中", "西南", "西北", "东北", "长三角", "珠三角", "京津冀", "成渝", "粤港澳",
           "黄河流域", "长江中游", "北部湾", "海峡西岸", "关中", "中原", "环渤海", "滇中"]
HOST_KINDS = [("研究院", HostType.RESEARCH_INSTITUTE), ("大学", HostType.UNIVERSITY),
              ("股份有限公司", HostType.ENTERPRISE), ("检验检测研究院", HostType.RESEARCH_INSTITUTE)]
FIELDS = list(Field.values)
PROVINCES = list(Province.values)


def approved_laboratories(count, *, first_year=2021, years=5, hosts=None, prefix=""):
    """`count` approved applications with their laboratories, spread over `years` from `first_year`, each applied for
    in the previous year's call; returns the laboratories' primary keys. `prefix` keeps several calls' names apart."""
    hosts = _hosts(hosts or max(1, count // 4), prefix)
    calls = {year: standing_call(datetime.date(year - 1, 3, 1)) for year in range(first_year, first_year + years)}
    creators = User.objects.bulk_create([
        User(username=f"bulk{prefix}{n}", full_name=f"申报联系人{n}", email=f"bulk{prefix}{n}@example.cn",
             role=Role.APPLICANT, organisation=host, password="!")
        for n, host in enumerate(hosts)])
    names = itertools.cycle(itertools.product(ASPECTS, SUBJECTS, REGIONS))  # 2,000 different names
    applications, labs = [], []
    for n in range(count):
        (aspect, aspect_en), (subject, subject_en), region = next(names)
        host, creator = hosts[n % len(hosts)], creators[n % len(creators)]
        name = f"{prefix}{region}{subject}{aspect}{LAB_NAME_SUFFIX}"
        applications.append(Application(
            host=host, call=calls[first_year + n % years], created_by=creator, status=Status.APPROVED,
            name_zh=name, name_sort=pinyin_key(name),
            name_en_subject=f"{subject_en} {aspect_en} ({region})", field=FIELDS[n % len(FIELDS)],
            research_directions=[ResearchDirection.TESTING, ResearchDirection.STANDARDS],
            summary=f"面向{subject}{aspect}的标准研究、检验检测与成果转化。", revision_count=1))
    Application.objects.bulk_create(applications, batch_size=1000)
    for n, application in enumerate(applications):
        approved_on = datetime.date(first_year + n % years, 1 + n % 12, 1 + n % 28)
        built = approved_on + relativedelta(years=2) < datetime.date(first_year + years, 1, 1)
        labs.append(Laboratory(
            application=application, name_zh=application.name_zh, name_sort=application.name_sort,
            name_en_subject=application.name_en_subject, host=application.host, field=application.field,
            research_directions=application.research_directions, province=application.host.province,
            status=LabStatus.OPERATING if built else LabStatus.CONSTRUCTION, approved_on=approved_on,
            construction_start=approved_on, construction_end=approved_on + relativedelta(years=2),
            operation_started_on=approved_on + relativedelta(years=2) if built else None,
            director_name="张主任", director_position="副院长", committee_chair_name="李院士",
            committee_chair_organisation="清华大学"))
    Laboratory.objects.bulk_create(labs, batch_size=1000)
    return [lab.pk for lab in labs]


def _hosts(count, prefix, central=True):
    """`count` hosts across the provinces, every fifth a central one under a competent department (unless not
    `central`)."""
    departments = Organisation.objects.bulk_create([
        Organisation(name=f"{prefix}批量主管部门{n}", name_sort=pinyin_key(f"{prefix}批量主管部门{n}"),
                     kind=OrganisationKind.COMPETENT_DEPARTMENT) for n in range(3)])
    hosts = []
    for n in range(count):
        ending, host_type = HOST_KINDS[n % len(HOST_KINDS)]
        name = f"{prefix}{REGIONS[n % len(REGIONS)]}{SUBJECTS[n % len(SUBJECTS)][0]}{ending}{n}"
        central = central and n % 5 == 0
        hosts.append(Organisation(
            name=name, name_sort=pinyin_key(name), kind=OrganisationKind.HOST, host_type=host_type,
            level=Level.CENTRAL if central else Level.LOCAL, province="" if central else PROVINCES[n % len(PROVINCES)],
            competent_department=departments[n % len(departments)] if central else None))
    return Organisation.objects.bulk_create(hosts)
