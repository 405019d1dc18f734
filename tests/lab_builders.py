"""Builders for the laboratory-stage tests (Art. 14-31).

A lab is born the real way (the application goes through the ministry stage and both ministries
approve, which runs `create_laboratory`), then moves only through its own transitions and services:
`apply_for_acceptance`, an acceptance or evaluation round scored by experts and concluded, the two
confirmations, the acceptance notice and its closing. Nothing assigns a status.

    labs = Labs()
    lab = labs.lab_in(LabStatus.OPERATING)          # every state of DESIGN.md's lab machine
"""

import datetime

import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from evaluations import services as lab_services
from evaluations.models import AcceptanceVerdict, EvaluationResult, Laboratory, LabStatus
from kernel.transitions import run_transition
from reviews.models import CriteriaSet
from tests.factories import applicant_of
from tests.review_builders import Ministry, active_committee, miit_staff, score


def acceptance_criteria():
    """The acceptance criteria set the migration loads (Art. 17-19)."""
    return CriteriaSet.objects.get(purpose=CriteriaSet.Purpose.ACCEPTANCE)


def evaluation_criteria():
    """The Art. 26 four-dimension criteria set the migration loads."""
    return CriteriaSet.objects.get(purpose=CriteriaSet.Purpose.EVALUATION)


class Labs(Ministry):
    """A SAMR officer (and a MIIT one for the second sign-offs) carrying labs through their life."""

    def __init__(self, staff=None, miit=None, **kw):
        super().__init__(staff=staff, **kw)
        self.miit = miit or miit_staff()

    @property
    def committee(self):
        """The active committee; a new one when the term of the one that approved the lab has ended (Art. 9)."""
        if self._committee is None or not self._committee.is_usable():
            self._committee = active_committee(self.staff)
        return self._committee

    # --- birth ---------------------------------------------------------------------------------

    def approved(self, app=None, months_ago=0, **kw):
        """A lab in construction, its application approved by SAMR and MIIT `months_ago` (Art. 7, 18)."""
        when = timezone.now() - relativedelta(months=months_ago)
        with time_machine.travel(when, tick=False):
            app = self.awaiting_approval(app, **kw)
            run_transition(app, "approve", self.staff)
            run_transition(app, "approve", self.miit)
        return Laboratory.objects.get(application=app)

    def host_user(self, lab):
        user = lab.host.users.filter(role="applicant", is_active=True).first()
        return user or applicant_of(lab.host)

    # --- acceptance (Art. 18-19) ---------------------------------------------------------------

    def apply_for_acceptance(self, lab, report="建设任务全部完成，对照建设计划逐项说明。"):
        return run_transition(lab, "apply_for_acceptance", self.host_user(lab), report=report,
                              goal_statements=[{"goal": "建成检测平台", "achieved": "已建成"}])

    def scored_lab_round(self, labs, criteria, value=80, title="验收评议"):
        """An expert round of `labs`, one expert scoring every criterion `value` for each lab."""
        review_round = lab_services.open_lab_round(title, self.committee, criteria, labs, self.staff)
        for lab in labs:
            score(self.assign(review_round, lab.application, self.experts[0]), value)
        return review_round

    def acceptance_verdict(self, lab, verdict, opinion="专家组验收意见"):
        """Lab in acceptance review → an acceptance round scored and concluded with `verdict` (Art. 19)."""
        review_round = self.scored_lab_round([lab], acceptance_criteria(), title="验收评议")
        self.conclude(review_round, {lab.application_id: (verdict, opinion)})
        lab.refresh_from_db()
        return lab

    def confirm_acceptance(self, lab):
        run_transition(lab, "confirm_acceptance", self.staff)
        return run_transition(lab, "confirm_acceptance", self.miit)

    def acceptance_notice(self, lab, starts_on=None):
        """Both ministries confirmed: an acceptance notice whose window started `starts_on` (Art. 19)."""
        return lab_services.open_acceptance_notice("国家质量标准实验室验收结果公示", [lab], self.staff,
                                                   starts_on=starts_on or timezone.localdate())

    def operating(self, lab=None):
        lab = lab or self.approved(months_ago=24)
        lab = self.at_acceptance_publicity(lab, starts_on=timezone.localdate() - datetime.timedelta(days=30))
        notice = lab.application.publicity_notices.get(subject="acceptance")
        run_transition(notice, "close", self.staff)
        lab.refresh_from_db()
        return lab

    def at_acceptance_publicity(self, lab, starts_on=None):
        lab = self.acceptance_verdict(self.apply_for_acceptance(lab), AcceptanceVerdict.PASS)
        lab = self.confirm_acceptance(lab)
        self.acceptance_notice(lab, starts_on=starts_on)
        lab.refresh_from_db()
        return lab

    # --- evaluation (Art. 26-27) ---------------------------------------------------------------

    def evaluation_round(self, labs, title="综合评价"):
        """Labs in operation (or rectifying) → evaluating: the round is open, nobody has scored yet."""
        return lab_services.open_lab_round(title, self.committee, evaluation_criteria(), labs, self.staff)

    def evaluation_result(self, lab, result, opinion="综合评价意见"):
        review_round = self.scored_lab_round([lab], evaluation_criteria(), title="综合评价")
        self.conclude(review_round, {lab.application_id: (result, opinion)})
        lab.refresh_from_db()
        return lab

    # --- any state -----------------------------------------------------------------------------

    def lab_in(self, status, lab=None):
        """A lab in `status`, reached through the real transitions from an approval 24 months ago (so
        that acceptance is open, Art. 18)."""
        lab = lab or self.approved(months_ago=24)
        if status == LabStatus.CONSTRUCTION:
            return lab
        if status in (LabStatus.ACCEPTANCE_REVIEW, LabStatus.RECTIFYING, LabStatus.ACCEPTANCE_CONFIRMATION,
                      LabStatus.TERMINATED):
            lab = self.apply_for_acceptance(lab)
            verdict = {LabStatus.ACCEPTANCE_REVIEW: None, LabStatus.RECTIFYING: AcceptanceVerdict.RECTIFY,
                       LabStatus.ACCEPTANCE_CONFIRMATION: AcceptanceVerdict.PASS,
                       LabStatus.TERMINATED: AcceptanceVerdict.FAIL}[status]
            return self.acceptance_verdict(lab, verdict) if verdict else lab
        if status == LabStatus.ACCEPTANCE_PUBLICITY:
            return self.at_acceptance_publicity(lab)
        lab = self.operating(lab)
        if status == LabStatus.OPERATING:
            return lab
        if status == LabStatus.EVALUATING:
            self.evaluation_round([lab])
            lab.refresh_from_db()
            return lab
        lab = self.evaluation_result(lab, EvaluationResult.UNQUALIFIED)
        if status == LabStatus.EVALUATION_RECTIFYING:
            return lab
        assert status == LabStatus.DELISTED, status
        return self.evaluation_result(lab, EvaluationResult.UNQUALIFIED)
