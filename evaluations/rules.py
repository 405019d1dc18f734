"""Who may act on a laboratory, as `rules` predicates over (user, laboratory), composed from who the user is
(`accounts.rules`); the @transition declarations take them through `fsm_permission`."""

import rules
from django.db.models import Exists

from accounts.rules import is_administrator, is_applicant, is_ministry_staff, is_recommender
from applications.models import PreliminaryReview
from kernel.signoffs import has_signed

# The joint decisions both ministries sign on a laboratory (Art. 19; Art. 18-19 and 25-27 after a proposal).
CONFIRM_ACCEPTANCE = "confirm_acceptance"
TERMINATE = "terminate"
DELIST = "delist"


@rules.predicate
def is_lab_host(user, laboratory):
    """An active applicant user of the lab's host institution (who builds and runs it, Art. 11)."""
    return is_applicant(user) and user.organisation_id == laboratory.host_id


def recommendations_by(organisation_id):
    """The preliminary reviews in which `organisation_id` recommended a dossier (Art. 10): the one definition of
    "the laboratories it recommended", for `LaboratoryQuerySet.visible_to` (with an OuterRef) and the predicate
    below. Routed reviews that declined or returned the dossier do not count."""
    return PreliminaryReview.objects.filter(recommender_id=organisation_id, decision=PreliminaryReview.Decision.RECOMMENDED)


@rules.predicate
def is_lab_recommender(user, laboratory):
    """An active user of a recommending organisation that recommended the lab's application (Art. 10): it assists
    the ministries with the lab's acceptance and evaluation (Art. 10(3))."""
    return (is_recommender(user) and laboratory.application_id is not None
            and recommendations_by(user.organisation_id).filter(application_id=laboratory.application_id).exists())


def recommended_lab_condition(organisation_id, application_ref):
    """`Exists(...)` for a queryset: the application at `application_ref` was recommended by the organisation."""
    return Exists(recommendations_by(organisation_id).filter(application_id=application_ref))


@rules.predicate
def has_confirmed_acceptance(user, laboratory):
    return has_signed(laboratory, CONFIRM_ACCEPTANCE, user)


@rules.predicate
def has_signed_delisting(user, laboratory):
    return has_signed(laboratory, DELIST, user)


@rules.predicate
def has_signed_termination(user, laboratory):
    return has_signed(laboratory, TERMINATE, user)


# Ministry staff whose ministry has not yet confirmed the acceptance (Art. 19), signed the removal (Art. 25, 27)
# or signed the termination (Art. 18, 19).
may_confirm_acceptance = is_ministry_staff & ~has_confirmed_acceptance
may_sign_delisting = is_ministry_staff & ~has_signed_delisting
may_sign_termination = is_ministry_staff & ~has_signed_termination

# Who reads a proposed termination or removal with the host's statement and its files: the parties to it.
reads_proposals = is_lab_host | is_ministry_staff | is_administrator

# Who reads the decisions sent to the host (the acceptance opinion, the evaluation result notice, Art. 19, 27): the
# host's users, the ministries, administrators. The decisions the Measures make public anyone reads.
reads_decision_documents = is_lab_host | is_ministry_staff | is_administrator

# Who downloads a laboratory's archive (档案, `evaluations.archive`): the ministries, who keep the record, and the
# host's users for their own laboratory, whose record it is. Not recommenders: the archive holds the host's written
# statements and the whole audit trail, beyond what Art. 10 (3) asks of them (assisting with acceptance and
# evaluation, for which they read the lab's page); not experts, who read only the material of their round; not
# administrators, who run the portal and do not keep the programme's records.
reads_archive = is_lab_host | is_ministry_staff

# Who reads the recommenders' opinions on the lab's acceptance and evaluation rounds (Art. 10(3)): the ministries
# they assist, and administrators; a recommender reads its own (`RecommenderOpinion.objects.visible_to`).
reads_recommender_opinions = is_ministry_staff | is_administrator

rules.add_rule("labs.act_as_host", is_lab_host)
rules.add_rule("labs.act_as_recommender", is_lab_recommender)
rules.add_rule("labs.read_proposals", reads_proposals)
