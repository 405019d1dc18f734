"""Counts of related rows for list pages, each as its own correlated subquery: `Count(distinct=True)` over two
joined one-to-many relations multiplies their rows before counting (millions at national scale)."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_of(model, link, **filters):
    """The number of `model`'s rows (filtered by `filters`) whose `link` is the outer row: annotate a list with it."""
    rows = model.objects.filter(**{link: OuterRef("pk")}, **filters).order_by().values(link)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)
