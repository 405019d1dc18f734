"""The fixtures the test modules share, and the order in which `make test` runs the modules. Data is built with
`labportal.journeys` (the one way an application or a laboratory reaches a state) and the rows of
`tests/factories.py`; browser-only fixtures are in tests/browser/conftest.py."""

import gc
import uuid
from contextlib import contextmanager

import pytest
from celery.result import allow_join_result
from django.test import override_settings
from django.test.client import ClientMixin
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from tests.database import create_from_template
from tests.factories import new_journey


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_use_migrations, django_db_keepdb,
                    django_db_createdb, django_db_modify_db_settings):
    """pytest-django's test database, but on PostgreSQL a copy of a template the migrations built once
    (tests/database.py) instead of each worker migrating one of its own. Elsewhere (SQLite), or with --reuse-db or
    --no-migrations, pytest-django's own way. The migrations' reference data is serialized for the transactional
    tests with `serialized_rollback`, as Django does."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    verbosity = request.config.option.verbose
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    keepdb = django_db_keepdb and not django_db_createdb
    if connection.vendor != "postgresql" or aliases != {"default"} or not django_db_use_migrations or keepdb:
        if not django_db_use_migrations:
            _disable_migrations()
        with django_db_blocker.unblock():
            config = setup_databases(verbosity=verbosity, interactive=False, aliases=aliases,
                                     serialized_aliases=serialized_aliases, keepdb=keepdb)
        yield
        if not django_db_keepdb:
            with django_db_blocker.unblock():
                teardown_databases(config, verbosity=verbosity)
        return
    real_name = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        run = getattr(request.config, "workerinput", {}).get("testrunuid") or uuid.uuid4().hex  # xdist: one for all workers
        create_from_template(connection, run, verbosity=verbosity, rebuild=django_db_createdb)
        if "default" in serialized_aliases:
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield
    with django_db_blocker.unblock():
        connection.creation.destroy_test_db(real_name, verbosity=verbosity)


@pytest.fixture(autouse=True, scope="session")
def _force_login_is_a_full_login():
    """`client.force_login(user)` means "fully logged in": for a user whose role needs a second factor the session
    is also verified, with a real confirmed authenticator of theirs (made if they have none), as if they had entered
    its code. Tests of the second factor itself log in through the login form, or drop the verification."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.rules import needs_second_factor
    from accounts.second_factor import DEVICE_NAME, confirmed_device

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if needs_second_factor(user):
            device = confirmed_device(user) or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientMixin, "force_login", force_login)
        yield


@pytest.fixture(autouse=True, scope="session")
def signing_keys(tmp_path_factory):
    """Issued documents are signed with the tests' own keys (a root CA, "labportal test CA", and a certificate per
    issuer, made once per worker in a temporary folder), never the developer's var/signing/. The settings naming them
    are the fixture's value."""
    from kernel.signing_keys import write_demo_keys

    directory = tmp_path_factory.mktemp("signing")
    configured = write_demo_keys(directory, ca_name="labportal test CA")
    with override_settings(DOCUMENT_SIGNING_DIR=str(directory), **configured):
        yield {"DOCUMENT_SIGNING_DIR": str(directory), **configured}


@pytest.fixture(autouse=True)
def _outside_any_task():
    """The test process is no Celery worker. Celery keeps "inside a task" in a process global that each eager task
    sets and restores, so two eager tasks overlapping in a live server's threads can leave it set, and a later
    test's `result.get()` would be refused as if it ran inside a task."""
    with allow_join_result():
        yield


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Each test its own cache keys: a public page kept by an earlier test (`kernel.shared_pages`) is never served to a
    later one, whose rows that test's rollback removed. Never `cache.clear()`: that flushes the Redis database that
    parallel workers share."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a per-test folder, never the developer's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def django_assert_num_queries(django_assert_num_queries):
    """pytest-django's, counting the queries of drawing the page: never those of serving a copy kept by an earlier
    request of the test (`kernel.personal_pages`), which would prove nothing about the page."""
    return _drawn(django_assert_num_queries)


@pytest.fixture
def django_assert_max_num_queries(django_assert_max_num_queries):
    """As `django_assert_num_queries`, for an upper bound."""
    return _drawn(django_assert_max_num_queries)


def _drawn(assert_queries):
    @contextmanager
    def counting(*args, **kwargs):
        with override_settings(PERSONAL_PAGE_SECONDS=0), assert_queries(*args, **kwargs) as queries:
            yield queries
    return counting


@pytest.fixture
def journey(db):
    """A SAMR officer (and, when first needed, a MIIT one, an active committee of 15 and a criteria set) carrying
    applications and laboratories through their lives (`labportal.journeys.Journey`, with the tests' cast)."""
    return new_journey()


@pytest.fixture
def staff(journey):
    """The journey's SAMR officer."""
    return journey.staff


@pytest.fixture
def english():
    """Messages are asserted in English (their msgids), whatever the Chinese catalogue says."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_en(client):
    """A browser client asking for English pages (assertions on messages do not depend on the Chinese catalogue)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# The slowest modules, heaviest first (their time in `make test`, from `--durations=0`): a browser and a whole journey
# or page walk each, then the other browser modules, then the longest of the rest. `make test` runs
# `-n 3 --dist loadfile --no-loadscope-reorder`, so these start at once on the workers and the many quick modules fill
# the gaps and the end, instead of a long one starting last while the other workers wait (the small browser modules,
# collected last, ended a run 14 s after the other workers).
HEAVIEST_FIRST = (
    "tests/browser/test_journey_local_host.py",
    "tests/browser/test_layout_ministries.py",
    "tests/browser/test_journey_central_host.py",
    "tests/browser/test_layout_hosts.py",
    "tests/browser/test_big_downloads.py",
    "tests/browser/test_phone_width.py",
    "tests/browser/test_dashboard_charts.py",
    "tests/browser/test_batch_selection.py",
    "tests/browser/test_scoring_total.py",
    "tests/test_public_pages.py",
    "tests/test_dossier_book.py",
    "tests/test_seed_demo.py",
    "tests/test_lab_views.py",
    "tests/test_lab_construction_rules.py",
    "tests/test_publicity_objections.py",
    "tests/test_reviews_staff_views.py",
    "tests/test_labs_api.py",
    "tests/test_expert_review.py",
    "tests/test_bench_scale.py",
    "tests/test_settings.py",
    "tests/test_celery_worker.py",
)


def pytest_configure(config):
    """Fewer garbage collections: the suite makes millions of short-lived objects (querysets, model instances,
    template contexts), and with Python's default thresholds a collection ran every 700 allocations, each walking the
    hundreds of thousands of long-lived ones (measured: 2 to 3 % of a module's time)."""
    gc.set_threshold(50_000, 50, 1000)


def pytest_collection_finish(session):
    """What importing and collecting made (modules, model classes, test items) lives to the end: no collection
    walks it again."""
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items):
    rank = {path: index for index, path in enumerate(HEAVIEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order


def _serialized_transactional(item):
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction") and marker.kwargs.get("serialized_rollback"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test with `serialized_rollback` has flushed the database, put the migrations'
    reference data (SAMR, MIIT, the provincial recommenders, the holiday calendar, the default criteria)
    back at once, so that whatever test runs next in this worker finds it; Django itself restores it only at
    the start of the next such transactional test. When the next test is one (the browser tests of a module),
    Django's own restoring is left to it: done here too, it would be done twice (a second or two each)."""
    result = yield
    if nextitem is not None and _serialized_transactional(item) and not _serialized_transactional(nextitem):
        from django.db import connection

        with item.config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
    return result
