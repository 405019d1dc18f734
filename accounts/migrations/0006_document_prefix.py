"""The 机关代字 of an organisation's letters (the recommendation letter, Art. 10), derived for the recommenders there
are: the provincial bodies from their province (京市监质函, 京工信函), competent departments from their name."""

from django.db import migrations, models

import kernel.validators
from accounts.provinces import default_document_prefix

RECOMMENDER_KINDS = ("competent_department", "provincial_samr", "provincial_miit")


def derive(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    for organisation in Organisation.objects.filter(kind__in=RECOMMENDER_KINDS, document_prefix=""):
        organisation.document_prefix = default_document_prefix(organisation.kind, organisation.province, organisation.name)
        organisation.save(update_fields=["document_prefix"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_api_tokens'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='document_prefix',
            field=models.CharField(blank=True, help_text='The start of the numbers of the letters this organisation issues through the portal, such as 京市监质函 in 京市监质函〔2026〕3号. A recommender gets one from its province or name when left empty.', max_length=32, validators=[kernel.validators.NoControlCharacters()], verbose_name='document number prefix (机关代字)'),
        ),
        migrations.RunPython(derive, migrations.RunPython.noop),
    ]
