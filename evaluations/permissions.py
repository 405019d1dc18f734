"""Deprecated: the predicates live in `evaluations/rules.py`. Kept only until the API and view modules being
split elsewhere are moved onto them."""

from . import rules as _rules


def is_lab_host(laboratory, user):
    return _rules.is_lab_host(user, laboratory)
