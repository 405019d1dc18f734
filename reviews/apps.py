from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Ministry review")

    def ready(self):
        from applications.progress import hooks

        from . import deadlines, notifications  # noqa: F401  (register its clocks and who hears of what)
        from . import progress

        hooks.supplement_request = progress.supplement_request
        hooks.stage_deadline = progress.publicity_deadline
        hooks.staff_action = progress.staff_action
