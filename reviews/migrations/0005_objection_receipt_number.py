"""Objections get a receipt number (异议受理号) and organisations a unified social credit code; existing
objections are numbered in the order they were lodged within their notice (made unique in 0006)."""

from django.db import migrations, models


def number_existing_objections(apps, schema_editor):
    Objection = apps.get_model("reviews", "Objection")
    seq_by_notice = {}
    for objection in Objection.objects.select_related("notice").order_by("notice_id", "lodged_at", "pk"):
        seq = seq_by_notice[objection.notice_id] = seq_by_notice.get(objection.notice_id, 0) + 1
        objection.receipt_number = f"{objection.notice.starts_on.year}-GS{objection.notice_id:02d}-{seq:04d}"
        objection.save(update_fields=["receipt_number"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_alter_objection_name")]

    operations = [
        migrations.AddField(
            model_name="objection",
            name="credit_code",
            field=models.CharField(blank=True, max_length=18, verbose_name="unified social credit code"),
        ),
        migrations.AddField(
            model_name="objection",
            name="receipt_number",
            field=models.CharField(editable=False, max_length=24, null=True, verbose_name="receipt number"),
        ),
        migrations.RunPython(number_existing_objections, migrations.RunPython.noop),
    ]
