"""What the list pages share to find things: a keyword box over names and hosts, and a sort order.

Each model's QuerySet has `search(text)` (built with `keyword_filter`); a FilterSet that extends
`KeywordFilterSet` offers it as `q`, after the view has applied `visible_to(user)`.
"""

import django_filters
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as drf_filters


def keyword_filter(queryset, text, fields):
    """Rows where every word of `text` occurs (case-insensitively) in one of `fields`: "华睿 导航" finds the
    navigation lab of 华睿. Blank text filters nothing."""
    for word in (text or "").split():
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


def select_widget():
    return forms.Select(attrs={"class": "form-select"})


class KeywordFilterSet(django_filters.FilterSet):
    """The keyword box of the staff and applicant lists: the model's `QuerySet.search`."""

    q = django_filters.CharFilter(
        label=_("Search"), method="keyword",
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search",
                                      "placeholder": _("Name or host institution")}),
    )

    def keyword(self, queryset, name, value):
        return queryset.search(value)


class SortFilter(django_filters.ChoiceFilter):
    """`orderings`: [(code, label, order_by fields)]; the first is the default, also for an unknown code.
    Use the FilterSet bound to `request.GET` (not `or None`) so that the default applies."""

    def __init__(self, orderings, **kwargs):
        self.orderings = {code: fields for code, _label, fields in orderings}
        self.default = orderings[0][0]
        kwargs.setdefault("label", _("Sort by"))
        kwargs.setdefault("widget", select_widget())
        super().__init__(choices=[(code, label) for code, label, _fields in orderings], empty_label=None, **kwargs)

    def filter(self, qs, value):
        return qs.order_by(*self.orderings.get(value) or self.orderings[self.default])


# A primary key as PostgreSQL stores it (BigAutoField): a larger number is refused like any non-number.
_ID_BOUNDS = {"min_value": -(2**63), "max_value": 2**63 - 1}


class IdFilter(django_filters.Filter):
    """An API filter by a related object's id that answers the same for an id the user may not see and an id
    that does not exist: no match, an empty list. (django-filter's ModelChoiceFilter answers 400 for a missing
    id and 200 for a hidden one, which tells whether it exists.) The list itself is still `visible_to(user)`."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**_ID_BOUNDS, **kwargs})


class IdFilterSet(drf_filters.FilterSet):
    """The API's FilterSet: a foreign key in `Meta.fields` (or a viewset's `filterset_fields`) is an `IdFilter`."""

    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class FilterBackend(drf_filters.DjangoFilterBackend):
    """The API's filter backend: `filterset_fields` are built on `IdFilterSet`."""

    filterset_base = IdFilterSet
