"""Reads at volume: the hall, the order lists (API and web page) and the dashboard under 32 clients.

The database ``gongzhi_bench_reads`` holds N orders (default 1,000,000). It is made once and kept
between runs (making it takes minutes): by the product's own generator ``gongzhi demo --orders N`` when
a demo step takes that option, otherwise by :func:`generate`, which writes orders, ledger entries and
ratings directly in SQL spread over every community of the demo district for a year — volume for the
read paths, not a history the services wrote (no events, audit entries or notifications).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import load
from bench.common import (
    GONGZHI,
    PASSWORD,
    ROOT,
    WORK,
    Server,
    db_exists,
    free_port,
    login,
    prepare_db,
    psql,
    server_env,
    sh,
    summary_ms,
    table,
)

DB = "gongzhi_bench_reads"
DEMO_PASSWORD = "gongzhi-demo"


def product_generator() -> bool:
    """Does some app's demo step generate orders for ``gongzhi demo --orders N``?"""
    for path in ROOT.glob("gongzhi/*/demo.py"):
        if re.search(r"""state(\.get\(|\[)["']orders["']""", path.read_text(encoding="utf-8")):
            return True
    return False


def order_count() -> int:
    try:
        return int(psql("SELECT count(*) FROM orders_order", DB) or 0)
    except subprocess.CalledProcessError:
        return 0


GENERATE = """
WITH communities AS (SELECT array_agg(id ORDER BY code) a FROM areas_area WHERE level = 'community'
                       AND code LIKE '330903%%'),
     residents AS (SELECT array_agg(DISTINCT user_id ORDER BY user_id) a FROM accounts_grant WHERE role = 'resident'),
     orgs AS (SELECT array_agg(id ORDER BY id) a FROM orgs_organization),
     cats AS (SELECT array_agg(id ORDER BY id) a FROM orders_category WHERE parent_id IS NOT NULL)
INSERT INTO orders_order (channel, scenario, urgency, state, title, description, address, preferred_time,
  contact_name, contact_phone, accept_by, complete_by, created_at, accepted_at, completed_at, closed_at,
  reopen_count, reminder_count, completion_note, people_served, volunteers, reply, area_id, category_id,
  community_id, created_by_id, org_id, requester_id)
SELECT 'web', 'individual', CASE WHEN g % 23 = 0 THEN 'urgent' ELSE 'normal' END, s.state,
  '批量订单 ' || g, '为读取压测生成的订单。', '', '', '张**', '139****0000',
  t + interval '1 day', t + interval '6 days', t,
  CASE WHEN s.state IN ('accepted', 'completed', 'closed') THEN t + interval '2 hours' END,
  CASE WHEN s.state IN ('completed', 'closed') THEN t + interval '1 day' END,
  CASE WHEN s.state = 'closed' THEN t + interval '2 days' END,
  0, 0, '', 1, '', '', c.id, cats.a[1 + g % array_length(cats.a, 1)], c.id, r.id,
  CASE WHEN s.state IN ('accepted', 'completed', 'closed') THEN orgs.a[1 + g % array_length(orgs.a, 1)] END, r.id
FROM generate_series(%(lo)s, %(hi)s) g
CROSS JOIN communities CROSS JOIN residents CROSS JOIN orgs CROSS JOIN cats
CROSS JOIN LATERAL (SELECT communities.a[1 + (g * 7) %% array_length(communities.a, 1)] id) c
CROSS JOIN LATERAL (SELECT residents.a[1 + g %% array_length(residents.a, 1)] id) r
CROSS JOIN LATERAL (SELECT now() - (%(n)s - g) * (interval '365 days' / %(n)s) t) tt(t)
CROSS JOIN LATERAL (SELECT CASE WHEN g %% 100 < 70 THEN 'closed' WHEN g %% 100 < 80 THEN 'completed'
  WHEN g %% 100 < 88 THEN 'accepted' WHEN g %% 100 < 96 THEN 'pending' ELSE 'cancelled' END state) s
"""

LEDGER = """
INSERT INTO orders_ledgerentry (service_date, place, service, category_name, people_served, volunteers,
  photos_count, rating, created_at, updated_at, area_id, community_id, org_id, order_id)
SELECT (o.completed_at AT TIME ZONE 'Asia/Shanghai')::date, '社区', o.title, '服务', 1, '', 1,
  CASE WHEN o.state = 'closed' THEN 3 + o.id %% 3 END, o.completed_at, o.completed_at, o.area_id, o.community_id,
  o.org_id, o.id
FROM orders_order o WHERE o.title LIKE '批量订单 %%' AND o.state IN ('completed', 'closed')
"""

RATINGS = """
INSERT INTO orders_rating (rater_role, stars, comment, created_at, order_id, org_id, rater_id)
SELECT 'requester', 3 + o.id %% 3, '', o.closed_at, o.id, o.org_id, o.requester_id
FROM orders_order o WHERE o.title LIKE '批量订单 %%' AND o.state = 'closed'
"""


def generate(n: int, log: Path) -> float:
    """N orders (with ledger entries and ratings) in SQL, in batches; returns seconds."""
    import psycopg

    from bench.common import db_url

    started = time.perf_counter()
    with psycopg.connect(db_url(DB), autocommit=True) as conn:
        batch = 200_000
        for lo in range(1, n + 1, batch):
            conn.execute(
                GENERATE.replace("%(lo)s", str(lo))
                .replace("%(hi)s", str(min(n, lo + batch - 1)))
                .replace("%(n)s", str(n))
                .replace("%%", "%")
            )
        conn.execute(LEDGER.replace("%%", "%"))
        conn.execute(RATINGS.replace("%%", "%"))
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def schema_fingerprint() -> str:
    """A hash of every migration file: while migrations are still edited in place, a database made from an
    older version is stale even though ``migrate`` has nothing to apply to it."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("gongzhi/*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_volume(n: int, log: Path, sink_port: int | None) -> dict[str, Any]:
    env = server_env(DB, sink_port=sink_port)
    marker = WORK / f"{DB}.schema"
    fresh = marker.exists() and marker.read_text().strip() == schema_fingerprint()
    have = order_count() if db_exists(DB) and fresh else -1
    info: dict[str, Any] = {"orders": n}
    if have >= n:
        info.update({"reused": True, "orders": have})
        return info
    marker.unlink(missing_ok=True)
    prepare_db(DB, env, log, sink_port)
    if product_generator():
        info["generator"] = "gongzhi demo --orders"
        info["generate_s"] = round(
            sh([GONGZHI, "demo", "--quiet-accounts", "--orders", str(n)], env, log=log, timeout=7200), 1
        )
    else:
        info["generator"] = "bench SQL (no product generator yet)"
        info["generate_s"] = round(generate(n, log), 1)
    info["orders"] = order_count()
    marker.write_text(schema_fingerprint())
    return info


def endpoints() -> list[tuple[str, str, str, str]]:
    """(name, path, user, kind): kind 'api' reads with a token, 'web' with a session cookie."""
    found = [
        ("hall (API, org_a)", "/api/v1/orders/hall?page=1", "org_a", "api"),
        ("order list (API, community_xp)", "/api/v1/orders?page=1", "community_xp", "api"),
        ("order list (API, mzj: whole district)", "/api/v1/orders?page=1", "mzj", "api"),
        ("hall (web page, org_a)", "/orders/hall/", "org_a", "web"),
        ("area orders (web page, community_xp)", "/orders/area/", "community_xp", "web"),
    ]
    if (ROOT / "gongzhi" / "insights" / "api.py").exists():
        found += [
            ("dashboard (API, mzj)", "/api/v1/insights/dashboard", "mzj", "api"),
            ("dashboard (API, community_xp)", "/api/v1/insights/dashboard", "community_xp", "api"),
            ("praise leaderboard (API, mzj)", "/api/v1/insights/leaderboards/praise", "mzj", "api"),
            ("dashboard (web page, mzj)", "/insights/", "mzj", "web"),
        ]
    return found


def run(n: int, clients: int, seconds: float, log: Path, sink_port: int | None) -> dict[str, Any]:
    info = ensure_volume(n, log, sink_port)
    env = server_env(DB, sink_port=sink_port)
    port = free_port()
    server = Server(env, port, WORK / "server-reads.log")
    server.start()
    result: dict[str, Any] = {"clients": clients, "seconds": seconds, **info, "endpoints": {}}
    try:
        tokens: dict[str, str] = {}
        cookies: dict[str, str] = {}
        for name, path, user, kind in endpoints():
            pw = DEMO_PASSWORD if user in ("org_a", "community_xp", "mzj") else PASSWORD
            if kind == "api" and user not in tokens:
                tokens[user] = login(port, user, pw)
            if kind == "web" and user not in cookies:
                out = subprocess.run(
                    [__import__("sys").executable, "-m", "bench.django_side", "session", user],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                )
                cookies[user] = out.stdout.strip().splitlines()[-1]
            r = load.reads(
                port,
                path,
                clients,
                seconds,
                token=tokens.get(user, "") if kind == "api" else "",
                cookie=cookies.get(user, "") if kind == "web" else "",
            )
            s = summary_ms(r["latencies"])
            result["endpoints"][name] = {
                **s,
                "path": path,
                "per_s": round(s["n"] / r["wall"], 1),
                "errors": r["errors"],
                "loadgen_cpu_share": round(r["cpu"] / r["wall"] / 2, 2),
            }
        result["memory"] = server.processes().memory()
    finally:
        server.stop()
    return result


def print_reads(r: dict[str, Any]) -> None:
    print(
        f"   {r['orders']} orders ({r.get('generator', 'reused database')}"
        f"{', made in ' + str(r['generate_s']) + ' s' if 'generate_s' in r else ''}); {r['clients']} clients, "
        f"{r['seconds']:.0f} s per endpoint"
    )
    rows = [
        [name, e["n"], e["per_s"], e["p50"], e["p95"], e["p99"], sum(e["errors"].values()) if e["errors"] else 0]
        for name, e in r["endpoints"].items()
    ]
    print(table(rows, ["endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]), flush=True)
