from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The composition root: settings, URLs, the home and front pages, the demo seed. It sits above every
    app and holds no model."""

    name = "labportal"
    label = "site"
    verbose_name = _("Site")
