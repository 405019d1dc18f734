"""The embedded default used by `make run`: DEBUG on, SQLite, Celery eager."""

from .base import *  # noqa: F401,F403

DEBUG = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The demo's coordination office (production sets PORTAL_CONTACT_* in its environment).
PORTAL_CONTACT_EMAIL = PORTAL_CONTACT_EMAIL or "lab-office@labportal.example"  # noqa: F405

# The seeded demo's privileged accounts share a documented TOTP secret (README); their verify page may show the
# current code. Only here: base and production keep it off.
OTP_DEMO_HINT = True

# SQLite has no covering indexes: the open deadlines' index (`Deadline.Meta.indexes`, for PostgreSQL's index-only
# look-ups) is made there without its included column, which is all the demo needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
