from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Ministry review")

    def ready(self):
        from applications.hooks import hooks

        from . import audit, batch, deadlines, documents, notifications, prepared, progress, public_pages, services  # noqa: F401  (its records, clocks, document kinds and who hears of what)

        hooks.record_formal_review = services.record_formal_review
        hooks.expert_visible = services.expert_visible_applications
        hooks.expert_revisions = services.expert_reviewed_revisions
        hooks.supplement_request = progress.supplement_request
        hooks.stage_deadline = progress.publicity_deadline
        hooks.staff_action = progress.staff_action
        hooks.batch_actions = batch.actions_for
        public_pages.register()
