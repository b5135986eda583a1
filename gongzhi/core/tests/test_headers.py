"""Security headers: a Content-Security-Policy on every page, no caching of what a signed-in person sees,
and the web server does not name itself."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/", "/login/", "/workspace/"])
def test_every_page_carries_a_strict_script_policy(web, path):
    response = web("community_xp").get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_signed_in_pages_and_api_answers_are_not_stored(web, api):
    assert web("community_xp").get("/workspace/")["Cache-Control"] == "no-store"
    assert api("community_xp").get("orders")["Cache-Control"] == "no-store"  # bearer token
    assert "no-store" not in web(None).get("/").get("Cache-Control", "")


def test_no_page_uses_an_inline_script():
    """CSP forbids inline scripts; a template that adds one would silently stop working."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{template.relative_to(root)}: {tag}")
        if re.search(r"\son[a-z]+\s*=\s*\"", text):
            offenders.append(f"{template.relative_to(root)}: an on…= event handler attribute")
    assert offenders == []


def test_gunicorn_does_not_name_itself():
    from types import SimpleNamespace

    from gunicorn.http import wsgi

    import gongzhi.gunicorn_conf  # noqa: F401  (what `gongzhi run` loads)

    response = SimpleNamespace(
        req=SimpleNamespace(version=(1, 1)),
        status="200 OK",
        version="gunicorn",
        chunked=False,
        upgrade=False,
        is_headers_sent=False,
        should_close=lambda: False,
    )
    headers = wsgi.Response.default_headers(response)
    assert headers[0].startswith("HTTP/1.1 200 OK")
    assert not [h for h in headers if h.lower().startswith("server:")]
