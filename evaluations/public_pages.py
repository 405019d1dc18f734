"""The directory's pages visitors read from the cache (`kernel.shared_pages`), and the laboratory's place on the
public pages of `reviews` (an acceptance notice names the lab; the approved list shows its dates and drops an ended
one)."""

from accounts.models import Organisation
from applications.models import ConsortiumMember
from kernel.shared_pages import invalidate_on_change
from reviews.public_pages import APPROVED, NOTICES

from .models import AdverseProposal, Evaluation, Laboratory

DIRECTORY = "directory"  # the directory, a lab's public page and the decisions announced


def register():
    invalidate_on_change(DIRECTORY, Laboratory, Organisation, ConsortiumMember, AdverseProposal, Evaluation)
    invalidate_on_change(NOTICES, Laboratory)
    invalidate_on_change(APPROVED, Laboratory)
