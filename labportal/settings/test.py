"""Tests: whatever DATABASE_URL says (CI: PostgreSQL), fast hashing, eager Celery, mail in memory."""

from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
AXES_ENABLED = False
LANGUAGE_CODE = "zh-hans"
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests: do not look for STATIC_ROOT

# A commit of the tests' PostgreSQL does not wait for its disk flush: the transactional tests (browser journeys, the
# seeded walks) commit thousands of times, and a crashed test database is rebuilt anyway.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
