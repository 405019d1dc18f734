"""Who may act in the ministry stage, as `rules` predicates, composed from who the user is
(`accounts.rules`: `is_ministry_staff`, `is_staff_reader`)."""

import rules

from accounts.rules import is_active_user, is_ministry_staff


@rules.predicate
def is_the_expert(user, assignment):
    """The expert an assignment is addressed to (Art. 9): only they declare conflicts and score."""
    return is_active_user(user) and assignment.expert_id == user.pk


@rules.predicate
def has_id_number(user, objection):
    """A person's objection that carries an ID card number (an organisation gives a credit code instead)."""
    return objection.objector_kind == "person" and bool(objection.id_number_index)


# PIPL: the one action that shows an objector's full ID card number is for the ministries' staff handling
# objections; administrators, who may look at everything else, see it masked like everyone.
may_reveal_id_number = is_ministry_staff & has_id_number
rules.add_rule("reviews.may_reveal_id_number", may_reveal_id_number)
