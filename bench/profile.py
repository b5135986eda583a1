"""Where a life cycle's CPU time goes in the web process: ``python -m bench.profile [--cycles 20]``.

Runs life cycles in-process through Django's test client (the same requests as the load clients, minus
HTTP) on a bench database, measures CPU per step without a profiler, then once more under cProfile with
a CPU clock and attributes the time to the parts of a request: building SQL in the ORM, waiting for the
database driver, the permission chokepoint, audit, notifications, the insights counters, the photo,
idempotency, and the API's validation and serialisation. Needs ``DATABASE_URL`` of a bench database that
``make bench`` prepared (``gongzhi_bench``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402

from bench.common import COMMUNITY, GRIDS, small_jpeg  # noqa: E402

# (label, file fragment, function name): cumulative CPU of these frames, outermost occurrence only.
PARTS = [
    ("ORM: building and compiling SQL", "django/db/models/sql/compiler.py", "as_sql"),
    ("database driver: execute and fetch", "django/db/backends/utils.py", "_execute"),
    ("permission chokepoint (restrict/get_for/grants_for)", "gongzhi/accounts/permissions.py", "restrict"),
    ("audit chain (audit_record)", "gongzhi/audit/services.py", "audit_record"),
    ("notifications and outbox (notify)", "gongzhi/notify/services.py", "notify"),
    ("insights counters (insights_on_event)", "gongzhi/insights/services.py", "insights_on_event"),
    ("photo: decode, strip, re-encode, thumbnail", "gongzhi/core/uploads.py", "photos_store"),
    ("idempotency (lookup, store the answer)", "gongzhi/core/idempotency.py", "run_idempotent"),
    ("token authentication", "gongzhi/accounts/services.py", "token_authenticate"),
    ("response: order detail after the action", "gongzhi/orders/api.py", "_detail"),
    ("middleware and request handling (whole request)", "django/core/handlers/base.py", "get_response"),
]


def cycle(client: Client, res: dict[str, str], org: dict[str, str], jpeg: bytes, cpu: dict[str, float]) -> None:
    def post(step: str, who: dict[str, str], path: str, data: Any, **kw: Any) -> Any:
        started = time.process_time()
        response = client.post(path, data, **kw, **who, HTTP_IDEMPOTENCY_KEY=os.urandom(8).hex())
        cpu[step] = cpu.get(step, 0.0) + time.process_time() - started
        if response.status_code >= 300:
            raise RuntimeError(f"{step}: {response.status_code} {response.content[:200]!r}")
        return response.json()

    body = json.dumps(
        {
            "category": "elderly_care",
            "title": "压测：剖析",
            "description": "每周两次上门打扫卫生。",
            "community": COMMUNITY,
            "grid": GRIDS[0],
        }
    )
    oid = post("create", res, "/api/v1/orders", body, content_type="application/json")["id"]
    post("claim", org, f"/api/v1/orders/{oid}/claim", "{}", content_type="application/json")
    post(
        "complete",
        org,
        f"/api/v1/orders/{oid}/complete",
        {
            "description": "已上门完成打扫，居民满意。",
            "people_served": "1",
            "photos": SimpleUploadedFile("p.jpg", jpeg, "image/jpeg"),
        },
    )
    post("rate", res, f"/api/v1/orders/{oid}/rate", json.dumps({"stars": 5}), content_type="application/json")


def attribute(stats: pstats.Stats) -> dict[str, float]:
    out: dict[str, float] = {}
    raw: Any = stats.stats  # type: ignore[attr-defined]
    for label, fragment, name in PARTS:
        total = 0.0
        for (path, _line, func), (_cc, _nc, _tt, ct, callers) in raw.items():
            if func != name or fragment not in path:
                continue
            # Outermost occurrences only: skip calls made from inside the same function (recursion).
            if not any(c[2] == name and fragment in c[0] for c in callers):
                total += ct
        out[label] = total
    return out


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="bench.profile")
    p.add_argument("--cycles", type=int, default=20)
    a = p.parse_args(argv)
    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import token_issue

    res, org = (User.objects.get(username=u) for u in ("resident_a", "org_a"))
    headers = [{"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=u, name='profile')[1]}"} for u in (res, org)]
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    jpeg = small_jpeg()
    cycle(client, *headers, jpeg, {})  # warm caches
    cpu: dict[str, float] = {}
    wall = time.perf_counter()
    for _ in range(a.cycles):
        cycle(client, *headers, jpeg, cpu)
    wall = time.perf_counter() - wall
    total = sum(cpu.values()) / a.cycles
    print(
        f"CPU per life cycle in the web process: {total * 1000:.1f} ms "
        f"({', '.join(f'{k} {v / a.cycles * 1000:.1f}' for k, v in cpu.items())} ms); wall {wall / a.cycles * 1000:.0f} ms"
    )
    print(f"=> at most {1 / total:.1f} life cycles/s per core if the web process had a core to itself")
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for _ in range(a.cycles):
        cycle(client, *headers, jpeg, {})
    prof.disable()
    stats = pstats.Stats(prof)
    whole = attribute(stats)
    base = whole.pop("middleware and request handling (whole request)") or 1.0
    print(
        f"under cProfile (CPU clock; the profiler inflates small calls): {base / a.cycles * 1000:.1f} ms per life cycle"
    )
    for label, t in sorted(whole.items(), key=lambda kv: -kv[1]):
        print(f"  {t / base:6.1%}  {label}")
    print("  (parts overlap: the ORM and driver lines run inside the others)")
    stats.sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main(sys.argv[1:])
