"""Builders for the public-page tests: applications carried to `inspected`, under publicity and
`approved` through the real transitions and services (nothing assigns a status).

    pipeline = Pipeline()
    app = pipeline.inspected(field=Field.BIOMEDICINE)
    notice = pipeline.notice([app], starts_on=date(2026, 3, 2))      # app is now under publicity
    lab_app = pipeline.approved()                                     # closes a notice, both ministries sign
"""

import datetime
import zoneinfo
from decimal import Decimal

import time_machine
from django.utils import timezone

from accounts.models import OrganisationKind
from applications.models import Status
from kernel.transitions import run_transition
from reviews import services
from reviews.identity import CHECK_DIGITS, WEIGHTS, credit_code_check_character
from reviews.models import (
    CommitteeMember,
    CriteriaSet,
    Criterion,
    ExpertCommittee,
    FormalReviewItem,
    Position,
    SiteInspection,
)
from tests.factories import (
    LocalHostFactory,
    all_meet_dimensions,
    applicant_of,
    complete_dossier,
    expert_user,
    ministry_staff,
    provincial_recommenders,
)

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    """time-machine at `hour` o'clock Beijing time on `day` (a date)."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING), tick=True)


def resident_id(first17="11010519491231002"):
    """An 18-character resident ID number with the correct GB 11643 check digit."""
    return first17 + CHECK_DIGITS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def credit_code(first17="91110108MA01K2L3X"):
    """An 18-character unified social credit code with the correct GB 32100 check character."""
    return first17 + credit_code_check_character(first17)


def wrong_check_digit(number):
    """The same number with a check digit that is not the right one."""
    wrong = next(c for c in CHECK_DIGITS if c != number[17])
    return number[:17] + wrong


class Pipeline:
    """One SAMR staff member (and one of MIIT for the second sign-off) with an active committee."""

    def __init__(self):
        self.samr = ministry_staff(OrganisationKind.SAMR)
        self.miit = ministry_staff(OrganisationKind.MIIT)
        self._committee = None
        self._criteria = None

    @property
    def committee(self):
        if self._committee is None:
            committee = ExpertCommittee.objects.create(name="第一届专家委员会")
            positions = [Position.CHAIR] + [Position.VICE_CHAIR] * 3 + [Position.MEMBER] * 11
            for position in positions:
                CommitteeMember.objects.create(committee=committee, expert=expert_user(), position=position)
            self._committee = run_transition(committee, "activate", self.samr)
        return self._committee

    @property
    def criteria(self):
        if self._criteria is None:
            criteria = CriteriaSet.objects.create(name="申报评审指标", purpose=CriteriaSet.Purpose.APPLICATION)
            for i, weight in enumerate((40, 30, 30), 1):
                Criterion.objects.create(criteria_set=criteria, title=f"指标{i}", article="Art. 12",
                                         weight=Decimal(weight), order=i)
            self._criteria = criteria
        return self._criteria

    def recommended(self, host=None, **kw):
        app = complete_dossier(host=host or LocalHostFactory(), **kw)
        app = run_transition(app, "submit", applicant_of(app.host))
        for recommender in provincial_recommenders(app.host.province):
            app = run_transition(app, "recommend", recommender, dimensions=all_meet_dimensions())
        assert app.status == Status.RECOMMENDED
        return app

    def inspected(self, **kw):
        """complete → submit → both recommend → formal review passed → scored round → advanced →
        site inspection passed."""
        app = self.recommended(**kw)
        checks = {str(pk): True for pk in FormalReviewItem.objects.filter(active=True).values_list("pk", flat=True)}
        app = run_transition(app, "pass_formal_review", self.samr, checks=checks)
        review_round = services.open_round("第一轮专家评审", self.committee, self.criteria, [app], self.samr)
        expert = self.committee.members.select_related("expert").first().expert
        assignment = services.assign_expert(review_round, app, expert, self.samr)
        assignment = run_transition(assignment, "declare_no_conflict", expert)
        services.save_scores(assignment, expert, {c.pk: (85, "") for c in self.criteria.criteria.all()}, "同意")
        run_transition(assignment, "submit_scores", expert)
        run_transition(review_round, "conclude", self.samr, decisions={app.pk: ("advance", "")})
        app.refresh_from_db()
        services.record_site_inspection(app, self.samr, team="张三、李四", visited_on=timezone.localdate(),
                                        findings="条件属实", verdict=SiteInspection.Verdict.PASS)
        app.refresh_from_db()
        assert app.status == Status.INSPECTED
        return app

    def notice(self, apps, starts_on=None, working_days=None, title="国家质量标准实验室拟批准建设名单公示"):
        notice = services.open_notice(title, apps, self.samr, starts_on=starts_on, working_days=working_days)
        for app in apps:
            app.refresh_from_db()
        return notice

    def close(self, notice):
        """Close `notice` the day after its window (time-machine), with no open objection."""
        with at(notice.ends_on + datetime.timedelta(days=1)):
            notice = run_transition(notice, "close", self.samr)
        return notice

    def approve(self, app):
        app = run_transition(app, "approve", self.samr, comment="同意")
        app = run_transition(app, "approve", self.miit, comment="同意")
        assert app.status == Status.APPROVED
        return app

    def approved(self, approved_on=None, **kw):
        """Inspected, under a notice that has run its window and been closed, then signed by SAMR and
        MIIT on `approved_on` (default: the day after the window), the laboratory's approval date."""
        app = self.inspected(**kw)
        notice = self.notice([app])
        self.close(notice)
        app.refresh_from_db()
        assert app.status == Status.AWAITING_APPROVAL
        with at(approved_on or notice.ends_on + datetime.timedelta(days=1)):
            return self.approve(app)
