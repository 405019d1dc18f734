from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Laboratories")

    def ready(self):
        from . import deadlines, notifications  # noqa: F401  (register its clocks and who hears of what)
