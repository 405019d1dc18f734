"""Who may act in the ministry stage, as `rules` predicates, composed from who the user is
(`accounts.rules`: `is_ministry_staff`, `is_staff_reader`)."""

import rules

from accounts.rules import is_active_user


@rules.predicate
def is_the_expert(user, assignment):
    """The expert an assignment is addressed to (Art. 9): only they declare conflicts and score."""
    return is_active_user(user) and assignment.expert_id == user.pk
