import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0009_existing_applications_calls"),
    ]

    operations = [
        migrations.AlterField(
            model_name="application",
            name="call",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="applications",
                                    to="applications.call", verbose_name="call"),
        ),
    ]
