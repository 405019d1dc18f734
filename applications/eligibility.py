"""Art. 12 eligibility self-check, computed from the dossier's data, never typed.

Windows: "近5年" is the reference year and the four before it; "近3年" the reference year and the
two before it. The reference year is the one the application's call fixes (`Call.reference_year`), the same for
every application of the call whenever it is drafted, submitted or resubmitted.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.formatting import format_area, format_cny

from .choices import OutcomeItem, TeamRole
from .states import EDITABLE_STATES

MIN_SPACE_M2 = Decimal(3000)
MIN_INSTRUMENTS_CNY = Decimal(50_000_000)
MIN_NATIONAL_PROJECTS = 15
MIN_PROJECT_FUNDING_CNY = Decimal(20_000_000)
PROJECT_WINDOW_YEARS = 5
OUTCOME_WINDOW_YEARS = 3
MIN_STANDARDS_LED = 5
MIN_TRANSFERS = 15
MIN_SERVICE_INCOME_CNY = Decimal(30_000_000)
MIN_OUTCOME_ITEMS = 3

PASS, WARNING, FAIL, NOT_MET, INFO = "pass", "warning", "fail", "not_met", "info"


@dataclass
class CheckLine:
    key: str
    article: str
    title: str
    status: str
    message: str
    children: list = field(default_factory=list)

    @property
    def css(self):
        return {PASS: "success", WARNING: "warning", FAIL: "danger", NOT_MET: "secondary", INFO: "info"}[self.status]

    @property
    def status_label(self):
        return {PASS: _("Pass"), WARNING: _("Warning"), FAIL: _("Fail"), NOT_MET: _("Not met"), INFO: _("Note")}[self.status]


@dataclass
class Eligibility:
    reference_year: int
    lines: list

    def _all(self):
        for line in self.lines:
            yield line
            yield from line.children

    @property
    def failures(self):
        return [line for line in self.lines if line.status == FAIL]

    @property
    def warnings(self):
        return [line for line in self._all() if line.status == WARNING]

    @property
    def has_warnings(self):
        return bool(self.warnings)

    @property
    def passed(self):
        return not self.failures

    def line(self, key):
        return next(line for line in self._all() if line.key == key)


def _reference_year(application):
    """The reference year its call fixes for all its applications alike; without a call (a dossier not yet saved),
    the year of submission, today's while the dossier is being edited."""
    if getattr(application, "call_id", None):
        return application.call.reference_year
    editable = getattr(application, "status", None) in EDITABLE_STATES
    when = application.submitted_at if application.submitted_at and not editable else timezone.now()
    return timezone.localtime(when).year


def _window(reference_year, years):
    return reference_year - years + 1, reference_year


def check_eligibility(application, reference_year=None):
    if reference_year is None:
        reference_year = _reference_year(application)
    lines = [
        _space(application),
        _instruments(application),
        _team(application),
        _committee_chair(application),
        _projects(application, reference_year),
        _outcomes(application, reference_year),
        _support(application),
        _preference(application),
    ]
    return Eligibility(reference_year=reference_year, lines=lines)


def _in_principle(key, title, value, minimum, shown, below):
    """Art. 12 (1) "原则上" thresholds: below them is a warning the recommender acknowledges, not a block."""
    if value is None:
        return CheckLine(key, "Art. 12 (1)", title, FAIL, _("Not given yet."))
    if value >= minimum:
        return CheckLine(key, "Art. 12 (1)", title, PASS, shown(value))
    return CheckLine(key, "Art. 12 (1)", title, WARNING, below % {"value": shown(value)})


def _space(app):
    return _in_principle(
        "space", _("Research space ≥ 3,000 m² (in principle)"), app.research_space_m2, MIN_SPACE_M2, format_area,
        _("%(value)s is below 3,000 m²; the threshold applies “in principle”, so the recommender must acknowledge it."),
    )


def _instruments(app):
    return _in_principle(
        "instruments", _("Instruments worth ≥ 50 million CNY (in principle)"), app.instrument_value_cny,
        MIN_INSTRUMENTS_CNY, format_cny,
        _("%(value)s is below 50 million CNY; the threshold applies “in principle”, so the recommender must acknowledge it."),
    )


def _team(app):
    title = _("Academic committee and an academic leader holding posts in domestic or international bodies")
    members = list(app.team_members.all())
    roles = {m.role for m in members}
    if TeamRole.COMMITTEE_CHAIR not in roles or TeamRole.COMMITTEE_MEMBER not in roles:
        return CheckLine("team", "Art. 12 (2)", title, FAIL, _("Name the academic committee: its chair and members."))
    leaders = [m for m in members if m.role == TeamRole.LEADER]
    if not leaders:
        return CheckLine("team", "Art. 12 (2)", title, FAIL, _("Name the academic leader."))
    if not any(m.posts_held.strip() for m in leaders):
        return CheckLine(
            "team", "Art. 12 (2)", title, WARNING,
            _("The academic leader should hold posts in domestic or international bodies; none is listed."),
        )
    return CheckLine("team", "Art. 12 (2)", title, PASS, _("Committee of %(n)s; leader named.") % {"n": sum(
        1 for m in members if m.role in (TeamRole.COMMITTEE_CHAIR, TeamRole.COMMITTEE_MEMBER))})


def _committee_chair(app):
    """Art. 15: the chair is generally not from the host (nor, by extension, a consortium member)."""
    title = _("Academic committee chair generally from outside the host")
    chairs = [m for m in app.team_members.all() if m.role == TeamRole.COMMITTEE_CHAIR]
    if not chairs:
        return CheckLine("chair", "Art. 15", title, INFO, _("No chair named yet."))
    inside = {app.host.name.strip()} | {c.organisation.name.strip() for c in app.consortium_members.all()}
    if any(c.organisation_name.strip() in inside for c in chairs):
        return CheckLine(
            "chair", "Art. 15", title, WARNING,
            _("The chair is from the host or a consortium member; Art. 15 expects someone from outside."),
        )
    return CheckLine("chair", "Art. 15", title, PASS, chairs[0].organisation_name)


def _projects(app, reference_year):
    start, end = _window(reference_year, PROJECT_WINDOW_YEARS)
    title = _("≥ 15 national-level projects or ≥ 20 million CNY in %(start)s–%(end)s") % {"start": start, "end": end}
    in_window = [p for p in app.projects.all() if start <= p.year <= end]
    count = len(in_window)
    total = sum((p.amount_cny for p in in_window), Decimal(0))
    facts = _("%(count)s projects, %(total)s in total") % {"count": count, "total": format_cny(total)}
    ok = count >= MIN_NATIONAL_PROJECTS or total >= MIN_PROJECT_FUNDING_CNY
    return CheckLine("projects", "Art. 12 (3) 1", title, PASS if ok else FAIL, facts)


def _outcomes(app, reference_year):
    start, end = _window(reference_year, OUTCOME_WINDOW_YEARS)
    evidence = {c.item: c.evidence.strip() for c in app.outcome_claims.all()}
    standards = sum(1 for s in app.standards.all() if start <= s.year <= end)
    transfers = sum(1 for t in app.transfers.all() if start <= t.year <= end)
    income = sum((s.amount_cny for s in app.service_incomes.all() if start <= s.year <= end), Decimal(0))

    Item = OutcomeItem
    children = []

    def claimed(item, key):
        ok = bool(evidence.get(item))
        return CheckLine(key, f"Art. 12 (4) {item}", Item(item).label, PASS if ok else NOT_MET,
                         _("Evidence given.") if ok else _("No evidence given."))

    children.append(claimed(Item.ORIGINAL_RESULTS, "outcome_1"))
    children.append(claimed(Item.MAJOR_PROBLEMS, "outcome_2"))
    leading = bool(evidence.get(Item.LEADING_RESULTS))
    standards_ok = standards >= MIN_STANDARDS_LED
    children.append(CheckLine(
        "outcome_3", "Art. 12 (4) 3", Item.LEADING_RESULTS.label, PASS if (leading or standards_ok) else NOT_MET,
        _("%(n)s standards or test methods led in %(start)s–%(end)s (5 needed); leading results: %(lead)s")
        % {"n": standards, "start": start, "end": end, "lead": _("evidence given") if leading else _("none claimed")},
    ))
    transfers_ok = transfers >= MIN_TRANSFERS or income >= MIN_SERVICE_INCOME_CNY
    children.append(CheckLine(
        "outcome_4", "Art. 12 (4) 4", Item.TRANSFERS.label, PASS if transfers_ok else NOT_MET,
        _("%(n)s transfers and %(income)s of quality services in %(start)s–%(end)s")
        % {"n": transfers, "income": format_cny(income), "start": start, "end": end},
    ))
    children.append(claimed(Item.DATA, "outcome_5"))
    met = sum(1 for c in children if c.status == PASS)
    return CheckLine(
        "outcomes", "Art. 12 (4)", _("At least 3 of the 5 outcome items"), PASS if met >= MIN_OUTCOME_ITEMS else FAIL,
        _("%(met)s of 5 items met.") % {"met": met}, children,
    )


def _support(app):
    title = _("The lab is a priority of the host, with resources committed")
    if app.is_host_priority and app.host_commitment.strip():
        return CheckLine("support", "Art. 12 (5)", title, PASS, _("Commitment given."))
    return CheckLine("support", "Art. 12 (5)", title, FAIL, _("Confirm the lab is one of the host's priorities and state the commitment."))


def _preference(app):
    title = _("Provincial/ministerial lab running 2+ years (preferred)")
    if app.is_preferred:
        return CheckLine("preferred", "Art. 12", title, PASS, _("%(name)s, %(years)s years") % {
            "name": app.provincial_lab_name, "years": app.provincial_lab_years})
    return CheckLine("preferred", "Art. 12", title, INFO, _("Not applicable; this raises priority only."))
