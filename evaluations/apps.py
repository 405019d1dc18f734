from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Laboratories")

    def ready(self):
        from applications.signals import approved

        from . import deadlines, notifications, round_pages, services  # noqa: F401  (register its clocks and who hears of what)

        approved.connect(services.laboratory_for_approved_application, dispatch_uid="evaluations.create_laboratory")
        round_pages.register()
