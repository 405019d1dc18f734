"""Every application belongs to a call (申报批次): the applications made before calls existed are given one call per
year, the year of their submission (a dossier never submitted: this year), which was the reference year of their
Art. 12 windows until now, so their eligibility reads as it did. Each such call takes the whole year as its
window and the end of the next year as the recommenders' deadline; it is published as it was (no sign-off is
invented for it)."""

import datetime
import zoneinfo

from django.db import migrations
from django.utils import timezone

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def give_calls(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Call = apps.get_model("applications", "Call")
    this_year = timezone.now().astimezone(BEIJING).year
    calls = {}
    for application in Application.objects.filter(call__isnull=True).order_by("pk").iterator():
        submitted = application.submitted_at and application.status not in ("draft", "returned", "supplement_requested")
        year = application.submitted_at.astimezone(BEIJING).year if submitted else this_year
        if year not in calls:
            calls[year] = Call.objects.filter(number=f"{year}年度").first() or Call.objects.create(
                title=f"{year}年度国家质量标准实验室申报", number=f"{year}年度", status="open",
                opens_on=datetime.date(year, 1, 1), closes_on=datetime.date(year, 12, 31),
                recommenders_due=datetime.date(year + 1, 12, 31), reference_year=year,
                created_by_id=application.created_by_id, opened_at=timezone.now(),
            )
        application.call = calls[year]
        application.save(update_fields=["call"])


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0008_calls"),
    ]

    operations = [
        migrations.RunPython(give_calls, migrations.RunPython.noop),
    ]
