from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import audit, signals  # noqa: F401  (audited logins and permission changes; login clocks, API token revocation)
