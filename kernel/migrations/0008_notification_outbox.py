"""The mail outbox: a notification's e-mail claim and give-up, and the outbox task every five minutes."""

from django.db import migrations, models


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = CrontabSchedule.objects.get_or_create(
        minute="*/5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="Mail outbox (e-mail what a stopped worker left unsent)",
        defaults={"task": "labportal.tasks.email_outbox", "crontab": every_five_minutes},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="labportal.tasks.email_outbox").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('labportal', '0007_calendar_year_loaded_by'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='email_claim',
            field=models.CharField(blank=True, max_length=32, verbose_name='e-mail claimed by'),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_claimed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='e-mail claimed at'),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_failed_at',
            field=models.DateTimeField(blank=True, help_text='The mail server refused the address or the message: it is not sent again.', null=True, verbose_name='e-mail given up at'),
        ),
        migrations.RunPython(schedule, unschedule),
    ]
