"""Audit records of the dossier's files (`kernel.audit`): each evidence file uploaded or deleted, whichever page,
API or service did it. Their downloads are recorded by the download views."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kernel.audit import current_user, record

from .models import Application, Attachment


def _file(attachment):
    return {"attachment": attachment.pk, "name": attachment.original_name, "size": attachment.size,
            "sha256": attachment.sha256, "section": attachment.section}


@receiver(post_save, sender=Attachment, dispatch_uid="audit_attachment_uploaded")
def attachment_uploaded(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record("upload", Application(pk=instance.application_id), actor=instance.uploaded_by, data=_file(instance))


@receiver(post_delete, sender=Attachment, dispatch_uid="audit_attachment_deleted")
def attachment_deleted(sender, instance, **kwargs):
    record("delete_file", Application(pk=instance.application_id), actor=current_user(), data=_file(instance))
