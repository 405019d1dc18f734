"""Audit records of the files a host gives with its written statement (`kernel.audit`); their downloads are
recorded by the download view."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from kernel.audit import record

from .models import AdverseProposal, StatementAttachment


@receiver(post_save, sender=StatementAttachment, dispatch_uid="audit_statement_file_uploaded")
def statement_file_uploaded(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record("upload", AdverseProposal(pk=instance.proposal_id), actor=instance.uploaded_by,
               data={"statement_attachment": instance.pk, "name": instance.original_name, "size": instance.size,
                     "sha256": instance.sha256})
