"""The demo seed's own clock: each step of the demo's story runs at the moment it would have happened, so
that histories, inbox messages, reviews, reports and clocks carry believable dates."""

import time
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.utils import timezone


@contextmanager
def happening_at(moment):
    """Inside the block `timezone.now()` reads `moment` (an aware datetime), advancing with real time so that
    records keep their order; `localdate()`, `auto_now` fields and every service follow it. Work queued for
    after the commit (the notifications of each transition) runs at the end of the block, at that moment
    too, rather than when the seed's transaction commits; if that transaction rolls back, the inbox rows
    roll back with it. For the single-threaded seed only: it swaps a function of `django.utils.timezone`."""
    started, real_now = time.monotonic(), timezone.now
    queued = len(connection.run_on_commit)
    timezone.now = lambda: moment + timedelta(seconds=time.monotonic() - started)
    try:
        yield
        while len(connection.run_on_commit) > queued:
            callbacks = connection.run_on_commit[queued:]
            del connection.run_on_commit[queued:]
            for _savepoints, callback, _robust in callbacks:
                callback()
    finally:
        timezone.now = real_now
