"""What every paginated list page shares."""


def query_without_page(request, *also):
    """The list's query string without `page` (nor the parameters named in `also`), for the pager's links (filters
    survive paging)."""
    query = request.GET.copy()
    for name in ("page", *also):
        query.pop(name, None)
    return query.urlencode()
