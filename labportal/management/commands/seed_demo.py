"""`manage.py seed_demo`: demo organisations, accounts, an expert committee, applications in every state
and laboratories in every state of their life (construction, acceptance, operation, evaluation, the end).

Idempotent: organisations, users and the committee are looked up by name / username and created only
when missing; each demo application (or batch of applications that share a review round or a
publicity notice) is identified by its Chinese name and built only when missing, so a second run
changes nothing. Every walk goes through `labportal.journeys` (the steps the tests take too: the real
transitions and services, each with the user who would really take it), so timelines, preliminary and
formal reviews, scores, inspections, objections, sign-offs, deadlines and inbox messages are the real
ones; this command holds the demo's people, dossiers and story. E-mails those steps would send are
discarded (the demo addresses are not real); the in-app inbox keeps its messages. The official documents they issue
are signed with the demo's keys, which it writes first when missing (`make_signing_keys`, var/signing/).

Every application belongs to a call (申报批次): this year's, open now (its window closing in three weeks), and
for each cohort of laboratories a past call with its whole history, from both ministries' signatures to the
construction list they approved.

Laboratories are born the real way, of applications both ministries approve, and then move only through
their own transitions and the `evaluations.services` functions (annual reports, extension request,
acceptance application and rounds, confirmations, acceptance notice, evaluation rounds, change report,
delisting).

Every step runs on the day it would have happened (a journey step's `on`, `journeys.happening_at`): the
applications of this year's intake over the last months, the labs' cohorts from their approval one, two and five years ago
through their reports, acceptance and evaluations. So histories, inbox messages, reviews, scores, reports
and deadlines carry their own dates, and each expert round is scored by the committee whose two-year term
(Art. 9) covers it: 第一届 and 第二届 (their terms ended, the deadline sweep expired them) for the old rounds,
第三届 for the recent ones.
"""

import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import HostType, Level, Organisation, OrganisationKind, Role, User
from accounts.rules import needs_second_factor
from accounts.second_factor import DEMO_TOTP_SECRET, give_demo_device
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
    Call,
    NationalProject,
    OutcomeClaim,
    PreliminaryReview,
    ServiceIncome,
    StandardLed,
    TeamMember,
    TechnologyTransfer,
)
from applications.uploads import inspect_upload
from evaluations.deadlines import report_due
from evaluations.models import AcceptanceVerdict, AnnualReport, ChangeKind, EvaluationResult, Laboratory
from evaluations.services import (
    acknowledge_report,
    build_plan_goals,
    file_change_report,
    file_extension_request,
    give_recommender_opinion,
    submit_annual_report,
)
from kernel.deadlines import sweep
from kernel.workdays import is_working_day
from labportal.journeys import (
    ALL_MEET,
    Cast,
    Journey,
    all_checks,
    appoint_committee,
    criteria_for,
    happening_at,
    moment,
    with_consortium_member,
)
from reviews import autoassign
from reviews.bands import parse_bands
from reviews.identity import resident_id_check_digit
from reviews.models import (
    CommitteeStatus,
    CriteriaSet,
    Employment,
    ExpertCommittee,
    Expertise,
    Objection,
    Position,
    ReviewRound,
    RoundStatus,
)
from reviews.services import (
    lodge_objection,
    publicity_end,
    round_results,
    suggested_experts,
)

DEMO_PASSWORD = "demo12345"
EMAIL_DOMAIN = "labportal.example"  # RFC 2606: never delivered anywhere

# --- organisations -----------------------------------------------------------------------------

MOE = "教育部"
SASAC = "国务院国有资产监督管理委员会"
UNIVERSITY = "华夏理工大学"
CENTRAL_ENTERPRISE = "中国衡准装备集团有限公司"
JS_INSTITUTE = "江苏省智能制造质量研究院"
ZJ_ENTERPRISE = "浙江瓯越新材料股份有限公司"
BEICHEN = "北辰理工大学"
HUARUI = "中国华睿电子信息集团有限公司"
XICHENG = "江苏锡澄半导体股份有限公司"
QIANTANG = "浙江钱塘生物医药研究院"
# The experts' own institutions: never hosts, so no expert is conflicted by being the host (Art. 9).
EXPERT_INSTITUTION = "北方精密测量研究院"
JINGHUA = "京华标准化研究院"
DONGYUE = "东岳理工大学"
ZHONGZHOU = "中州机械科学研究院"
XIJIANG = "西江生命科学研究院"
NANLING = "南岭材料科学研究院"
DONGHAI = "东海电子信息研究院"
XILING = "西岭理工大学"

# The 机关代字 of the competent departments' recommendation letters (Art. 10); the provincial bodies' come from their
# province (accounts migration 0006).
DOCUMENT_PREFIXES = {MOE: "教科信函", SASAC: "国资科创函"}

ORGANISATIONS = [
    # (name, kind, host_type, level, province, competent department name, credit code)
    (MOE, OrganisationKind.COMPETENT_DEPARTMENT, "", "", "", None, ""),
    (SASAC, OrganisationKind.COMPETENT_DEPARTMENT, "", "", "", None, ""),
    (UNIVERSITY, OrganisationKind.HOST, HostType.UNIVERSITY, Level.CENTRAL, "", MOE, "12100000400000001X"),
    (CENTRAL_ENTERPRISE, OrganisationKind.HOST, HostType.ENTERPRISE, Level.CENTRAL, "", SASAC, "91110000100000002Y"),
    (JS_INSTITUTE, OrganisationKind.HOST, HostType.RESEARCH_INSTITUTE, Level.LOCAL, "32", None, "12320000400000003K"),
    (ZJ_ENTERPRISE, OrganisationKind.HOST, HostType.ENTERPRISE, Level.LOCAL, "33", None, "91330000700000004M"),
    (BEICHEN, OrganisationKind.HOST, HostType.UNIVERSITY, Level.CENTRAL, "", MOE, "12100000400000005P"),
    (HUARUI, OrganisationKind.HOST, HostType.ENTERPRISE, Level.CENTRAL, "", SASAC, "91110000100000006Q"),
    (XICHENG, OrganisationKind.HOST, HostType.ENTERPRISE, Level.LOCAL, "32", None, "91320200700000007R"),
    (QIANTANG, OrganisationKind.HOST, HostType.RESEARCH_INSTITUTE, Level.LOCAL, "33", None, "12330000400000008T"),
    (EXPERT_INSTITUTION, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
    (JINGHUA, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
    (DONGYUE, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
    (ZHONGZHOU, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
    # A research institute with experts on the committee and a consortium member of the cell-therapy dossier.
    (XIJIANG, OrganisationKind.HOST, HostType.RESEARCH_INSTITUTE, Level.LOCAL, "44", None, ""),
    (NANLING, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
    (DONGHAI, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
    (XILING, OrganisationKind.EXPERT_POOL, "", "", "", None, ""),
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
            "江苏地方研究院的申报人：填写、上传、提交、修改被退回的申报书、按形式审查意见补正、撤回；一个建设期实验室的年度建设报告即将到期"),
    Account("applicant_central", "陈志远", Role.APPLICANT, ("name", UNIVERSITY),
            "中央高校的申报人（主管部门：教育部）：一项已推荐，一项待两部委批准；一个综合评价优秀的运行实验室"),
    Account("applicant_soe", "刘洋", Role.APPLICANT, ("name", CENTRAL_ENTERPRISE),
            "中央企业的申报人（主管部门：国务院国资委）：一项不予推荐，一项已批准建设；一个实验室申请延期待决定，一个评估不合格整改中"),
    Account("applicant_zj", "周敏", Role.APPLICANT, ("name", ZJ_ENTERPRISE),
            "浙江地方企业的申报人：已推荐、已撤回、专家评审未通过各一项；一个运行实验室（重大事项报告待决定），一个未通过验收被终止建设"),
    Account("applicant_beichen", "郭晓东", Role.APPLICANT, ("name", BEICHEN),
            "中央高校（主管部门：教育部）的申报人：通过形式审查，等待专家评审；一个实验室验收结果公示中"),
    Account("applicant_huarui", "马骏", Role.APPLICANT, ("name", HUARUI),
            "中央企业（主管部门：国务院国资委）的申报人：形式审查不予受理一项，待现场考察一项；一个实验室待工信部确认验收，一个被撤销"),
    Account("applicant_xicheng", "朱莉", Role.APPLICANT, ("name", XICHENG),
            "江苏地方企业的申报人：专家评审中一项，已完成现场考察一项；一个实验室已申请验收，等待验收评议"),
    Account("applicant_qiantang", "胡婧", Role.APPLICANT, ("name", QIANTANG),
            "浙江地方研究院的申报人：专家评审中一项，正在公示一项；一个实验室验收整改中，一个综合评价中"),
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
            "市场监管总局工作人员：形式审查、组织专家评审、现场考察、公示与异议处理、签署批准建设；实验室延期、验收、重大事项报告"),
    Account("miit_staff", "许佳", Role.MINISTRY_STAFF, ("kind", OrganisationKind.MIIT, ""),
            "工业和信息化部工作人员：同上；一项申报等待工信部会签批准，一个实验室等待工信部确认验收"),
    Account("expert", "林振华", Role.EXPERT, ("name", EXPERT_INSTITUTION),
            "专家委员会委员：只看到分配给自己的评审任务（申报与综合评价各一项待声明回避情况，一项评分草稿）"),
    Account("admin", "系统管理员", Role.ADMINISTRATOR, None,
            "管理员：Django 管理后台，查看全部数据", superuser=True),
]

# The expert committee (Art. 9): 1 chair, 3 vice-chairs and 11 members, an odd total of 15, appointed for
# two years and re-appointed each term. Three terms cover the demo's rounds, from the oldest labs' application
# round five and a half years ago to this year's: (name, how long ago the first term started).
COMMITTEE_TERMS = ["第一届国家质量标准实验室专家技术委员会", "第二届国家质量标准实验室专家技术委员会",
                   "第三届国家质量标准实验室专家技术委员会"]
FIRST_TERM_STARTED_AGO = relativedelta(months=68)
TERM = relativedelta(years=2)

COMMITTEE = [
    # (username, full name, institution, position, fields)
    ("expert02", "周永年", JINGHUA, Position.CHAIR, (Field.INDUSTRIAL_TECHNOLOGY_BASE, Field.HIGH_END_MANUFACTURING)),
    ("expert03", "唐慧敏", DONGYUE, Position.VICE_CHAIR, (Field.CORE_ELECTRONIC_COMPONENTS, Field.INFORMATION_TECHNOLOGY)),
    ("expert04", "贺志刚", ZHONGZHOU, Position.VICE_CHAIR, (Field.CORE_COMPONENTS, Field.ADVANCED_PROCESSES)),
    ("expert05", "蒋丽华", XIJIANG, Position.VICE_CHAIR, (Field.BIOMEDICINE,)),
    ("expert", "林振华", EXPERT_INSTITUTION, Position.MEMBER, (Field.CORE_ELECTRONIC_COMPONENTS, Field.BIOMEDICINE)),
    ("expert06", "邓文博", EXPERT_INSTITUTION, Position.MEMBER, (Field.INDUSTRIAL_TECHNOLOGY_BASE, Field.BIOMEDICINE)),
    ("expert07", "谢雨婷", DONGYUE, Position.MEMBER, (Field.KEY_SOFTWARE, Field.INFORMATION_TECHNOLOGY)),
    ("expert08", "田建国", NANLING, Position.MEMBER, (Field.NEW_MATERIALS, Field.KEY_MATERIALS)),
    ("expert09", "袁晓峰", NANLING, Position.MEMBER, (Field.KEY_MATERIALS, Field.ADVANCED_PROCESSES)),
    ("expert10", "范志成", DONGHAI, Position.MEMBER, (Field.CORE_ELECTRONIC_COMPONENTS, Field.KEY_MATERIALS)),
    ("expert11", "程雪莉", XIJIANG, Position.MEMBER, (Field.BIOMEDICINE,)),
    ("expert12", "苏明远", ZHONGZHOU, Position.MEMBER, (Field.HIGH_END_MANUFACTURING, Field.CORE_COMPONENTS)),
    ("expert13", "魏红梅", JINGHUA, Position.MEMBER, (Field.NEW_MATERIALS, Field.INDUSTRIAL_TECHNOLOGY_BASE)),
    ("expert14", "潘俊杰", XILING, Position.MEMBER, (Field.HIGH_END_MANUFACTURING, Field.ADVANCED_PROCESSES)),
    ("expert15", "董佳怡", DONGHAI, Position.MEMBER, (Field.INFORMATION_TECHNOLOGY, Field.KEY_SOFTWARE)),
]
POSITION_NAMES = {Position.CHAIR: "主任委员", Position.VICE_CHAIR: "副主任委员", Position.MEMBER: "委员"}

ACCOUNTS += [
    Account(username, name, Role.EXPERT, ("name", institution), f"专家委员会{POSITION_NAMES[position]}")
    for username, name, institution, position, _fields in COMMITTEE if username != "expert"
]
COMMITTEE_USERNAMES = {row[0] for row in COMMITTEE}

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
    consortium: tuple = ()  # ((organisation name, role), ...): Art. 5 consortium members


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
    # --- the ministry stage (Art. 7-9, 13) ---
    "software": Lab(
        9, "工业软件质量国家质量标准实验室", "Industrial Software Quality",
        Field.KEY_SOFTWARE, (ResearchDirection.TESTING, ResearchDirection.STANDARDS, ResearchDirection.COMMON_TECHNOLOGY),
        "工业软件", "工业控制软件功能安全与可靠性验证", "软件测试仿真平台并发能力 10 万点/秒，时间同步精度优于 1 μs",
        "SJ/T", Decimal("3400"), Decimal("52600000"), Decimal("960"),
        ("陆建平", "研究院副院长、研究员"), ("范立宏", "北辰理工大学", "教授"),
        (("黄思远", "华夏理工大学", "教授"), ("唐雪梅", "江苏省智能制造质量研究院", "高级工程师")),
        ("顾文涛", "研究员", "全国信息技术标准化技术委员会委员；ISO/IEC JTC 1/SC 7 软件与系统工程分委会注册专家"),
        "江苏省工业软件测评重点实验室", 3,
    ),
    "quantum": Lab(
        10, "量子精密测量国家质量标准实验室", "Quantum Precision Measurement",
        Field.INDUSTRIAL_TECHNOLOGY_BASE,
        (ResearchDirection.BASIC_RESEARCH, ResearchDirection.METROLOGY, ResearchDirection.INSTRUMENTS),
        "量子精密测量", "基于量子效应的电学量与时间频率量值溯源",
        "光钟频率相对不确定度 5×10⁻¹⁸，量子电压基准合成不确定度 1×10⁻⁹", "JJF",
        Decimal("4600"), Decimal("128000000"), Decimal("640"),
        ("程嘉树", "副校长、教授"), ("沈立群", "北方精密测量研究院", "中国工程院院士"),
        (("宋雅琴", "华夏理工大学", "教授"), ("韩振宇", "北方精密测量研究院", "研究员")),
        ("叶知秋", "教授", "国际计量委员会时间频率咨询委员会工作组成员；全国时间频率计量技术委员会委员"),
        "精密测量物理教育部重点实验室", 8,
    ),
    "navigation": Lab(
        11, "卫星导航终端质量国家质量标准实验室", "Satellite Navigation Terminal Quality",
        Field.INFORMATION_TECHNOLOGY, (ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "卫星导航终端", "高动态多系统导航终端定位性能一致性测试", "导航信号模拟器伪距精度 0.05 m，时延测量不确定度 0.3 ns",
        "SJ/T", Decimal("3300"), Decimal("58000000"), Decimal("300"),
        ("秦守仁", "集团副总工程师、正高级工程师"), ("黄思远", "华夏理工大学", "教授"),
        (("范立宏", "北辰理工大学", "教授"),),
        ("段明", "正高级工程师", "全国北斗卫星导航标准化技术委员会委员"),
    ),
    "power_semi": Lab(
        12, "功率半导体器件质量国家质量标准实验室", "Power Semiconductor Device Quality",
        Field.CORE_ELECTRONIC_COMPONENTS,
        (ResearchDirection.PRODUCT_DESIGN, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "功率半导体器件", "车规级 IGBT 与碳化硅 MOSFET 功率循环寿命评价",
        "动态参数测试系统电压测量准确度 ±0.2%，结温测量不确定度 1.5 ℃",
        "SJ/T", Decimal("3500"), Decimal("86000000"), Decimal("240"),
        ("钱振东", "公司副总经理、正高级工程师"), ("宋雅琴", "华夏理工大学", "教授"),
        (("马晓燕", "江苏省智能制造质量研究院", "研究员"), ("罗海峰", "中国衡准装备集团有限公司", "正高级工程师")),
        ("吕卓", "正高级工程师", "IEC/TC 47 半导体器件技术委员会中国专家；全国半导体器件标准化技术委员会委员"),
        "江苏省功率器件可靠性重点实验室", 5,
    ),
    "cell_therapy": Lab(
        13, "细胞治疗产品质量国家质量标准实验室", "Cell Therapy Product Quality",
        Field.BIOMEDICINE,
        (ResearchDirection.BASIC_RESEARCH, ResearchDirection.TESTING, ResearchDirection.STANDARDS,
         ResearchDirection.METROLOGY),
        "细胞治疗产品", "细胞活性、纯度与效力的标准化表征",
        "流式细胞仪荧光灵敏度优于 80 MESF，数字 PCR 拷贝数测量相对扩展不确定度 5%（k=2）",
        "YY/T", Decimal("3800"), Decimal("74000000"), Decimal("520"),
        ("钟慧", "研究院院长、研究员"), ("杜明哲", "华夏理工大学", "教授"),
        (("程晓光", "西江生命科学研究院", "研究员"), ("宋雅琴", "华夏理工大学", "教授")),
        ("许一鸣", "研究员", "ISO/TC 276 生物技术委员会细胞表征工作组专家"),
        "浙江省细胞治疗质量评价重点实验室", 4,
        consortium=((XIJIANG, "联合共建单位：负责细胞效力评价方法研究"),),
    ),
    "telecom": Lab(
        14, "新一代移动通信设备质量国家质量标准实验室", "Next-generation Mobile Communication Equipment Quality",
        Field.INFORMATION_TECHNOLOGY,
        (ResearchDirection.TESTING, ResearchDirection.STANDARDS, ResearchDirection.INSTRUMENTS),
        "移动通信设备", "5G/6G 基站射频一致性与电磁兼容测试",
        "矢量网络分析仪频率范围 10 MHz–110 GHz，全电波暗室静区反射电平优于 -45 dB",
        "YD/T", Decimal("4100"), Decimal("112000000"), Decimal("700"),
        ("秦守仁", "集团副总工程师、正高级工程师"), ("范立宏", "北辰理工大学", "教授"),
        (("黄思远", "华夏理工大学", "教授"), ("韩振宇", "北方精密测量研究院", "研究员")),
        ("段明", "正高级工程师", "ITU-R 第五研究组 5D 工作组中国代表团成员；全国通信标准化技术委员会委员"),
    ),
    "wide_bandgap": Lab(
        15, "第三代半导体材料质量国家质量标准实验室", "Third-generation Semiconductor Materials Quality",
        Field.KEY_MATERIALS,
        (ResearchDirection.PRODUCTION_CONTROL, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "第三代半导体材料", "碳化硅衬底微管与位错缺陷无损表征",
        "X 射线衍射摇摆曲线角分辨率 0.0001°，光致发光面扫描空间分辨率 1 μm",
        "SJ/T", Decimal("3200"), Decimal("69000000"), Decimal("200"),
        ("钱振东", "公司副总经理、正高级工程师"), ("彭家栋", "华夏理工大学", "教授"),
        (("马晓燕", "江苏省智能制造质量研究院", "研究员"),),
        ("吕卓", "正高级工程师", "全国半导体设备和材料标准化技术委员会委员"),
    ),
    "biocompat": Lab(
        16, "医疗器械生物相容性评价国家质量标准实验室", "Biocompatibility Evaluation of Medical Devices",
        Field.BIOMEDICINE,
        (ResearchDirection.TESTING, ResearchDirection.STANDARDS, ResearchDirection.QUALITY_GOVERNANCE),
        "医疗器械生物相容性", "植入器械长期生物安全性体外替代评价",
        "细胞毒性定量检测线性范围 3 个数量级，可沥滤物分析检出限 0.1 μg/mL",
        "YY/T", Decimal("3600"), Decimal("63000000"), Decimal("180"),
        ("钟慧", "研究院院长、研究员"), ("杜明哲", "华夏理工大学", "教授"),
        (("宋雅琴", "华夏理工大学", "教授"),),
        ("许一鸣", "研究员", "ISO/TC 194 医疗器械生物学与临床评价技术委员会注册专家"),
        "浙江省医疗器械安全评价重点实验室", 6,
    ),
    "welding": Lab(
        17, "先进焊接与连接工艺质量国家质量标准实验室", "Advanced Welding and Joining Process Quality",
        Field.ADVANCED_PROCESSES,
        (ResearchDirection.PRODUCTION_CONTROL, ResearchDirection.TESTING, ResearchDirection.STANDARDS,
         ResearchDirection.TALENT),
        "先进焊接与连接", "大型结构件激光-电弧复合焊接质量在线监测",
        "焊缝三维形貌测量分辨力 5 μm，残余应力测量不确定度 ±15 MPa",
        "JB/T", Decimal("3900"), Decimal("71000000"), Decimal("350"),
        ("杜明哲", "副校长、教授"), ("沈立群", "北方精密测量研究院", "中国工程院院士"),
        (("罗海峰", "中国衡准装备集团有限公司", "正高级工程师"), ("许文博", "浙江瓯越新材料股份有限公司", "正高级工程师")),
        ("严峻", "教授", "国际焊接学会（IIW）第 V 委员会委员；全国焊接标准化技术委员会委员"),
        "先进焊接与连接教育部重点实验室", 9,
    ),
    "machinery": Lab(
        18, "工程机械可靠性国家质量标准实验室", "Construction Machinery Reliability",
        Field.HIGH_END_MANUFACTURING,
        (ResearchDirection.PRODUCT_DESIGN, ResearchDirection.TESTING, ResearchDirection.STANDARDS,
         ResearchDirection.TRANSFER),
        "工程机械", "大型工程机械整机可靠性加速试验与寿命评价",
        "六自由度道路模拟试验台位移控制精度 ±0.05 mm，液压系统压力测量准确度 0.1 级",
        "JB/T", Decimal("6200"), Decimal("138000000"), Decimal("420"),
        ("高立新", "集团总工程师、正高级工程师"), ("彭家栋", "华夏理工大学", "教授"),
        (("韩振宇", "北方精密测量研究院", "研究员"), ("马晓燕", "江苏省智能制造质量研究院", "研究员")),
        ("曹振东", "正高级工程师", "ISO/TC 127 土方机械技术委员会注册专家；全国土方机械标准化技术委员会委员"),
    ),
    "plastics": Lab(
        19, "特种工程塑料国家质量标准实验室", "Special Engineering Plastics",
        Field.NEW_MATERIALS,
        (ResearchDirection.PRODUCTION_CONTROL, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "特种工程塑料", "聚醚醚酮树脂批次稳定性控制",
        "熔体流动速率仪温度控制精度 ±0.1 ℃，热变形温度测定误差 ±0.5 ℃",
        "HG/T", Decimal("3050"), Decimal("50800000"), Decimal("120"),
        ("方志强", "公司副总经理、正高级工程师"), ("黄思远", "华夏理工大学", "教授"),
        (("韩振宇", "北方精密测量研究院", "研究员"),),
        ("姚思敏", "正高级工程师", "全国塑料标准化技术委员会委员"),
    ),
    # --- the laboratory stage (Art. 14-31): approved in earlier years, now in every lab state ---
    "battery": Lab(
        20, "动力电池安全国家质量标准实验室", "Traction Battery Safety",
        Field.KEY_MATERIALS,
        (ResearchDirection.TESTING, ResearchDirection.STANDARDS, ResearchDirection.QUALITY_GOVERNANCE),
        "动力电池", "动力电池热失控预警与安全边界评价",
        "电池充放电测试系统电压准确度 ±0.02%FS，绝热加速量热仪温度分辨力 0.001 ℃",
        "QC/T", Decimal("3600"), Decimal("76000000"), Decimal("500"),
        ("陆建平", "研究院副院长、研究员"), ("彭家栋", "华夏理工大学", "教授"),
        (("马晓燕", "江苏省智能制造质量研究院", "研究员"), ("韩振宇", "北方精密测量研究院", "研究员")),
        ("顾文涛", "研究员", "全国汽车标准化技术委员会电动车辆分技术委员会委员"),
        "江苏省动力电池安全检测重点实验室", 5,
    ),
    "machine_tool": Lab(
        21, "高档数控机床精度国家质量标准实验室", "High-end CNC Machine Tool Accuracy",
        Field.HIGH_END_MANUFACTURING,
        (ResearchDirection.PRODUCT_DESIGN, ResearchDirection.TESTING, ResearchDirection.STANDARDS,
         ResearchDirection.METROLOGY),
        "高档数控机床", "五轴数控机床精度保持性与可靠性评价",
        "激光干涉仪线性测量不确定度 0.5 ppm，球杆仪圆度测量分辨力 0.1 μm",
        "JB/T", Decimal("4800"), Decimal("92000000"), Decimal("380"),
        ("高立新", "集团总工程师、正高级工程师"), ("沈立群", "北方精密测量研究院", "中国工程院院士"),
        (("彭家栋", "华夏理工大学", "教授"), ("韩振宇", "北方精密测量研究院", "研究员")),
        ("曹振东", "正高级工程师", "ISO/TC 39 机床技术委员会注册专家；全国金属切削机床标准化技术委员会委员"),
    ),
    "ic_packaging": Lab(
        22, "集成电路封装测试质量国家质量标准实验室", "Integrated Circuit Packaging and Test Quality",
        Field.CORE_ELECTRONIC_COMPONENTS,
        (ResearchDirection.PRODUCTION_CONTROL, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "集成电路封装测试", "先进封装互连可靠性与失效分析",
        "扫描声学显微镜分辨力 5 μm，热阻测试系统测量不确定度 3%（k=2）",
        "SJ/T", Decimal("3400"), Decimal("83000000"), Decimal("260"),
        ("钱振东", "公司副总经理、正高级工程师"), ("宋雅琴", "华夏理工大学", "教授"),
        (("马晓燕", "江苏省智能制造质量研究院", "研究员"),),
        ("吕卓", "正高级工程师", "全国集成电路标准化技术委员会委员"),
        "江苏省集成电路可靠性检测重点实验室", 4,
    ),
    "ivd": Lab(
        23, "体外诊断试剂质量国家质量标准实验室", "In Vitro Diagnostic Reagent Quality",
        Field.BIOMEDICINE, (ResearchDirection.METROLOGY, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "体外诊断试剂", "体外诊断试剂量值溯源与参考测量程序",
        "参考测量程序测量不确定度 1.2%（k=2），生化分析系统波长准确度 ±0.5 nm",
        "YY/T", Decimal("3300"), Decimal("58000000"), Decimal("220"),
        ("钟慧", "研究院院长、研究员"), ("杜明哲", "华夏理工大学", "教授"),
        (("宋雅琴", "华夏理工大学", "教授"),),
        ("许一鸣", "研究员", "ISO/TC 212 临床实验室检验及体外诊断检验系统技术委员会注册专家"),
        "浙江省体外诊断产品质量评价重点实验室", 5,
    ),
    "industrial_internet": Lab(
        24, "工业互联网安全国家质量标准实验室", "Industrial Internet Security",
        Field.INFORMATION_TECHNOLOGY,
        (ResearchDirection.TESTING, ResearchDirection.STANDARDS, ResearchDirection.QUALITY_GOVERNANCE),
        "工业互联网安全", "工业控制协议漏洞挖掘与安全防护能力评测",
        "网络流量分析平台吞吐能力 100 Gbps，时间戳精度 10 ns",
        "YD/T", Decimal("3500"), Decimal("64000000"), Decimal("1500"),
        ("秦守仁", "集团副总工程师、正高级工程师"), ("范立宏", "北辰理工大学", "教授"),
        (("黄思远", "华夏理工大学", "教授"),),
        ("段明", "正高级工程师", "全国网络安全标准化技术委员会委员"),
    ),
    "optics": Lab(
        25, "精密光学元件质量国家质量标准实验室", "Precision Optical Components Quality",
        Field.CORE_COMPONENTS,
        (ResearchDirection.BASIC_RESEARCH, ResearchDirection.METROLOGY, ResearchDirection.TESTING),
        "精密光学元件", "大口径光学元件面形与表面缺陷检测",
        "激光干涉仪面形测量重复性 λ/1000，表面粗糙度测量分辨力 0.1 nm",
        "JB/T", Decimal("3700"), Decimal("88000000"), Decimal("300"),
        ("程嘉树", "副校长、教授"), ("沈立群", "北方精密测量研究院", "中国工程院院士"),
        (("宋雅琴", "华夏理工大学", "教授"),),
        ("叶知秋", "教授", "ISO/TC 172 光学和光子学技术委员会注册专家"),
        "精密光学制造教育部重点实验室", 6,
    ),
    "rare_earth": Lab(
        26, "稀土功能材料质量国家质量标准实验室", "Rare-earth Functional Materials Quality",
        Field.NEW_MATERIALS,
        (ResearchDirection.PRODUCTION_CONTROL, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "稀土功能材料", "高性能稀土永磁材料磁性能一致性评价",
        "永磁材料测量装置磁通测量准确度 ±0.5%，电感耦合等离子体质谱检出限 0.01 ng/L",
        "XB/T", Decimal("3100"), Decimal("51000000"), Decimal("140"),
        ("方志强", "公司副总经理、正高级工程师"), ("黄思远", "华夏理工大学", "教授"),
        (("韩振宇", "北方精密测量研究院", "研究员"),),
        ("姚思敏", "正高级工程师", "全国稀土标准化技术委员会委员"),
    ),
    "hydrogen": Lab(
        32, "氢能装备安全国家质量标准实验室", "Hydrogen Energy Equipment Safety",
        Field.HIGH_END_MANUFACTURING,
        (ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "氢能装备", "高压储氢气瓶疲劳寿命与氢脆评价",
        "气瓶疲劳试验机压力控制精度 ±0.5 MPa，氢渗透测量下限 1×10⁻¹² mol/(m·s·Pa^0.5)",
        "GB/T", Decimal("3200"), Decimal("53000000"), Decimal("150"),
        ("林海峰", "研究院副院长、研究员"), ("黄思远", "华夏理工大学", "教授"),
        (("韩振宇", "北方精密测量研究院", "研究员"),),
        ("程立新", "研究员", "全国氢能标准化技术委员会委员"),
    ),
    "coatings": Lab(
        33, "船舶防腐涂料质量国家质量标准实验室", "Marine Anti-corrosion Coatings Quality",
        Field.NEW_MATERIALS,
        (ResearchDirection.TESTING, ResearchDirection.PRODUCTION_CONTROL),
        "船舶防腐涂料", "深海高压环境涂层失效机理与寿命预测",
        "盐雾试验箱温度均匀度 ±1 ℃，电化学阻抗谱测量频率范围 10 µHz–1 MHz",
        "HG/T", Decimal("3150"), Decimal("52000000"), Decimal("140"),
        ("周启明", "研究所所长、正高级工程师"), ("彭家栋", "华夏理工大学", "教授"),
        (("许文博", "浙江瓯越新材料股份有限公司", "正高级工程师"),),
        ("沈若兰", "正高级工程师", "全国涂料和颜料标准化技术委员会委员"),
    ),
    "membrane": Lab(
        27, "高分子分离膜材料国家质量标准实验室", "Polymer Separation Membranes",
        Field.NEW_MATERIALS,
        (ResearchDirection.PRODUCT_DESIGN, ResearchDirection.TESTING, ResearchDirection.STANDARDS,
         ResearchDirection.TRANSFER),
        "高分子分离膜", "反渗透膜脱盐率与抗污染性能长期评价",
        "膜性能评价装置压力控制精度 ±0.01 MPa，孔径分析仪测量范围 0.002–500 μm",
        "HG/T", Decimal("3300"), Decimal("56000000"), Decimal("200"),
        ("方志强", "公司副总经理、正高级工程师"), ("彭家栋", "华夏理工大学", "教授"),
        (("许文博", "浙江瓯越新材料股份有限公司", "正高级工程师"), ("韩振宇", "北方精密测量研究院", "研究员")),
        ("姚思敏", "正高级工程师", "全国分离膜标准化工作组委员"),
        "浙江省分离膜材料企业重点实验室", 6,
    ),
    "rail": Lab(
        28, "轨道交通装备质量国家质量标准实验室", "Rail Transit Equipment Quality",
        Field.HIGH_END_MANUFACTURING,
        (ResearchDirection.PRODUCT_DESIGN, ResearchDirection.TESTING, ResearchDirection.STANDARDS,
         ResearchDirection.TALENT),
        "轨道交通装备", "高速列车转向架疲劳可靠性与服役安全评价",
        "多轴疲劳试验台载荷控制精度 ±0.5%，轮轨力测量不确定度 2%（k=2）",
        "TB/T", Decimal("5600"), Decimal("126000000"), Decimal("800"),
        ("杜明哲", "副校长、教授"), ("沈立群", "北方精密测量研究院", "中国工程院院士"),
        (("罗海峰", "中国衡准装备集团有限公司", "正高级工程师"), ("范立宏", "北辰理工大学", "教授")),
        ("严峻", "教授", "国际铁路联盟标准工作组专家；全国轨道交通标准化技术委员会委员"),
        "轨道交通安全教育部重点实验室", 9,
    ),
    "vaccine": Lab(
        29, "疫苗质量评价国家质量标准实验室", "Vaccine Quality Evaluation",
        Field.BIOMEDICINE,
        (ResearchDirection.BASIC_RESEARCH, ResearchDirection.METROLOGY, ResearchDirection.TESTING,
         ResearchDirection.STANDARDS),
        "疫苗", "疫苗效力与关键质量属性体外替代评价",
        "表面等离子共振系统检测限 1 pg/mL，毛细管电泳分离分辨力 0.5 kDa",
        "YY/T", Decimal("4200"), Decimal("97000000"), Decimal("600"),
        ("钟慧", "研究院院长、研究员"), ("杜明哲", "华夏理工大学", "教授"),
        (("程晓光", "西江生命科学研究院", "研究员"),),
        ("许一鸣", "研究员", "世界卫生组织生物标准化专家委员会顾问"),
        "浙江省疫苗质量评价重点实验室", 8,
    ),
    "offshore": Lab(
        30, "海洋工程装备质量国家质量标准实验室", "Offshore Engineering Equipment Quality",
        Field.HIGH_END_MANUFACTURING,
        (ResearchDirection.PRODUCT_DESIGN, ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "海洋工程装备", "深海装备耐压结构与腐蚀疲劳评价",
        "深海压力模拟装置最大压力 120 MPa、压力控制精度 ±0.1%",
        "CB/T", Decimal("4400"), Decimal("99000000"), Decimal("300"),
        ("高立新", "集团总工程师、正高级工程师"), ("彭家栋", "华夏理工大学", "教授"),
        (("韩振宇", "北方精密测量研究院", "研究员"),),
        ("曹振东", "正高级工程师", "ISO/TC 8 船舶与海洋技术委员会注册专家"),
    ),
    "auto_electronics": Lab(
        31, "汽车电子质量国家质量标准实验室", "Automotive Electronics Quality",
        Field.CORE_ELECTRONIC_COMPONENTS, (ResearchDirection.TESTING, ResearchDirection.STANDARDS),
        "汽车电子", "车规级电子元器件可靠性认证试验",
        "高低温冲击试验箱温变速率 15 ℃/min，静电放电模拟器电压准确度 ±5%",
        "SJ/T", Decimal("3200"), Decimal("54000000"), Decimal("160"),
        ("秦守仁", "集团副总工程师、正高级工程师"), ("黄思远", "华夏理工大学", "教授"),
        (("范立宏", "北辰理工大学", "教授"),),
        ("段明", "正高级工程师", "全国汽车电子标准化工作组委员"),
    ),
}


def _summary(lab):
    return (
        f"本实验室聚焦{lab.topic}领域产品设计、生产控制、检验检测和管理体系等环节的质量共性问题，"
        f"开展质量标准基础与应用研究，研制先进测量方法、检测装备和标准物质，建设{lab.topic}质量大数据平台，"
        "支撑产业质量提升和标准国际化。"
    )


def _plan(lab):
    """The build plan (Art. 11, 17), one goal a line: the acceptance application reports against each."""
    return "\n".join([
        f"1. 第一年：建成{lab.topic}关键质量参数测量平台和可靠性试验平台。",
        "2. 第一年：组建学术委员会，制定开放课题与仪器共享管理办法。",
        "3. 第二年：形成覆盖设计、制造、检测全链条的标准体系，主导或参与制定国家标准和行业标准不少于 8 项。",
        "4. 第二年：培养领军人才和青年骨干，面向行业开放共享，年服务企业不少于 300 家。",
    ])


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


def _pdf_upload(name, title):
    return SimpleUploadedFile(name, minimal_pdf(title), content_type="application/pdf")


# --- the ministry stage (Art. 7-9, 13) ---------------------------------------------------------

RECOMMEND_COMMENTS = [
    "六个方面均符合要求，同意推荐。",
    "申报材料科学、完整，依托单位保障有力，同意推荐。",
]
PASS_COMMENT = "形式审查各项均符合要求，予以受理，进入专家评审。"
SUPPLEMENT_COMMENT = (
    "第十二条证明材料不齐：未附科研用房产权证明和主要仪器设备清单（含购置发票），"
    "请在补正期限内上传后重新提交形式审查。"
)
FORMAL_REJECT_COMMENT = (
    "经形式审查：申报书所列国家级项目中 9 项由集团下属子公司独立承担，非依托单位承担；"
    "依托单位盖章页缺失。申报材料与第十二条要求不符，不予受理。"
)
NO_CONFLICT = "本人与该申报的依托单位及联合体成员无任职、合作或其他利害关系。"
SCORE_COMMENTS = [
    "科研用房和主要仪器设备满足要求，部分装置达到国际先进水平。",
    "学术委员会结构合理，学术带头人具有国际标准组织任职。",
    "近五年承担国家级项目充足，在领域内具有权威性。",
    "主导制定标准和成果转化数量达到要求，行业带动作用明显。",
    "依托单位将实验室列为发展重点，经费和人员保障到位。",
]
OPEN_ROUND = "{year}年第一批专家评审"
PILOT_ROUND = "{year}年试点批次专家评审"
NOTICE_CLOSED = "{year}年拟批准建设国家质量标准实验室名单公示（第一批）"
NOTICE_OPEN = "{year}年拟批准建设国家质量标准实验室名单公示（第二批）"
NOTICE_SCHEDULED = "{year}年拟批准建设国家质量标准实验室名单公示（第三批）"
# The grading bands every criterion of the demo's application criteria set is scored by.
DEMO_BANDS = """90-100 优秀：完全符合本项条件，优势突出，有标志性成果
75-89.99 良好：符合本项条件，基础扎实，个别方面有待加强
60-74.99 合格：基本符合本项条件，存在明显不足
0-59.99 不合格：不符合本项条件"""

# The pilot round: (lab key, [(expert, scores per criterion, overall opinion)]); weights from the criteria set.
PILOT_PANELS = {
    "telecom": [
        ("expert03", (88, 85, 87, 84, 86), "射频与电磁兼容测试能力突出，同意进入现场考察。"),
        ("expert07", (86, 84, 88, 85, 83), "同意进入现场考察。"),
        ("expert15", (85, 87, 86, 82, 88), "建议现场重点核查毫米波测试系统的运行情况。"),
    ],
    "wide_bandgap": [
        ("expert08", (87, 86, 85, 86, 88), "衬底缺陷表征能力国内领先，同意进入现场考察。"),
        ("expert09", (85, 84, 87, 85, 86), "同意进入现场考察。"),
        ("expert10", (70, 66, 68, 67, 72), "外延与器件级验证能力不足，标准体系尚不完整，建议暂缓。"),
    ],
    "biocompat": [
        ("expert05", (89, 88, 90, 87, 88), "体外替代评价方法研究系统深入，同意进入现场考察。"),
        ("expert11", (88, 86, 89, 88, 90), "同意进入现场考察。"),
        ("expert06", (87, 88, 86, 85, 89), "同意进入现场考察。"),
    ],
    "welding": [
        ("expert04", (88, 87, 86, 89, 90), "在线监测技术工程化应用成效显著，同意进入现场考察。"),
        ("expert09", (86, 85, 88, 87, 86), "同意进入现场考察。"),
        ("expert14", (87, 88, 87, 86, 85), "同意进入现场考察。"),
    ],
    "machinery": [
        ("expert02", (92, 90, 91, 93, 92), "整机可靠性试验能力国际先进，强烈推荐。"),
        ("expert12", (90, 91, 92, 90, 89), "同意进入现场考察。"),
        ("expert14", (91, 89, 93, 92, 90), "同意进入现场考察。"),
    ],
    "plastics": [
        ("expert08", (64, 60, 58, 62, 66), "研究方向集中于单一产品，质量共性技术研究基础薄弱。"),
        ("expert13", (63, 61, 60, 59, 65), "科研成果以企业内部应用为主，行业带动作用不足。"),
        ("expert04", (66, 62, 61, 60, 64), "不建议进入现场考察。"),
    ],
}
PILOT_REJECT_REASON = (
    "专家组综合评分 {mean:.1f} 分，位列本批次末位；研究方向集中于单一产品，质量共性技术研究基础薄弱，"
    "科研成果行业带动作用不足，不进入现场考察。"
)
INSPECTION_TEAMS = {
    "wide_bandgap": "考察组：周永年（组长）、范志成、袁晓峰；市场监管总局、工业和信息化部工作人员各 1 名",
    "biocompat": "考察组：蒋丽华（组长）、邓文博、程雪莉；市场监管总局、工业和信息化部工作人员各 1 名",
    "welding": "考察组：贺志刚（组长）、潘俊杰、魏红梅；市场监管总局、工业和信息化部工作人员各 1 名",
    "machinery": "考察组：周永年（组长）、苏明远、潘俊杰；市场监管总局、工业和信息化部工作人员各 1 名",
}


def _findings(lab):
    return (
        f"实地核查科研用房 {lab.space_m2:,.0f} 平方米、主要仪器设备原值 {lab.instruments_cny / 10000:,.0f} 万元，"
        f"与申报材料一致；{lab.topic}质量数据平台运行正常；学术委员会章程、开放共享制度健全；"
        "依托单位配套经费已列入年度预算。考察组一致认为建设条件属实。"
    )

# --- the laboratory stage (Art. 14-31) ---------------------------------------------------------
# Three cohorts of labs were approved in earlier years, each after one expert round and one publicity
# notice, and have lived since, each step on its day: reports filed shortly before they fall due, acceptance
# applied for in the last months of construction, the acceptance round, the ministries' confirmations and
# the acceptance notice, the annual operation reports and the first comprehensive evaluation. No status is
# ever assigned and no date is moved afterwards.

# (lab key, host, host's applicant account)
CONSTRUCTION_COHORT = [("battery", JS_INSTITUTE, "applicant"), ("machine_tool", CENTRAL_ENTERPRISE, "applicant_soe")]
ACCEPTANCE_COHORT = [
    ("ic_packaging", XICHENG, "applicant_xicheng"), ("ivd", QIANTANG, "applicant_qiantang"),
    ("industrial_internet", HUARUI, "applicant_huarui"), ("optics", BEICHEN, "applicant_beichen"),
    ("rare_earth", ZJ_ENTERPRISE, "applicant_zj"), ("hydrogen", BEICHEN, "applicant_beichen"),
    ("coatings", XICHENG, "applicant_xicheng"),
]
OPERATION_COHORT = [
    ("membrane", ZJ_ENTERPRISE, "applicant_zj"), ("rail", UNIVERSITY, "applicant_central"),
    ("vaccine", QIANTANG, "applicant_qiantang"), ("offshore", CENTRAL_ENTERPRISE, "applicant_soe"),
    ("auto_electronics", HUARUI, "applicant_huarui"),
]
# How long ago each cohort was approved: the first construction report falls due in about two weeks;
# construction ends next month (acceptance is open, Art. 18); construction ended three years ago, and the
# first triennial evaluation (Art. 26) fell due some weeks ago.
CONSTRUCTION_APPROVED_AGO = relativedelta(months=11, days=14)
ACCEPTANCE_APPROVED_AGO = relativedelta(months=23)
OPERATION_APPROVED_AGO = relativedelta(months=62)

CALL_TITLE = "国家质量标准实验室申报"
CALL_NOTES = ("申报单位按照《国家质量标准实验室管理办法》第十二条所列条件准备申报材料，经推荐单位初审后于推荐截止日期前报送。"
              "地方申报由省级市场监管部门、省级工业和信息化主管部门联合推荐，中央单位由主管部门推荐。")
COHORT_ROUND = "{year}年第{batch}批专家评审"
COHORT_NOTICE = "{year}年拟批准建设国家质量标准实验室名单公示（第{batch}批）"
COHORT_TEAM = "考察组：周永年（组长）、贺志刚、唐慧敏；市场监管总局、工业和信息化部工作人员各 1 名"
ACCEPTANCE_ROUND = "{year}年国家质量标准实验室验收评议"
ACCEPTANCE_NOTICE = "{year}年国家质量标准实验室验收结果公示"
EVALUATION_ROUND = "{year}年国家质量标准实验室综合评价（第{batch}批）"
LAB_SCORE_COMMENTS = [
    "建设任务完成情况与建设计划目标逐项对照，证据充分。",
    "标准研制、检测方法与装备开发成效明显。",
    "人才队伍结构合理，开放交流与运行管理制度健全。",
    "面向行业开展质量标准技术服务和公益性推广。",
    "依托单位保障到位，经费和人员落实。",
]
ACCEPTANCE_OPINIONS = {
    "pass": ("专家组认为：实验室全面完成建设计划确定的各项任务，研究方向明确，运行管理规范，同意通过验收。", (90, 88, 89, 87, 91)),
    "rectify": (
        "专家组认为：参考测量程序尚未获得国际检验医学溯源联合委员会（JCTLM）认可，开放课题管理制度未有效运行；"
        "请在六个月内完成整改后重新申请验收。", (74, 70, 72, 71, 73),
    ),
    "fail": (
        "专家组认为：建设计划确定的永磁材料一致性评价平台未建成，主导制定标准数量与建设目标差距较大，"
        "依托单位配套经费未落实，不予通过验收。", (58, 55, 60, 52, 57),
    ),
}
# What the host reports against each goal of the plan (Art. 18), as the verdict later bears out: a lab that
# failed never claimed its goals completed; a pending application claims them.
GOALS_ACHIEVED = {
    "pass": (
        "已完成：测量平台和可靠性试验平台建成，通过计量确认并投入运行。",
        "已完成：学术委员会已组建并召开三次全体会议，开放课题与仪器共享办法已施行。",
        "已完成：主导或参与制定国家标准和行业标准 11 项。",
        "已完成：引进和培养骨干 26 人，年服务企业 420 家。",
    ),
    "rectify": (
        "基本完成：参考测量程序已建立，尚未获得国际检验医学溯源联合委员会（JCTLM）认可。",
        "部分完成：开放课题管理办法已制定，尚未按办法组织立项。",
        "已完成：主导或参与制定国家标准和行业标准 9 项。",
        "已完成：年服务企业 320 家。",
    ),
    "fail": (
        "未完成：永磁材料一致性评价平台未建成，关键设备尚未到货。",
        "部分完成：学术委员会已组建，开放共享办法尚未施行。",
        "未完成：主导制定标准 3 项，与不少于 8 项的目标差距较大。",
        "部分完成：依托单位承诺的配套经费未落实，年服务企业 120 家。",
    ),
}
EVALUATION_OPINIONS = {
    "excellent": ("研究水平国际先进，转向架疲劳可靠性评价成果支撑多项国家标准，开放共享成效突出，评估结果为优秀。", (95, 93, 94, 96)),
    "qualified": ("各项任务按计划推进，研究能力和开放服务达到要求，评估结果为合格。", (83, 81, 84, 82)),
    "unqualified": (
        "近三年主导制定标准数量明显不足，开放课题经费未按承诺落实，学术委员会未按章程履职，评估结果为不合格；"
        "请在六个月内整改（第二十七条）。", (62, 58, 60, 61),
    ),
}
STATEMENT_ACCEPTED = "我单位对验收结论无异议，将总结经验教训，不再提出重新验收申请。"
MISCONDUCT_IN_ACCEPTANCE = ("经核查，验收申请材料所附第三方检测报告系伪造，依托单位提供虚假材料；依据第二十五条，"
                            "拟撤销其国家质量标准实验室资格。")
STATEMENT = ("我单位对验收结论无异议，但恳请考虑：建设期内核心仪器因进口受限延迟到货，已于验收后全部到位并投入使用，"
             "附到货验收单与运行记录。请求给予一次重新验收的机会。")
DELISTING_REASON = (
    "经核查，实验室第三年度运行报告所列 4 篇论文和 2 项标准并非在实验室完成，依托单位提供虚假材料；"
    "依据第二十五条，撤销其国家质量标准实验室资格。"
)
EXTENSION_REASON = (
    "五轴联动精度保持性试验平台的关键进口部件受出口管制影响交付推迟 5 个月，平台联调与比对试验无法在建设期内完成，"
    "申请延长建设期 6 个月（第十八条）。"
)
RECOMMENDER_OPINIONS = (
    ("该实验室运行以来，我局将其纳入省级质量基础设施建设规划，在人员编制、科研经费和场地等方面给予持续支持。"
     "实验室在疫苗质量标准研制和检验方法验证方面成效明显，年度报告反映的成果属实。建议评价中关注其开放课题数量偏少的问题。"),
    ("我厅支持该实验室与省内生物医药企业开展质量技术服务合作，实验室为企业提供检验方法验证服务成效良好。"
     "同意其参加本次综合评价。"),
)
CHANGE_REPORT = (
    "根据海水淡化与工业废水零排放领域的质量需求，实验室拟将研究方向由“反渗透膜性能评价”拓展为“分离膜全生命周期"
    "质量评价”，新增纳滤膜与膜蒸馏组件检测能力；学术委员会已审议通过（第二十四条）。"
)


def _report_data(lab, kind, number):
    """The text of the lab's annual report of `kind`, year `number` (Art. 18, 21-23, 26)."""
    phase = "建设" if kind == AnnualReport.Kind.CONSTRUCTION else "运行"
    return {
        "summary": (
            f"第 {number} 年度{phase}情况：{lab.topic}质量参数测量平台按计划推进，围绕{lab.breakthrough}开展研究，"
            "主导或参与制定国家标准、行业标准 3 项，新增授权发明专利 5 项。"
        ),
        "open_projects": f"设立开放课题 {4 + number} 项，面向高校和企业公开申请，经学术委员会评审立项。",
        "exchanges": "举办全国性学术研讨会 1 次，与国际同行开展测量比对 2 项。",
        "public_services": f"面向{lab.topic}行业开展公益性质量诊断和标准宣贯，服务中小企业 {120 + 30 * number} 家次。",
    }


def _report_outputs(lab, laboratory, number):
    """Outputs of an operation report, each crediting the lab by its Chinese or English name (Art. 23)."""
    return [
        {"kind": "paper", "title": f"{lab.topic}关键质量参数测量方法研究（第 {number} 年度代表作）",
         "credit_line": f"{laboratory.name_zh}，{laboratory.host.name}"},
        {"kind": "software", "title": f"{lab.topic}质量数据分析软件 V{number}.0",
         "credit_line": f"{laboratory.name_en}, {laboratory.host.name}"},
    ]


def _working_day_on_or_before(day):
    """`day` if it is a working day (holiday calendar), else the last one before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


@contextmanager
def _unsynced_sqlite():
    """On a file SQLite database (`make run`), skip the disk flush after each commit while seeding: the
    notifications sent after each transition commit one by one, and flushing each makes seeding several
    times slower. The demo database can be rebuilt at will; the setting is restored afterwards."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {int(previous)}")


class Command(BaseCommand):
    help = (
        "Create the demo organisations, accounts for every role and the expert committee's three terms (password "
        "demo12345), applications in every state from draft to approved, and laboratories in every state of their "
        "life, each step dated when it would have happened."
    )

    def handle(self, *args, **options):
        # The documents the demo's decisions issue are signed: with the demo's keys (kept when they exist).
        call_command("make_signing_keys", stdout=self.stdout)
        self.today = timezone.localdate()
        self.year = self.today.year
        # The transitions notify by e-mail; the demo addresses are not real, so mail goes nowhere. DEBUG off: the
        # dev settings would otherwise record every one of the seed's ~17,000 queries.
        labs_before = Laboratory.objects.count()
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", DEBUG=False)
        with quiet, _unsynced_sqlite():
            with transaction.atomic():
                self.orgs = self._organisations()
                self.users = self._users()
            # Every walk goes through the journeys, with the demo's SAMR and MIIT officers (the demo's other people
            # are found by the journeys' cast: each organisation's one account of the role).
            self.journey = Journey(Cast(), staff=self.users["samr_staff"], miit=self.users["miit_staff"],
                                   criteria=self._criteria())
            self.committees, committees_created = self._committees()
            self.committee = self.committees[-1]
            self.call = self._current_call()
            created = sum(self._once(keys, build) for keys, build in self._scenarios())
            self._end_terms()
            self._expertise_and_proposals()
        new_labs = Laboratory.objects.count() - labs_before
        if self.new_users:
            self.stdout.write(self.style.SUCCESS(f"Created {self.new_users} demo accounts."))
        if committees_created:
            self.stdout.write(self.style.SUCCESS(
                f"Created and activated {committees_created} terms of the expert committee ({len(COMMITTEE)} members); "
                f"the current one is “{self.committee.name}”."
            ))
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {created} demo applications."))
        if new_labs:
            self.stdout.write(self.style.SUCCESS(f"Created {new_labs} demo laboratories."))
        if not (created or self.new_users or committees_created):
            self.stdout.write("Demo data already present; nothing changed.")
        self._print_accounts()

    # --- the demo's clock ----------------------------------------------------------------------

    def _at(self, day, hour=10):
        """Run the block at `hour` o'clock (Asia/Shanghai) on `day`: what it records is dated then."""
        return happening_at(moment(day, hour))

    def _ago(self, days):
        """The working day `days` days before today, or the last one before that."""
        return _working_day_on_or_before(self.today - timedelta(days=days))

    def _after(self, day, days):
        """The first working day at least `days` days after `day`."""
        day += timedelta(days=days)
        while not is_working_day(day):
            day += timedelta(days=1)
        return day

    # --- reference data ----------------------------------------------------------------------

    def _organisations(self):
        orgs = {}
        for name, kind, host_type, level, province, department, credit_code in ORGANISATIONS:
            org = Organisation.objects.filter(name=name).first()
            if org is None:
                org = Organisation(
                    name=name, kind=kind, host_type=host_type, level=level, province=province,
                    competent_department=orgs[department] if department else None, credit_code=credit_code,
                    document_prefix=DOCUMENT_PREFIXES.get(name, ""),
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
                # One hash for all demo accounts: hashing is slow by design, and they share the password.
                user.password = self._password_hash()
                user.full_clean()
                user.save()
                self.new_users += 1
            elif user.role != account.role or user.organisation_id != (organisation.pk if organisation else None):
                raise CommandError(
                    f"User “{account.username}” exists with another role or organisation; "
                    "rename or delete it before seeding the demo."
                )
            if needs_second_factor(user):
                give_demo_device(user)  # the second factor: the README's demo secret
            users[account.username] = user
        return users

    def _password_hash(self):
        if not getattr(self, "password_hash", None):
            self.password_hash = make_password(DEMO_PASSWORD)
        return self.password_hash

    def _committees(self):
        """The committee's three two-year terms (Art. 9), one after the other, each appointed and activated by SAMR
        staff on the working day before its term starts (the composition rules are checked then). The terms that
        have ended are expired by the deadline sweep once the demo's rounds are built (`_end_terms`)."""
        committees, created = [], 0
        start = self.today - FIRST_TERM_STARTED_AGO
        members = [(self.users[username], position, fields) for username, _name, _institution, position, fields in COMMITTEE]
        for name in COMMITTEE_TERMS:
            committee = ExpertCommittee.objects.filter(name=name).first()
            if committee is None:
                with transaction.atomic():
                    committee = appoint_committee(
                        members, name, by=self.users["samr_staff"], term_start=start,
                        comment=f"市场监管总局、工业和信息化部聘任{name[:3]}专家技术委员会委员 15 名，任期两年（第九条）。",
                        on=moment(_working_day_on_or_before(start - timedelta(days=1)), 15),
                    )
                created += 1
            committees.append(committee)
            start = committee.term_end + timedelta(days=1)  # one committee at a time: the next term starts the day after
        return committees, created

    def _committee_on(self, day):
        """The term whose two years cover `day`: it scores the rounds opened that day (Art. 9)."""
        return next(c for c in self.committees if c.term_start <= day <= c.term_end)

    def _expertise_and_proposals(self):
        """Experts' directions and past employers (Art. 9: a former employer left more than the conflict window ago
        no longer counts), and an automatic assignment proposed for each open round, waiting for staff to review."""
        directions = {"expert02": (ResearchDirection.BASIC_RESEARCH, ResearchDirection.COMMON_TECHNOLOGY),
                      "expert03": (ResearchDirection.TESTING, ResearchDirection.INSTRUMENTS),
                      "expert05": (ResearchDirection.TESTING, ResearchDirection.QUALITY_GOVERNANCE)}
        for username, codes in directions.items():
            expert = self.users[username]
            fields = next(list(f) for u, _n, _i, _p, f in COMMITTEE if u == username)
            Expertise.objects.get_or_create(expert=expert, defaults={"fields": fields, "directions": list(codes)})
            if not expert.employments.exists():
                Employment.objects.create(expert=expert, organisation=expert.organisation,
                                          started_on=date(self.year - 12, 1, 1))
                Employment.objects.create(expert=expert, organisation=self.orgs[BEICHEN],
                                          started_on=date(self.year - 20, 9, 1), ended_on=date(self.year - 13, 12, 31))
        for review_round in ReviewRound.objects.filter(status=RoundStatus.OPEN, proposals__isnull=True):
            autoassign.propose(review_round, self.users["samr_staff"])

    def _end_terms(self):
        """Once a term has ended (a term ending on a rest day runs to the end of the next working day, Civil Code
        Art. 203), the hourly deadline sweep lapses its clock and expires the committee."""
        ended = ExpertCommittee.objects.filter(status=CommitteeStatus.ACTIVE, term_end__lt=self.today).order_by("term_end")
        for committee in ended:
            day = committee.term_end
            while committee.status == CommitteeStatus.ACTIVE and day < self.today:
                day += timedelta(days=1)
                with self._at(day, hour=1):
                    sweep(as_of=day)
                committee.refresh_from_db()

    def _criteria(self):
        """The application criteria set, each criterion with the demo's grading bands (评分细则) unless it has its own."""
        criteria = criteria_for(CriteriaSet.Purpose.APPLICATION)
        if criteria is None:
            raise CommandError("No criteria set for application review: run `manage.py migrate` (reviews 0002 creates one).")
        for criterion in criteria.criteria.filter(bands=[]):
            criterion.bands = parse_bands(DEMO_BANDS)
            criterion.save(update_fields=["bands"])
        return criteria

    # --- applications ------------------------------------------------------------------------

    def _once(self, keys, build):
        """Build demo applications that belong together (a round, a notice) unless they are there; all or nothing."""
        labs = [LABS[key] for key in keys]
        present = Application.objects.filter(name_zh__in=[lab.name_zh for lab in labs]).count()
        if present == len(labs):
            return 0
        if present:
            raise CommandError(
                "Only some of the demo applications " + "、".join(lab.name_zh for lab in labs)
                + " exist; delete them (or start from an empty database) before seeding the demo."
            )
        with transaction.atomic():
            build(*labs)
        return len(labs)

    def _scenarios(self):
        return [
            (("vehicle",), self._draft_half_filled),
            (("robot",), self._resubmitted_awaiting_both),
            (("sensor",), self._one_of_two_recommended),
            (("additive",), self._returned),
            (("composite",), self._recommended_local),
            (("display",), self._withdrawn),
            (("biomedicine",), self._recommended_central),
            (("bearing",), self._not_recommended),
            (("software",), self._supplement_requested),
            (("quantum",), self._formal_review_passed),
            (("navigation",), self._formally_rejected),
            (("power_semi", "cell_therapy"), self._in_open_round),
            (("telecom", "wide_bandgap", "biocompat", "welding", "machinery", "plastics"), self._pilot_round_onwards),
            (tuple(key for key, _host, _user in CONSTRUCTION_COHORT), self._labs_in_construction),
            (tuple(key for key, _host, _user in ACCEPTANCE_COHORT), self._labs_in_acceptance),
            (tuple(key for key, _host, _user in OPERATION_COHORT), self._labs_in_operation),
        ]

    # --- the calls (申报批次, Art. 13) ------------------------------------------------------------------------

    def _open_call(self, number, title, opens_on, closes_on, recommenders_due, **fields):
        """A call SAMR drafts and signs ten days before it opens and MIIT signs two days later (Art. 7, 13); the
        one of that number when it is already there."""
        call = Call.objects.filter(number=number).first()
        if call is None:
            signed = _working_day_on_or_before(opens_on - timedelta(days=10))
            call = self.journey.open_call(number, opens_on, closes_on, recommenders_due, "同意发布申报通知。", on=signed,
                                          miit_on=self._after(signed, 2), title=title, notes=CALL_NOTES, **fields)
        return call

    def _current_call(self):
        """This year's call: open for about half a year, closing in three weeks, the recommenders deciding a month
        after; the Jiangsu provincial SAMR and MIIT may each recommend at most eight dossiers."""
        opens_on = _working_day_on_or_before(self.today - timedelta(days=185))
        return self._open_call(
            f"{opens_on.year}年度", CALL_TITLE, opens_on, self._after(self.today, 20), self._after(self.today, 50),
            priority_fields=[Field.KEY_SOFTWARE, Field.CORE_ELECTRONIC_COMPONENTS, Field.BIOMEDICINE],
            priority_directions=[ResearchDirection.STANDARDS, ResearchDirection.METROLOGY],
            quotas={Organisation.objects.get(kind=kind, province="32"): 8
                    for kind in (OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT)})

    def _cohort_call(self, submitted, batch):
        """A past call whose window covered the cohort's submissions: the whole history, to its approved list."""
        number = f"{submitted.year}年度"
        if Call.objects.filter(number=number).exclude(title__endswith=f"（第{batch}批）").exists():
            number = f"{submitted.year}年度第{batch}批"
        return self._open_call(number, f"{CALL_TITLE}（第{batch}批）", _working_day_on_or_before(submitted - timedelta(days=40)),
                               self._after(submitted, 5), self._after(submitted, 30))

    def _new(self, lab, host_name, applicant, day, complete=True, project_numbers=True):
        """The host's applicant starts the dossier on `day` in the call being walked (`self.call`) and fills it in."""
        with self._at(day, hour=9):
            app = Application(host=self.orgs[host_name], created_by=self.users[applicant], call=self.call)
            _fill_overview(app, lab, day.year, complete=complete)
            app.full_clean(exclude=["status"])  # protected FSM field: never assigned, not even by clean_fields
            app.save()
            if complete:
                _fill_related(app, lab, day.year, project_numbers=project_numbers)
            for organisation, role in lab.consortium:
                with_consortium_member(app, self.orgs[organisation], role)
        return app

    def _submitted(self, lab, host_name, applicant, day, **kwargs):
        """Started a few days before `day` and submitted on it."""
        app = self._new(lab, host_name, applicant, self._after(day, -10), **kwargs)
        return self.journey.submitted(app, by=self.users[applicant], on=day)

    def _draft_half_filled(self, lab):
        """Draft: the overview and part of the facilities; no team, projects or outcomes yet."""
        self._new(lab, JS_INSTITUTE, "applicant", self._ago(12), complete=False)

    def _resubmitted_awaiting_both(self, lab):
        """Submitted (2nd submission) with an evidence PDF, awaiting both Jiangsu bodies (Art. 10)."""
        journey, applicant = self.journey, self.users["applicant"]
        app = self._new(lab, JS_INSTITUTE, "applicant", self._ago(48), project_numbers=False)
        with self._at(self._ago(45)):
            pdf = _pdf_upload("科研用房产权证明.pdf", "Research space title certificate")
            content_type, size, sha256 = inspect_upload(pdf)
            Attachment.objects.create(
                application=app, section=AttachmentSection.FACILITIES, file=pdf, original_name=pdf.name,
                content_type=content_type, size=size, sha256=sha256, description="科研用房不动产权证书扫描件",
                uploaded_by=applicant,
            )
        app = journey.submitted(app, by=applicant, on=self._ago(42))
        app = journey.take(
            app, "return_for_revision", self.users["samr_js"],
            "国家级项目清单缺少项目编号，无法核实真实性。请补充全部 15 个项目的编号后重新提交。", on=self._ago(35),
            dimensions={
                ReviewDimension.AUTHENTICITY: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                               "comment": "项目编号缺失，无法与立项文件核对。"},
                ReviewDimension.COMPLETENESS: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                               "comment": "项目清单信息不全。"},
            },
        )
        with self._at(self._ago(22)):
            for i, project in enumerate(app.projects.order_by("pk")):
                project.number = f"{project.year}YFF06{lab.key:02d}{i:03d}"
                project.save(update_fields=["number"])
        journey.submitted(app, by=applicant, comment="已按意见补充全部项目编号。", on=self._ago(20))

    def _one_of_two_recommended(self, lab):
        """Submitted; the provincial SAMR has recommended, the provincial MIIT has not decided yet."""
        app = self._submitted(lab, JS_INSTITUTE, "applicant", self._ago(28))
        self.journey.take(app, "recommend", self.users["samr_js"], "六个方面均符合要求，同意推荐。", on=self._ago(14),
                          dimensions=ALL_MEET)

    def _returned(self, lab):
        """Returned for revision by the provincial MIIT, with its comments, days ago: the fix is due in weeks."""
        app = self._submitted(lab, JS_INSTITUTE, "applicant", self._ago(18))
        self.journey.take(
            app, "return_for_revision", self.users["miit_js"],
            "建设方案的年度目标不够具体，请量化第二年标准制定和开放服务指标；学术委员会仅 3 人，请补充委员名单。", on=self._ago(6),
            dimensions={
                ReviewDimension.SYSTEMATIC: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                             "comment": "年度目标缺少可考核指标。"},
                ReviewDimension.COMPLETENESS: {"verdict": DimensionVerdict.NEEDS_REVISION,
                                               "comment": "学术委员会名单不完整。"},
            },
        )

    def _recommended_local(self, lab):
        """Recommended by both Zhejiang bodies; 2,800 m² is below the Art. 12 “in principle” figure, acknowledged."""
        app = self._submitted(lab, ZJ_ENTERPRISE, "applicant_zj", self._ago(58))
        self.journey.recommended(app, comments=("科研用房略低于 3000 平方米，但另有 1200 平方米中试基地在建，同意推荐。",
                                                "企业研发投入强度高，产业带动作用明显，同意推荐。"),
                                 on=(self._ago(45), self._ago(40)), warnings_acknowledged=True)

    def _withdrawn(self, lab):
        app = self._submitted(lab, ZJ_ENTERPRISE, "applicant_zj", self._ago(48))
        self.journey.take(app, "withdraw", self.users["applicant_zj"], "企业战略调整，本年度暂不申报，撤回申请。", on=self._ago(30))

    def _recommended_central(self, lab):
        app = self._submitted(lab, UNIVERSITY, "applicant_central", self._ago(38))
        self.journey.recommended(app, comments=("申报材料科学、完整，学校承诺的条件保障到位，同意推荐。",), on=(self._ago(25),))

    def _not_recommended(self, lab):
        app = self._submitted(lab, CENTRAL_ENTERPRISE, "applicant_soe", self._ago(52))
        fails = {"verdict": DimensionVerdict.FAILS, "comment": "研究方向与集团主业关联度不足。"}
        self.journey.take(
            app, "decline", self.users["recommender_sasac"],
            "实验室研究方向与集团主营业务关联度不足，建设方案缺乏可行的质量标准研究目标，经研究不予推荐。", on=self._ago(40),
            dimensions={**ALL_MEET, ReviewDimension.SCIENTIFIC: fails, ReviewDimension.SYSTEMATIC: fails},
        )

    # --- the ministry stage (Art. 7-9, 13) ------------------------------------------------------

    def _recommended(self, lab, host_name, applicant, submitted_on):
        """Submitted on `submitted_on` and recommended over the following weeks by every recommender the host's
        level needs (Art. 10), one every three days."""
        app = self._submitted(lab, host_name, applicant, submitted_on)
        return self.journey.recommended(
            app, comments=[RECOMMEND_COMMENTS[(lab.key + index) % len(RECOMMEND_COMMENTS)] for index in range(2)],
            on=[self._after(submitted_on, 10 + 3 * index) for index in range(2)],
        )

    def _passed(self, app, day, staff="samr_staff"):
        return self.journey.formal_review_passed(app, by=self.users[staff], comment=PASS_COMMENT, on=day)

    def _supplement_requested(self, lab):
        """Formal review asks for the missing Art. 12 evidence days ago; the applicant has a window of working days."""
        app = self._recommended(lab, JS_INSTITUTE, "applicant", self._ago(48))
        self.journey.take(app, "request_supplement", self.users["samr_staff"], SUPPLEMENT_COMMENT, on=self._ago(4),
                          checks=all_checks(unconfirmed={4}))

    def _formal_review_passed(self, lab):
        """Passed formal review (every check confirmed), waiting for the next expert review round."""
        self._passed(self._recommended(lab, BEICHEN, "applicant_beichen", self._ago(68)), self._ago(30), staff="miit_staff")

    def _formally_rejected(self, lab):
        app = self._recommended(lab, HUARUI, "applicant_huarui", self._ago(70))
        self.journey.take(app, "reject_formally", self.users["miit_staff"], FORMAL_REJECT_COMMENT, on=self._ago(35),
                          checks=all_checks(unconfirmed={0, 4}))

    def _assign(self, review_round, app, username, day):
        """SAMR staff assign the expert in the afternoon of `day`."""
        return self.journey.assign(review_round, app, self.users[username], on=moment(day, 15))

    def _score(self, assignment, values, day, overall="", submit=True, comments=SCORE_COMMENTS):
        """On `day` the expert declares no conflict, scores criterion by criterion and (unless a draft) submits."""
        return self.journey.score(assignment, values, overall=overall, comments=comments, submit=submit,
                                  declaration=NO_CONFLICT, on=day)

    def _open_round(self, title, applications, day):
        """SAMR staff open an expert round on `day` with the committee whose term covers it (Art. 9)."""
        return self.journey.open_round(applications, title, committee=self._committee_on(day), on=day)

    def _in_open_round(self, semi_lab, cell_lab):
        """An open round of two applications, three experts each. `expert` has one assignment awaiting
        the conflict declaration and one accepted with draft scores; a colleague has submitted on each; a fourth
        expert declined one (its vacancy and the proposed replacement show on the round page).
        The cell-therapy consortium includes 西江生命科学研究院, so its two experts are never offered."""
        semi = self._passed(self._recommended(semi_lab, XICHENG, "applicant_xicheng", self._ago(100)), self._ago(75))
        cell = self._passed(self._recommended(cell_lab, QIANTANG, "applicant_qiantang", self._ago(98)), self._ago(74))
        opened = self._ago(21)
        review_round = self._open_round(OPEN_ROUND.format(year=self.year), [semi, cell], opened)
        self._assign(review_round, semi, "expert", opened)
        self._score(self._assign(review_round, semi, "expert03", opened), (86, 84, 85, 83, 87), self._ago(10),
                    "同意进入现场考察。")
        expert10 = self._assign(review_round, semi, "expert10", opened)
        self.journey.take(expert10, "declare_no_conflict", self.users["expert10"], NO_CONFLICT, on=self._ago(8))
        declined = self._assign(review_round, semi, "expert07", opened)
        self.journey.take(declined, "decline", self.users["expert07"], "评审期间在外地参加标准审定会，无法按期完成评审。",
                          on=self._ago(18))
        self._score(self._assign(review_round, cell, "expert", opened), (85, 82, 84), self._ago(5),
                    "细胞效力评价方法有特色；其余意见待补充。", submit=False)
        self._score(self._assign(review_round, cell, "expert06", opened), (84, 86, 83, 85, 86), self._ago(7),
                    "同意进入现场考察。")
        self._assign(review_round, cell, "expert02", opened)

    def _pilot_round_onwards(self, telecom, wide_bandgap, biocompat, welding, machinery, plastics):
        """A round concluded three months ago carried five applications to site inspection and rejected one;
        from there one awaits inspection, one is inspected, one is under publicity now, and the two of an
        earlier publicity notice await approval (SAMR signed) and are approved (both signed)."""
        journey, staff = self.journey, self.users["samr_staff"]
        submitted, passed = self._ago(160), self._ago(140)
        apps = {
            "telecom": self._passed(self._recommended(telecom, HUARUI, "applicant_huarui", submitted), passed),
            "wide_bandgap": self._passed(self._recommended(wide_bandgap, XICHENG, "applicant_xicheng", submitted), passed),
            "biocompat": self._passed(self._recommended(biocompat, QIANTANG, "applicant_qiantang", submitted), passed),
            "welding": self._passed(self._recommended(welding, UNIVERSITY, "applicant_central", submitted), passed,
                                    staff="miit_staff"),
            "machinery": self._passed(self._recommended(machinery, CENTRAL_ENTERPRISE, "applicant_soe", submitted), passed),
            "plastics": self._passed(self._recommended(plastics, ZJ_ENTERPRISE, "applicant_zj", submitted), passed),
        }
        opened = self._ago(120)
        review_round = self._open_round(PILOT_ROUND.format(year=self.year), list(apps.values()), opened)
        for key, panel in PILOT_PANELS.items():
            for offset, (username, values, overall) in enumerate(panel):
                self._score(self._assign(review_round, apps[key], username, opened), values,
                            self._after(opened, 10 + 2 * offset), overall)
        decisions = {app.pk: ("advance", "专家组综合评分达到要求，进入现场考察。") for app in apps.values()}
        mean = next(r.mean for r in round_results(review_round) if r.application.pk == apps["plastics"].pk)
        decisions[apps["plastics"].pk] = ("reject", PILOT_REJECT_REASON.format(mean=mean))
        journey.conclude(review_round, decisions, "本批次评审结束。", on=self._ago(90))

        # Site inspections, each recorded the working day after the visit; the notice of the first batch opened
        # 20-odd days ago and its window has ended.
        closed_start = self._ended_window_start()
        visits = {
            "welding": _working_day_on_or_before(closed_start - timedelta(days=14)),
            "machinery": _working_day_on_or_before(closed_start - timedelta(days=12)),
            "biocompat": self._ago(10),
            "wide_bandgap": self._ago(5),
        }
        labs = {"wide_bandgap": wide_bandgap, "biocompat": biocompat, "welding": welding, "machinery": machinery}
        for key, visited_on in visits.items():
            journey.inspect(
                Application.objects.get(pk=apps[key].pk), team=INSPECTION_TEAMS[key], visited_on=visited_on,
                findings=_findings(labs[key]), on=self._after(visited_on, 1),
                report=_pdf_upload("现场考察报告.pdf", "Site inspection report") if key == "wide_bandgap" else None,
            )

        fresh = {key: Application.objects.get(pk=app.pk) for key, app in apps.items()}
        first = journey.open_notice([fresh["welding"], fresh["machinery"]], closed_start, settings.PUBLICITY_WORKING_DAYS,
                                    NOTICE_CLOSED.format(year=self.year), on=moment(closed_start, 9))
        journey.close(first, "公示期满，未收到异议。", on=self._after(first.ends_on, 1))
        journey.take(Application.objects.get(pk=apps["welding"].pk), "approve", staff, "经市场监管总局审核，同意批准建设。",
                     on=self._ago(7))
        journey.approve(Application.objects.get(pk=apps["machinery"].pk), "经市场监管总局审核，同意批准建设。",
                        on=moment(self._ago(7), 11), miit_comment="经工业和信息化部审核，同意批准建设。",
                        miit_on=moment(self._ago(5), 15))  # in the afternoon: five and seven days back may be one working day

        second = journey.open_notice([fresh["biocompat"]], None, settings.PUBLICITY_WORKING_DAYS,
                                     NOTICE_OPEN.format(year=self.year), on=moment(self._ago(2), 9))
        with self._at(self._ago(1), hour=11):
            lodge_objection(Objection(
                notice=second, application=fresh["biocompat"], objector_kind=Objection.ObjectorKind.PERSON,
                name="李明轩", id_number="33010619850312041" + resident_id_check_digit("33010619850312041"),
                contact="li.mingxuan@example.com",
                grounds=(
                    "公示材料称该院主导制定《医疗器械生物相容性 质量分级与评价》行业标准，据本人了解该标准由多家单位"
                    "共同起草，牵头单位另有其人，请核实申报材料的真实性。"
                ),
            ))
        with self._at(self._ago(2), hour=16):
            dismissed = lodge_objection(Objection(
                notice=second, application=fresh["biocompat"], objector_kind=Objection.ObjectorKind.ORGANISATION,
                organisation_name="杭州安澜医疗科技有限公司", credit_code="91330106MA2H3K7Q4Q", legal_representative="沈建华",
                contact="legal@anlan-med.example.com", seal_scan=_pdf_upload("公章扫描件.pdf", "Seal of the objector"),
                grounds="该院 2024 年为我公司出具的一份细胞毒性检测报告结论有误，影响产品注册，我公司认为其不具备承担国家实验室的能力。",
            ))
        journey.take(
            dismissed, "dismiss", staff,
            "经核查，所涉检测报告系委托方送检样品不符合标准要求所致，检测机构已按程序出具说明，与第十二条申报条件无关；异议不成立。",
            on=moment(self._ago(1), 15),
        )
        # The third batch is dated ahead: scheduled, not public before its day, and the inspected application waits
        # for it; the sweep publishes it on that day (Art. 13).
        starts_on = self._after(self.today, 3)
        journey.open_notice([Application.objects.get(pk=apps["wide_bandgap"].pk)], starts_on,
                            settings.PUBLICITY_WORKING_DAYS, NOTICE_SCHEDULED.format(year=starts_on.year),
                            on=moment(self._ago(1), 16))

    def _ended_window_start(self):
        """A working day about 20 days ago whose publicity window (working days) ended at least a week ago,
        leaving time for the notice to close and the ministries to sign."""
        start = self._ago(20)
        while publicity_end(start, settings.PUBLICITY_WORKING_DAYS).date >= self.today - timedelta(days=8):
            start = _working_day_on_or_before(start - timedelta(days=1))
        return start

    # --- the laboratory stage (Art. 14-31) ------------------------------------------------------

    def _approved_cohort(self, cohort, labs, approved_ago, batch):
        """Applications of one cohort carried through the ministry stage together over the half year before their
        approval `approved_ago` (two experts each, site inspection, one publicity notice, both ministries'
        sign-offs); the labs are born on the day MIIT signs."""
        journey = self.journey
        approved_on = _working_day_on_or_before(self.today - approved_ago)
        notice_start = _working_day_on_or_before(approved_on - timedelta(days=30))
        submitted, opened = _working_day_on_or_before(approved_on - timedelta(days=175)), \
            _working_day_on_or_before(approved_on - timedelta(days=130))
        current, self.call = self.call, self._cohort_call(submitted, batch)
        try:
            apps = [self._passed(self._recommended(lab, host, applicant, submitted), self._after(submitted, 25))
                    for lab, (_key, host, applicant) in zip(labs, cohort)]
        finally:
            self.call = current
        review_round = self._open_round(COHORT_ROUND.format(year=opened.year, batch=batch), apps, opened)
        for lab, app in zip(labs, apps):
            base = 84 + lab.key % 7
            for username in self._suggested(review_round, app, 2):
                self._score(self._assign(review_round, app, username, opened), (base, base + 2, base - 1, base + 1, base + 3),
                            self._after(opened, 10), "同意进入现场考察。")
        journey.conclude(review_round, {app.pk: ("advance", "专家组综合评分达到要求，进入现场考察。") for app in apps},
                         "本批次评审结束。", on=self._after(opened, 20))
        visited_on = _working_day_on_or_before(notice_start - timedelta(days=14))
        with self._at(self._after(visited_on, 1)):
            for lab, app in zip(labs, apps):
                journey.inspect(Application.objects.get(pk=app.pk), team=COHORT_TEAM, visited_on=visited_on,
                                findings=_findings(lab))
        fresh = [Application.objects.get(pk=app.pk) for app in apps]
        notice = journey.open_notice(fresh, notice_start, settings.PUBLICITY_WORKING_DAYS,
                                     COHORT_NOTICE.format(year=notice_start.year, batch=batch), on=moment(notice_start, 9))
        journey.close(notice, "公示期满，未收到异议。", on=self._after(notice.ends_on, 1))
        # the call's construction list, proposed and signed by SAMR, then signed by MIIT on the day of approval
        journey.approve_list(fresh[0].call, fresh, "经市场监管总局审核，同意批准建设。",
                             on=_working_day_on_or_before(approved_on - timedelta(days=3)),
                             miit_comment="经工业和信息化部审核，同意批准建设。", miit_on=approved_on)
        return [Laboratory.objects.select_related("host").get(application=app) for app in fresh]

    def _suggested(self, review_round, app, count):
        """`count` committee members suggested for `app` (field first, never conflicted); `expert`, whose
        own assignments the demo shows, is left out."""
        members = [m.expert.username for m in suggested_experts(review_round, app) if m.expert.username != "expert"]
        return members[:count]

    def _reload(self, laboratory):
        return Laboratory.objects.select_related("host").get(pk=laboratory.pk)

    def _file_report(self, lab, laboratory, applicant, kind, day=None):
        """The host files the report of `kind` now due (Art. 18, 23, 26), on `day` or ten days before it is due."""
        due = report_due(laboratory, kind).due_date
        number = laboratory.annual_reports.filter(kind=kind).count() + 1
        outputs = _report_outputs(lab, laboratory, number) if kind == AnnualReport.Kind.OPERATION else ()
        with self._at(day or _working_day_on_or_before(due - timedelta(days=10)), hour=14):
            submit_annual_report(laboratory, self.users[applicant], kind, _report_data(lab, kind, number), outputs)
        return self._reload(laboratory)

    def _file_reports(self, lab, laboratory, applicant, kind, until):
        """Every report of `kind` falling due by `until`, each filed ten days before it is due."""
        while (due := report_due(laboratory, kind)) is not None and due.due_date <= until:
            laboratory = self._file_report(lab, laboratory, applicant, kind)
        return laboratory

    def _apply_for_acceptance(self, lab, laboratory, applicant, day, verdict="pass"):
        """On `day` the host files its last construction report and applies for acceptance, reporting against each
        goal of the build plan what the experts' `verdict` will bear out (Art. 17-18)."""
        laboratory = self._file_report(lab, laboratory, applicant, AnnualReport.Kind.CONSTRUCTION, day)
        achieved = GOALS_ACHIEVED[verdict]
        return self.journey.apply_for_acceptance(
            laboratory, by=self.users[applicant], on=moment(day, 15),
            report=(f"建设期内{lab.topic}质量参数测量平台和可靠性试验平台建设情况、围绕{lab.breakthrough}取得的成果，"
                    "对照建设计划逐项说明如下。"),
            goal_statements=[{"goal": goal, "achieved": achieved[i % len(achieved)]}
                             for i, goal in enumerate(build_plan_goals(laboratory))],
        )

    def _lab_round(self, title, purpose, opened, decided, pending=()):
        """An acceptance (Art. 19) or evaluation (Art. 26) round opened on `opened`: two experts score each lab of
        `decided` ({laboratory: (lab data, verdict)}) ten days later and the round concludes with those verdicts
        ten days after that; `pending` labs get `expert` and one colleague, who have not declared yet, and the
        round stays open."""
        opinions = ACCEPTANCE_OPINIONS if purpose == CriteriaSet.Purpose.ACCEPTANCE else EVALUATION_OPINIONS
        review_round = self.journey.open_lab_round([*decided, *pending], criteria_for(purpose), title,
                                                   committee=self._committee_on(opened), on=opened)
        for laboratory, (_lab, verdict) in decided.items():
            for username in self._suggested(review_round, laboratory.application, 2):
                self._score(self._assign(review_round, laboratory.application, username, opened), opinions[verdict][1],
                            self._after(opened, 10), opinions[verdict][0], comments=LAB_SCORE_COMMENTS)
        for laboratory in pending:
            self._assign(review_round, laboratory.application, "expert", opened)
            colleague = self._suggested(review_round, laboratory.application, 1)[0]
            self._assign(review_round, laboratory.application, colleague, opened)
        if decided and not pending:
            decisions = {laboratory.application_id: (verdict, opinions[verdict][0])
                         for laboratory, (_lab, verdict) in decided.items()}
            self.journey.conclude(review_round, decisions, "本批次评议结束。", on=self._after(opened, 20))
        return review_round

    def _labs_in_construction(self, battery, machine_tool):
        """Approved about a year ago: one lab's first annual construction report is due in two weeks; the other
        has filed and acknowledged it and asks for a six-month extension, awaiting the ministries (Art. 18)."""
        _battery_lab, tool_lab = self._approved_cohort(CONSTRUCTION_COHORT, [battery, machine_tool],
                                                      CONSTRUCTION_APPROVED_AGO, "三")
        host = self.users["applicant_soe"]
        tool_lab = self._file_report(machine_tool, tool_lab, "applicant_soe", AnnualReport.Kind.CONSTRUCTION, self._ago(9))
        with self._at(self._ago(8)):
            acknowledge_report(tool_lab.annual_reports.get(), host)
        with self._at(self._ago(6)):
            file_extension_request(self._reload(tool_lab), host, 6, EXTENSION_REASON)

    def _labs_in_acceptance(self, ic_packaging, ivd, industrial_internet, optics, rare_earth, hydrogen, coatings):
        """Construction ends next month. All seven applied for acceptance; two await their expert round, the
        others' round concluded: rectify (6 months), pass → SAMR confirmed, MIIT not yet; pass → confirmed
        by both and under acceptance publicity now; two failed: each termination was proposed and the host answered
        in writing; both ministries terminated one, SAMR has signed the other, MIIT not yet (Art. 19). Of those
        awaiting their round, one's acceptance materials were found false: SAMR proposed its removal from the list
        two days ago and its host may still answer (Art. 25)."""
        journey, samr, miit = self.journey, self.users["samr_staff"], self.users["miit_staff"]
        labs = [ic_packaging, ivd, industrial_internet, optics, rare_earth, hydrogen, coatings]
        laboratories = self._approved_cohort(ACCEPTANCE_COHORT, labs, ACCEPTANCE_APPROVED_AGO, "二")
        verdicts = {"ivd": AcceptanceVerdict.RECTIFY, "industrial_internet": AcceptanceVerdict.PASS,
                    "optics": AcceptanceVerdict.PASS, "rare_earth": AcceptanceVerdict.FAIL, "hydrogen": AcceptanceVerdict.FAIL}
        applied = {}
        for lab, laboratory, (key, _host, applicant) in zip(labs, laboratories, ACCEPTANCE_COHORT):
            laboratory = self._file_reports(lab, laboratory, applicant, AnnualReport.Kind.CONSTRUCTION,
                                            self.today - relativedelta(months=6))
            day = self._ago(55) if key in verdicts else self._ago(12)
            applied[key] = self._apply_for_acceptance(lab, laboratory, applicant, day, verdicts.get(key, "pass"))
        opened = self._ago(45)
        self._lab_round(ACCEPTANCE_ROUND.format(year=opened.year), CriteriaSet.Purpose.ACCEPTANCE, opened, {
            applied[key]: (lab, verdicts[key]) for lab, (key, _host, _user) in zip(labs, ACCEPTANCE_COHORT) if key in verdicts
        })
        confirmed = Laboratory.objects.get(pk=applied["industrial_internet"].pk)
        publicised = Laboratory.objects.get(pk=applied["optics"].pk)
        with self._at(self._ago(15)):  # SAMR confirms both the same morning
            journey.take(confirmed, "confirm_acceptance", samr, "市场监管总局确认验收结果。")
            publicised = journey.take(publicised, "confirm_acceptance", samr, "市场监管总局确认验收结果。")
        journey.take(publicised, "confirm_acceptance", miit, "工业和信息化部确认验收结果。", on=self._ago(12))
        terminated = journey.statement(Laboratory.objects.get(pk=applied["rare_earth"].pk), STATEMENT_ACCEPTED, on=self._ago(22))
        journey.decide(terminated, "经研究，同意终止建设。", on=self._ago(15), miit_on=self._ago(13))
        failed = journey.statement(Laboratory.objects.get(pk=applied["hydrogen"].pk), STATEMENT, on=self._ago(20),
                                   files=[_pdf_upload("到货验收单.pdf", "Instrument delivery acceptance"),
                                          _pdf_upload("仪器运行记录.pdf", "Instrument operation log")])
        journey.take(failed, "sign_termination", samr, "经研究，同意终止建设。", on=self._ago(12))
        journey.take(Laboratory.objects.get(pk=applied["coatings"].pk), "propose_delisting", samr, MISCONDUCT_IN_ACCEPTANCE,
                     on=self._ago(2))
        notice_start = self._ago(1)
        journey.acceptance_notice([Laboratory.objects.get(pk=publicised.pk)], notice_start,
                                  ACCEPTANCE_NOTICE.format(year=notice_start.year), settings.PUBLICITY_WORKING_DAYS,
                                  on=moment(notice_start, 9))

    def _labs_in_operation(self, membrane, rail, vaccine, offshore, auto_electronics):
        """Approved five years ago, accepted at the end of construction and in operation for three years with every
        annual report filed. The first evaluation round, opened as the evaluation fell due, concluded: qualified
        (and a change report now awaits the ministries, Art. 24), excellent, unqualified (rectifying, Art. 27);
        the second is open with its experts assigned and not yet declared; one lab was removed from the list for
        false materials: proposed, answered by its host, signed by both ministries (Art. 25)."""
        journey = self.journey
        labs = [membrane, rail, vaccine, offshore, auto_electronics]
        laboratories = self._approved_cohort(OPERATION_COHORT, labs, OPERATION_APPROVED_AGO, "一")
        construction_end = laboratories[0].construction_end
        accepted = {}
        for lab, laboratory, (_key, _host, applicant) in zip(labs, laboratories, OPERATION_COHORT):
            laboratory = self._file_reports(lab, laboratory, applicant, AnnualReport.Kind.CONSTRUCTION,
                                            construction_end - relativedelta(months=6))
            applied_on = _working_day_on_or_before(construction_end - timedelta(days=20))
            accepted[self._apply_for_acceptance(lab, laboratory, applicant, applied_on)] = (lab, AcceptanceVerdict.PASS)
        opened = _working_day_on_or_before(construction_end - timedelta(days=15))
        self._lab_round(ACCEPTANCE_ROUND.format(year=opened.year), CriteriaSet.Purpose.ACCEPTANCE, opened, accepted)
        for laboratory in accepted:
            journey.confirm_acceptance(Laboratory.objects.get(pk=laboratory.pk), "市场监管总局确认验收结果。",
                                       on=self._after(construction_end, 10), miit_comment="工业和信息化部确认验收结果。",
                                       miit_on=self._after(construction_end, 12))
        notice_start = self._after(construction_end, 15)
        notice = journey.acceptance_notice([Laboratory.objects.get(pk=laboratory.pk) for laboratory in accepted], notice_start,
                                           ACCEPTANCE_NOTICE.format(year=notice_start.year), settings.PUBLICITY_WORKING_DAYS,
                                           on=moment(notice_start, 9))
        # operation starts as the notice closes (Art. 19)
        journey.close(notice, "验收结果公示期满，未收到异议。", on=self._after(notice.ends_on, 1))
        running = {}
        for lab, laboratory, (key, _host, applicant) in zip(labs, laboratories, OPERATION_COHORT):
            running[key] = self._file_reports(lab, self._reload(laboratory), applicant, AnnualReport.Kind.OPERATION,
                                              self.today)
        evaluation_due = running["rail"].operation_started_on + relativedelta(years=3)
        first = _working_day_on_or_before(evaluation_due - timedelta(days=5))
        self._lab_round(EVALUATION_ROUND.format(year=first.year, batch="一"), CriteriaSet.Purpose.EVALUATION, first, {
            running["membrane"]: (membrane, EvaluationResult.QUALIFIED),
            running["rail"]: (rail, EvaluationResult.EXCELLENT),
            running["offshore"]: (offshore, EvaluationResult.UNQUALIFIED),
        })
        second = _working_day_on_or_before(evaluation_due - timedelta(days=3))
        second_round = self._lab_round(EVALUATION_ROUND.format(year=second.year, batch="二"), CriteriaSet.Purpose.EVALUATION,
                                       second, {}, pending=[running["vaccine"]])
        # Its recommenders (the provincial SAMR, then MIIT) give the ministries their opinions while the round is open
        # (Art. 10).
        evaluated = Laboratory.objects.get(pk=running["vaccine"].pk)
        recommended = (evaluated.application.preliminary_reviews.filter(decision=PreliminaryReview.Decision.RECOMMENDED)
                       .order_by("-recommender__kind", "pk"))
        organisations = list(dict.fromkeys(review.recommender for review in recommended))
        for hour, (organisation, text) in enumerate(zip(organisations, RECOMMENDER_OPINIONS), start=15):
            with self._at(second, hour):
                give_recommender_opinion(evaluated, self.journey.cast.recommender(organisation), text,
                                         review_round=second_round)
        with self._at(self._ago(6)):
            file_change_report(Laboratory.objects.get(pk=running["membrane"].pk), self.users["applicant_zj"],
                               ChangeKind.DIRECTION, CHANGE_REPORT)
        journey.delist(Laboratory.objects.get(pk=running["auto_electronics"].pk), DELISTING_REASON,
                       on=self._ago(30), statement_on=self._ago(24), miit_on=self._ago(20))

    # --- output ------------------------------------------------------------------------------

    def _print_accounts(self):
        rows = [("username", "password", "role", "organisation")]
        for account in ACCOUNTS:
            if account.username in COMMITTEE_USERNAMES and account.username != "expert":
                continue
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
        self.stdout.write(
            f"Ministry staff, experts and the administrator also give a code from an authenticator app holding the "
            f"demo secret {DEMO_TOTP_SECRET} (the verify page of the dev settings shows it too)."
        )
        committee = self.committee
        self.stdout.write(
            f"Expert committee “{committee.name}” ({committee.status}, term {committee.term_start} to "
            f"{committee.term_end}): {len(COMMITTEE)} experts, password {DEMO_PASSWORD}"
        )
        for position in (Position.CHAIR, Position.VICE_CHAIR, Position.MEMBER):
            people = [f"{u} {name}（{institution}）" for u, name, institution, p, _f in COMMITTEE if p == position]
            label = _pad(POSITION_NAMES[position], 10)
            for start in range(0, len(people), 3):
                self.stdout.write(f"  {label} " + "  ".join(people[start:start + 3]))
                label = _pad("", 10)
