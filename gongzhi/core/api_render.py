"""How the API writes JSON, in one place that every app's router can use without importing the site's API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer


class Utf8JSONRenderer(JSONRenderer):
    # Chinese text as itself, not \uXXXX escapes: half the size and readable in logs.
    json_dumps_params = {"ensure_ascii": False}


RENDERER = Utf8JSONRenderer()


def json_response(request: HttpRequest, data: Any, *, status: int = 200) -> HttpResponse:
    """A response rendered exactly as the API renders an endpoint's return value, without validating it again."""
    return HttpResponse(
        RENDERER.render(request, data, response_status=status),
        status=status,
        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}",
    )
