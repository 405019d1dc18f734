"""The official document a publicity notice produces (`kernel.documents`): the notice itself (公示), issued jointly by
SAMR and MIIT when it is published (Art. 13 for the applications proposed for approval, Art. 19 for the laboratories
that passed acceptance), public, with the list of what it is about as its attachment. The subject's own wording is
its `NoticeSubject.wording` (the applications' below; the laboratories' in `evaluations.documents`); the window and
how to object are the same for all. Chinese official wording, whatever language the decider browses in."""

from django.utils.translation import gettext_lazy as _

from kernel import documents
from kernel.documents import MEASURES, MEASURES_SHORT, chinese, chinese_date, in_chinese

PUBLICITY_NOTICE = "publicity_notice"

documents.register_kind(documents.DocumentKind(PUBLICITY_NOTICE, _("Publicity notice"), public=True))


def applications_wording(notice, applications):
    """What a notice of applications proposed for approval says (Art. 13)."""
    return {
        "paragraphs": [
            f"根据{MEASURES}{in_chinese('Art. 13')}规定，市场监管总局、工业和信息化部组织对推荐单位报送的国家质量标准"
            f"实验室申报材料开展了形式审查、专家评审和现场考察。经研究，拟批准以下{len(applications)}个国家质量标准"
            "实验室建设（名单见附件），现予以公示。",
        ],
        "annex": "拟批准建设的国家质量标准实验室名单",
        "columns": ["序号", "实验室名称", "依托单位", "所属领域"],
        "rows": [[str(n), a.name_zh, a.host.name, chinese(a.get_field_display())]
                 for n, a in enumerate(applications, 1)],
    }


def issue_publicity_notice(notice, subject, applications):
    """Inside the notice's publication (`PublicityNotice.put_subjects_under_publicity`: at `open_notice` for a notice
    published at once, at `publish` for one scheduled ahead): the notice as a joint, numbered, public document
    listing what went under it. Nothing is issued for a notice nothing went under."""
    if not applications or subject.wording is None:
        return None
    wording = subject.wording(notice, applications)
    paragraphs = [
        *wording["paragraphs"],
        f"公示期为{chinese_date(notice.starts_on)}至{chinese_date(notice.ends_on)}（自发布次日起{notice.working_days}个"
        "工作日）。公示期间，任何单位和个人对公示名单有异议的，可通过国家质量标准实验室管理平台“公示”栏目以书面形式"
        "实名提出，并提供必要的证明材料：个人须提供真实姓名和有效身份证件号码，单位须提供统一社会信用代码并加盖公章。"
        "匿名异议和逾期提出的异议不予受理。",
        "异议受理后生成异议受理号，异议人可凭受理号和身份证件号码（或统一社会信用代码）在平台查询处理情况。"
        f"公示期满无异议或异议不成立的，按照{MEASURES_SHORT}{in_chinese(subject.article)}规定办理。",
        "特此公示。",
    ]
    return documents.issue(
        kind=PUBLICITY_NOTICE, subject=notice, issuer="joint", title=notice.title,
        content={
            "paragraphs": paragraphs,
            "attachments": [{"title": wording["annex"], "columns": wording["columns"], "rows": wording["rows"]}],
            "printer": "国家质量标准实验室推进工作协调机制办公室",
        },
    )
