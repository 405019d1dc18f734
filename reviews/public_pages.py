"""The public pages of this app that visitors read from the cache (`kernel.shared_pages`), and the rows they show."""

from accounts.models import Organisation
from applications.models import Application, Call
from applications.states import PUBLIC_STATES
from kernel.shared_pages import invalidate_on_change

from .models import PublicityNotice

NOTICES = "public-notices"  # the open notices and each notice's page
APPROVED = "approved-list"  # the approved construction list


def register():
    """Only applications under publicity or approved are on these pages: a dossier being written changes none."""
    invalidate_on_change(NOTICES, PublicityNotice, Organisation)
    invalidate_on_change(APPROVED, Call, Organisation)
    for family in (NOTICES, APPROVED):
        invalidate_on_change(family, Application, states=PUBLIC_STATES)
