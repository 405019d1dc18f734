"""Audit records of an expert committee's composition (`kernel.audit`): each member added, changed or removed,
in the admin, a page or a transition (a replacement), by whoever is signed in. Assignments and scores saved are
recorded by `services`, and so is a full ID card number shown (its label is registered here)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from kernel.audit import current_user, record
from kernel.audit_labels import register_action

from .models import CommitteeMember, ExpertCommittee

register_action("reveal_id_number", _("Showed the full ID card number"))
register_action("change_expertise", _("Expertise and employers changed"))
register_action("auto_assign", _("Experts assigned automatically"))
register_action("change_proposal", _("Proposed assignment changed by hand"))
register_action("avoid_home_province", _("Avoidance of the home province (回避本省) changed"))


def _member(member, change):
    return {"change": change, "member": member.pk, "expert": member.expert_id, "position": member.position}


@receiver(post_save, sender=CommitteeMember, dispatch_uid="audit_committee_member_saved")
def member_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        record("change_committee", ExpertCommittee(pk=instance.committee_id), actor=current_user(), article="Art. 9",
               data=_member(instance, "added" if created else "changed"))


@receiver(post_delete, sender=CommitteeMember, dispatch_uid="audit_committee_member_deleted")
def member_deleted(sender, instance, **kwargs):
    record("change_committee", ExpertCommittee(pk=instance.committee_id), actor=current_user(), article="Art. 9",
           data=_member(instance, "removed"))
