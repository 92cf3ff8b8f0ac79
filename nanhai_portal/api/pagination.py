from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """``?page=N`` (and ``?page_size=``, at most 100); 20 a page, as a phone shows them."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
