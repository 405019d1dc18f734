"""Each xdist worker's test database is a PostgreSQL copy (`CREATE DATABASE ... TEMPLATE`, about a second) of one
database the migrations built, instead of every worker running all the migrations itself (half a minute each: the
migration states render thousands of model classes).

The template is named after a fingerprint of everything the migrations and their post_migrate handlers can depend
on: this module, every file of the portal's packages (the migrations, the code their RunPython steps import, the settings), the
installed distributions and their versions (Django's and the third-party apps' migrations and handlers), the Python
version and the settings the data migrations read (keys that seal the audit chain's head or encrypt). A change to any
of them makes a new template, built once; the older one of the same test database name is dropped. Building,
dropping and copying happen under one PostgreSQL advisory lock per test database name: one worker builds while the
other waits, then both copy.

The demo (`manage.py seed_demo`) is kept the same way, seeded once into a copy of the template (`seeded_copy`), for
the modules that read the whole demo (tests/demo.py)."""

import hashlib
import importlib.metadata
import json
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.apps import apps as global_apps
from django.conf import settings
from django.db.models.signals import class_prepared
from django.utils import timezone
from django_fsm import FSMFieldMixin

PACKAGES = ("kernel", "accounts", "applications", "reviews", "evaluations", "labportal")
READ_BY_MIGRATIONS = (
    "AUDIT_HMAC_KEY", "AUDIT_HMAC_ALGORITHM", "PII_CIPHER", "PII_ENCRYPTION_KEY", "PII_ENCRYPTION_OLD_KEYS",
    "SECRET_KEY", "TIME_ZONE", "USE_TZ", "LANGUAGE_CODE", "AUTH_USER_MODEL", "DEFAULT_AUTO_FIELD", "INSTALLED_APPS",
)


SEEDED = ".seeded.json"  # what the seeding returned; written last, so its presence says the seeded database is whole
_made = {}  # alias -> (lock name, template, worker database), once the worker's database is made


def fingerprint():
    """16 hex digits that change whenever what the migrations would build may change."""
    digest = hashlib.sha256(Path(__file__).read_bytes())  # how the template is built (below) is part of it
    root = Path(settings.BASE_DIR)
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(root)}\0".encode())
                digest.update(path.read_bytes())
    installed = sorted({f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()})
    digest.update("\n".join(installed).encode())
    digest.update(sys.version.encode())
    digest.update(repr([(name, getattr(settings, name, None)) for name in READ_BY_MIGRATIONS]).encode())
    return digest.hexdigest()[:16]


def create_from_template(connection, run, verbosity=0, rebuild=False):
    """Make this worker's test database (the name pytest-django gave it, e.g. test_labportal_gw0) a copy of the
    migrated template, building the template first if no run built it yet (or `rebuild`, pytest's --create-db: once
    for the `run`, whose id the template's comment keeps).
    Points `connection` (and settings.DATABASES) at the copy, as Django's create_test_db does, and returns its name."""
    creation = connection.creation
    quote = connection.ops.quote_name
    worker_db = creation._get_test_db_name()
    prefix = f"test_{connection.settings_dict['NAME']}"[:38] + "_tpl_"
    template = prefix + fingerprint()
    with creation._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [prefix])
        try:
            cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [template])
            built = cursor.fetchone()
            if built is None or (rebuild and built[0] != run):
                _build(connection, cursor, template, verbosity)
                cursor.execute(f"COMMENT ON DATABASE {quote(template)} IS %s", [run])
                for (stale,) in _databases(cursor, prefix):  # older templates, and the demos seeded from them
                    if stale != template:
                        cursor.execute(f"DROP DATABASE IF EXISTS {quote(stale)} WITH (FORCE)")
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(worker_db)}")
            cursor.execute(f"CREATE DATABASE {quote(worker_db)} TEMPLATE {quote(template)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [prefix])
    _point(connection, worker_db)
    _made[connection.alias] = (prefix, template, worker_db)
    return worker_db


def _point(connection, name):
    """`connection`, and every connection opened after it (the live server's threads), on database `name`."""
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def made_from_template(connection):
    """Whether this worker's database is a copy of the migrated template (so a seeded copy can be made beside it)."""
    return connection.alias in _made


@contextmanager
def seeded_copy(connection, seed, media_root):
    """While inside, `connection` (and the live server's) is on a copy of the migrated template seeded by `seed(media)`
    (the demo), and `media_root` holds a copy of the files it uploaded; afterwards the worker's own database again.
    Yields what `seed` returned (JSON), kept beside the seeded database.

    The seeded database is built once a day per template (the demo's dates and names follow today), by whichever
    worker first needs it, under the template's lock, and kept like the template: the five modules that read the
    demo each copy it in about a second instead of seeding for ten. Its uploads are kept beside it in the
    temporary folder; a database whose folder is gone is seeded again."""
    prefix, template, worker_db = _made[connection.alias]
    quote = connection.ops.quote_name
    seeded = f"{template}_demo_{timezone.localdate():%Y%m%d}"  # the portal's day, which the demo's dates follow
    media = Path(tempfile.gettempdir()) / "labportal-tests" / seeded
    copy = f"{worker_db}_demo"
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [prefix])
        try:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [seeded])
            if cursor.fetchone() is None or not (media / SEEDED).exists():
                for (stale,) in _databases(cursor, template + "_demo_"):
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(stale)} WITH (FORCE)")
                for folder in media.parent.glob(f"{prefix}*"):  # this one's, and those of older templates or days
                    shutil.rmtree(folder, ignore_errors=True)
                media.mkdir(parents=True)
                building = seeded + "_build"
                cursor.execute(f"CREATE DATABASE {quote(building)} TEMPLATE {quote(template)}")
                _point(connection, building)
                try:
                    seeding = seed(media)
                finally:
                    _point(connection, worker_db)
                cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(seeded)}")
                (media / SEEDED).write_text(json.dumps(seeding), encoding="utf-8")
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(copy)} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {quote(copy)} TEMPLATE {quote(seeded)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [prefix])
    shutil.copytree(media, media_root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(SEEDED))
    _point(connection, copy)
    try:
        yield json.loads((media / SEEDED).read_text(encoding="utf-8"))
    finally:
        _point(connection, worker_db)
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(copy)} WITH (FORCE)")


def _databases(cursor, prefix):
    cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix.replace("_", r"\_") + "%"])
    return cursor.fetchall()


def _build(connection, cursor, template, verbosity):
    """Run the migrations into a database of their own (Django's create_test_db under a temporary test name), then
    rename it to `template`: a template exists only once the migrations completed."""
    quote = connection.ops.quote_name
    building = template + "_build"
    test_settings = connection.settings_dict["TEST"]
    real_name, worker_test_name = connection.settings_dict["NAME"], test_settings.get("NAME")
    test_settings["NAME"] = building
    try:
        with _historical_models_without_fsm_receivers():
            connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
    finally:
        connection.close()
        test_settings["NAME"] = worker_test_name
        settings.DATABASES[connection.alias]["NAME"] = real_name
        connection.settings_dict["NAME"] = real_name
    cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)}")
    cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")


@contextmanager
def _historical_models_without_fsm_receivers():
    """The migrations in half the time, the same database: django-fsm connects a `class_prepared` receiver for every
    FSM field of every model class made, the thousands of historical models the migration states render included,
    and those states stay alive while migrating, so each new class calls hundreds of receivers (half of migrate's
    CPU). Historical models carry no transition methods (RunPython steps never call one), so theirs is skipped; the
    portal's own models connect as always. A pg_dump of a database so migrated equals one of a plain `migrate`,
    timestamps aside."""
    contribute = FSMFieldMixin.contribute_to_class

    def contribute_to_class(self, cls, name, *args, **kwargs):
        if cls._meta.apps is global_apps:
            return contribute(self, cls, name, *args, **kwargs)
        with mock.patch.object(class_prepared, "connect", lambda *a, **k: None):
            return contribute(self, cls, name, *args, **kwargs)

    with mock.patch.object(FSMFieldMixin, "contribute_to_class", contribute_to_class):
        yield
