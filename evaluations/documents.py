"""The official documents of a laboratory's decisions (`kernel.documents`), each issued jointly by SAMR and MIIT in the
decision's transaction from the data of that moment, in the Chinese of an official document:

* the acceptance opinion (验收意见, Art. 19), when the verdict is recorded: to the host, read by it and the ministries;
* the comprehensive evaluation result notice (评估结果通知, Art. 26-27), when the result is recorded: the same readers;
  an unqualified result is also notified publicly (通报, Art. 27);
* the termination of the construction (Art. 18, 19) and the removal from the list (Art. 25, 27), at the second
  ministry's signature: public, naming the grounds, the article and the host's written statement.

The acceptance publicity notice's wording (Art. 19) is here too; `reviews.documents` issues it."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import PreliminaryReview
from kernel import documents
from kernel.documents import MEASURES, MEASURES_SHORT, chinese, chinese_date, in_chinese, sentence

from .rules import reads_archive, reads_decision_documents
from .states import AcceptanceVerdict, EvaluationResult, LabStatus, ProposalGrounds, ProposalKind

ACCEPTANCE_OPINION = "acceptance_opinion"
EVALUATION_NOTICE = "evaluation_notice"
UNQUALIFIED_NOTICE = "unqualified_notice"
TERMINATION_DECISION = "termination_decision"
DELISTING_DECISION = "delisting_decision"
DECISION_KINDS = {ProposalKind.TERMINATION: TERMINATION_DECISION, ProposalKind.DELISTING: DELISTING_DECISION}


def _reads(user, document):
    """The host's users (and the ministries, who read every issued document) read a decision sent to the host."""
    subject = document.subject
    lab = getattr(subject, "laboratory", subject)
    return lab is not None and bool(reads_decision_documents(user, lab))


documents.register_kind(documents.DocumentKind(ACCEPTANCE_OPINION, _("Acceptance opinion"), may_read=_reads))
documents.register_kind(documents.DocumentKind(EVALUATION_NOTICE, _("Evaluation result notice"), may_read=_reads))
documents.register_kind(documents.DocumentKind(UNQUALIFIED_NOTICE, _("Notice of an unqualified result"), public=True))
documents.register_kind(documents.DocumentKind(TERMINATION_DECISION, _("Termination decision"), public=True))
documents.register_kind(documents.DocumentKind(DELISTING_DECISION, _("Removal decision"), public=True))

LAB_ARCHIVE = "lab_archive"


def _reads_archive(user, document):
    """A laboratory's archive (`evaluations.archive`): ministry staff, and the host's users for their own lab."""
    lab = document.subject  # the models import this module: the subject's type is asked by its label
    return lab is not None and lab._meta.label_lower == "evaluations.laboratory" and bool(reads_archive(user, lab))


documents.register_kind(documents.DocumentKind(LAB_ARCHIVE, _("Laboratory archive (档案)"), may_read=_reads_archive))

# The verdicts and results as the Measures name them (Art. 19, 27).
VERDICTS_ZH = {AcceptanceVerdict.PASS: "通过验收", AcceptanceVerdict.RECTIFY: "整改", AcceptanceVerdict.FAIL: "未通过验收"}
RESULTS_ZH = {EvaluationResult.EXCELLENT: "优秀", EvaluationResult.QUALIFIED: "合格", EvaluationResult.UNQUALIFIED: "不合格"}
MINISTRIES_ZH = {"samr": "市场监管总局", "miit": "工业和信息化部"}
STATEMENT_DUE = ("你单位如有异议，可于{due}前通过国家质量标准实验室管理平台提交书面陈述申辩意见及证明材料；"
                 "市场监管总局、工业和信息化部听取陈述申辩后共同作出决定。")


def _recommenders(lab):
    """The organisations that recommended the lab's application (Art. 10): they assist with acceptance and
    evaluation (Art. 10 (3)), so the lab's documents are copied to them."""
    names = (recommendations_by_application(lab).values_list("recommender__name", flat=True)
             .order_by("recommender__kind", "recommender__name").distinct())
    return "、".join(names)


def recommendations_by_application(lab):
    return PreliminaryReview.objects.filter(application_id=lab.application_id,
                                            decision=PreliminaryReview.Decision.RECOMMENDED)


def _opinion(opinion):
    return [f"专家委员会意见：{sentence(opinion)}"] if (opinion or "").strip() else []


# --- acceptance (Art. 17-19) ----------------------------------------------------------------------


def issue_acceptance_opinion(lab, acceptance, verdict, opinion, target, rectify_due=None, proposal=None):
    """Inside `Laboratory.record_acceptance_verdict`: the acceptance opinion sent to the host (Art. 19)."""
    verdict_zh = VERDICTS_ZH[verdict]
    paragraphs = [
        f"根据{MEASURES}{in_chinese('Art. 18')}、{in_chinese('Art. 19')}规定，专家委员会依据你单位报送的申报及验收材料，"
        f"对{lab.name_zh}{'整改后的' if lab.acceptance_rectified else ''}"
        "建设情况进行了综合评议。现将验收意见函告如下。",
        f"验收结论：{verdict_zh}。",
        *_opinion(opinion),
    ]
    if target == LabStatus.ACCEPTANCE_CONFIRMATION:
        paragraphs.append(f"根据{MEASURES_SHORT}{in_chinese('Art. 19')}规定，验收通过的实验室经市场监管总局、工业和信息化部"
                          "审核后向社会公示；公示无异议的，实验室进入正式运行。")
    elif target == LabStatus.RECTIFYING:
        paragraphs.append(f"请你单位组织实验室于{chinese_date(rectify_due)}前（6个月内）完成整改工作，并再次提出验收申请。"
                          f"根据{MEASURES_SHORT}{in_chinese('Art. 19')}规定，整改后未通过验收的，终止该实验室建设。")
    else:
        reason = "整改后未通过验收" if lab.acceptance_rectified else "未通过验收"
        paragraphs.append(f"该实验室{reason}，根据{MEASURES_SHORT}{in_chinese('Art. 19')}规定，拟终止该实验室建设。"
                          + STATEMENT_DUE.format(due=chinese_date(proposal.statement_due)))
    goals = [s for s in (acceptance.goal_statements if acceptance else []) if isinstance(s, dict)]
    attachments = [{
        "title": "建设目标完成情况",
        "columns": ["序号", "建设目标", "完成情况"],
        "rows": [[str(n), s.get("goal", ""), s.get("achieved", "")] for n, s in enumerate(goals, 1)],
    }] if goals else []
    return documents.issue(
        kind=ACCEPTANCE_OPINION, subject=acceptance or lab, issuer="joint",
        title=f"关于{lab.name_zh}验收意见的函",
        content={"addressees": lab.host.name, "paragraphs": paragraphs, "attachments": attachments,
                 "cc": _recommenders(lab)},
    )


def acceptance_wording(notice, applications):
    """What a notice of laboratories that passed acceptance says (Art. 19)."""
    labs = [application.laboratory for application in applications]
    return {
        "paragraphs": [
            f"根据{MEASURES}{in_chinese('Art. 19')}规定，经专家委员会验收、市场监管总局和工业和信息化部审核，以下"
            f"{len(labs)}个国家质量标准实验室通过验收（名单见附件），现予以公示。公示无异议的，实验室进入正式运行。",
        ],
        "annex": "通过验收的国家质量标准实验室名单",
        "columns": ["序号", "实验室名称", "依托单位", "所属领域"],
        "rows": [[str(n), lab.name_zh, lab.host.name, chinese(lab.get_field_display())] for n, lab in enumerate(labs, 1)],
    }


# --- comprehensive evaluation (Art. 26-27) ------------------------------------------------------------


def issue_evaluation_result(lab, evaluation, result, opinion, target, due=None, proposal=None):
    """Inside `Laboratory.record_evaluation_result`: the result notice sent to the host, and for an unqualified
    result the public notice of it (Art. 27: 对其进行通报). Returns the documents issued."""
    cycle = f"第{evaluation.cycle}周期" if evaluation else ""
    again = bool(evaluation and evaluation.is_reevaluation)
    result_zh = RESULTS_ZH[result]
    paragraphs = [
        f"根据{MEASURES}{in_chinese('Art. 26')}、{in_chinese('Art. 27')}规定，市场监管总局、工业和信息化部组织专家委员会"
        f"对{lab.name_zh}进行了{cycle}综合评价{'（整改后复评）' if again else ''}，评价内容包括研究水平与能力、队伍建设与"
        "人才培养、开放交流与运行管理、质量标准贡献和公益性推广等方面。现将评价结果通知如下。",
        f"综合评价结果：{result_zh}。",
        *_opinion(opinion),
    ]
    if target == LabStatus.OPERATING:
        if result == EvaluationResult.EXCELLENT:
            paragraphs.append(f"根据{MEASURES_SHORT}{in_chinese('Art. 28-30')}规定，市场监管总局、工业和信息化部将对该实验室"
                              "安排一定的扶助支持，并加大宣传力度。")
        paragraphs.append(f"实验室继续正式运行，每年提交年度运行报告，下一次综合评价于{chinese_date(due)}前进行"
                          f"（{in_chinese('Art. 26')}）。")
    elif target == LabStatus.EVALUATION_RECTIFYING:
        paragraphs.append(f"根据{MEASURES_SHORT}{in_chinese('Art. 27')}规定，对该实验室予以通报，并给予半年时间整改。请你单位"
                          f"组织实验室于{chinese_date(due)}前完成整改，整改后将再次进行综合评价；整改后综合评价仍不合格的，"
                          "不再列入国家质量标准实验室序列。")
    else:
        paragraphs.append(f"该实验室整改后综合评价仍不合格，根据{MEASURES_SHORT}{in_chinese('Art. 27')}规定，拟不再将其列入"
                          "国家质量标准实验室序列。" + STATEMENT_DUE.format(due=chinese_date(proposal.statement_due)))
    subject = evaluation or lab
    issued = [documents.issue(
        kind=EVALUATION_NOTICE, subject=subject, issuer="joint", title=f"关于{lab.name_zh}综合评价结果的通知",
        content={"addressees": lab.host.name, "paragraphs": paragraphs, "cc": _recommenders(lab)},
    )]
    if result == EvaluationResult.UNQUALIFIED:
        consequence = (
            f"根据{MEASURES_SHORT}{in_chinese('Art. 27')}规定，现予以通报，并给予该实验室半年时间整改（至{chinese_date(due)}）。"
            "整改后综合评价仍不合格的，不再列入国家质量标准实验室序列。"
            if target == LabStatus.EVALUATION_RECTIFYING else
            f"该实验室系整改后综合评价仍不合格，根据{MEASURES_SHORT}{in_chinese('Art. 27')}规定，现予以通报，拟不再将其列入"
            "国家质量标准实验室序列，在听取依托单位陈述申辩后作出决定。")
        issued.append(documents.issue(
            kind=UNQUALIFIED_NOTICE, subject=subject, issuer="joint",
            title=f"关于{lab.name_zh}综合评价结果为不合格的通报",
            content={
                "addressees": "各有关单位",
                "paragraphs": [
                    f"根据{MEASURES}{in_chinese('Art. 26')}、{in_chinese('Art. 27')}规定，市场监管总局、工业和信息化部组织"
                    f"专家委员会对依托{lab.host.name}建设的{lab.name_zh}进行了{cycle}综合评价"
                    f"{'（整改后复评）' if again else ''}，评价结果为“不合格”。",
                    consequence,
                    "特此通报。",
                ],
                "cc": _recommenders(lab),
            },
        ))
    return issued


# --- termination and removal (Art. 18, 19, 25, 27) ------------------------------------------------------


def _grounds_text(lab, proposal):
    return {
        ProposalGrounds.CONSTRUCTION_LAPSED: f"该实验室建设期限（含批准的延长期限）已于{chinese_date(lab.construction_end)}届满，"
                                             "依托单位未提出验收申请，未能完成建设任务",
        ProposalGrounds.RECTIFICATION_LAPSED: "该实验室验收结论为“整改”，6个月整改期限届满，依托单位未再次提出验收申请",
        ProposalGrounds.ACCEPTANCE_FAILED: "该实验室未通过验收" if not lab.acceptance_rectified else "该实验室整改后未通过验收",
        ProposalGrounds.UNQUALIFIED_AGAIN: "该实验室综合评价结果为“不合格”，经半年整改后综合评价仍不合格",
        ProposalGrounds.MISCONDUCT: "该实验室存在提供虚假材料和不真实数据、重大学术诚信问题，或其他违反相关法律法规和"
                                    f"{MEASURES_SHORT}的行为，造成不良影响",
    }[proposal.grounds]


def issue_proposal_decision(lab, proposal, signatures):
    """Inside the second ministry's signature (`lifecycle.sign_proposal`): the joint decision to terminate the
    construction or to remove the laboratory from the list, public, with its grounds, article and the host's written
    statement. `signatures` are the two ministries' sign-offs (with their comments)."""
    article = in_chinese(proposal.article)
    termination = proposal.kind == ProposalKind.TERMINATION
    proposed_on = chinese_date(timezone.localdate(proposal.proposed_at))
    paragraphs = [
        f"{proposed_on}，市场监管总局、工业和信息化部依据{MEASURES}{article}规定，提出"
        f"{'终止' + lab.name_zh + '建设' if termination else '将' + lab.name_zh + '不再列入国家质量标准实验室序列'}的意见，"
        f"理由是：{_grounds_text(lab, proposal)}。",
    ]
    if proposal.reason.strip() and proposal.reason.strip() != str(ProposalGrounds(proposal.grounds).label):
        paragraphs.append(f"有关事实：{sentence(proposal.reason)}")
    if proposal.statement_at:
        files = proposal.attachments.count()
        paragraphs.append(f"{chinese_date(timezone.localdate(proposal.statement_at))}，{lab.host.name}提交了书面陈述申辩意见"
                          f"{f'及证明材料{files}份' if files else ''}。市场监管总局、工业和信息化部对陈述申辩意见进行了审查。")
    else:
        paragraphs.append(f"{lab.host.name}在规定期限（{chinese_date(proposal.statement_due)}前）内未提交书面陈述申辩意见。")
    opinions = [f"{MINISTRIES_ZH.get(signature.ministry, signature.ministry)}：{sentence(signature.comment)}"
                for signature in signatures if signature.comment.strip()]
    if opinions:
        paragraphs.append("审核意见：" + "".join(opinions))
    if termination:
        paragraphs += [f"经研究，依据{MEASURES_SHORT}{article}规定，市场监管总局、工业和信息化部决定：终止{lab.name_zh}建设。",
                       "本决定自印发之日起生效。该实验室不再使用“国家质量标准实验室”名称，并从国家质量标准实验室名单中移出。"]
        title = f"关于终止{lab.name_zh}建设的决定"
    else:
        paragraphs += [f"经研究，依据{MEASURES_SHORT}{article}规定，市场监管总局、工业和信息化部决定：{lab.name_zh}不再列入"
                       "国家质量标准实验室序列。",
                       "本决定自印发之日起生效。该实验室不再使用“国家质量标准实验室”名称，并从国家质量标准实验室名录中移出。"]
        title = f"关于{lab.name_zh}不再列入国家质量标准实验室序列的决定"
    return documents.issue(
        kind=DECISION_KINDS[proposal.kind], subject=proposal, issuer="joint", title=title,
        content={"addressees": lab.host.name, "paragraphs": paragraphs, "cc": _recommenders(lab)},
    )
