"""The demo as `manage.py seed_demo` leaves it, for the tests that read the whole demo (the layout walks, the Chinese
pages, the admin, the seeded states): seeded once and copied, where it can be."""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TestCase, override_settings

from kernel import documents
from tests.database import made_from_template, seeded_copy


@contextmanager
def the_demo(media_root):
    """The database as `manage.py seed_demo` leaves it (committed, the issued documents still to be rendered: seventy
    PDFs would take a minute), with its uploads in `media_root`; rolled back or dropped afterwards. Where the test
    database is a copy of the migrated template (PostgreSQL), a copy of the demo seeded once (tests/database.py);
    elsewhere seeded here inside a transaction, rolled back. Yields what the seeding
    printed and the documents it queued for rendering (`Seeding`). Outside any transaction: in a fixture of class or
    wider scope, inside `django_db_blocker.unblock()`, or in a transactional test."""
    if not made_from_template(connection):
        with override_settings(MEDIA_ROOT=str(media_root)), transaction.atomic():
            yield Seeding(**_seed(media_root))
            transaction.set_rollback(True)
        return
    with seeded_copy(connection, _seed, media_root) as seeding, \
            override_settings(MEDIA_ROOT=str(media_root)):
        yield Seeding(**seeding)


@dataclass(frozen=True)
class Seeding:
    output: str  # what `seed_demo` printed
    queued: list  # the issued documents whose rendering it queued, at commit


def _seed(media_root):
    """Seed in one transaction, with the uploads in `media_root` and the cache under keys of its own; the issued
    documents are queued (noted) at its commit, not rendered."""
    queued, out = [], StringIO()
    key_prefix = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"demo-{uuid.uuid4().hex}"}}
    with override_settings(MEDIA_ROOT=str(media_root), CACHES=key_prefix), \
            mock.patch.object(documents, "_enqueue", queued.append), \
            TestCase.captureOnCommitCallbacks(execute=True):  # run at its end if an outer transaction holds them
        with transaction.atomic():
            call_command("seed_demo", stdout=out)
    return {"output": out.getvalue(), "queued": queued}
