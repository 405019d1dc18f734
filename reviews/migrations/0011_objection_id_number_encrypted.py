"""Objectors' ID card numbers encrypted in their column, with a blind index to find them (PIPL; `kernel.crypto`).

The data step reads and writes the column with SQL (the field of the models decrypts what it reads, and the rows
still hold plain numbers): each plain number is encrypted with the current key and cipher and its blind index
filled in; going back decrypts them."""

from django.db import migrations

import kernel.crypto
from kernel import crypto


def _rows(model, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    column = quote(model._meta.get_field("id_number").column)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608 (names quoted)
        rows = cursor.fetchall()
    return table, pk, column, rows


def encrypt_id_numbers(apps, schema_editor):
    Objection = apps.get_model("reviews", "Objection")
    field, index = Objection._meta.get_field("id_number"), Objection._meta.get_field("id_number_index")
    table, pk, column, rows = _rows(Objection, schema_editor)
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        for row_id, value in rows:
            if crypto.is_encrypted(value):
                continue
            number = crypto.normalise(value)
            cursor.execute(
                f"UPDATE {table} SET {column} = %s, {quote(index.column)} = %s WHERE {pk} = %s",  # noqa: S608
                [crypto.encrypt(number, field.associated_data()), crypto.blind_index(number, index.domain()), row_id],
            )


def decrypt_id_numbers(apps, schema_editor):
    Objection = apps.get_model("reviews", "Objection")
    field = Objection._meta.get_field("id_number")
    table, pk, column, rows = _rows(Objection, schema_editor)
    with schema_editor.connection.cursor() as cursor:
        for row_id, value in rows:
            if crypto.is_encrypted(value):
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                               [crypto.decrypt(value, field.associated_data()), row_id])


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0010_no_control_characters'),
    ]

    operations = [
        migrations.AddField(
            model_name='objection',
            name='id_number_index',
            field=kernel.crypto.BlindIndexField(blank=True, db_index=True, default='', editable=False, max_length=64, source='id_number', verbose_name='ID card number (blind index)'),
        ),
        migrations.AlterField(
            model_name='objection',
            name='id_number',
            field=kernel.crypto.EncryptedTextField(blank=True, max_length=18, verbose_name='ID card number'),
        ),
        migrations.RunPython(encrypt_id_numbers, decrypt_id_numbers),
    ]
