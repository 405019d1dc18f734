from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Laboratories")

    def ready(self):
        from django.db.models import Q

        from applications.hooks import hooks
        from applications.signals import approved

        from . import audit, deadlines, notifications, public_pages, round_pages, services  # noqa: F401  (its records, clocks and who hears of what)
        from .states import PUBLIC_LAB_STATES

        hooks.on_the_list = Q(laboratory__status__in=PUBLIC_LAB_STATES)

        approved.connect(services.laboratory_for_approved_application, dispatch_uid="evaluations.create_laboratory")
        round_pages.register()
        public_pages.register()
