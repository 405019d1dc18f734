"""A stored pinyin sort key for organisation names (`kernel.sorting`), filled for the existing rows."""

from django.db import migrations, models

from kernel.sorting import pinyin_key


def fill_sort_keys(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    rows = list(Organisation.objects.only("pk", "name"))
    for row in rows:
        row.name_sort = pinyin_key(row.name)
    Organisation.objects.bulk_update(rows, ["name_sort"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_reference_organisations'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='organisation',
            options={'ordering': ['kind', 'province', 'name_sort', 'name'], 'verbose_name': 'organisation', 'verbose_name_plural': 'organisations'},
        ),
        migrations.AddField(
            model_name='organisation',
            name='name_sort',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=255, verbose_name='sort key (pinyin)'),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
    ]
