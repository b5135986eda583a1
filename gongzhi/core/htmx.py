"""HTMX helpers: one view serves the whole page or just the fragment HTMX asked for."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
