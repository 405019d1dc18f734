from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabportalConfig(AppConfig):
    name = "labportal"
    verbose_name = _("Portal")

    def ready(self):
        from . import signals  # noqa: F401  (audit every transition)
