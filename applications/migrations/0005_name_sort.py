"""A stored pinyin sort key for application names (`kernel.sorting`), filled for the existing rows."""

from django.db import migrations, models

from kernel.sorting import pinyin_key


def fill_sort_keys(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    rows = list(Application.objects.only("pk", "name_zh"))
    for row in rows:
        row.name_sort = pinyin_key(row.name_zh)
    Application.objects.bulk_update(rows, ["name_sort"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0004_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='name_sort',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=255, verbose_name='sort key (pinyin)'),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
    ]
