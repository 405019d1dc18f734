"""The public pages of this app that visitors read from the cache (`kernel.shared_pages`), and the rows they show."""

from accounts.models import Organisation
from applications.models import Application, Call
from kernel.shared_pages import invalidate_on_change

from .models import PublicityNotice

NOTICES = "public-notices"  # the open notices and each notice's page
APPROVED = "approved-list"  # the approved construction list


def register():
    invalidate_on_change(NOTICES, PublicityNotice, Application, Organisation)
    invalidate_on_change(APPROVED, Application, Call, Organisation)
