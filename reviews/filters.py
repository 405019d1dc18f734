"""The ministry queue's filters: keyword, stage, field, province, host level, review round, sort."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Level
from accounts.provinces import Province
from applications.choices import Field
from applications.forms import APPLICATION_SORTS
from applications.models import Application, Status
from kernel.filters import KeywordFilterSet, SortFilter

from .models import ReviewRound

# Everything after drafting: what ministry staff may meet in the queue.
QUEUE_STATUSES = [(value, label) for value, label in Status.choices if value != Status.DRAFT]


def _select():
    return forms.Select(attrs={"class": "form-select"})


def _rounds():
    """Every round as (id, title), newest first: read as values, since a national queue's filter lists hundreds."""
    return list(ReviewRound.objects.order_by("-opened_at").values_list("pk", "title"))


class QueueFilter(KeywordFilterSet):
    status = django_filters.ChoiceFilter(label=_("Stage"), choices=QUEUE_STATUSES, empty_label=_("All stages"), widget=_select())
    field = django_filters.ChoiceFilter(label=_("Field (Art. 4)"), choices=Field.choices, empty_label=_("All fields"), widget=_select())
    province = django_filters.ChoiceFilter(
        label=_("Province"), field_name="host__province", choices=Province.choices, empty_label=_("All provinces"), widget=_select(),
    )
    level = django_filters.ChoiceFilter(
        label=_("Host level"), field_name="host__level", choices=Level.choices, empty_label=_("All levels"), widget=_select(),
    )
    review_round = django_filters.ChoiceFilter(
        label=_("Review round"), field_name="round_entries__round", choices=_rounds,
        empty_label=_("All rounds"), widget=_select(), distinct=True,
    )
    sort = SortFilter(APPLICATION_SORTS)

    class Meta:
        model = Application
        fields = ["q", "status", "field", "province", "level", "review_round", "sort"]
