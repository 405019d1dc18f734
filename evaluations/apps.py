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
        self._charts_follow_the_data()

    @staticmethod
    def _charts_follow_the_data():
        """A save or deletion of what the dashboards count makes every kept chart stale (`analytics.bump_version`)."""
        from django.db.models.signals import post_delete, post_save

        from applications.models import Application
        from kernel.models import Deadline
        from reviews.models import Assignment, Score

        from .analytics import bump_version
        from .models import Laboratory

        for model in (Application, Laboratory, Deadline, Assignment, Score):
            for signal in (post_save, post_delete):
                signal.connect(bump_version, sender=model, dispatch_uid=f"analytics.{signal}.{model.__name__}")
