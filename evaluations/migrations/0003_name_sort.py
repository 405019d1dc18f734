"""A stored pinyin sort key for laboratory names (`kernel.sorting`), filled for the existing rows."""

from django.db import migrations, models

from kernel.sorting import pinyin_key


def fill_sort_keys(apps, schema_editor):
    Laboratory = apps.get_model("evaluations", "Laboratory")
    rows = list(Laboratory.objects.only("pk", "name_zh"))
    for row in rows:
        row.name_sort = pinyin_key(row.name_zh)
    Laboratory.objects.bulk_update(rows, ["name_sort"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('evaluations', '0002_verbose_names'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='laboratory',
            options={'ordering': ['-approved_on', 'name_sort', 'name_zh'], 'verbose_name': 'laboratory', 'verbose_name_plural': 'laboratories'},
        ),
        migrations.AddField(
            model_name='laboratory',
            name='name_sort',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=255, verbose_name='sort key (pinyin)'),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
    ]
