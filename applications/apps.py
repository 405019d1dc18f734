from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from kernel.documents import DocumentKind, register_kind

        from . import audit, deadlines, dossier_book, notifications  # noqa: F401  (its file records, clocks and who hears of what)

        register_kind(DocumentKind(dossier_book.KIND, dossier_book.KIND_LABEL, may_read=dossier_book.may_read))
