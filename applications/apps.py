from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from . import audit, deadlines, notifications  # noqa: F401  (its file records, clocks and who hears of what)
