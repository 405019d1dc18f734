"""Load the holiday calendar from chinesecalendar and schedule the deadline sweep and the daily digest."""

from django.db import migrations


def load(apps, schema_editor):
    from kernel.workdays import load_chinese_calendar

    load_chinese_calendar(apps.get_model("labportal", "CalendarDay"), apps.get_model("labportal", "CalendarYear"))


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    morning, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="Sweep deadlines (reminders and consequences)",
        defaults={"task": "labportal.tasks.sweep_deadlines", "crontab": hourly},
    )
    PeriodicTask.objects.get_or_create(
        name="Daily notification digest",
        defaults={"task": "labportal.tasks.send_daily_digests", "crontab": morning},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("labportal", "0002_deadlines_calendar"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(schedule, migrations.RunPython.noop),
    ]
