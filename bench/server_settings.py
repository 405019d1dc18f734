"""The production settings as `make bench` runs them in gunicorn and a Celery worker: every production setting, but
static files found where they are (WhiteNoise's finders) instead of collected and compressed, which takes a minute
the bench does not measure."""

from labportal.settings.production import *  # noqa: F401,F403
from labportal.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
ROOT_URLCONF = "bench.urls"  # the portal's addresses and the hello-world yardstick of bench/pages.py
