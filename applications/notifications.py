"""Who hears about an application's transitions (called after commit, through `messenger`)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from labportal.notifications import messenger

from .models import Status


def notify_application_transition(application, entry):
    User = get_user_model()
    applicants = User.objects.filter(organisation_id=application.host_id, role=Role.APPLICANT, is_active=True)
    url = application.get_absolute_url()
    name = str(application)
    if entry.transition == "submit":
        recommenders = User.objects.filter(
            role=Role.RECOMMENDER, is_active=True,
            organisation__preliminary_reviews__application=application,
            organisation__preliminary_reviews__round=application.revision_count,
        ).distinct()
        messenger(recommenders, _("New application to review: %(name)s") % {"name": name},
                  _("%(host)s submitted an application for your preliminary review (Art. 10).") % {"host": application.host}, url)
        messenger(applicants, _("Submitted: %(name)s") % {"name": name}, _("Your application was submitted."), url)
        return
    if entry.transition in {"recommend", "return_for_revision", "decline"}:
        verb = {
            "recommend": _("recommended") if application.status == Status.RECOMMENDED else _("recommended (awaiting the other recommender)"),
            "return_for_revision": _("returned for revision"),
            "decline": _("not recommended"),
        }[entry.transition]
        messenger(applicants, _("%(name)s: %(verb)s") % {"name": name, "verb": verb},
                  entry.comment, url)
        if application.status == Status.RECOMMENDED:
            ministry = User.objects.filter(role=Role.MINISTRY_STAFF, is_active=True)
            messenger(ministry, _("Recommended for formal review: %(name)s") % {"name": name},
                      _("All recommenders have recommended this application (Art. 10, 13)."), url)
        return
    if entry.transition == "withdraw":
        others = User.objects.filter(
            role=Role.RECOMMENDER, is_active=True, organisation__preliminary_reviews__application=application
        ).distinct()
        messenger(others, _("Withdrawn: %(name)s") % {"name": name}, entry.comment, url)
