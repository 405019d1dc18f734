"""Journeys: an application or a laboratory carried to any state of its life through the real transitions and
services, each step taken by the person who would really take it. Nothing assigns a status. The tests (through
`tests/conftest.py`), the browser journeys' casts and `seed_demo` build their data with it.

    journey = Journey(cast)                                  # cast: who acts (see `Cast`)
    app = journey.application_in(Status.AWAITING_APPROVAL)   # draft → submitted → recommended → … → awaiting_approval
    lab = journey.lab_in(LabStatus.EVALUATION_RECTIFYING)     # approved 24 months ago, accepted, evaluated unqualified

Every application belongs to a call (申报批次): `open_call` has SAMR create one and both ministries sign it,
`standing_call(day)` finds the call taking applications on a day or opens one for that year (what the tests'
dossiers are started in), `approve_list` proposes and signs a call's construction list.

The steps one by one (`submitted`, `recommended`, `formal_review_passed`, `open_round`, `assign`, `score`,
`conclude`, `inspect`, `open_notice`, `close`, `approve`; `apply_for_acceptance`, `open_lab_round`,
`confirm_acceptance`, `acceptance_notice`, `statement`, `decide`, `delist`) take a comment and a moment (`on`, a date or an aware
datetime): inside it the step runs on the cast's clock (`happening_at` by default, the demo's; the tests' cast
moves time-machine), so what it records carries that date.
"""

import datetime
import time
from contextlib import contextmanager, nullcontext
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, Role, User
from applications.choices import DimensionVerdict, ReviewDimension
from applications.models import Application, Call, CallQuota, ConsortiumMember, Status
from evaluations import services as lab_services
from evaluations.models import AcceptanceVerdict, EvaluationResult, Laboratory, LabStatus
from kernel.transitions import run_transition
from reviews import services
from reviews.models import (
    CommitteeMember,
    CriteriaSet,
    Criterion,
    ExpertCommittee,
    FormalReviewItem,
    Position,
    SiteInspection,
)

# A preliminary review finding the dossier meets each of the six Art. 10 dimensions.
ALL_MEET = {code: {"verdict": DimensionVerdict.MEETS, "comment": ""} for code in ReviewDimension.values}
# The composition Art. 9 asks of a committee: one chair, three vice-chairs, eleven members (an odd 15).
STANDARD_PANEL = (Position.CHAIR,) + (Position.VICE_CHAIR,) * 3 + (Position.MEMBER,) * 11


# --- the clock ---------------------------------------------------------------------------------------


@contextmanager
def happening_at(moment):
    """Inside the block `timezone.now()` reads `moment` (an aware datetime), advancing with real time so that
    records keep their order; `localdate()`, `auto_now` fields and every service follow it. Work queued for
    after the commit (the notifications of each transition) runs at the end of the block, at that moment
    too, rather than when the surrounding transaction commits; if that transaction rolls back, the inbox rows
    roll back with it. Work not tied to the moment (`at_the_moment = False`: rendering an issued document, whose
    date is in it) stays queued for the real commit. Single-threaded use only (the demo seed): it swaps a
    function of `django.utils.timezone`."""
    started, real_now = time.monotonic(), timezone.now
    queued = len(connection.run_on_commit)
    timezone.now = lambda: moment + datetime.timedelta(seconds=time.monotonic() - started)
    later = []
    try:
        yield
        while len(connection.run_on_commit) > queued:
            callbacks = connection.run_on_commit[queued:]
            del connection.run_on_commit[queued:]
            for entry in callbacks:
                _savepoints, callback, _robust = entry
                if getattr(callback, "at_the_moment", True):
                    callback()
                else:
                    later.append(entry)
    finally:
        connection.run_on_commit.extend(later)
        timezone.now = real_now


def moment(day, hour=10):
    """`hour` o'clock, in the portal's time zone (Asia/Shanghai), on `day`; an aware datetime is kept as it is."""
    if isinstance(day, datetime.datetime):
        return day
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _published_then(starts_on):
    """The day to open a notice dated `starts_on` on: that day when it is before today (a notice is published on
    its first day, never back-dated, Art. 13), else None (today, or scheduled ahead)."""
    return starts_on if starts_on and starts_on < timezone.localdate() else None


# --- reference data the walks read --------------------------------------------------------------------


def all_checks(unconfirmed=()):
    """The formal-review checklist (Art. 13): every active check confirmed but those at the indexes `unconfirmed`."""
    items = FormalReviewItem.objects.filter(active=True).order_by("order", "pk")
    return {str(item.pk): index not in unconfirmed for index, item in enumerate(items)}


def criteria_for(purpose):
    """The criteria set of `purpose` the migrations load (application, acceptance Art. 17-19, evaluation Art. 26)."""
    return CriteriaSet.objects.filter(purpose=purpose).order_by("pk").first()


def acceptance_criteria():
    return criteria_for(CriteriaSet.Purpose.ACCEPTANCE)


def evaluation_criteria():
    return criteria_for(CriteriaSet.Purpose.EVALUATION)


def criteria_set(weights=(40, 30, 30), purpose=CriteriaSet.Purpose.APPLICATION, name="申报评审指标"):
    """A criteria set of its own, one criterion per weight (they sum to 100 for a usable set)."""
    obj = CriteriaSet.objects.create(name=name, purpose=purpose)
    Criterion.objects.bulk_create(
        Criterion(criteria_set=obj, title=f"指标{i}", article="Art. 12", weight=Decimal(weight), order=i)
        for i, weight in enumerate(weights, 1)
    )
    return obj


def appoint_committee(members, name=None, by=None, term_start=None, comment="", on=None, clock=happening_at):
    """An expert committee of `members` ((expert, position, fields), ...); activated by `by` (Art. 9 is checked
    then, and membership frozen) unless `by` is None, which leaves it a draft."""
    with clock(moment(on)) if on else nullcontext():
        obj = ExpertCommittee.objects.create(name=name or f"第{ExpertCommittee.objects.count() + 1}届专家委员会")
        CommitteeMember.objects.bulk_create(
            CommitteeMember(committee=obj, expert=expert, position=position, fields=[str(f) for f in fields or ()])
            for expert, position, fields in members
        )
        return obj if by is None else run_transition(obj, "activate", by, comment, term_start=term_start)


def members_of(committee):
    """The committee's experts in the order they were appointed."""
    return [m.expert for m in committee.members.select_related("expert").order_by("pk")]


def with_consortium_member(app, organisation, role="联合申报单位"):
    """`organisation` joins the application as a consortium member (Art. 5)."""
    member = ConsortiumMember(application=app, organisation=organisation, role=role)
    member.full_clean()
    member.save()
    return organisation


def recommenders_of(app):
    """The organisations that must recommend the application (Art. 10), the provincial SAMR first."""
    return sorted(app.host.recommenders(), key=lambda org: org.kind != OrganisationKind.PROVINCIAL_SAMR)


def create_call(by, number, opens_on, closes_on, recommenders_due, title=None, reference_year=None, quotas=None,
                priority_fields=(), priority_directions=(), notes=""):
    """A draft call created by ministry staff `by` (validated like the staff's form), with `quotas`
    ({recommender organisation: quota})."""
    call = Call(title=title or f"{number}国家质量标准实验室申报", number=number, opens_on=opens_on, closes_on=closes_on,
                recommenders_due=recommenders_due, reference_year=reference_year or opens_on.year,
                priority_fields=[str(f) for f in priority_fields], priority_directions=[str(d) for d in priority_directions],
                notes=notes, created_by=by)
    call.full_clean(exclude=["status"])
    call.save()
    for organisation, quota in (quotas or {}).items():
        CallQuota.objects.create(call=call, recommender=organisation, quota=quota)
    return call


def open_call(staff, miit, number, opens_on, closes_on, recommenders_due, comment="", on=None, miit_on=None,
              clock=happening_at, **fields):
    """A call created and signed by SAMR (`staff`) on `on`, then signed by MIIT on `miit_on` (default `on`): the
    second signature publishes it (Art. 7, 13)."""
    with clock(moment(on)) if on else nullcontext():
        call = create_call(staff, number, opens_on, closes_on, recommenders_due, **fields)
        call = run_transition(call, "sign_opening", staff, comment)
    with clock(moment(miit_on or on)) if (miit_on or on) else nullcontext():
        call = run_transition(call, "sign_opening", miit, comment)
    assert call.status == "open", call.status
    return call


def standing_call(staff, miit, day=None):
    """The call taking applications on `day` (today), or a new one for that year: submissions all year, the
    recommenders deciding until the end of the next year, the year as the Art. 12 reference year."""
    day = day or timezone.localdate()
    call = Call.objects.accepting(day).first()
    if call is not None:
        return call
    number, taken = f"{day.year}年度", Call.objects.filter(number__startswith=f"{day.year}年度").count()
    return open_call(staff() if callable(staff) else staff, miit() if callable(miit) else miit,
                     number if not taken else f"{number}（{taken + 1}）",
                     datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31), datetime.date(day.year + 1, 12, 31))


# --- who acts ------------------------------------------------------------------------------------------


class Cast:
    """The people of a journey and what it needs that it does not make itself. This one finds who is already
    there (the demo's accounts, each organisation's first active user of the role) and acts on the demo's clock;
    the tests' cast (`tests/factories.py`) makes new people and dossiers with factory_boy and moves time-machine."""

    clock = staticmethod(happening_at)

    def _first(self, role, organisation):
        user = User.objects.filter(role=role, organisation=organisation, is_active=True).order_by("pk").first()
        if user is None:
            raise LookupError(f"No active {role} of {organisation}.")
        return user

    def ministry_staff(self, kind):
        return self._first(Role.MINISTRY_STAFF, Organisation.objects.get(kind=kind))

    def applicant(self, host):
        return self._first(Role.APPLICANT, host)

    def recommender(self, organisation):
        return self._first(Role.RECOMMENDER, organisation)

    def expert(self):
        raise NotImplementedError("This cast appoints no new experts: give the journey its committee.")

    def dossier(self, **fields):
        raise NotImplementedError("This cast writes no dossiers: give each step its application.")

    def criteria(self):
        return criteria_for(CriteriaSet.Purpose.APPLICATION)


# --- the journey ---------------------------------------------------------------------------------------


def score(assignment, values=80, overall="总体意见", comments=("",), submit=True, declaration="", on=None, clock=happening_at):
    """The assigned expert declares no conflict (unless done already, Art. 9), scores the criteria in order and,
    unless `submit` is false, submits (Art. 13). `values` is one score for every criterion or one per criterion,
    repeated when shorter; a draft (`submit=False`) with fewer values than criteria leaves the rest unscored."""
    expert = assignment.expert
    with clock(moment(on)) if on else nullcontext():
        if assignment.status == "assigned":
            assignment = run_transition(assignment, "declare_no_conflict", expert, declaration)
        criteria = list(assignment.round.criteria_set.criteria.all())
        if isinstance(values, (int, float, str, Decimal)):
            values, count = (values,), len(criteria)
        else:
            count = len(criteria) if submit else min(len(values), len(criteria))
        comments = (comments,) if isinstance(comments, str) else comments
        services.save_scores(assignment, expert, {
            criteria[i].pk: (values[i % len(values)], comments[i % len(comments)]) for i in range(count)
        }, overall)
        if submit:
            assignment = run_transition(assignment, "submit_scores", expert)
    return assignment


class Journey:
    """A SAMR officer (`staff`, who runs the ministry stage), a MIIT officer (`miit`, the second signature of
    approvals, confirmations and delistings), an expert committee and a criteria set carry applications and
    laboratories through their lives. What is not given is taken from the cast when first needed."""

    def __init__(self, cast=None, staff=None, miit=None, committee=None, criteria=None):
        self.cast = cast or Cast()
        self.staff = staff or self.cast.ministry_staff(OrganisationKind.SAMR)
        self._miit, self._committee, self._criteria = miit, committee, criteria

    # --- people, committee, criteria ---------------------------------------------------------------

    def sibling(self):
        """A journey with this one's officers, committee and criteria as far as they are made; what it makes later is
        its own (tests sharing rows made once by this one: `tests/shared_rows.py`)."""
        return Journey(self.cast, staff=self.staff, miit=self._miit, committee=self._committee, criteria=self._criteria)

    @property
    def miit(self):
        if self._miit is None:
            self._miit = self.cast.ministry_staff(OrganisationKind.MIIT)
        return self._miit

    @property
    def committee(self):
        """The active committee; a new one when the term of the last has ended (Art. 9)."""
        if self._committee is None or not self._committee.is_usable():
            self._committee = self.active_committee()
        return self._committee

    @committee.setter
    def committee(self, committee):
        self._committee = committee

    @property
    def criteria(self):
        if self._criteria is None:
            self._criteria = self.cast.criteria()
        return self._criteria

    @property
    def experts(self):
        return members_of(self.committee)

    def active_committee(self, positions=STANDARD_PANEL, fields=(), **kw):
        """A committee of new experts (the standard panel of 15 by default), activated by staff (Art. 9)."""
        return appoint_committee([(self.cast.expert(), position, fields) for position in positions],
                                 by=self.staff, clock=self.clock, **kw)

    def host_user(self, obj):
        """An applicant of the host of an application or laboratory: the first one there, or a new one."""
        user = obj.host.users.filter(role=Role.APPLICANT, is_active=True).order_by("pk").first()
        return user or self.cast.applicant(obj.host)

    def clock(self, on):
        return self.cast.clock(on)

    def _on(self, on, hour=10):
        return self.cast.clock(moment(on, hour)) if on else nullcontext()

    def take(self, obj, name, by, comment="", on=None, **kwargs):
        """`by` takes the transition `name` of `obj` (on `on`, if given)."""
        with self._on(on):
            return run_transition(obj, name, by, comment, **kwargs)

    # --- the application: draft to recommendation (Art. 10, 13) --------------------------------------

    def submitted(self, app=None, by=None, comment="", on=None, **dossier):
        """A dossier (`app`, or a new complete one of the cast) submitted by its host's applicant."""
        app = app or self.cast.dossier(**dossier)
        return self.take(app, "submit", by or self.cast.applicant(app.host), comment, on=on)

    def recommended(self, app=None, comments=("",), on=(), dimensions=ALL_MEET, warnings_acknowledged=False, **dossier):
        """Submitted (unless `app` already is) and recommended by every recommender its host's level needs
        (Art. 10), the provincial SAMR first; the i-th recommends with `comments[i]` on `on[i]`, acknowledging
        the dossier's Art. 12 warnings if told to."""
        app = app if app is not None and app.status != Status.DRAFT else self.submitted(app, **dossier)
        for index, organisation in enumerate(recommenders_of(app)):
            app = self.take(app, "recommend", self.cast.recommender(organisation), comments[index % len(comments)],
                            on=on[index] if on else None, dimensions=dimensions, warnings_acknowledged=warnings_acknowledged)
        assert app.status == Status.RECOMMENDED, app.status
        return app

    # --- the ministry stage (Art. 7-9, 13) -----------------------------------------------------------

    def formal_review_passed(self, app=None, by=None, comment="", on=None, **dossier):
        """Recommended (unless `app` already is) and through formal review, every check confirmed (Art. 13)."""
        app = app if app is not None and app.status == Status.RECOMMENDED else self.recommended(app, **dossier)
        return self.take(app, "pass_formal_review", by or self.staff, comment, on=on, checks=all_checks())

    def open_round(self, apps, title="第一轮专家评审", committee=None, criteria=None, on=None):
        """An expert round of `apps` (formal review passed), which move to expert review (Art. 9, 13)."""
        with self._on(on):
            return services.open_round(title, committee or self.committee, criteria or self.criteria, apps, self.staff)

    def assign(self, review_round, app, expert, on=None):
        with self._on(on):
            return services.assign_expert(review_round, app, expert, self.staff)

    def score(self, assignment, values=80, **kw):
        return score(assignment, values, clock=self.clock, **kw)

    def scored_round(self, apps, values=(80,)):
        """A round in which, for each application, one committee member per value scores every criterion it."""
        review_round = self.open_round(apps)
        for app in apps:
            for expert, value in zip(self.experts, values):
                self.score(self.assign(review_round, app, expert), value)
        return review_round

    def conclude(self, review_round, decisions, comment="", on=None):
        """Staff conclude the round: {application pk: (decision, reason)} (Art. 13, 19, 26)."""
        return self.take(review_round, "conclude", self.staff, comment, on=on, decisions=decisions)

    def at_site_inspection(self, app=None, **dossier):
        """Through formal review, scored 80 by one expert, and advanced to site inspection."""
        app = self.formal_review_passed(app, **dossier)
        self.conclude(self.scored_round([app]), {app.pk: ("advance", "")})
        app.refresh_from_db()
        assert app.status == Status.SITE_INSPECTION, app.status
        return app

    def inspect(self, app, verdict=SiteInspection.Verdict.PASS, findings="条件属实", team="张三、李四",
                visited_on=None, report=None, on=None):
        """Staff record the site inspection and its verdict (Art. 13)."""
        with self._on(on):
            services.record_site_inspection(app, self.staff, team=team, visited_on=visited_on or timezone.localdate(),
                                            findings=findings, verdict=verdict, report=report)
        app.refresh_from_db()
        return app

    def inspected(self, app=None, **dossier):
        return self.inspect(self.at_site_inspection(app, **dossier))

    def inspected_together(self, count):
        """`count` new applications scored in one round, advanced together and inspected."""
        apps = [self.formal_review_passed() for _ in range(count)]
        review_round = self.open_round(apps)
        for app in apps:
            self.score(self.assign(review_round, app, self.experts[0]), 80)
        self.conclude(review_round, {app.pk: ("advance", "") for app in apps})
        return [self.inspect(Application.objects.get(pk=app.pk)) for app in apps]

    def open_notice(self, apps, starts_on=None, working_days=None, title="国家质量标准实验室拟批准建设名单公示", on=None):
        """A publicity notice of inspected applications (Art. 13), from `starts_on` (default today): one dated
        before today is opened on that day (a notice is never back-dated), one dated ahead is scheduled."""
        with self._on(on or _published_then(starts_on)):
            notice = services.open_notice(title, apps, self.staff, starts_on=starts_on, working_days=working_days)
        for app in apps:
            app.refresh_from_db()
        return notice

    def close(self, notice, comment="", on=None):
        """Staff close the notice (not before its window ends, nor with an objection open)."""
        return self.take(notice, "close", self.staff, comment, on=on)

    def close_after_window(self, notice):
        """Close the notice the day after its window, at 10:00."""
        return self.close(notice, on=notice.ends_on + datetime.timedelta(days=1))

    def under_publicity(self, app=None, **dossier):
        app = self.inspected(app, **dossier)
        self.open_notice([app])
        return app

    def awaiting_approval(self, app=None, **dossier):
        """Inspected, under a notice whose window has passed, and the notice closed with no objection."""
        app = self.inspected(app, **dossier)
        self.close(self.open_notice([app], starts_on=timezone.localdate() - datetime.timedelta(days=30)))
        app.refresh_from_db()
        assert app.status == Status.AWAITING_APPROVAL, app.status
        return app

    def open_call(self, number, opens_on, closes_on, recommenders_due, comment="", on=None, miit_on=None, **fields):
        """SAMR creates and signs a call, MIIT signs it: it is published (Art. 7, 13)."""
        return open_call(self.staff, self.miit, number, opens_on, closes_on, recommenders_due, comment, on=on,
                         miit_on=miit_on, clock=self.clock, **fields)

    def approve_list(self, call, applications=None, comment="", on=None, miit_comment=None, miit_on=None):
        """SAMR proposes the call's construction list (its applications awaiting approval, or those given) and
        signs it, MIIT signs it: every application on it is approved (Art. 7, 13, 18)."""
        with self._on(on):
            call = run_transition(call, "propose_list", self.staff, "", applications=applications)
            call = run_transition(call, "sign_list", self.staff, comment)
        call = self.take(call, "sign_list", self.miit, comment if miit_comment is None else miit_comment,
                         on=miit_on or on)
        assert call.status == "concluded", call.status
        return call

    def approve(self, app, comment="", on=None, miit_comment=None, miit_on=None):
        """SAMR and then MIIT sign the approval (Art. 7); the second signature creates the laboratory (Art. 18)."""
        app = self.take(app, "approve", self.staff, comment, on=on)
        app = self.take(app, "approve", self.miit, comment if miit_comment is None else miit_comment, on=miit_on or on)
        assert app.status == Status.APPROVED, app.status
        return app

    def approved_application(self, approved_on=None, **dossier):
        """Inspected, under a notice (from today) that has run its window and been closed, then signed by SAMR
        and MIIT on `approved_on` (default: the day after the window), the laboratory's approval date."""
        app = self.inspected(**dossier)
        notice = self.open_notice([app])
        self.close_after_window(notice)
        app.refresh_from_db()
        assert app.status == Status.AWAITING_APPROVAL, app.status
        return self.approve(app, "同意", on=approved_on or notice.ends_on + datetime.timedelta(days=1))

    def application_in(self, status, app=None, **dossier):
        """An application in `status`, walked there from a new complete dossier (or from `app`)."""
        steps = {
            Status.DRAFT: lambda: app or self.cast.dossier(**dossier),
            Status.SUBMITTED: lambda: self.submitted(app, **dossier),
            Status.RECOMMENDED: lambda: self.recommended(app, **dossier),
            Status.FORMAL_REVIEW_PASSED: lambda: self.formal_review_passed(app, **dossier),
            Status.EXPERT_REVIEW: lambda: self._in_round(self.formal_review_passed(app, **dossier)),
            Status.SITE_INSPECTION: lambda: self.at_site_inspection(app, **dossier),
            Status.INSPECTED: lambda: self.inspected(app, **dossier),
            Status.PUBLICITY: lambda: self.under_publicity(app, **dossier),
            Status.AWAITING_APPROVAL: lambda: self.awaiting_approval(app, **dossier),
            Status.APPROVED: lambda: self.approve(self.awaiting_approval(app, **dossier)),
        }
        app = steps[status]()
        assert app.status == status, app.status
        return app

    def _in_round(self, app):
        self.open_round([app])
        app.refresh_from_db()
        return app

    # --- the laboratory (Art. 14-31) -----------------------------------------------------------------

    def approved(self, app=None, months_ago=0, **dossier):
        """A laboratory in construction, its application approved by SAMR and MIIT `months_ago` (Art. 7, 18)."""
        with self.clock(timezone.now() - relativedelta(months=months_ago)):
            app = self.awaiting_approval(app, **dossier)
            self.approve(app)
        return Laboratory.objects.get(application=app)

    def apply_for_acceptance(self, lab, report="建设任务全部完成，对照建设计划逐项说明。", goal_statements=None, by=None, on=None):
        """The host applies for acceptance (Art. 18), reporting against the build plan's goals."""
        goal_statements = goal_statements or [{"goal": "建成检测平台", "achieved": "已建成"}]
        return self.take(lab, "apply_for_acceptance", by or self.host_user(lab), on=on, report=report,
                         goal_statements=goal_statements)

    def open_lab_round(self, labs, criteria, title="验收评议", committee=None, on=None):
        """An acceptance (Art. 19) or evaluation (Art. 26) round of `labs`."""
        with self._on(on):
            return lab_services.open_lab_round(title, committee or self.committee, criteria, labs, self.staff)

    def scored_lab_round(self, labs, criteria, value=80, title="验收评议"):
        """An expert round of `labs`, one expert scoring every criterion `value` for each lab."""
        review_round = self.open_lab_round(labs, criteria, title)
        for lab in labs:
            self.score(self.assign(review_round, lab.application, self.experts[0]), value)
        return review_round

    def acceptance_verdict(self, lab, verdict, opinion="专家组验收意见"):
        """Lab in acceptance review → an acceptance round scored and concluded with `verdict` (Art. 19)."""
        self.conclude(self.scored_lab_round([lab], acceptance_criteria(), title="验收评议"),
                      {lab.application_id: (verdict, opinion)})
        lab.refresh_from_db()
        return lab

    def confirm_acceptance(self, lab, comment="", on=None, miit_comment=None, miit_on=None):
        """Both ministries confirm the acceptance (Art. 19), SAMR first."""
        lab = self.take(lab, "confirm_acceptance", self.staff, comment, on=on)
        return self.take(lab, "confirm_acceptance", self.miit, comment if miit_comment is None else miit_comment,
                         on=miit_on or on)

    def acceptance_notice(self, lab, starts_on=None, title="国家质量标准实验室验收结果公示", working_days=None, on=None):
        """Both ministries confirmed: an acceptance notice of `lab` (or a list of labs) from `starts_on` (Art. 19)."""
        labs = lab if isinstance(lab, (list, tuple)) else [lab]
        with self._on(on or _published_then(starts_on)):
            return lab_services.open_acceptance_notice(title, labs, self.staff, starts_on=starts_on or timezone.localdate(),
                                                       working_days=working_days)

    def at_acceptance_publicity(self, lab, starts_on=None):
        lab = self.acceptance_verdict(self.apply_for_acceptance(lab), AcceptanceVerdict.PASS)
        lab = self.confirm_acceptance(lab)
        self.acceptance_notice(lab, starts_on=starts_on)
        lab.refresh_from_db()
        return lab

    def operating(self, lab=None):
        """Accepted (its notice run 30 days ago and closed): the laboratory operates (Art. 19)."""
        lab = lab or self.approved(months_ago=24)
        lab = self.at_acceptance_publicity(lab, starts_on=timezone.localdate() - datetime.timedelta(days=30))
        self.close(lab.application.publicity_notices.get(subject="acceptance"))
        lab.refresh_from_db()
        return lab

    def evaluation_round(self, labs, title="综合评价"):
        """Labs in operation (or rectifying) → evaluating: the round is open, nobody has scored yet (Art. 26)."""
        return self.open_lab_round(labs, evaluation_criteria(), title)

    def evaluation_result(self, lab, result, opinion="综合评价意见"):
        """An evaluation round scored and concluded with `result` (Art. 26-27)."""
        self.conclude(self.scored_lab_round([lab], evaluation_criteria(), title="综合评价"),
                      {lab.application_id: (result, opinion)})
        lab.refresh_from_db()
        return lab

    def statement(self, lab, text="实验室对拟作出的决定陈述如下：……", on=None, files=()):
        """The host's written statement on the proposed termination or removal."""
        with self._on(on):
            lab_services.make_statement(lab, self.cast.applicant(lab.host), text, list(files))
        lab.refresh_from_db()
        return lab

    def decide(self, lab, comment="经研究，同意。", on=None, miit_on=None):
        """Both ministries sign the proposed termination or removal, SAMR first (Art. 18, 19, 25, 27); on one day,
        SAMR in the morning and MIIT in the afternoon (at the same hour, the audit trail's order would rest on how
        long each signature took to record)."""
        name = "sign_termination" if lab.status == LabStatus.TERMINATION_PROPOSED else "sign_delisting"
        lab = self.take(lab, name, self.staff, comment, on=on)
        second = miit_on or on
        return self.take(lab, name, self.miit, comment, on=moment(second, hour=15) if second else None)

    def delist(self, lab, reason, on=None, statement_on=None, miit_on=None):
        """SAMR proposes removing the laboratory for misconduct (Art. 25), the host answers, both ministries sign."""
        lab = self.take(lab, "propose_delisting", self.staff, reason, on=on)
        lab = self.statement(lab, on=statement_on or on)
        return self.decide(lab, reason, on=statement_on or on, miit_on=miit_on)

    def lab_in(self, status, lab=None):
        """A laboratory in `status`, reached through the real transitions from an approval 24 months ago (so
        that acceptance is open, Art. 18)."""
        lab = lab or self.approved(months_ago=24)
        verdicts = {LabStatus.ACCEPTANCE_REVIEW: None, LabStatus.RECTIFYING: AcceptanceVerdict.RECTIFY,
                    LabStatus.ACCEPTANCE_CONFIRMATION: AcceptanceVerdict.PASS,
                    LabStatus.TERMINATION_PROPOSED: AcceptanceVerdict.FAIL, LabStatus.TERMINATED: AcceptanceVerdict.FAIL}
        if status == LabStatus.CONSTRUCTION:
            pass
        elif status in verdicts:
            lab = self.apply_for_acceptance(lab)
            if verdicts[status]:
                lab = self.acceptance_verdict(lab, verdicts[status])
            if status == LabStatus.TERMINATED:  # the failure proposes it; the host answers, both sign (Art. 19)
                lab = self.decide(self.statement(lab))
        elif status == LabStatus.ACCEPTANCE_PUBLICITY:
            lab = self.at_acceptance_publicity(lab)
        else:
            lab = self.operating(lab)
            if status == LabStatus.EVALUATING:
                self.evaluation_round([lab])
                lab.refresh_from_db()
            elif status in (LabStatus.EVALUATION_RECTIFYING, LabStatus.DELISTING_PROPOSED, LabStatus.DELISTED):
                lab = self.evaluation_result(lab, EvaluationResult.UNQUALIFIED)
                if status != LabStatus.EVALUATION_RECTIFYING:  # unqualified again after the rectification (Art. 27)
                    lab = self.evaluation_result(lab, EvaluationResult.UNQUALIFIED)
                if status == LabStatus.DELISTED:
                    lab = self.decide(self.statement(lab))
        assert lab.status == status, (lab.status, status)
        return lab
