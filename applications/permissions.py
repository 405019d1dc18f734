"""Deprecated: the predicates live in `applications/rules.py` (and `accounts/rules.py`). Kept only until the
API and view modules being split elsewhere are moved onto them."""

from accounts.rules import is_ministry_staff as _is_ministry_staff

from . import rules as _rules


def may_create_application(user):
    return _rules.may_create_application(user)


def has_pending_review(application, user):
    return _rules.has_pending_review(user, application)


def is_ministry_staff(obj, user):
    return _is_ministry_staff(user)
