"""The Celery app: Redis broker when REDIS_URL is set, eager otherwise (settings.base)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labportal.settings.dev")

app = Celery("labportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
