"""gunicorn settings that the web server reads at start (``--config python:gongzhi.gunicorn_conf``).

gunicorn names itself in a ``Server:`` header on every response and has no setting to stop it; telling every
client which server and so which exploits to try is needless, so the header is left out here.
"""

from __future__ import annotations

from typing import Any

from gunicorn.http import wsgi


def _without_server(default_headers: Any) -> Any:
    def headers(self: Any) -> list[str]:
        return [h for h in default_headers(self) if not h.lower().startswith("server:")]

    headers.__wrapped__ = default_headers  # type: ignore[attr-defined]
    return headers


if not hasattr(wsgi.Response.default_headers, "__wrapped__"):
    wsgi.Response.default_headers = _without_server(wsgi.Response.default_headers)  # type: ignore[method-assign]
