"""The list exports a worker made are deleted past EXPORT_RETENTION_HOURS: the purge runs every hour
(`labportal.tasks.purge_exports`)."""

from django.db import migrations


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="17", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="Purge expired list exports", defaults={"task": "labportal.tasks.purge_exports", "crontab": hourly}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="labportal.tasks.purge_exports").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("labportal", "0014_open_deadline_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
