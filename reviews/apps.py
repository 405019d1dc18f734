from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Ministry review")

    def ready(self):
        from . import deadlines, notifications  # noqa: F401  (register its clocks and who hears of what)
