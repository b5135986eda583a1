"""The harness steps that need Django in-process: bench users, counting writes, and the soak checks.

Run as ``python -m bench.django_side <command>`` with the server's environment (``DATABASE_URL`` of a
``gongzhi_bench*`` database). Nothing here is part of the product; it only calls its services and
reads its tables.

- ``setup``: extra residents and organization members (one pair per concurrent client), with emails so
  notifications go through the email outbox, and a webhook endpoint pointing at the harness's sink.
- ``writes``: one order life cycle through Django's test client under ``CaptureQueriesContext``: every
  statement grouped per step by table and kind (INSERT/UPDATE/DELETE/SELECT FOR UPDATE), with rows.
- ``verify``: after a soak, compare the clients' logs with the database (orders, events, ledger,
  ratings, outbox, the sink's receipts).
- ``session``: a logged-in session cookie for the web pages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.common import COMMUNITY, GRIDS, PASSWORD, pairs, small_jpeg  # noqa: E402

DEMO_PAIR = pairs(1)[0]


# ---- setup ----------------------------------------------------------------------------------------


def setup(sink_port: int | None) -> None:
    """One small organization per client (org_a for client 0), so a notification to "the organization's
    members" reaches one person, as in a community group; residents spread over the three grids."""
    from gongzhi.accounts.models import Role, User
    from gongzhi.accounts.services import grant_add, user_create
    from gongzhi.areas.models import Area
    from gongzhi.notify.models import WebhookEndpoint
    from gongzhi.orgs.models import Organization, OrgType

    grids = {a.code: a for a in Area.objects.filter(code__in=GRIDS)}
    street = Area.objects.get(code=COMMUNITY[:9])
    hashed = User(username="x")
    hashed.set_password(PASSWORD)  # one hash for all bench users: hashing 64 passwords would take a minute
    for i, (res, member) in enumerate(pairs()):
        with transaction.atomic():
            if i == 0:
                org = User.objects.get(username=member).grants.exclude(organization=None).first().organization
            else:
                org, created = Organization.objects.get_or_create(
                    name=f"压测志愿服务队{i:02d}",
                    defaults={"org_type": OrgType.COMMUNITY_GROUP, "home_area": grids[GRIDS[0]].parent},
                )
                if created:
                    org.areas_served.set([street])
            for username, role, scope in (
                (res, Role.RESIDENT, {"area": grids[GRIDS[i % len(GRIDS)]]}),
                (member, Role.ORG_MEMBER, {"organization": org}),
            ):
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = user_create(
                        actor=None,
                        username=username,
                        password=None,
                        display_name=f"压测{username[-5:]}",
                        phone=f"1390580{i:04d}",
                        check_password=False,
                    )
                    User.objects.filter(pk=user.pk).update(password=hashed.password)
                    grant_add(actor=None, user=user, role=role, **scope)
                User.objects.filter(pk=user.pk).update(email=f"{username}@bench.invalid")
    if sink_port:
        WebhookEndpoint.objects.update_or_create(
            name="bench sink",
            defaults={
                "url": f"http://127.0.0.1:{sink_port + 1}/hook",
                "secret": "bench-secret",
                "kinds": ["orders."],
                "active": True,
            },
        )


def session(username: str) -> None:
    """Print a session cookie value for ``username`` (the web pages are read as a logged-in user)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from gongzhi.accounts.models import User

    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    print(store.session_key)


# ---- counting the platform's writes ---------------------------------------------------------------

WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)
FROM = re.compile(r'\bFROM\s+"?(\w+)"?', re.IGNORECASE)
KINDS = {"INSERT INTO": "INSERT", "UPDATE": "UPDATE", "DELETE FROM": "DELETE"}


def classify(sql: str) -> tuple[str, str] | None:
    """(kind, table) of a statement that writes or locks; None for plain reads and savepoints."""
    m = WRITE.match(sql)
    if m:
        return KINDS[m.group(1).upper()], m.group(2)
    if re.search(r"\bFOR (NO KEY )?UPDATE\b", sql, re.IGNORECASE):
        f = FROM.search(sql)
        return "SELECT FOR UPDATE", f.group(1) if f else "?"
    return None


def writes(out: Path, cycles: int) -> None:
    """Run ``cycles`` life cycles in-process; record the statements of the last one, step by step."""
    from django.test import Client

    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import token_issue

    res, org = (User.objects.get(username=u) for u in DEMO_PAIR)
    auth = {u.username: {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=u, name='bench')[1]}"} for u in (res, org)}
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    record: dict[str, Any] = {}
    for _cycle in range(cycles):
        record = _one_cycle(client, auth[res.username], auth[org.username])
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1))


def _one_cycle(client: Any, res: dict[str, str], org: dict[str, str]) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    steps: dict[str, Any] = {}

    def step(name: str, who: dict[str, str], path: str, data: Any, **kw: Any) -> Any:
        headers = {**who, "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex}
        before = table_rows()
        with CaptureQueriesContext(connection) as cap:
            response = client.post(path, data, **kw, **headers)
        if response.status_code >= 300:
            raise RuntimeError(f"{name}: HTTP {response.status_code} {response.content[:300]!r}")
        after = table_rows()
        steps[name] = summarise(cap.captured_queries, {t: after[t] - before.get(t, 0) for t in after})
        return response.json()

    as_json = {"content_type": "application/json"}
    body = {
        "category": "elderly_care",
        "title": "压测：上门打扫卫生",
        "description": "每周两次上门打扫卫生。",
        "community": COMMUNITY,
        "grid": GRIDS[0],
    }
    oid = step("create", res, "/api/v1/orders", json.dumps(body), **as_json)["id"]
    step("claim", org, f"/api/v1/orders/{oid}/claim", "{}", **as_json)
    photo = SimpleUploadedFile("p.jpg", small_jpeg(), "image/jpeg")
    step(
        "complete",
        org,
        f"/api/v1/orders/{oid}/complete",
        {"description": "已上门完成打扫，居民满意。", "people_served": "1", "photos": photo},
    )
    step("rate", res, f"/api/v1/orders/{oid}/rate", json.dumps({"stars": 5, "comment": "谢谢"}), **as_json)
    return {"steps": steps, "order": oid}


def values_tuples(sql: str) -> int:
    """Rows of an ``INSERT … VALUES (…), (…) ON CONFLICT`` statement (numbers and dates only inside)."""
    body = sql.upper().split(" VALUES ", 1)[1].split(" ON CONFLICT", 1)[0]
    depth = rows = 0
    for ch in body:
        if ch == "(":
            depth += 1
            rows += depth == 1
        elif ch == ")":
            depth -= 1
    return max(rows, 1)


def table_rows() -> dict[str, int]:
    """Exact row counts of every table (the bench database is small): inserted rows are the difference,
    since a bulk insert on PostgreSQL is one ``INSERT … SELECT * FROM UNNEST(…)`` whatever its size."""
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
        union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {connection.ops.quote_name(t)}" for t in tables)
        cur.execute(union)
        return dict(cur.fetchall())


def summarise(queries: list[dict[str, Any]], added: dict[str, int]) -> dict[str, Any]:
    """The writes of one request in execution order, as (kind, table, rows), and how many plain reads."""
    sequence: list[list[Any]] = []
    reads = savepoints = 0
    for q in queries:
        sql = q["sql"]
        kind = classify(sql)
        if kind is None:
            if re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK TO)", sql, re.IGNORECASE):
                savepoints += 1
            else:
                reads += 1
            continue
        upsert = kind[0] == "INSERT" and " ON CONFLICT " in sql.upper() and " VALUES " in sql.upper()
        # An upsert's rows are its VALUES tuples (existing rows are updated, so the count does not grow).
        sequence.append([kind[0], kind[1], values_tuples(sql) if upsert else 0])
    # Spread each table's other inserted rows over its INSERT statements: one each, the rest on the last.
    for tbl in {t for k, t, n in sequence if k == "INSERT" and n == 0}:
        inserts = [w for w in sequence if w[0] == "INSERT" and w[1] == tbl and w[2] == 0]
        for w in inserts:
            w[2] = 1
        inserts[-1][2] = max(1, added.get(tbl, 0) - (len(inserts) - 1))
    for w in sequence:
        w[2] = w[2] or 1
    return {"writes": sequence, "reads": reads, "savepoints": savepoints, "statements": len(queries)}


# ---- soak checks ----------------------------------------------------------------------------------


def verify(logs: list[Path], receipts: Path, out: Path) -> None:
    """Compare what the clients logged with what the database holds; print and save the findings."""
    from gongzhi.accounts.models import User
    from gongzhi.notify.models import OutboxMessage, Status
    from gongzhi.orders.models import LedgerEntry, Order, OrderEvent, OrderPhoto, Rating, State

    client_orders: dict[int, dict[str, Any]] = {}
    create_keys: Counter[str] = Counter()
    for log in logs:
        for line in log.read_text().splitlines():
            rec = json.loads(line)
            if rec.get("order"):
                client_orders.setdefault(rec["order"], {"steps": set(), "title": rec.get("title")})
                client_orders[rec["order"]]["steps"].add(rec["step"])
            if rec["step"] == "create" and rec.get("order"):
                create_keys[rec["title"]] += 1
    bench_users = list(User.objects.filter(username__in=[u for p in pairs() for u in p]).values_list("pk", flat=True))
    orders = {o.pk: o for o in Order.objects.filter(created_by_id__in=bench_users, title__startswith="压测")}
    problems: list[str] = []
    missing = sorted(set(client_orders) - set(orders))
    if missing:
        problems.append(f"{len(missing)} orders the clients saw created are not in the database: {missing[:10]}")
    titles = Counter(o.title for o in orders.values())
    dupes = [t for t, n in titles.items() if n > 1]
    if dupes:
        problems.append(f"{len(dupes)} create requests made more than one order: {dupes[:5]}")
    unseen = sorted(set(orders) - set(client_orders))
    events = defaultdict(list)
    for e in OrderEvent.objects.filter(order_id__in=list(orders)).order_by("at", "id"):
        events[e.order_id].append(e)
    ledger = set(LedgerEntry.objects.filter(order_id__in=list(orders)).values_list("order_id", flat=True))
    photos = Counter(OrderPhoto.objects.filter(order_id__in=list(orders)).values_list("order_id", flat=True))
    ratings = Counter(Rating.objects.filter(order_id__in=list(orders)).values_list("order_id", flat=True))
    expect = {"create": State.PENDING, "claim": State.ACCEPTED, "complete": State.COMPLETED, "rate": State.CLOSED}
    order_of_steps = ["create", "claim", "complete", "rate"]
    for pk, o in orders.items():
        chain, prev = events[pk], ""
        for e in chain:
            if e.from_state != prev:
                problems.append(f"order {pk}: event {e.pk} {e.action} from {e.from_state!r}, but it was {prev!r}")
            prev = e.to_state
        if prev != o.state:
            problems.append(f"order {pk}: state {o.state} but its last event says {prev!r}")
        if Counter(e.action for e in chain).most_common(1)[0][1] > 1:
            problems.append(f"order {pk}: an action recorded twice: {[e.action for e in chain]}")
        done = o.state in (State.COMPLETED, State.CLOSED)
        if done and (pk not in ledger or photos[pk] != 1):
            problems.append(f"order {pk}: {o.state} without its ledger entry or with {photos[pk]} photos")
        if o.state == State.CLOSED and ratings[pk] != 1:
            problems.append(f"order {pk}: closed with {ratings[pk]} ratings")
        if o.state == State.ACCEPTED and o.org_id is None:
            problems.append(f"order {pk}: accepted without an organization")
        seen = client_orders.get(pk, {}).get("steps", set())
        last = max((order_of_steps.index(s) for s in seen), default=-1)
        if last >= 0 and order_of_steps.index(_step_of(o.state, expect)) < last:
            problems.append(f"order {pk}: the client saw '{order_of_steps[last]}' succeed, the database says {o.state}")
    outbox = OutboxMessage.objects.filter(recipient_id__in=bench_users, kind__startswith="orders.")
    by_status = Counter(outbox.values_list("status", flat=True))
    ids = set(outbox.values_list("pk", flat=True))
    stuck = {s: n for s, n in by_status.items() if s != Status.SENT}
    if stuck:
        problems.append(f"outbox messages not sent: {stuck}")
    keys = Counter(outbox.values_list("event_key", "recipient_id", "channel", "endpoint_id"))
    if any(n > 1 for n in keys.values()):
        problems.append("an event has two outbox messages for one recipient and channel")
    got: Counter[int] = Counter()
    if receipts.exists():
        for line in receipts.read_text().splitlines():
            got[int(json.loads(line)["delivery"])] += 1
    sent = set(outbox.filter(status=Status.SENT).values_list("pk", flat=True))
    never = sorted(sent - set(got))
    if never:
        problems.append(f"{len(never)} messages marked sent never reached the sink: {never[:10]}")
    foreign = sorted(d for d in got if d not in ids)
    if foreign:
        problems.append(f"{len(foreign)} deliveries carry ids of no outbox message: {foreign[:10]}")
    repeated = {d: n for d, n in got.items() if n > 1 and d in ids}
    if repeated:
        # The platform promises at-least-once with a delivery id to dedupe on; the issue asks for exactly once.
        problems.append(
            f"{len(repeated)} messages reached the sink more than once (same delivery id, so a "
            f"receiver can drop the copy): {sorted(repeated)[:10]}"
        )
    report = {
        "orders_in_db": len(orders),
        "orders_seen_by_clients": len(client_orders),
        "orders_not_seen_by_clients": len(unseen),
        "states": dict(Counter(o.state for o in orders.values())),
        "outbox_by_status": dict(by_status),
        "outbox_messages": len(ids),
        "deliveries_received": sum(got.values()),
        "distinct_deliveries": len([d for d in got if d in ids]),
        "repeated_deliveries": len(repeated),
        "repeated_delivery_ids": sorted(repeated)[:20],
        "unknown_delivery_ids": foreign[:20],
        "problems": problems[:50],
        "problem_count": len(problems),
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps(report, ensure_ascii=False, indent=1))


def _step_of(state: str, expect: dict[str, str]) -> str:
    for step, s in expect.items():
        if s == state:
            return step
    return "create"


def outbox_status() -> None:
    from gongzhi.notify.models import OutboxMessage

    print(json.dumps(dict(Counter(OutboxMessage.objects.values_list("status", flat=True)))))


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="bench.django_side")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--sink-port", type=int)
    w = sub.add_parser("writes")
    w.add_argument("--out", type=Path, required=True)
    w.add_argument("--cycles", type=int, default=3)
    v = sub.add_parser("verify")
    v.add_argument("--logs", type=Path, nargs="+", required=True)
    v.add_argument("--receipts", type=Path, required=True)
    v.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("session")
    c.add_argument("username")
    sub.add_parser("outbox")
    a = p.parse_args(argv)
    if a.cmd == "setup":
        setup(a.sink_port)
    elif a.cmd == "writes":
        writes(a.out, a.cycles)
    elif a.cmd == "verify":
        verify(a.logs, a.receipts, a.out)
    elif a.cmd == "session":
        session(a.username)
    elif a.cmd == "outbox":
        outbox_status()


if __name__ == "__main__":
    main(sys.argv[1:])
