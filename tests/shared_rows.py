"""Rows a class of tests shares, made once, as Django's `setUpTestData` makes a TestCase's: inside a transaction that
is rolled back after the class's last test, each test running in a savepoint within it (pytest-django's own), so what
a test changes is undone before the next and the shared rows stay.

Each test's `journey` is a sibling of the one that made them (`Journey.sibling`): the same officers, committee and
criteria, and what it makes itself (a MIIT officer, say) its own, gone with the test's rollback. Tests read the shared
rows afresh by id, since a test's changes to objects in memory are not undone."""

import sys
from contextlib import contextmanager

import pytest
from django.db import transaction

from tests.factories import new_journey


@contextmanager
def shared_rows(django_db_blocker, build):
    """(journey, what `build(journey)` returned), the rows made once for the tests inside this block."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            journey = new_journey()
            built = build(journey)
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield journey, built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def class_fixtures(build):
    """A class's `shared` fixture ((journey, what `build(journey)` returned), made once for the class) and its
    `journey` fixture (a sibling per test): `shared, journey = class_fixtures(build)` in the class's body."""

    @pytest.fixture(scope="class")
    @classmethod
    def shared(cls, django_db_setup, django_db_blocker):
        with shared_rows(django_db_blocker, build) as rows:
            yield rows

    @pytest.fixture
    def journey(self, db, shared):
        return shared[0].sibling()

    return shared, journey
