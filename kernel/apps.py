from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    """Its label stays `labportal`, the app these models were created in: table names (`labportal_*`), the
    migration history, content types and permission codes are unchanged."""

    name = "kernel"
    label = "labportal"
    verbose_name = _("Portal")

    def ready(self):
        from . import checks, crypto, signals  # noqa: F401  (the settings' system checks; audit every transition)
        from .choice_labels import use_choice_labels
        from .personal_pages import install

        use_choice_labels()
        install()
