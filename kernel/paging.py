"""What every paginated list page shares."""


def query_without_page(request):
    """The list's query string without `page`, for the pager's links (filters survive paging)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
