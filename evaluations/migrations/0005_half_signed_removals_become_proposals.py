"""A removal from the list that one ministry had signed under the old rule (both sign at once, Art. 25) becomes a
proposed removal: the signature is the proposal, the host gets 14 days to answer in writing, and both ministries
sign afresh once it has (or its time has passed). Labs fully removed before stay removed."""

import datetime

from django.db import migrations
from django.utils import timezone

ACTIVE = ["construction", "acceptance_review", "rectifying", "acceptance_confirmation", "acceptance_publicity",
          "operating", "evaluating", "evaluation_rectifying"]


def forwards(apps, schema_editor):
    Laboratory = apps.get_model("evaluations", "Laboratory")
    AdverseProposal = apps.get_model("evaluations", "AdverseProposal")
    SignOff = apps.get_model("labportal", "SignOff")
    AuditEntry = apps.get_model("labportal", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="evaluations", model="laboratory").first()
    if content_type is None:
        return
    half_signed = SignOff.objects.filter(content_type=content_type, decision="delist").order_by("signed_at")
    for signoff in half_signed:
        lab = Laboratory.objects.filter(pk=signoff.object_id, status__in=ACTIVE).first()
        if lab is None:
            continue
        proposal = AdverseProposal.objects.create(
            laboratory=lab, grounds="misconduct", reason=signoff.comment or "-", proposed_by_id=signoff.signed_by_id,
            resume_status=lab.status, statement_due=timezone.localdate() + datetime.timedelta(days=14),
        )
        AdverseProposal.objects.filter(pk=proposal.pk).update(proposed_at=signoff.signed_at)
        Laboratory.objects.filter(pk=lab.pk).update(status="delisting_proposed")
        if any(f.name == "sequence" for f in AuditEntry._meta.get_fields()):
            # Run after the audit chain exists (with today's models): the record is chained like any other.
            from django.contrib.auth import get_user_model

            from kernel.audit import record

            record("propose_delisting", lab, actor=get_user_model().objects.filter(pk=signoff.signed_by_id).first(),
                   source=lab.status, target="delisting_proposed", comment=signoff.comment, article="Art. 25",
                   data={"migrated_from_signoff": signoff.pk})
        else:  # before it (labportal 0009 chains this row with the others)
            AuditEntry.objects.create(  # the change of state is recorded like any transition's
                content_type=content_type, object_id=lab.pk, transition="propose_delisting", source_state=lab.status,
                target_state="delisting_proposed", actor_id=signoff.signed_by_id, comment=signoff.comment,
                article="Art. 25", data={"migrated_from_signoff": signoff.pk},
            )
        signoff.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0004_adverse_proposals"),
        ("labportal", "0004_signoff"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
