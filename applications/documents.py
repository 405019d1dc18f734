"""The official documents of the application stage (`kernel.documents`): the call notice (申报通知) both ministries
publish when they open a call (Art. 13), the recommendation letter (推荐函) a recommending organisation sends the
ministries when it recommends a dossier (Art. 10), under its own 机关代字 (`Organisation.document_prefix`), and the
approval of a call's construction list (Art. 7, 13). Each is issued in the decision's transaction from the data of that
moment; its wording is the Chinese of an official document, whatever language the person deciding browses in."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel import documents
from kernel.documents import MEASURES, MEASURES_SHORT, chinese, chinese_date, in_chinese, sentence

from .choices import DimensionVerdict, ReviewDimension
from .rules import is_host_applicant, is_routed_recommender
from .states import ReviewDecision, Status

RECOMMENDATION_LETTER = "recommendation_letter"
CALL_NOTICE = "call_notice"
LIST_APPROVAL = "construction_list_approval"

# Whom the ministries' notices of the application stage are addressed to (主送机关): the recommenders (Art. 10).
RECOMMENDERS_ZH = "各省、自治区、直辖市及新疆生产建设兵团市场监管局（厅、委）、工业和信息化主管部门，国务院有关部门"

# The six Art. 10 (2) dimensions as the Measures name them, and a recommender's verdict on each.
DIMENSIONS_ZH = {
    ReviewDimension.SCIENTIFIC: "科学性", ReviewDimension.SYSTEMATIC: "系统性", ReviewDimension.COMPLETENESS: "完整性",
    ReviewDimension.AUTHENTICITY: "真实性", ReviewDimension.ACCURACY: "准确性", ReviewDimension.LEGALITY: "合法性",
}
VERDICTS_ZH = {DimensionVerdict.MEETS: "符合要求", DimensionVerdict.NEEDS_REVISION: "需修改完善",
               DimensionVerdict.FAILS: "不符合要求"}


def _reads_letter(user, document):
    """The letter's readers besides the ministries (who read every issued document): the host's applicants and the
    recommenders the dossier was routed to."""
    review = document.subject
    if review is None:
        return False
    application = review.application
    return is_host_applicant(user, application) or is_routed_recommender(user, application)


documents.register_kind(documents.DocumentKind(
    RECOMMENDATION_LETTER, _("Recommendation letter"), public=False, may_read=_reads_letter))


documents.register_kind(documents.DocumentKind(CALL_NOTICE, _("Call notice"), public=True))
documents.register_kind(documents.DocumentKind(LIST_APPROVAL, _("Approval of the construction list"), public=True))


def issuer_of(organisation):
    """The issuer code, name and 机关代字 of a recommending organisation's letters."""
    return {"issuer": f"org-{organisation.pk}", "issuer_name": organisation.name,
            "prefix": organisation.document_prefix or organisation.default_document_prefix}


def issue_recommendation_letter(review, by):
    """Inside `Application.recommend`, once the review is recorded: the recommending organisation's letter to SAMR and
    MIIT, with its verdict on each Art. 10 dimension as the attachment (Art. 10, 12, 13)."""
    application, organisation = review.application, review.recommender
    host = application.host
    others = [r.recommender.name for r in application.reviews_of_round().select_related("recommender")
              if r.recommender_id != organisation.pk]
    paragraphs = [
        f"根据{MEASURES}{in_chinese('Art. 10')}、{in_chinese('Art. 13')}规定，我单位对{host.name}申报的"
        f"“{application.name_zh}”申报材料（第{review.round}次报送）进行了初审。现将有关情况函告如下。",
        "经审核，该申报材料的科学性、系统性、完整性、真实性、准确性、合法性均符合要求（初审意见见附件），"
        f"申报单位符合{MEASURES_SHORT}{in_chinese('Art. 12')}规定的申报条件，同意推荐。",
    ]
    if review.warnings_acknowledged:
        paragraphs.append(f"对申报材料中未达到{MEASURES_SHORT}{in_chinese('Art. 12 (1)')}“原则上”要求的指标，"
                          "我单位已核实有关情况并予以确认。")
    if others:
        paragraphs.append(f"按照{MEASURES_SHORT}{in_chinese('Art. 10')}规定，该申报由我单位与{'、'.join(others)}联合推荐。")
    if review.comment.strip():
        paragraphs.append(f"推荐意见：{sentence(review.comment)}")
    paragraphs += [
        f"我单位将按照{MEASURES_SHORT}{in_chinese('Art. 10')}、{in_chinese('Art. 12 (5)')}规定，在机构、人员、经费、"
        "资源等方面优先支持该实验室的建设和发展，并协助做好评审、验收及评估等工作。",
        "特此函告。",
    ]
    rows = [[DIMENSIONS_ZH[code], VERDICTS_ZH.get((review.dimensions.get(code) or {}).get("verdict"), "—"),
             (review.dimensions.get(code) or {}).get("comment", "")] for code in ReviewDimension.values]
    contact = by.full_name or by.username if by else ""
    if contact and by.phone:
        contact += f"，电话：{by.phone}"
    return documents.issue(
        kind=RECOMMENDATION_LETTER, subject=review, **issuer_of(organisation),
        title=f"关于推荐{application.name_zh}的函",
        content={
            "addressees": "市场监管总局、工业和信息化部",
            "paragraphs": paragraphs,
            "attachments": [{
                "title": "申报材料初审意见表",
                "paragraphs": [f"申报单位：{host.name}", f"实验室名称：{application.name_zh}",
                               f"所属领域：{chinese(application.get_field_display()) or '—'}",
                               f"初审日期：{chinese_date(timezone.localdate(review.decided_at))}"],
                "columns": ["审核内容", "审核结论", "说明"],
                "rows": rows,
            }],
            "note": f"联系人：{contact}" if contact else "",
            "cc": host.name,
            "printer": organisation.name,
        },
    )


def issue_call_notice(call):
    """Inside `calls.open_call`, at the second ministry's signature: the joint notice that publishes the call, its
    window, the recommenders' deadline, the Art. 12 reference year, its priorities and quotas (Art. 3, 4, 10, 12, 13)."""
    items = [
        f"一、申报时间。申报单位于{chinese_date(call.opens_on)}至{chinese_date(call.closes_on)}通过国家质量标准实验室"
        "管理平台在线填写并提交申报书。",
        f"二、推荐。推荐单位按照{MEASURES_SHORT}{in_chinese('Art. 10')}规定对申报材料进行初审，"
        f"于{chinese_date(call.recommenders_due)}前完成推荐" + ("，推荐数量不超过所附名额。" if call.quotas.exists() else "。"),
        f"三、申报条件。申报单位应当符合{MEASURES_SHORT}{in_chinese('Art. 12')}规定的条件，其中“近5年”“近3年”"
        f"均计算至{call.reference_year}年。",
    ]
    fields, directions = [chinese(label) for label in call.priority_field_labels], [
        chinese(label) for label in call.priority_direction_labels]
    if fields or directions:
        parts = ([f"{'、'.join(fields)}领域"] if fields else []) + ([f"{'、'.join(directions)}方向"] if directions else [])
        items.append(f"{'四' if len(items) == 3 else '五'}、优先支持。本批次优先支持{'，以及'.join(parts)}"
                     f"（{MEASURES_SHORT}{in_chinese('Art. 3')}、{in_chinese('Art. 4')}）。")
    if call.notes.strip():
        items.append(f"{'四五六'[len(items) - 3]}、其他要求。{sentence(call.notes)}")
    quotas = list(call.quotas.select_related("recommender").order_by("recommender__name_sort"))
    return documents.issue(
        kind=CALL_NOTICE, subject=call, issuer="joint",
        title=f"关于组织申报{call.number}国家质量标准实验室的通知",
        content={
            "addressees": RECOMMENDERS_ZH,
            "paragraphs": [f"根据{MEASURES}，现组织开展{call.number}国家质量标准实验室申报工作。有关事项通知如下。",
                           *items],
            "attachments": [{
                "title": f"{call.number}国家质量标准实验室推荐名额",
                "columns": ["序号", "推荐单位", "推荐名额"],
                "rows": [[str(n), quota.recommender.name, str(quota.quota)] for n, quota in enumerate(quotas, 1)],
            }] if quotas else [],
            "note": "此件公开发布",
        },
    )


def issue_list_approval(call):
    """Inside `calls.approve_list`, once every application on it is approved: the joint approval of the call's
    construction list, naming every laboratory approved for construction and its recommenders (Art. 7, 10, 13, 18)."""
    approved = call.construction_list.filter(status=Status.APPROVED).select_related("host").prefetch_related(
        "preliminary_reviews__recommender").order_by("name_sort", "pk")
    rows = []
    for n, application in enumerate(approved, 1):
        by = sorted({review.recommender.name for review in application.preliminary_reviews.all()
                     if review.round == application.revision_count and review.decision == ReviewDecision.RECOMMENDED})
        rows.append([str(n), application.name_zh, application.host.name, chinese(application.get_field_display()),
                     "、".join(by) or "—"])
    return documents.issue(
        kind=LIST_APPROVAL, subject=call, issuer="joint",
        title=f"关于批准{call.number}国家质量标准实验室建设名单的通知",
        content={
            "addressees": RECOMMENDERS_ZH,
            "paragraphs": [
                f"根据{MEASURES}{in_chinese('Art. 7')}、{in_chinese('Art. 13')}规定，经推荐、形式审查、专家评审、"
                f"现场考察和公示，市场监管总局、工业和信息化部研究决定，批准{len(rows)}个国家质量标准实验室建设"
                "（名单见附件）。",
                f"各建设依托单位要按照建设方案组织建设，建设期一般为2年（{MEASURES_SHORT}{in_chinese('Art. 18')}），"
                "建设期满按规定申请验收。",
                "各推荐单位要在机构、人员、经费、资源等方面对实验室建设给予支持，加强指导和监督。",
            ],
            "attachments": [{
                "title": f"{call.number}国家质量标准实验室建设名单",
                "columns": ["序号", "实验室名称", "依托单位", "所属领域", "推荐单位"],
                "rows": rows,
            }],
            "note": "此件公开发布",
        },
    )
