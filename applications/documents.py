"""The official document an application's recommendation produces (`kernel.documents`): the recommendation letter
(推荐函) a recommending organisation sends the ministries when it recommends a dossier (Art. 10), under its own
机关代字 (`Organisation.document_prefix`). Issued in the decision's transaction from the data of that moment; its
wording is the Chinese of an official letter, whatever language the recommender browses in."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel import documents
from kernel.documents import MEASURES, MEASURES_SHORT, chinese, chinese_date, in_chinese, sentence

from .choices import DimensionVerdict, ReviewDimension
from .rules import is_host_applicant, is_routed_recommender

RECOMMENDATION_LETTER = "recommendation_letter"

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
