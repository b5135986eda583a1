"""Every demo role follows the links on its pages: none leads to a 404 or a server error, and no page shows a
link its reader may not use (403). Found by hand before: /insights/points/ for community staff, /orders/supervision/
for the grid worker, /favicon.ico.

A breadth-first walk per role from the home page and the workspace, over same-site GET links (``href`` and
``hx-get``), bounded per role so the suite stays fast. A little history exists first, so order pages are reached.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from gongzhi.orders.tests.test_api_transitions import build

ROLES = [
    None,
    "admin",
    "mzj",
    "street_dg",
    "community_xp",
    "grid_xp1",
    "dept_wj",
    "org_a",
    "org_b",
    "resident_a",
    "resident_b",
    "expert_a",
]
LIMIT = 150
LINK = re.compile(r'(?:href|hx-get)="([^"#][^"]*)"')
# Not pages: files and downloads are covered by their own tests; /admin/ and the API docs are Django's and ninja's.
SKIP = re.compile(r"^/(static|media)/|^/admin/|^/api/v1/docs|format=(xlsx|csv)|/export/|\.xlsx|/logout/")


def _links(base: str, html: str) -> list[str]:
    found = []
    for raw in LINK.findall(html):
        url = urldefrag(urljoin(base, raw.replace("&amp;", "&")))[0]
        parsed = urlparse(url)
        if parsed.scheme in ("", "http") and parsed.netloc in ("", "testserver") and not SKIP.search(parsed.path):
            found.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return found


@pytest.fixture
def history(demo):
    for situation in ("hall", "dispatched", "accepted", "completed", "closed", "forwarded", "signed"):
        build(situation)


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_no_link_leads_nowhere(web, history, role):
    client = web(role)
    queue, seen, broken = deque(["/", "/workspace/", "/favicon.ico"]), set(), []
    while queue and len(seen) < LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code in (301, 302):
            continue
        if response.status_code in (403, 404) or response.status_code >= 500:
            broken.append((path, response.status_code))
            continue
        if "text/html" in response.get("Content-Type", ""):
            queue.extend(_links(path, response.content.decode()))
    assert broken == [], f"{role or 'anonymous'} was shown links that lead nowhere: {broken}"
