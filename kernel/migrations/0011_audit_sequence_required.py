from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("labportal", "0010_chain_existing_audit_records"),
    ]
    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="sequence number"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="digest",
            field=models.CharField(max_length=64, verbose_name="digest"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="algorithm",
            field=models.CharField(max_length=8, verbose_name="algorithm"),
        ),
    ]
