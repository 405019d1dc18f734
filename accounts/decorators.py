"""View decorators that ask who the user is (`accounts.rules`)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .rules import is_staff_reader


def staff_required(view):
    """The ministries' pages: SAMR/MIIT staff, and administrators, who may look (the transitions still decide
    who may act); 403 for anyone else, the login page for a visitor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_reader(request.user):
            raise PermissionDenied(_("These pages are for SAMR and MIIT staff."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)
