"""Art. 12 eligibility self-check (and the Art. 15 chair warning), at and around every threshold.

The windows are fixed by `reference_year`: "近5年" = the reference year and the four before it,
"近3年" = the reference year and the two before it.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from applications.choices import StandardLevel, TeamRole
from applications.eligibility import FAIL, INFO, NOT_MET, PASS, WARNING, check_eligibility
from applications.models import (
    Application,
    ConsortiumMember,
    NationalProject,
    OutcomeClaim,
    ServiceIncome,
    StandardLed,
    Status,
    TeamMember,
    TechnologyTransfer,
)
from kernel.transitions import run_transition
from tests.factories import (
    ApplicationFactory,
    LocalHostFactory,
    a_call,
    applicant_of,
    complete_dossier,
    provincial_recommenders,
)

pytestmark = pytest.mark.django_db

YEAR = 2025  # reference year used throughout: 5-year window 2021-2025, 3-year window 2023-2025


def status_of(app, key, year=YEAR):
    return check_eligibility(app, reference_year=year).line(key).status


def add_projects(app, amounts_and_years):
    NationalProject.objects.bulk_create(
        NationalProject(application=app, title=f"国家级项目{i}", year=year, amount_cny=Decimal(amount))
        for i, (amount, year) in enumerate(amounts_and_years)
    )


def add_standards(app, years):
    StandardLed.objects.bulk_create(
        StandardLed(application=app, number=f"GB/T 9{i}00-{y}", title=f"标准{i}", level=StandardLevel.NATIONAL, year=y)
        for i, y in enumerate(years)
    )


def claim(app, *items, evidence="有据可查的证明材料"):
    OutcomeClaim.objects.bulk_create(OutcomeClaim(application=app, item=item, evidence=evidence) for item in items)


# --- (1) facilities: "in principle" thresholds are warnings, not failures -----------------------------


@pytest.mark.parametrize(
    ("space", "expected"),
    [("2999.99", WARNING), ("3000", PASS), ("3000.00", PASS), ("12000", PASS), ("0", WARNING)],
)
def test_research_space_threshold_is_a_warning_below_3000_m2_art12(space, expected):
    app = ApplicationFactory(research_space_m2=Decimal(space))
    result = check_eligibility(app, reference_year=YEAR)
    assert result.line("space").status == expected
    assert result.line("space").article == "Art. 12 (1)"
    # A warning must be acknowledged by the recommender but never blocks submission by itself.
    assert (result.line("space") in result.failures) is False
    assert result.has_warnings is (expected == WARNING)


def test_missing_research_space_fails_art12():
    app = ApplicationFactory(research_space_m2=None)
    assert status_of(app, "space") == FAIL


@pytest.mark.parametrize(
    ("value", "expected"),
    [("49999999.99", WARNING), ("50000000", PASS), ("50000000.01", PASS), ("1", WARNING)],
)
def test_instrument_value_threshold_is_a_warning_below_50_million_cny_art12(value, expected):
    app = ApplicationFactory(instrument_value_cny=Decimal(value))
    line = check_eligibility(app, reference_year=YEAR).line("instruments")
    assert line.status == expected
    assert line.article == "Art. 12 (1)"


def test_missing_instrument_value_fails_art12():
    app = ApplicationFactory(instrument_value_cny=None)
    assert status_of(app, "instruments") == FAIL


def test_warning_below_threshold_names_the_value_art12(english):
    app = ApplicationFactory(research_space_m2=Decimal("2999.99"), instrument_value_cny=Decimal("49999999.99"))
    result = check_eligibility(app, reference_year=YEAR)
    assert "2,999.99 m²" in str(result.line("space").message)
    assert "¥49,999,999.99" in str(result.line("instruments").message)
    assert {line.key for line in result.warnings} >= {"space", "instruments"}


# --- (3) 1: national-level projects in the last 5 years ---------------------------------------------


def test_fourteen_small_projects_in_window_fail_art12(english):
    app = ApplicationFactory()
    add_projects(app, [("1000000", YEAR - (i % 5)) for i in range(14)])  # 14 projects, 14 million in all
    line = check_eligibility(app, reference_year=YEAR).line("projects")
    assert line.status == FAIL
    assert line.article == "Art. 12 (3) 1"
    assert "14" in str(line.message)


def test_fifteen_projects_in_window_pass_whatever_their_funding_art12():
    app = ApplicationFactory()
    add_projects(app, [("1", YEAR - (i % 5)) for i in range(15)])
    assert status_of(app, "projects") == PASS


def test_one_project_of_20_million_cny_passes_art12():
    app = ApplicationFactory()
    add_projects(app, [("20000000", YEAR)])
    assert status_of(app, "projects") == PASS


def test_projects_totalling_just_under_20_million_cny_fail_art12():
    app = ApplicationFactory()
    add_projects(app, [("19999999.99", YEAR)])
    assert status_of(app, "projects") == FAIL


def test_funding_is_summed_across_projects_in_window_art12():
    app = ApplicationFactory()
    add_projects(app, [("10000000", YEAR), ("10000000", YEAR - 4)])
    assert status_of(app, "projects") == PASS


def test_project_five_years_before_reference_year_is_outside_the_window_art12():
    app = ApplicationFactory()
    # 14 projects in the window plus one started 5 years before the reference year (2020 for 2025).
    add_projects(app, [("1000000", YEAR) for _ in range(14)] + [("1000000", YEAR - 5)])
    assert status_of(app, "projects") == FAIL
    # And a large project out of the window does not count toward the 20 million either.
    add_projects(app, [("50000000", YEAR - 5)])
    assert status_of(app, "projects") == FAIL


def test_project_four_years_before_reference_year_counts_art12():
    app = ApplicationFactory()
    add_projects(app, [("1000000", YEAR) for _ in range(14)] + [("1000000", YEAR - 4)])
    assert status_of(app, "projects") == PASS


def test_project_after_the_reference_year_does_not_count_art12():
    app = ApplicationFactory()
    add_projects(app, [("20000000", YEAR + 1)])
    assert status_of(app, "projects") == FAIL


BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def _one_big_project_in(year, call=None):
    """A complete dossier (in `call`) whose only national-level project is one of 20 million CNY started in `year`."""
    app = complete_dossier(year=2025, **({"call": call} if call else {}))
    app.projects.all().delete()
    add_projects(app, [("20000000", year)])
    # Items 1, 2, 3 and 5 by evidence: the outcome line passes whatever the reference year.
    claim(app, OutcomeClaim.Item.LEADING_RESULTS, OutcomeClaim.Item.DATA)
    return app


def _call_across_the_new_year(reference_year=2025):
    """A call taking applications from 1 November 2025 to 31 January 2026, its recommenders deciding by 31 March."""
    return a_call("2026年度", datetime.date(2025, 11, 1), datetime.date(2026, 1, 31), datetime.date(2026, 3, 31),
                  reference_year=reference_year)


def test_draft_is_judged_against_its_calls_reference_year_not_today_art12():
    app = _one_big_project_in(2021, call=_call_across_the_new_year(reference_year=2026))
    with time_machine.travel(datetime.datetime(2025, 12, 1, 10, 0, tzinfo=BEIJING), tick=False):
        result = check_eligibility(app)
    assert result.reference_year == 2026
    assert result.line("projects").status == FAIL  # 2021 is outside 2022-2026


def test_the_call_fixes_one_reference_year_for_all_its_applications_art12():
    """Two dossiers of one call, submitted either side of New Year, are judged against the same 5-year window."""
    call = _call_across_the_new_year(reference_year=2025)
    early, late = _one_big_project_in(2021, call=call), _one_big_project_in(2021, call=call)
    with time_machine.travel(datetime.datetime(2025, 12, 31, 20, 0, tzinfo=BEIJING), tick=False):
        run_transition(early, "submit", applicant_of(early.host))
    with time_machine.travel(datetime.datetime(2026, 1, 10, 10, 0, tzinfo=BEIJING), tick=False):
        run_transition(late, "submit", applicant_of(late.host))
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=BEIJING), tick=False):
        results = [check_eligibility(Application.objects.get(pk=app.pk)) for app in (early, late)]
    assert [r.reference_year for r in results] == [2025, 2025]
    assert [r.line("projects").status for r in results] == [PASS, PASS]


def test_call_reference_year_defaults_to_the_year_submissions_open_art12():
    call = a_call("2027年度", datetime.date(2026, 12, 1), datetime.date(2027, 2, 28), datetime.date(2027, 3, 31))
    assert call.reference_year == 2026


def test_resubmission_in_the_next_year_keeps_the_calls_reference_year_art12():
    """Returned in one year and resubmitted in the next: the call's window (2021-2025) still applies."""
    app = _one_big_project_in(2021, call=_call_across_the_new_year(reference_year=2025))
    applicant = applicant_of(app.host)
    samr, miit = provincial_recommenders(app.host.province)
    with time_machine.travel(datetime.datetime(2025, 12, 20, 10, 0, tzinfo=BEIJING), tick=False):
        app = run_transition(app, "submit", applicant)
        app = run_transition(app, "return_for_revision", samr, comment="请补充")
    with time_machine.travel(datetime.datetime(2026, 2, 10, 10, 0, tzinfo=BEIJING), tick=False):
        returned = Application.objects.get(pk=app.pk)
        assert check_eligibility(returned).reference_year == 2025  # what the applicant sees while editing
        app = run_transition(returned, "submit", applicant)  # after the window, before the recommenders' deadline
    assert app.status == Status.SUBMITTED


# --- (4) outcomes: at least 3 of 5 items -----------------------------------------------------------


def test_two_of_five_outcome_items_fail_art12():
    app = ApplicationFactory()
    claim(app, OutcomeClaim.Item.ORIGINAL_RESULTS, OutcomeClaim.Item.MAJOR_PROBLEMS)
    line = check_eligibility(app, reference_year=YEAR).line("outcomes")
    assert line.status == FAIL
    assert line.article == "Art. 12 (4)"
    assert [c.status for c in line.children] == [PASS, PASS, NOT_MET, NOT_MET, NOT_MET]


def test_three_of_five_outcome_items_pass_art12():
    app = ApplicationFactory()
    claim(app, OutcomeClaim.Item.ORIGINAL_RESULTS, OutcomeClaim.Item.MAJOR_PROBLEMS, OutcomeClaim.Item.DATA)
    assert status_of(app, "outcomes") == PASS


def test_blank_evidence_does_not_count_as_a_claim_art12():
    app = ApplicationFactory()
    claim(app, OutcomeClaim.Item.ORIGINAL_RESULTS, OutcomeClaim.Item.MAJOR_PROBLEMS)
    claim(app, OutcomeClaim.Item.DATA, evidence="   ")
    assert status_of(app, "outcome_5") == NOT_MET
    assert status_of(app, "outcomes") == FAIL


def test_item3_met_by_five_standards_in_the_three_year_window_art12():
    app = ApplicationFactory()
    add_standards(app, [YEAR, YEAR, YEAR - 1, YEAR - 2, YEAR - 2])
    line = check_eligibility(app, reference_year=YEAR).line("outcome_3")
    assert line.status == PASS
    assert line.article == "Art. 12 (4) 3"


def test_item3_not_met_when_the_fifth_standard_is_three_years_back_art12():
    app = ApplicationFactory()
    add_standards(app, [YEAR, YEAR, YEAR - 1, YEAR - 2, YEAR - 3])
    assert status_of(app, "outcome_3") == NOT_MET


def test_item3_met_by_evidence_of_internationally_leading_results_art12():
    app = ApplicationFactory()
    claim(app, OutcomeClaim.Item.LEADING_RESULTS)
    assert status_of(app, "outcome_3") == PASS


def test_item4_met_by_fifteen_transfers_in_window_art12():
    app = ApplicationFactory()
    TechnologyTransfer.objects.bulk_create(
        TechnologyTransfer(application=app, title=f"转化{i}", year=YEAR - (i % 3)) for i in range(15)
    )
    line = check_eligibility(app, reference_year=YEAR).line("outcome_4")
    assert line.status == PASS
    assert line.article == "Art. 12 (4) 4"


def test_item4_not_met_by_fourteen_transfers_art12():
    app = ApplicationFactory()
    TechnologyTransfer.objects.bulk_create(
        TechnologyTransfer(application=app, title=f"转化{i}", year=YEAR - (i % 3)) for i in range(14)
    )
    # A fifteenth transfer outside the 3-year window does not help.
    TechnologyTransfer.objects.create(application=app, title="旧转化", year=YEAR - 3)
    assert status_of(app, "outcome_4") == NOT_MET


def test_item4_met_by_30_million_cny_of_quality_services_in_window_art12():
    app = ApplicationFactory()
    ServiceIncome.objects.bulk_create(
        ServiceIncome(application=app, year=y, amount_cny=Decimal("10000000")) for y in (YEAR, YEAR - 1, YEAR - 2)
    )
    assert status_of(app, "outcome_4") == PASS


def test_item4_not_met_by_just_under_30_million_cny_art12():
    app = ApplicationFactory()
    ServiceIncome.objects.create(application=app, year=YEAR, amount_cny=Decimal("29999999.99"))
    ServiceIncome.objects.create(application=app, year=YEAR - 3, amount_cny=Decimal("10000000"))  # outside window
    assert status_of(app, "outcome_4") == NOT_MET


def test_computed_items_count_toward_three_of_five_art12():
    app = ApplicationFactory()
    claim(app, OutcomeClaim.Item.ORIGINAL_RESULTS)
    add_standards(app, [YEAR] * 5)
    ServiceIncome.objects.create(application=app, year=YEAR, amount_cny=Decimal("30000000"))
    assert status_of(app, "outcomes") == PASS


# --- (5) support -----------------------------------------------------------------------------------


def test_lab_not_a_priority_of_the_host_fails_art12():
    app = ApplicationFactory(is_host_priority=False, host_commitment="依托单位承诺支持。")
    result = check_eligibility(app, reference_year=YEAR)
    assert result.line("support").status == FAIL
    assert result.line("support").article == "Art. 12 (5)"
    assert result.passed is False


def test_priority_without_a_commitment_statement_fails_art12():
    app = ApplicationFactory(is_host_priority=True, host_commitment="  ")
    assert status_of(app, "support") == FAIL


# --- (2) team and Art. 15 chair --------------------------------------------------------------------


def test_complete_dossier_passes_every_line_art12():
    app = complete_dossier(year=YEAR)
    result = check_eligibility(app, reference_year=YEAR)
    assert result.passed
    assert result.failures == []
    assert not result.has_warnings


def test_academic_leader_without_posts_is_a_warning_art12():
    app = complete_dossier(year=YEAR)
    app.team_members.filter(role=TeamRole.LEADER).update(posts_held="")
    assert status_of(app, "team") == WARNING


def test_no_academic_committee_fails_art12():
    app = complete_dossier(year=YEAR)
    app.team_members.filter(role=TeamRole.COMMITTEE_MEMBER).delete()
    assert status_of(app, "team") == FAIL


def test_committee_chair_from_the_host_is_a_warning_art15():
    app = complete_dossier(year=YEAR)
    app.team_members.filter(role=TeamRole.COMMITTEE_CHAIR).update(organisation_name=app.host.name)
    line = check_eligibility(app, reference_year=YEAR).line("chair")
    assert line.status == WARNING
    assert line.article == "Art. 15"


def test_committee_chair_from_a_consortium_member_is_a_warning_art15():
    app = complete_dossier(year=YEAR)
    partner = LocalHostFactory(name="苏州质量研究院")
    ConsortiumMember.objects.create(application=app, organisation=partner, role="联合共建")
    app.team_members.filter(role=TeamRole.COMMITTEE_CHAIR).update(organisation_name=" 苏州质量研究院 ")
    assert status_of(app, "chair") == WARNING


def test_committee_chair_from_outside_passes_art15():
    app = complete_dossier(year=YEAR)
    assert app.team_members.get(role=TeamRole.COMMITTEE_CHAIR).organisation_name == "清华大学"
    assert status_of(app, "chair") == PASS


def test_chair_warning_is_not_a_failure_art15():
    app = complete_dossier(year=YEAR)
    TeamMember.objects.filter(application=app, role=TeamRole.COMMITTEE_CHAIR).update(organisation_name=app.host.name)
    result = check_eligibility(app, reference_year=YEAR)
    assert result.passed
    assert [line.key for line in result.warnings] == ["chair"]


# --- preference: provincial/ministerial lab running 2+ years ---------------------------------------

TODAY = datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.mark.parametrize(
    ("established", "expected"),
    [
        (datetime.date(2024, 3, 15), PASS),  # exactly two years ago
        (datetime.date(2024, 3, 16), INFO),  # one year and 364 days ago
        (datetime.date(2020, 1, 1), PASS),
        (datetime.date(2026, 3, 15), INFO),
    ],
)
def test_provincial_lab_running_two_years_is_preferred_art12(established, expected):
    app = ApplicationFactory(provincial_lab_name="江苏省工业机器人重点实验室", provincial_lab_established=established)
    with time_machine.travel(TODAY, tick=False):
        assert timezone.localdate() == datetime.date(2026, 3, 15)
        line = check_eligibility(app, reference_year=YEAR).line("preferred")
    assert line.status == expected
    assert line.article == "Art. 12"


def test_preference_needs_the_lab_name_art12():
    app = ApplicationFactory(provincial_lab_name="", provincial_lab_established=datetime.date(2015, 1, 1))
    with time_machine.travel(TODAY, tick=False):
        assert status_of(app, "preferred") == INFO


def test_preference_never_blocks_art12():
    app = complete_dossier(year=YEAR)
    result = check_eligibility(app, reference_year=YEAR)
    assert result.line("preferred").status == INFO
    assert result.passed


def test_failures_list_only_top_level_failing_lines_art12():
    app = ApplicationFactory(is_host_priority=False, research_space_m2=Decimal("100"))
    result = check_eligibility(app, reference_year=YEAR)
    keys = {line.key for line in result.failures}
    assert "support" in keys and "projects" in keys and "outcomes" in keys
    assert "space" not in keys  # a warning, not a failure
    assert result.line("space").status == WARNING


def test_application_eligibility_property_uses_check_eligibility_art12():
    app = complete_dossier()
    assert app.eligibility.passed
    assert app.eligibility.reference_year == timezone.localdate().year
