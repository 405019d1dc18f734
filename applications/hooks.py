"""What the apps above (`reviews`, `evaluations`) supply to an application's rules and pages.

This app never imports the apps above it: `ReviewsConfig.ready()` and `EvaluationsConfig.ready()` fill these in
when the portal loads.
A hook the application's own rules cannot do without (the formal review checklist) raises if missing;
the others are optional, for pages that show more when the ministry stage is there.
"""

from django.core.exceptions import ImproperlyConfigured


class Hooks:
    # (application, by, checks, outcome, comment): stores the ticked checklist of the formal review and
    # refuses a pass with a check not confirmed (Art. 13). Run inside the formal-review transitions.
    record_formal_review = None
    # user -> Q of the applications an expert reads (those of their accepted or submitted assignments).
    expert_visible = None
    # user -> Q of the revisions an expert reviews (of their accepted or submitted assignments: the revision each
    # round read), whose dossier they may download as a book.
    expert_revisions = None
    # application -> (reason, reviewer organisation, [unconfirmed check texts]) | None
    supplement_request = None
    # application -> open Deadline of the stage kept elsewhere (a publicity notice) | None
    stage_deadline = None
    # (application, user) -> (label, url) of the staff page of the current stage | None
    staff_action = None
    # Q over approved applications whose laboratory is still on the list (not terminated or removed), installed by
    # the laboratory app; the public approved list and its PDF keep only these, as the directory and the API do.
    on_the_list = None
    # user -> (url, {action code: label}) of the batch actions the user may run on selected applications | None
    batch_actions = None

    def required(self, name):
        hook = getattr(self, name)
        if hook is None:
            raise ImproperlyConfigured(f"applications.hooks.{name} is not installed: is `reviews` in INSTALLED_APPS?")
        return hook


hooks = Hooks()
