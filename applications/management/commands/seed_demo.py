"""`manage.py seed_demo`: demo organisations, one account per role and applications in every state.

Idempotent: organisations and users are looked up by name / username and created only when missing;
each demo application is identified by its host and Chinese name and built only when missing, so a
second run changes nothing. Every status change goes through `labportal.transitions.run_transition`
with the user who would really take it, so timelines, preliminary reviews, revisions and inbox
messages are the real ones. E-mails those transitions would send are discarded (the demo addresses
are not real); the in-app inbox keeps its messages.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import HostType, Level, Organisation, OrganisationKind, Role, User
from applications.choices import (
    AttachmentSection,
    DimensionVerdict,
    Field,
    ResearchDirection,
    ReviewDimension,
    StandardLevel,
    TeamRole,
)
from applications.models import (
    Application,
    Attachment,
    NationalProject,
    OutcomeClaim,
    ServiceIncome,
    StandardLed,
    TeamMember,
    TechnologyTransfer,
)
from applications.uploads import inspect_upload
from labportal.transitions import run_transition

DEMO_PASSWORD = "demo12345"
EMAIL_DOMAIN = "labportal.example"  # RFC 2606: never delivered anywhere

# --- organisations -----------------------------------------------------------------------------

MOE = "教育部"
SASAC = "国务院国有资产监督管理委员会"
UNIVERSITY = "华夏理工大学"
CENTRAL_ENTERPRISE = "中国衡准装备集团有限公司"
JS_INSTITUTE = "江苏省智能制造质量研究院"
ZJ_ENTERPRISE = "浙江瓯越新材料股份有限公司"
EXPERT_INSTITUTION = "北方精密测量研究院"

ORGANISATIONS = [
    # (name, kind, host_type, level, province, competent department name, credit code)
    (MOE, OrganisationKind.COMPETENT_DEPARTMENT, "", "", "", None, ""),
    (SASAC, OrganisationKind.COMPETENT_DEPARTMENT, "", "", "", None, ""),
    (UNIVERSITY, OrganisationKind.HOST, HostType.UNIVERSITY, Level.CENTRAL, "", MOE, "12100000400000001X"),
    (CENTRAL_ENTERPRISE, OrganisationKind.HOST, HostType.ENTERPRISE, Level.CENTRAL, "", SASAC, "91110000100000002Y"),
    (JS_INSTITUTE, OrganisationKind.HOST, HostType.RESEARCH_INSTITUTE, Level.LOCAL, "32", None, "12320000400000003K"),
    (ZJ_ENTERPRISE, OrganisationKind.HOST, HostType.ENTERPRISE, Level.LOCAL, "33", None, "91330000700000004M"),
    (EXPERT_INSTITUTION, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
]

# --- accounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    role: str
    organisation: tuple | None  # ("name", NAME) or ("kind", kind, province)
    can: str
    superuser: bool = False


ACCOUNTS = [
    Account("applicant", "王静", Role.APPLICANT, ("name", JS_INSTITUTE),
            "江苏地方研究院的申报人：填写、上传、提交、修改被退回的申报书、撤回"),
    Account("applicant_central", "陈志远", Role.APPLICANT, ("name", UNIVERSITY),
            "中央高校的申报人（主管部门：教育部）"),
    Account("applicant_soe", "刘洋", Role.APPLICANT, ("name", CENTRAL_ENTERPRISE),
            "中央企业的申报人（主管部门：国务院国资委）"),
    Account("applicant_zj", "周敏", Role.APPLICANT, ("name", ZJ_ENTERPRISE),
            "浙江地方企业的申报人"),
    Account("samr_js", "孙丽", Role.RECOMMENDER, ("kind", OrganisationKind.PROVINCIAL_SAMR, "32"),
            "江苏省市场监管局：初审江苏地方申报（推荐、退回修改、不予推荐）"),
    Account("miit_js", "赵强", Role.RECOMMENDER, ("kind", OrganisationKind.PROVINCIAL_MIIT, "32"),
            "江苏省工业和信息化主管部门：与省市场监管局共同推荐江苏地方申报"),
    Account("samr_zj", "钱伟", Role.RECOMMENDER, ("kind", OrganisationKind.PROVINCIAL_SAMR, "33"),
            "浙江省市场监管局：初审浙江地方申报"),
    Account("miit_zj", "吴婷", Role.RECOMMENDER, ("kind", OrganisationKind.PROVINCIAL_MIIT, "33"),
            "浙江省工业和信息化主管部门：初审浙江地方申报"),
    Account("recommender_moe", "郑国华", Role.RECOMMENDER, ("name", MOE),
            "教育部（主管部门）：初审并推荐所属中央高校的申报"),
    Account("recommender_sasac", "冯建军", Role.RECOMMENDER, ("name", SASAC),
            "国务院国资委（主管部门）：初审所属中央企业的申报"),
    Account("samr_staff", "何晓明", Role.MINISTRY_STAFF, ("kind", OrganisationKind.SAMR, ""),
            "市场监管总局工作人员：查看已提交和已推荐的全部申报"),
    Account("miit_staff", "许佳", Role.MINISTRY_STAFF, ("kind", OrganisationKind.MIIT, ""),
            "工业和信息化部工作人员：查看已提交和已推荐的全部申报"),
    Account("expert", "林振华", Role.EXPERT, ("name", EXPERT_INSTITUTION),
            "专家委员会委员：只看到分配给自己的评审任务"),
    Account("admin", "系统管理员", Role.ADMINISTRATOR, None,
            "管理员：Django 管理后台，查看全部数据", superuser=True),
]

# --- dossier content ---------------------------------------------------------------------------

PROJECT_SUFFIXES = [
    "关键质量参数精密测量技术研究", "可靠性评价方法与标准研究", "全生命周期质量追溯技术研究",
    "质量大数据分析与风险预警技术", "检测装备国产化研制与验证", "国际标准比对与互认技术研究",
    "失效机理与寿命预测方法研究", "在线检测与智能判定技术", "标准物质研制与量值溯源",
    "质量分级评价技术研究", "安全风险监测与防控技术", "绿色低碳评价标准研究",
    "数字化计量测试技术研究", "质量基础设施一站式服务技术集成", "团体标准与国家标准衔接机制研究",
]
NQI_PROGRAMME = "国家重点研发计划“国家质量基础设施体系”重点专项"
STANDARD_PARTS = ["通用技术条件", "性能试验方法", "可靠性评价规范", "质量分级与评价", "检测数据采集与交换要求"]

ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}


@dataclass(frozen=True)
class Lab:
    key: int  # keeps generated numbers distinct between labs
    name_zh: str
    name_en_subject: str
    field: str
    directions: tuple
    topic: str
    breakthrough: str
    precision: str
    industry_prefix: str
    space_m2: Decimal
    instruments_cny: Decimal
    storage_tb: Decimal
    director: tuple  # (name, title)
    chair: tuple  # (name, organisation, title)
    members: tuple  # ((name, organisation, title), ...)
    leader: tuple  # (name, title, posts)
    provincial_lab: str = ""
    provincial_lab_since_years: int = 0


LABS = {
    "vehicle": Lab(
        1, "智能网联汽车功能安全国家质量标准实验室", "Functional Safety of Intelligent Connected Vehicles",
        Field.HIGH_END_MANUFACTURING, (ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "智能网联汽车", "车规级芯片功能安全验证", "整车电磁兼容测试场强不确定度优于 1.5 dB",
        "QC/T", Decimal("3200"), Decimal("0"), Decimal("0"),
        ("陆建平", "研究院副院长、研究员"), ("沈立群", "北方精密测量研究院", "研究员"), (), ("顾文涛", "研究员", ""),
    ),
    "robot": Lab(
        2, "工业机器人质量国家质量标准实验室", "Industrial Robot Quality",
        Field.HIGH_END_MANUFACTURING,
        (ResearchDirection.TESTING, ResearchDirection.STANDARDS, ResearchDirection.METROLOGY,
         ResearchDirection.COMMON_TECHNOLOGY),
        "工业机器人", "高精度减速器寿命评价与伺服系统可靠性验证",
        "六维力传感器校准装置相对扩展不确定度 0.05%（k=2），位姿重复性测量分辨力 1 μm",
        "JB/T", Decimal("4200"), Decimal("68500000"), Decimal("850"),
        ("陆建平", "研究院副院长、研究员"), ("沈立群", "北方精密测量研究院", "中国工程院院士"),
        (("黄思远", "华夏理工大学", "教授"), ("马晓燕", "江苏省智能制造质量研究院", "研究员"),
         ("罗海峰", "中国衡准装备集团有限公司", "正高级工程师")),
        ("顾文涛", "研究员", "ISO/TC 299 工业机器人技术委员会注册专家；全国机器人标准化技术委员会委员"),
        "江苏省工业机器人质量检测重点实验室", 6,
    ),
    "sensor": Lab(
        3, "智能传感器质量国家质量标准实验室", "Smart Sensor Quality",
        Field.CORE_ELECTRONIC_COMPONENTS,
        (ResearchDirection.PRODUCT_DESIGN, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "智能传感器", "MEMS 压力传感器温漂补偿与长期稳定性评价",
        "压力传感器综合校准系统准确度等级 0.01 级，温度循环试验箱温度均匀度 ±0.3 ℃",
        "SJ/T", Decimal("3600"), Decimal("57200000"), Decimal("420"),
        ("陆建平", "研究院副院长、研究员"), ("林振华", "北方精密测量研究院", "研究员"),
        (("黄思远", "华夏理工大学", "教授"), ("唐雪梅", "江苏省智能制造质量研究院", "高级工程师")),
        ("顾文涛", "研究员", "IEC/TC 47 半导体器件技术委员会中国专家"),
        "江苏省智能传感器检测技术重点实验室", 4,
    ),
    "additive": Lab(
        4, "增材制造质量国家质量标准实验室", "Additive Manufacturing Quality",
        Field.ADVANCED_PROCESSES,
        (ResearchDirection.PRODUCTION_CONTROL, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "增材制造", "金属增材制造零件内部缺陷无损检测与性能一致性评价",
        "工业 CT 检测系统空间分辨率 5 μm，粉末粒度分析仪测量范围 0.01–3500 μm",
        "JB/T", Decimal("3300"), Decimal("52800000"), Decimal("300"),
        ("陆建平", "研究院副院长、研究员"), ("彭家栋", "华夏理工大学", "教授"),
        (("马晓燕", "江苏省智能制造质量研究院", "研究员"), ("韩振宇", "北方精密测量研究院", "研究员")),
        ("顾文涛", "研究员", "全国增材制造标准化技术委员会委员"),
    ),
    "composite": Lab(
        5, "高性能纤维及复合材料国家质量标准实验室", "High-performance Fibres and Composites",
        Field.NEW_MATERIALS,
        (ResearchDirection.BASIC_RESEARCH, ResearchDirection.TESTING, ResearchDirection.STANDARDS,
         ResearchDirection.TRANSFER),
        "高性能纤维及复合材料", "碳纤维原丝质量一致性控制与复合材料界面性能表征",
        "万能材料试验机力值准确度 ±0.5%，纤维细度测量分辨力 0.01 dtex",
        "FZ/T", Decimal("2800"), Decimal("61000000"), Decimal("260"),
        ("方志强", "公司副总经理、正高级工程师"), ("彭家栋", "华夏理工大学", "教授"),
        (("许文博", "浙江瓯越新材料股份有限公司", "正高级工程师"), ("韩振宇", "北方精密测量研究院", "研究员")),
        ("姚思敏", "正高级工程师", "ISO/TC 61/SC 13 复合材料与增强纤维分委会委员"),
        "浙江省高性能纤维材料企业重点实验室", 5,
    ),
    "display": Lab(
        6, "新型显示材料国家质量标准实验室", "Advanced Display Materials",
        Field.KEY_MATERIALS, (ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "新型显示材料", "OLED 发光材料纯度与寿命评价", "色度计色坐标测量不确定度 0.0015",
        "SJ/T", Decimal("3100"), Decimal("50500000"), Decimal("180"),
        ("方志强", "公司副总经理、正高级工程师"), ("黄思远", "华夏理工大学", "教授"),
        (("韩振宇", "北方精密测量研究院", "研究员"),),
        ("姚思敏", "正高级工程师", "全国平板显示器件标准化技术委员会委员"),
    ),
    "biomedicine": Lab(
        7, "生物医药检测技术国家质量标准实验室", "Biomedicine Testing Technology",
        Field.BIOMEDICINE,
        (ResearchDirection.BASIC_RESEARCH, ResearchDirection.METROLOGY, ResearchDirection.STANDARDS,
         ResearchDirection.TALENT),
        "生物医药", "生物药关键质量属性表征与核酸标准物质研制",
        "高分辨质谱质量精度优于 1 ppm，数字 PCR 核酸定量相对扩展不确定度 3%（k=2）",
        "YY/T", Decimal("5200"), Decimal("96000000"), Decimal("1200"),
        ("杜明哲", "副校长、教授"), ("林振华", "北方精密测量研究院", "研究员"),
        (("宋雅琴", "华夏理工大学", "教授"), ("罗海峰", "中国衡准装备集团有限公司", "正高级工程师")),
        ("江慧", "教授", "ISO/TC 276 生物技术委员会注册专家；世界卫生组织生物标准化专家委员会顾问"),
        "生物医药质量检测教育部重点实验室", 7,
    ),
    "bearing": Lab(
        8, "高端轴承质量国家质量标准实验室", "High-end Bearing Quality",
        Field.CORE_COMPONENTS, (ResearchDirection.PRODUCTION_CONTROL, ResearchDirection.TESTING),
        "高端轴承", "航空轴承滚动接触疲劳寿命试验与评价",
        "轴承振动测量仪示值误差 ±3%，圆度仪测量不确定度 0.02 μm",
        "JB/T", Decimal("3800"), Decimal("55000000"), Decimal("150"),
        ("高立新", "集团总工程师、正高级工程师"), ("彭家栋", "华夏理工大学", "教授"),
        (("韩振宇", "北方精密测量研究院", "研究员"),),
        ("曹振东", "正高级工程师", "全国滚动轴承标准化技术委员会委员"),
    ),
}


def _summary(lab):
    return (
        f"本实验室聚焦{lab.topic}领域产品设计、生产控制、检验检测和管理体系等环节的质量共性问题，"
        f"开展质量标准基础与应用研究，研制先进测量方法、检测装备和标准物质，建设{lab.topic}质量大数据平台，"
        "支撑产业质量提升和标准国际化。"
    )


def _plan(lab):
    return (
        f"建设期两年。第一年：完成{lab.topic}关键质量参数测量平台和可靠性试验平台建设，组建学术委员会，"
        "制定开放课题与仪器共享管理办法。第二年：形成覆盖设计、制造、检测全链条的标准体系，主导或参与制定"
        "国家标准和行业标准不少于 8 项，培养领军人才和青年骨干，面向行业开放共享，年服务企业不少于 300 家。"
    )


def _fill_overview(app, lab, year, complete=True):
    app.name_zh = lab.name_zh
    app.name_en_subject = lab.name_en_subject
    app.field = lab.field
    app.research_directions = list(lab.directions)
    app.summary = _summary(lab)
    app.research_space_m2 = lab.space_m2
    if not complete:
        return
    app.construction_plan = _plan(lab)
    if lab.provincial_lab:
        app.provincial_lab_name = lab.provincial_lab
        app.provincial_lab_established = date(year - lab.provincial_lab_since_years, 6, 1)
    app.instrument_value_cny = lab.instruments_cny
    app.precision_statement = f"主要仪器设备测量精度达到国内先进水平：{lab.precision}。"
    app.data_capability = (
        f"建有实验室数据中心（存储容量 {lab.storage_tb} TB），部署质量数据分析平台，具备海量检测数据清洗、"
        "建模与可视化分析能力，数据异地备份。"
    )
    app.data_storage_tb = lab.storage_tb
    app.team_statement = (
        "现有固定研究人员 86 人，其中正高级职称 24 人、博士 41 人；实行学术带头人负责制和人才双聘机制，"
        "设立青年创新基金，核心团队近五年保持稳定。"
    )
    app.authority_statement = (
        f"牵头承担{lab.topic}领域国家质量基础设施重点专项多项，承担相关全国专业标准化技术委员会秘书处，"
        "检测结果获国际实验室认可合作组织互认。"
    )
    app.breakthrough_statement = f"突破{lab.breakthrough}等“卡脖子”技术难题，相关检测装备实现进口替代。"
    app.is_host_priority = True
    app.host_commitment = (
        "依托单位将实验室建设列为“十四五”发展重点，承诺配套经费不少于 5000 万元，保障科研用房和人员编制，"
        "实行实验室主任负责制。"
    )


def _fill_related(app, lab, year, project_numbers=True):
    """Team, national projects, outcome evidence, standards, transfers, service income: Art. 12 (2)-(4)."""
    host = app.host.name
    team = [TeamMember(application=app, role=TeamRole.DIRECTOR, name=lab.director[0], organisation_name=host,
                       title=lab.director[1])]
    team.append(TeamMember(application=app, role=TeamRole.COMMITTEE_CHAIR, name=lab.chair[0],
                           organisation_name=lab.chair[1], title=lab.chair[2]))
    team += [TeamMember(application=app, role=TeamRole.COMMITTEE_MEMBER, name=n, organisation_name=o, title=t)
             for n, o, t in lab.members]
    team.append(TeamMember(application=app, role=TeamRole.LEADER, name=lab.leader[0], organisation_name=host,
                           title=lab.leader[1], posts_held=lab.leader[2]))
    TeamMember.objects.bulk_create(team)
    NationalProject.objects.bulk_create(
        NationalProject(
            application=app,
            title=f"{lab.topic}{suffix}",
            number=f"{year - i % 5}YFF06{lab.key:02d}{i:03d}" if project_numbers else "",
            programme=NQI_PROGRAMME if i % 4 else "国家自然科学基金重点项目",
            year=year - i % 5,
            amount_cny=Decimal(1_200_000 + (i % 5) * 350_000),
        )
        for i, suffix in enumerate(PROJECT_SUFFIXES)
    )
    OutcomeClaim.objects.bulk_create([
        OutcomeClaim(application=app, item=OutcomeClaim.Item.ORIGINAL_RESULTS, evidence=(
            f"在{lab.topic}质量评价理论与测量方法方面形成系统性原创成果，近三年发表 SCI/EI 论文 120 余篇，"
            "获国家科学技术进步奖二等奖 1 项、省部级科技奖励 6 项。")),
        OutcomeClaim(application=app, item=OutcomeClaim.Item.MAJOR_PROBLEMS, evidence=(
            f"围绕{lab.breakthrough}等国家重大质量问题开展攻关，成果支撑行业质量提升行动和产品质量国家监督抽查。")),
        OutcomeClaim(application=app, item=OutcomeClaim.Item.DATA, evidence=(
            f"建成{lab.topic}质量标准数据库，累计收录检测数据 2600 万条、标准文本 4800 余项，面向行业开放查询。")),
    ])
    StandardLed.objects.bulk_create(
        StandardLed(
            application=app,
            number=(f"GB/T {43000 + lab.key * 40 + i}-{year - i % 3}" if i < 3
                    else f"{lab.industry_prefix} {14000 + lab.key * 40 + i}-{year - i % 3}"),
            title=f"{lab.topic} {part}",
            level=StandardLevel.NATIONAL if i < 3 else StandardLevel.INDUSTRY,
            year=year - i % 3,
        )
        for i, part in enumerate(STANDARD_PARTS)
    )
    TechnologyTransfer.objects.bulk_create(
        TechnologyTransfer(application=app, title=f"{lab.topic}{what}", year=year - i % 3, amount_cny=Decimal(amount))
        for i, (what, amount) in enumerate([
            ("在线检测装置专利许可", 1_800_000), ("可靠性试验方法技术转让", 950_000),
            ("质量数据分析软件著作权许可", 600_000), ("校准装置技术作价入股", 3_200_000),
        ])
    )
    ServiceIncome.objects.bulk_create(
        ServiceIncome(application=app, year=year - offset, amount_cny=Decimal(amount))
        for offset, amount in ((2, 9_800_000), (1, 11_600_000), (0, 13_200_000))
    )


def minimal_pdf(title="labportal demo attachment"):
    """The bytes of a small, valid one-page PDF (correct cross-reference table)."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text, width):
    return text + " " * max(width - _width(text), 0)


class Command(BaseCommand):
    help = "Create the demo organisations, one account per role (password demo12345) and applications in every state."

    def handle(self, *args, **options):
        self.year = timezone.localdate().year
        # The transitions notify by e-mail; the demo addresses are not real, so mail goes nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            with transaction.atomic():
                self.orgs = self._organisations()
                self.users = self._users()
            created = [name for name, build in self._scenarios() if self._once(name, build)]
        if self.new_users:
            self.stdout.write(self.style.SUCCESS(f"Created {self.new_users} demo accounts."))
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {len(created)} demo applications."))
        if not (created or self.new_users):
            self.stdout.write("Demo data already present; nothing changed.")
        self._print_accounts()

    # --- reference data ----------------------------------------------------------------------

    def _organisations(self):
        orgs = {}
        for name, kind, host_type, level, province, department, credit_code in ORGANISATIONS:
            org = Organisation.objects.filter(name=name).first()
            if org is None:
                org = Organisation(
                    name=name, kind=kind, host_type=host_type, level=level, province=province,
                    competent_department=orgs[department] if department else None, credit_code=credit_code,
                )
                org.full_clean()
                org.save()
            elif org.kind != kind:
                raise CommandError(f"Organisation “{name}” exists with kind “{org.kind}”, expected “{kind}”.")
            orgs[name] = org
        return orgs

    def _organisation_for(self, spec):
        if spec is None:
            return None
        if spec[0] == "name":
            return self.orgs[spec[1]]
        _tag, kind, province = spec
        return Organisation.objects.get(kind=kind, province=province)

    def _users(self):
        users, self.new_users = {}, 0
        for account in ACCOUNTS:
            organisation = self._organisation_for(account.organisation)
            user = User.objects.filter(username=account.username).first()
            if user is None:
                user = User(
                    username=account.username, full_name=account.full_name, role=account.role,
                    organisation=organisation, email=f"{account.username}@{EMAIL_DOMAIN}",
                    is_staff=account.superuser, is_superuser=account.superuser,
                )
                user.set_password(DEMO_PASSWORD)
                user.full_clean()
                user.save()
                self.new_users += 1
            elif user.role != account.role or user.organisation_id != (organisation.pk if organisation else None):
                raise CommandError(
                    f"User “{account.username}” exists with another role or organisation; "
                    "rename or delete it before seeding the demo."
                )
            users[account.username] = user
        return users

    # --- applications ------------------------------------------------------------------------

    def _once(self, lab_key, build):
        """Build one demo application unless it is there already; all or nothing."""
        lab = LABS[lab_key]
        if Application.objects.filter(name_zh=lab.name_zh).exists():
            return False
        with transaction.atomic():
            build(lab)
        return True

    def _scenarios(self):
        return [
            ("vehicle", self._draft_half_filled),
            ("robot", self._resubmitted_awaiting_both),
            ("sensor", self._one_of_two_recommended),
            ("additive", self._returned),
            ("composite", self._recommended_local),
            ("display", self._withdrawn),
            ("biomedicine", self._recommended_central),
            ("bearing", self._not_recommended),
        ]

    def _new(self, lab, host_name, applicant, complete=True, project_numbers=True):
        app = Application(host=self.orgs[host_name], created_by=self.users[applicant])
        _fill_overview(app, lab, self.year, complete=complete)
        app.full_clean(exclude=["status"])  # protected FSM field: never assigned, not even by clean_fields
        app.save()
        if complete:
            _fill_related(app, lab, self.year, project_numbers=project_numbers)
        return app

    def _go(self, app, name, username, comment="", **kwargs):
        return run_transition(app, name, self.users[username], comment, **kwargs)

    def _draft_half_filled(self, lab):
        """Draft: the overview and part of the facilities; no team, projects or outcomes yet."""
        self._new(lab, JS_INSTITUTE, "applicant", complete=False)

    def _resubmitted_awaiting_both(self, lab):
        """Submitted (2nd submission) with an evidence PDF, awaiting both Jiangsu bodies (Art. 10)."""
        app = self._new(lab, JS_INSTITUTE, "applicant", project_numbers=False)
        pdf = SimpleUploadedFile("科研用房产权证明.pdf", minimal_pdf("Research space title certificate"),
                                 content_type="application/pdf")
        content_type, size, sha256 = inspect_upload(pdf)
        Attachment.objects.create(
            application=app, section=AttachmentSection.FACILITIES, file=pdf, original_name=pdf.name,
            content_type=content_type, size=size, sha256=sha256, description="科研用房不动产权证书扫描件",
            uploaded_by=self.users["applicant"],
        )
        app = self._go(app, "submit", "applicant")
        app = self._go(
            app, "return_for_revision", "samr_js",
            "国家级项目清单缺少项目编号，无法核实真实性。请补充全部 15 个项目的编号后重新提交。",
            dimensions={
                ReviewDimension.AUTHENTICITY: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                               "comment": "项目编号缺失，无法与立项文件核对。"},
                ReviewDimension.COMPLETENESS: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                               "comment": "项目清单信息不全。"},
            },
        )
        for i, project in enumerate(app.projects.order_by("pk")):
            project.number = f"{project.year}YFF06{lab.key:02d}{i:03d}"
            project.save(update_fields=["number"])
        self._go(app, "submit", "applicant", "已按意见补充全部项目编号。")

    def _one_of_two_recommended(self, lab):
        """Submitted; the provincial SAMR has recommended, the provincial MIIT has not decided yet."""
        app = self._go(self._new(lab, JS_INSTITUTE, "applicant"), "submit", "applicant")
        self._go(app, "recommend", "samr_js", "六个方面均符合要求，同意推荐。", dimensions=ALL_MEET)

    def _returned(self, lab):
        """Returned for revision by the provincial MIIT, with its comments."""
        app = self._go(self._new(lab, JS_INSTITUTE, "applicant"), "submit", "applicant")
        self._go(
            app, "return_for_revision", "miit_js",
            "建设方案的年度目标不够具体，请量化第二年标准制定和开放服务指标；学术委员会仅 3 人，请补充委员名单。",
            dimensions={
                ReviewDimension.SYSTEMATIC: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                             "comment": "年度目标缺少可考核指标。"},
                ReviewDimension.COMPLETENESS: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                               "comment": "学术委员会名单不完整。"},
            },
        )

    def _recommended_local(self, lab):
        """Recommended by both Zhejiang bodies; 2,800 m² is below the Art. 12 “in principle” figure, acknowledged."""
        app = self._go(self._new(lab, ZJ_ENTERPRISE, "applicant_zj"), "submit", "applicant_zj")
        app = self._go(app, "recommend", "samr_zj", "科研用房略低于 3000 平方米，但另有 1200 平方米中试基地在建，同意推荐。",
                       dimensions=ALL_MEET, warnings_acknowledged=True)
        self._go(app, "recommend", "miit_zj", "企业研发投入强度高，产业带动作用明显，同意推荐。",
                 dimensions=ALL_MEET, warnings_acknowledged=True)

    def _withdrawn(self, lab):
        app = self._go(self._new(lab, ZJ_ENTERPRISE, "applicant_zj"), "submit", "applicant_zj")
        self._go(app, "withdraw", "applicant_zj", "企业战略调整，本年度暂不申报，撤回申请。")

    def _recommended_central(self, lab):
        app = self._go(self._new(lab, UNIVERSITY, "applicant_central"), "submit", "applicant_central")
        self._go(app, "recommend", "recommender_moe", "申报材料科学、完整，学校承诺的条件保障到位，同意推荐。",
                 dimensions=ALL_MEET)

    def _not_recommended(self, lab):
        app = self._go(self._new(lab, CENTRAL_ENTERPRISE, "applicant_soe"), "submit", "applicant_soe")
        fails = {"verdict": DimensionVerdict.FAILS, "comment": "研究方向与集团主业关联度不足。"}
        self._go(
            app, "decline", "recommender_sasac",
            "实验室研究方向与集团主营业务关联度不足，建设方案缺乏可行的质量标准研究目标，经研究不予推荐。",
            dimensions={**ALL_MEET, ReviewDimension.SCIENTIFIC: fails, ReviewDimension.SYSTEMATIC: fails},
        )

    # --- output ------------------------------------------------------------------------------

    def _print_accounts(self):
        rows = [("username", "password", "role", "organisation")]
        for account in ACCOUNTS:
            user = self.users[account.username]
            rows.append((user.username, DEMO_PASSWORD, str(user.role), str(user.organisation or "—")))
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        line = "+".join("-" * (w + 2) for w in widths)
        self.stdout.write(f"+{line}+")
        for index, row in enumerate(rows):
            self.stdout.write("| " + " | ".join(_pad(cell, w) for cell, w in zip(row, widths)) + " |")
            if index == 0:
                self.stdout.write(f"+{line}+")
        self.stdout.write(f"+{line}+")
