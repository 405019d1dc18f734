"""The audit chain is verified every night (`labportal.tasks.verify_audit`), after the purge; the staff page shows
the last outcome."""

from django.db import migrations


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="Verify the audit chain", defaults={"task": "labportal.tasks.verify_audit", "crontab": nightly}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="labportal.tasks.verify_audit").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("labportal", "0011_audit_sequence_required"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
