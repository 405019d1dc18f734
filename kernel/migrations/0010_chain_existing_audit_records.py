"""Chain the audit records written before the chain existed, in the order of their ids, so that `verify_audit`
reports the trail intact right after migrating; create the chain's head; schedule the daily retention purge."""

from django.db import migrations

CHUNK = 1000


def chain(apps, schema_editor):
    from kernel.audit import algorithm, digest_of, seal

    AuditEntry = apps.get_model("labportal", "AuditEntry")
    AuditCheckpoint = apps.get_model("labportal", "AuditCheckpoint")
    name = algorithm()
    sequence, previous = 0, ""
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(pk__gt=last_id).select_related("content_type").order_by("pk")[:CHUNK])
        if not rows:
            break
        for row in rows:
            sequence += 1
            row.sequence, row.previous_digest, row.algorithm = sequence, previous, name
            row.digest = digest_of({
                "sequence": sequence, "previous_digest": previous, "at": row.at, "actor_id": row.actor_id,
                "subject_type": f"{row.content_type.app_label}.{row.content_type.model}" if row.content_type_id else "",
                "object_id": row.object_id, "action": row.transition, "source": row.source_state,
                "target": row.target_state, "comment": row.comment, "article": row.article, "data": row.data,
                "client_ip": row.client_ip, "algorithm": name,
            })
            previous = row.digest
        AuditEntry.objects.bulk_update(rows, ["sequence", "previous_digest", "digest", "algorithm"])
        last_id = rows[-1].pk
    head = AuditCheckpoint(kind="head", sequence=sequence, digest=previous, purged=0)
    head.mac = seal(head)
    head.save()


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="Purge audit records past their retention period",
        defaults={"task": "labportal.tasks.purge_audit", "crontab": nightly},
    )


def unchain(apps, schema_editor):
    apps.get_model("labportal", "AuditCheckpoint").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("labportal", "0009_audit_chain"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        # the one earlier migration that writes audit records: its rows are chained with the others
        ("evaluations", "0005_half_signed_removals_become_proposals"),
    ]
    operations = [
        migrations.RunPython(chain, unchain),
        migrations.RunPython(schedule, migrations.RunPython.noop),
    ]
