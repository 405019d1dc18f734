"""Conflicts of interest as data and the automatic assignment of experts (Art. 9; issue 17): the rules of
`reviews.conflicts`, the solver of `reviews.autoassign` on plain data, and the round's proposal pages."""

import datetime
import random

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from applications.choices import TeamRole
from applications.models import TeamMember
from kernel.models import AuditEntry, Notification
from kernel.rules import RuleViolation
from reviews import autoassign, conflicts, services
from reviews.autoassign import Problem, greedy, solve
from reviews.conflicts import ExpertFacts, SubjectFacts, is_conflicted
from reviews.models import Assignment, AssignmentProposal, Employment, Position
from tests.factories import (
    activate,
    add_member,
    applicant_of,
    client_for,
    committee,
    expert,
    with_consortium_member,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def years_ago(years, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


# --- the conflict rules (Art. 9) --------------------------------------------------------------------------


@pytest.fixture
def round_with_partner(journey):
    app = journey.formal_review_passed()
    partner = with_consortium_member(app)
    return app, partner, journey.open_round([app])


def test_past_employer_within_the_window_is_a_conflict_with_its_reason_art9(journey, round_with_partner):
    app, partner, review_round = round_with_partner
    recent, former = journey.experts[0], journey.experts[1]
    Employment.objects.create(expert=recent, organisation=partner, started_on=years_ago(8), ended_on=years_ago(2))
    Employment.objects.create(expert=former, organisation=app.host, ended_on=years_ago(3, days=1))  # just outside
    found = conflicts.conflicts_of(review_round, app, recent)
    assert [c.rule for c in found] == [conflicts.CONSORTIUM]
    assert partner.name in found[0].text and "within the last 3 years" in found[0].text
    assert conflicts.conflicts_of(review_round, app, former) == []
    with pytest.raises(RuleViolation) as exc:
        journey.assign(review_round, app, recent)
    assert (exc.value.field, exc.value.article) == ("expert", "Art. 9")
    assert "Conflict of interest" in exc.value.rule_message and partner.name in exc.value.rule_message
    assert journey.assign(review_round, app, former).expert == former


def test_employment_window_follows_the_setting_art9(journey, round_with_partner, settings):
    app, partner, review_round = round_with_partner
    Employment.objects.create(expert=journey.experts[0], organisation=app.host, ended_on=years_ago(4))
    assert conflicts.conflicts_of(review_round, app, journey.experts[0]) == []
    settings.CONFLICT_EMPLOYMENT_YEARS = 5
    assert [c.rule for c in conflicts.conflicts_of(review_round, app, journey.experts[0])] == [conflicts.HOST]


def test_a_person_named_in_the_dossier_is_in_conflict_art9(journey, round_with_partner):
    app, _partner, review_round = round_with_partner
    named = journey.experts[2]
    TeamMember.objects.create(application=app, role=TeamRole.COMMITTEE_MEMBER, name=f" {named.full_name} ",
                              organisation_name="某大学")
    found = conflicts.conflicts_of(review_round, app, named)
    assert [c.rule for c in found] == [conflicts.PERSON]
    assert "Academic committee member" in found[0].text
    assert named not in [m.expert for m in services.suggested_experts(review_round, app)]


def test_own_province_is_avoided_only_when_the_round_says_so_art9(journey, round_with_partner):
    app, _partner, review_round = round_with_partner
    local = journey.experts[3]
    local.organisation.province = app.host.province
    local.organisation.save()
    assert conflicts.conflicts_of(review_round, app, local) == []
    review_round.avoid_home_province = True
    review_round.save()
    found = conflicts.conflicts_of(review_round, app, local)
    assert [c.rule for c in found] == [conflicts.PROVINCE] and "回避本省" in found[0].text


# --- the solver on plain data ---------------------------------------------------------------------------


def plain_round(n_subjects=12, n_experts=20, per_subject=3, seed=5, max_load=None):
    rng = random.Random(seed)
    fields = ["a", "b", "c", "d"]
    subjects = [SubjectFacts(id=s, label=f"S{s}", host_id=1000 + s, field=rng.choice(fields),
                             consortium_ids=frozenset({2000 + s})) for s in range(n_subjects)]
    experts = [ExpertFacts(id=e, name=f"E{e}", employers={3000 + e: None}, fields=frozenset(rng.sample(fields, 1)),
                           leader=e < 2) for e in range(n_experts)]
    need = {s.id: per_subject for s in subjects}
    max_load = max_load or -(-n_subjects * per_subject // n_experts) + 1
    return Problem(subjects=subjects, experts=experts, need=need, max_load=max_load)


def test_the_best_matching_experts_in_conflict_are_never_proposed_art9():
    """Adversarial: every expert of each entry's field works, or worked two years ago, for its host or a
    consortium member; the naive choice (best match first) would be all conflicts."""
    problem = plain_round(max_load=4)  # the ten experts left can take the 36 places
    for s in problem.subjects:
        s.field = "x"
    for i, e in enumerate(problem.experts[:10]):
        e.fields = frozenset({"x"})
        subject = problem.subjects[i % len(problem.subjects)]
        e.employers = {subject.host_id: None} if i % 2 else {2000 + subject.id: years_ago(2)}
        for other in problem.subjects:  # each conflicted with every entry, by host or consortium
            other.consortium_ids = other.consortium_ids | {next(iter(e.employers))}
    solution = solve(problem)
    experts, subjects = {e.id: e for e in problem.experts}, {s.id: s for s in problem.subjects}
    assert solution.conflicts == 0
    assert not any(is_conflicted(experts[e], subjects[s]) for s, es in solution.cells.items() for e in es)
    assert not {e.id for e in problem.experts[:10]} & {e for es in solution.cells.values() for e in es}
    assert all(len(es) == 3 for es in solution.cells.values())


def test_an_entry_that_cannot_be_filled_is_named_with_the_reason_art9():
    problem = plain_round()
    blocked = problem.subjects[0]
    for e in problem.experts:
        if e.id not in (4, 5, 6):
            e.employers = {**e.employers, blocked.host_id: None}
    problem.need[blocked.id] = 5
    solution = solve(problem)
    assert solution.shortfalls == {blocked.id: {"missing": 2, "free": 3, "reason": autoassign.TOO_FEW_FREE}}
    assert sorted(solution.cells[blocked.id]) == [4, 5, 6]
    assert solution.conflicts == 0


def test_loads_stay_within_one_among_the_members_free_of_conflict_with_some_entry():
    for seed in range(5):
        problem = plain_round(n_subjects=15, n_experts=11, per_subject=3, seed=seed)
        problem.experts.append(ExpertFacts(id=99, name="E99", employers={s.host_id: None for s in problem.subjects}))
        solution = solve(problem)
        assert solution.hard and solution.spread <= 1
        assert 99 not in solution.balanced and solution.loads[99] == 0  # in conflict with every entry: not counted
        used = [solution.loads[e] for e in solution.balanced]
        assert max(used) - min(used) <= 1
        assert max(solution.loads.values()) <= problem.max_load


def test_field_match_is_at_least_the_greedy_baseline():
    for seed in range(5):
        problem = plain_round(n_subjects=20, n_experts=15, per_subject=3, seed=seed)
        solution = solve(problem)
        assert solution.optimal
        assert solution.objective >= greedy(problem).objective


def test_at_most_one_chair_or_vice_chair_per_entry_art9():
    problem = plain_round()
    for e in problem.experts:
        e.fields = frozenset({"a"}) if e.leader else frozenset()
    for s in problem.subjects:
        s.field = "a"
    solution = solve(problem)
    leaders = {e.id for e in problem.experts if e.leader}
    assert all(len(set(es) & leaders) <= 1 for es in solution.cells.values())


# --- the round: propose, change, confirm ----------------------------------------------------------------


@pytest.fixture
def adversarial(journey):
    """Two applications; a committee of 15 outside their field, and six experts in it, each in conflict: at the
    host, at a consortium member two years ago, or named in the dossier."""
    apps = [journey.formal_review_passed() for _ in range(2)]
    partners = [with_consortium_member(app) for app in apps]
    obj = committee(15, fields=["other_field"])
    traps = []
    for app, partner in zip(apps, partners, strict=True):
        traps.append(add_member(obj, expert(organisation=app.host), fields=[app.field]))
        former = add_member(obj, fields=[app.field])
        Employment.objects.create(expert=former, organisation=partner, ended_on=years_ago(2))
        named = add_member(obj, fields=[app.field])
        TeamMember.objects.create(application=app, role=TeamRole.CORE_MEMBER, name=named.full_name, organisation_name="x")
        traps += [former, named]
    journey.committee = activate(obj, journey.staff)
    return apps, traps, journey.open_round(apps)


def test_proposal_holds_no_conflict_though_every_field_match_is_one_art9(journey, adversarial):
    apps, traps, review_round = adversarial
    proposal = autoassign.propose(review_round, journey.staff, per_subject=5, max_load=3)
    proposed = {(int(a), e) for a, es in proposal.cells.items() for e in es}
    assert len(proposed) == 10 and not proposal.report["shortfalls"]
    for app_id, expert_id in proposed:
        app = next(a for a in apps if a.pk == app_id)
        assert conflicts.conflicts_of(review_round, app, journey.committee.members.get(expert_id=expert_id).expert) == []
    assert not {t.pk for t in traps[:3]} & {e for a, e in proposed if a == apps[0].pk}


def test_confirm_makes_every_assignment_in_one_audited_step_and_notifies_art9(
    journey, adversarial, django_capture_on_commit_callbacks,
):
    apps, _traps, review_round = adversarial
    kept = journey.assign(review_round, apps[0], journey.committee.members.filter(position=Position.MEMBER)
                          .exclude(fields__contains=[apps[0].field]).first().expert)
    proposal = autoassign.propose(review_round, journey.staff, per_subject=3, max_load=3)
    assert len(proposal.cells[str(apps[0].pk)]) == 2  # the existing assignment counts toward the three
    with django_capture_on_commit_callbacks(execute=True):
        created = autoassign.confirm(proposal, journey.staff)
    assert len(created) == 5 and review_round.assignments.count() == 6
    assert Assignment.objects.filter(pk=kept.pk).exists()
    batch = AuditEntry.objects.filter(transition="auto_assign")
    assert batch.count() == 1 and batch.get().data["assignments"] == 5 and batch.get().article == "Art. 9"
    for assignment in created:  # notified, and its own history starts with its assignment, as a manual one's does
        assert Notification.objects.filter(recipient=assignment.expert, url=assignment.get_absolute_url()).exists()
        assert AuditEntry.objects.for_object(assignment).filter(transition="assign_expert").count() == 1
    with pytest.raises(RuleViolation, match="confirmed already"):
        autoassign.confirm(AssignmentProposal.objects.get(pk=proposal.pk), journey.staff)


def test_confirm_is_all_or_nothing_when_a_cell_is_in_conflict_art9(journey, adversarial):
    apps, traps, review_round = adversarial
    proposal = autoassign.propose(review_round, journey.staff, per_subject=3, max_load=3)
    proposal.cells[str(apps[0].pk)].append(traps[0].pk)  # the host's expert, slipped in behind the pages
    proposal.save()
    with pytest.raises(RuleViolation) as exc:
        autoassign.confirm(proposal, journey.staff)
    assert exc.value.article == "Art. 9"
    assert not review_round.assignments.exists()
    assert not AuditEntry.objects.filter(transition="auto_assign").exists()


def test_a_stale_proposal_is_refused(journey, adversarial):
    apps, _traps, review_round = adversarial
    proposal = autoassign.propose(review_round, journey.staff, per_subject=3, max_load=3)
    journey.assign(review_round, apps[1], journey.committee.members.get(position=Position.CHAIR).expert)
    with pytest.raises(RuleViolation, match="changed after this proposal"):
        autoassign.confirm(proposal, journey.staff)
    assert review_round.assignments.count() == 1


def test_a_hand_change_refuses_a_conflict_with_its_reason_art9(journey, adversarial):
    apps, traps, review_round = adversarial
    proposal = autoassign.propose(review_round, journey.staff, per_subject=3, max_load=3)
    with pytest.raises(RuleViolation) as exc:
        autoassign.change_cell(proposal, apps[0].pk, journey.staff, add=traps[1])
    assert exc.value.article == "Art. 9" and "within the last 3 years" in exc.value.rule_message
    removed = proposal.cells[str(apps[0].pk)][0]
    autoassign.change_cell(proposal, apps[0].pk, journey.staff, remove=journey.committee.members.get(expert_id=removed).expert)
    assert removed not in AssignmentProposal.objects.get(pk=proposal.pk).cells[str(apps[0].pk)]


def test_switching_on_home_province_avoidance_is_audited_with_the_proposal_made_under_it_art9(journey, adversarial):
    _apps, _traps, review_round = adversarial
    autoassign.propose(review_round, journey.staff, per_subject=3, max_load=3, avoid_home_province=True)
    review_round.refresh_from_db()
    switched = AuditEntry.objects.for_object(review_round).filter(transition="avoid_home_province")
    assert review_round.avoid_home_province and switched.get().data == {"avoid_home_province": True}
    with pytest.raises(RuleViolation):  # a proposal refused keeps the round's rule as it was
        autoassign.propose(review_round, journey.staff, per_subject=4, max_load=3, avoid_home_province=False)
    review_round.refresh_from_db()
    assert review_round.avoid_home_province and switched.count() == 1


def test_per_entry_must_be_odd(journey, adversarial):
    _apps, _traps, review_round = adversarial
    with pytest.raises(RuleViolation) as exc:
        autoassign.propose(review_round, journey.staff, per_subject=4, max_load=3)
    assert exc.value.field == "per_subject"


# --- the pages ------------------------------------------------------------------------------------------


def test_staff_propose_review_and_confirm_on_the_pages(journey, adversarial, client_en, django_assert_max_num_queries):
    apps, traps, review_round = adversarial
    client_en.force_login(journey.staff)
    assert "Assign automatically" in client_en.get(review_round.get_absolute_url()).content.decode()
    url = reverse("reviews:round_autoassign", args=[review_round.pk])
    response = client_en.post(url, {"per_subject": 3, "max_load": 3, "spread_leaders": "on"})
    proposal = AssignmentProposal.objects.get()
    assert response.url == reverse("reviews:round_proposal", args=[review_round.pk, proposal.pk])
    with django_assert_max_num_queries(20):
        page = client_en.get(response.url)
    body = page.content.decode()
    assert "No proposed expert is in conflict of interest" in body and "Proven optimal" in body
    refused = client_en.post(response.url, {"application": apps[0].pk, "add": traps[0].pk})
    texts = [str(m) for m in get_messages(refused.wsgi_request)]
    assert any("Conflict of interest" in t and apps[0].host.name in t for t in texts), texts
    client_en.post(response.url, {"confirm": "1"})
    assert review_round.assignments.count() == 6


def test_the_proposal_pages_are_for_staff_only(journey, adversarial, client_en):
    apps, _traps, review_round = adversarial
    proposal = autoassign.propose(review_round, journey.staff, per_subject=3, max_load=3)
    for user in (journey.committee.members.first().expert, applicant_of(apps[0].host)):
        client_en.force_login(user)
        for url in (reverse("reviews:round_autoassign", args=[review_round.pk]),
                    reverse("reviews:round_proposal", args=[review_round.pk, proposal.pk])):
            assert client_en.get(url).status_code == 403
            assert client_en.post(url, {"confirm": "1"}).status_code == 403
    assert not review_round.assignments.exists()


def test_an_expert_outside_the_proposal_round_is_not_found(journey, adversarial, client_en):
    _apps, _traps, review_round = adversarial
    proposal = autoassign.propose(review_round, journey.staff, per_subject=3, max_load=3)
    other = journey.open_round([journey.formal_review_passed()], title="另一轮")
    client_en.force_login(journey.staff)
    assert client_en.get(reverse("reviews:round_proposal", args=[other.pk, proposal.pk])).status_code == 404



def test_the_api_proposes_and_confirms_for_staff_only_art9(journey, adversarial, django_capture_on_commit_callbacks):
    apps, _traps, review_round = adversarial
    url = f"/api/rounds/{review_round.pk}/auto-assign/"
    assert client_for(applicant_of(apps[0].host)).post(url, {"per_subject": 3}, format="json").status_code in (403, 404)
    refused = client_for(journey.staff).post(url, {"per_subject": 4, "max_load": 3}, format="json")
    assert refused.status_code == 400 and "per_subject" in refused.content.decode()
    response = client_for(journey.staff).post(url, {"per_subject": 3, "max_load": 3}, format="json")
    assert response.status_code == 201 and sum(len(v) for v in response.json()["cells"].values()) == 6
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client_for(journey.staff).post(f"{url}{response.json()['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_at"]
    assert review_round.assignments.count() == 6
    again = client_for(journey.staff).post(f"{url}{response.json()['id']}/confirm/")
    assert again.status_code == 400


def test_staff_keep_an_experts_employers_and_the_conflict_follows_art9(journey, round_with_partner, client_en):
    app, partner, review_round = round_with_partner
    member = journey.experts[4]
    url = reverse("reviews:expert_expertise", args=[member.pk])
    client_en.force_login(applicant_of(app.host))
    assert client_en.get(url).status_code == 403
    client_en.force_login(journey.staff)
    data = {"fields": [app.field], "directions": [], "employments-TOTAL_FORMS": "1", "employments-INITIAL_FORMS": "0",
            "employments-0-organisation": partner.pk, "employments-0-started_on": "2015-01-01",
            "employments-0-ended_on": years_ago(1).isoformat()}
    assert client_en.post(url, data).status_code == 302
    assert member.expertise.fields == [app.field]
    assert [c.rule for c in conflicts.conflicts_of(review_round, app, member)] == [conflicts.CONSORTIUM]
    assert AuditEntry.objects.filter(transition="change_expertise", article="Art. 9").count() == 1
    wrong = {**data, "employments-0-started_on": "2026-01-01", "employments-0-ended_on": "2020-01-01"}
    assert "The end of an employment comes after its start." in client_en.post(url, wrong).content.decode()


def test_the_assign_page_says_why_each_member_in_conflict_is_left_out_art9(journey, round_with_partner, client_en):
    app, partner, review_round = round_with_partner
    Employment.objects.create(expert=journey.experts[0], organisation=partner, ended_on=years_ago(1))
    client_en.force_login(journey.staff)
    body = client_en.get(reverse("reviews:round_assign", args=[review_round.pk, app.pk])).content.decode()
    assert "1 member in conflict of interest (Art. 9)" in body
    assert f"worked for {partner.name}, a consortium member of" in body
