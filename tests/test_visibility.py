"""`Application.objects.visible_to(user)`: the one rule deciding who sees which application (Art. 10)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import OrganisationKind, Role
from accounts.provinces import Province
from applications.models import Application, Status
from kernel.transitions import run_transition
from tests.factories import (
    ApplicationFactory,
    CentralHostFactory,
    LocalHostFactory,
    UserFactory,
    all_meet_dimensions,
    applicant_of,
    complete_dossier,
    expert_user,
    ministry_staff,
    provincial_body,
    provincial_recommenders,
    recommender_of,
)

pytestmark = pytest.mark.django_db


def visible(user):
    return set(Application.objects.visible_to(user).values_list("pk", flat=True))


def submit(app):
    return run_transition(app, "submit", applicant_of(app.host))


@pytest.fixture
def world():
    """A Jiangsu draft and a submitted Jiangsu application, a submitted Zhejiang one, a central one."""
    js_host = LocalHostFactory(province="32")
    js_draft = ApplicationFactory(host=js_host)
    js_submitted = submit(complete_dossier(host=js_host))
    zj_submitted = submit(complete_dossier(host=LocalHostFactory(province="33")))
    central = submit(complete_dossier(host=CentralHostFactory()))
    return {"js_host": js_host, "js_draft": js_draft, "js_submitted": js_submitted,
            "zj_submitted": zj_submitted, "central": central}


def test_applicant_sees_only_their_own_hosts_applications_art10(world):
    assert visible(applicant_of(world["js_host"])) == {world["js_draft"].pk, world["js_submitted"].pk}
    assert visible(applicant_of(world["zj_submitted"].host)) == {world["zj_submitted"].pk}
    # Another host in the same province sees nothing of Jiangsu's first host.
    assert visible(applicant_of(LocalHostFactory(province="32"))) == set()


def test_recommender_sees_only_applications_routed_to_it_art10(world):
    js_samr, js_miit = provincial_recommenders("32")
    for user in (js_samr, js_miit):
        assert visible(user) == {world["js_submitted"].pk}  # never the draft, never Zhejiang's
    zj_samr, _ = provincial_recommenders("33")
    assert visible(zj_samr) == {world["zj_submitted"].pk}
    assert visible(recommender_of(world["central"].host.competent_department)) == {world["central"].pk}
    assert visible(recommender_of(CentralHostFactory().competent_department)) == set()


def test_recommender_never_sees_a_draft_even_of_a_host_in_its_province_art10():
    host = LocalHostFactory(province="32")
    ApplicationFactory(host=host)
    samr, miit = provincial_recommenders("32")
    assert visible(samr) == visible(miit) == set()


def test_recommender_keeps_seeing_what_it_returned_art10(world):
    js_samr, _ = provincial_recommenders("32")
    run_transition(world["js_submitted"], "return_for_revision", js_samr, comment="请补充")
    assert visible(js_samr) == {world["js_submitted"].pk}


def test_no_other_provincial_body_sees_a_jiangsu_application_art10(world):
    assert len(Province.values) == 32
    for province in Province.values:
        for kind in (OrganisationKind.PROVINCIAL_SAMR, OrganisationKind.PROVINCIAL_MIIT):
            user = recommender_of(provincial_body(kind, province))
            seen = visible(user)
            if province == "32":
                assert world["js_submitted"].pk in seen
            else:
                assert world["js_submitted"].pk not in seen, (kind, province)
                assert world["js_draft"].pk not in seen


def test_ministry_staff_see_submitted_applications_but_not_drafts(world):
    for kind in (OrganisationKind.SAMR, OrganisationKind.MIIT):
        assert visible(ministry_staff(kind)) == {
            world["js_submitted"].pk, world["zj_submitted"].pk, world["central"].pk}


def test_ministry_staff_do_not_see_drafts_nor_applications_withdrawn_after_submission(world):
    run_transition(world["zj_submitted"], "withdraw", applicant_of(world["zj_submitted"].host))
    seen = visible(ministry_staff())
    assert world["js_draft"].pk not in seen
    assert world["zj_submitted"].pk not in seen


def test_ministry_staff_see_recommended_and_not_recommended(world):
    samr, miit = provincial_recommenders("32")
    app = run_transition(world["js_submitted"], "recommend", samr, dimensions=all_meet_dimensions())
    app = run_transition(app, "recommend", miit, dimensions=all_meet_dimensions())
    assert app.status == Status.RECOMMENDED
    zj_samr, _ = provincial_recommenders("33")
    run_transition(world["zj_submitted"], "decline", zj_samr, comment="不推荐")
    assert {world["js_submitted"].pk, world["zj_submitted"].pk} <= visible(ministry_staff())


def test_expert_sees_no_application(world):
    assert visible(expert_user()) == set()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.RECOMMENDER, Role.MINISTRY_STAFF, Role.ADMINISTRATOR])
def test_inactive_users_see_nothing(world, role):
    organisation = {
        Role.APPLICANT: world["js_host"],
        Role.RECOMMENDER: provincial_body(OrganisationKind.PROVINCIAL_SAMR, "32"),
        Role.MINISTRY_STAFF: provincial_body(OrganisationKind.SAMR, ""),
        Role.ADMINISTRATOR: None,
    }[role]
    active = UserFactory(organisation=organisation, role=role)
    assert visible(active)  # the same user, active, sees something
    inactive = UserFactory(organisation=organisation, role=role, is_active=False)
    assert visible(inactive) == set()


def test_anonymous_sees_nothing(world):
    assert visible(AnonymousUser()) == set()


def test_users_without_an_organisation_see_nothing(world):
    for role in (Role.APPLICANT, Role.RECOMMENDER, Role.MINISTRY_STAFF):
        assert visible(UserFactory(organisation=None, role=role)) == set()


def test_administrator_sees_everything(world):
    everything = set(Application.objects.values_list("pk", flat=True))
    assert visible(UserFactory(organisation=None, role=Role.ADMINISTRATOR)) == everything
    assert visible(UserFactory(organisation=None, role=Role.EXPERT, is_superuser=True)) == everything


def test_awaiting_lists_what_waits_for_each_user_art10(world):
    samr, miit = provincial_recommenders("32")
    assert set(Application.objects.awaiting(samr).values_list("pk", flat=True)) == {world["js_submitted"].pk}
    run_transition(world["js_submitted"], "recommend", samr, dimensions=all_meet_dimensions())
    assert not Application.objects.awaiting(samr).exists()  # its part is done
    assert set(Application.objects.awaiting(miit).values_list("pk", flat=True)) == {world["js_submitted"].pk}
    assert set(Application.objects.awaiting(applicant_of(world["js_host"])).values_list("pk", flat=True)) == {
        world["js_draft"].pk}


def test_visible_to_is_chainable_and_counts_in_one_query(world, django_assert_num_queries):
    samr, _ = provincial_recommenders("32")
    with django_assert_num_queries(1):
        rows = list(Application.objects.visible_to(samr).for_table())
    with django_assert_num_queries(0):
        assert [(r.host.name, r.status) for r in rows] == [(world["js_host"].name, Status.SUBMITTED)]
        assert all(r.status_text for r in rows)
