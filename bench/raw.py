"""The limit: the platform's own writes per life cycle, done directly in SQL with psycopg.

The plan comes from :mod:`bench.django_side` ``writes``: for each of the four steps, the statements
that wrote or locked, in order, with their tables and row counts. Here every (kind, table) has a
hand-written statement; a client replays the plan with them, one transaction per step, four per life
cycle, against copies of the tables in a ``raw`` schema (same columns, indexes, unique and check
constraints, and foreign keys to the same rows), so the product's tables and audit chain stay intact.

What the raw client does not do is everything else a request costs: HTTP, authentication, the
permission chokepoint's reads, validation, the photo's decoding, serialisation. The ratio API / raw is
how much of the database's capacity the platform turns into life cycles.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

SHARDS = 16

# The tables a life cycle writes, copied into the raw schema.
TABLES = [
    "orders_order",
    "orders_orderevent",
    "audit_auditchainhead",
    "audit_auditentry",
    "notify_notification",
    "notify_outboxmessage",
    "orders_orderphoto",
    "orders_ledgerentry",
    "orders_rating",
    "core_idempotencyrecord",
    "django_tasks_database_dbtaskresult",
    "insights_tally",
    "insights_orderfact",
]


def prepare(dsn: str) -> None:
    """(Re)create the raw schema: empty copies of the tables, foreign keys kept, the audit chain heads copied."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS raw CASCADE")
        conn.execute("CREATE SCHEMA raw")
        tables = [t for t in TABLES if conn.execute("SELECT to_regclass(%s)", [f"public.{t}"]).fetchone()[0]]
        for t in tables:
            conn.execute(f"CREATE TABLE raw.{t} (LIKE public.{t} INCLUDING ALL)")
        for t in tables:
            fks = conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [f"public.{t}"],
            ).fetchall()
            for name, definition in fks:
                target = definition.split("REFERENCES ", 1)[1].split("(", 1)[0].strip()
                schema = "raw" if target in TABLES else "public"
                definition = definition.replace(f"REFERENCES {target}(", f"REFERENCES {schema}.{target}(")
                conn.execute(f"ALTER TABLE raw.{t} ADD CONSTRAINT {name} {definition}")
        conn.execute("INSERT INTO raw.audit_auditchainhead SELECT * FROM public.audit_auditchainhead")
        conn.execute("ANALYZE")


@dataclass
class Actors:
    """Who plays the life cycle: ids of the resident, the organization member and their organization."""

    resident: int
    member: int
    org: int
    area: int
    community: int
    categories: list[int]
    district: int
    street: int
    pool: list[int] = field(default_factory=list)  # recipients for notifications beyond the first


def actors(dsn: str, pairs: list[tuple[str, str]], grids: list[str], community: str) -> list[Actors]:
    with psycopg.connect(dsn) as conn:
        ids = dict(conn.execute("SELECT username, id FROM accounts_user").fetchall())
        org_of = dict(
            conn.execute(
                "SELECT user_id, organization_id FROM accounts_grant WHERE organization_id IS NOT NULL"
            ).fetchall()
        )
        areas = dict(
            conn.execute("SELECT code, id FROM areas_area WHERE code = ANY(%s)", [[*grids, community]]).fetchall()
        )
        categories = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM orders_category WHERE code = ANY(%s) ORDER BY code", [leaf_categories(dsn)]
            ).fetchall()
        ]
        street, district = conn.execute(
            "SELECT s.id, s.parent_id FROM areas_area c JOIN areas_area s ON s.id = c.parent_id WHERE c.code = %s",
            [community],
        ).fetchone()
    everyone = [ids[u] for p in pairs for u in p]
    return [
        Actors(
            ids[r],
            ids[m],
            org_of[ids[m]],
            areas[grids[i % len(grids)]],
            areas[community],
            categories,
            district,
            street,
            everyone,
        )
        for i, (r, m) in enumerate(pairs)
    ]


def leaf_categories(dsn: str) -> list[str]:
    """The active leaf categories: clients spread their needs over them as a city's residents do."""
    with psycopg.connect(dsn) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT code FROM orders_category c WHERE active AND NOT EXISTS "
                "(SELECT 1 FROM orders_category k WHERE k.parent_id = c.id) ORDER BY code"
            ).fetchall()
        ]


def shard(user_id: int) -> int:
    return zlib.crc32(f"user:{user_id}".encode()) % SHARDS


def _payload(n: int = 300) -> str:
    return json.dumps(
        {"event": "orders.claimed", "title": "压测：上门打扫卫生", "body": "服务" * (n // 6)}, ensure_ascii=False
    )


class Cycle:
    """The state of one raw life cycle: what later statements refer to (order, event, notifications)."""

    def __init__(self, who: Actors, n: int = 0, index: int = 0) -> None:
        self.who = who
        self.category = who.categories[(index + n) % len(who.categories)]
        self.order = 0
        self.event = 0
        self.notifications: list[int] = []
        self.head: tuple[int, str] = (0, "")
        self.actor = who.resident


def _now() -> datetime:
    return datetime.now(UTC)


# One hand-written statement per (kind, table). Each takes the cursor, the cycle, the step and the rows.
def _insert_order(cur: Any, c: Cycle, step: str, rows: int) -> None:
    c.order = cur.execute(
        "INSERT INTO raw.orders_order (channel, scenario, urgency, state, title, description, address, preferred_time,"
        " contact_name, contact_phone, accept_by, created_at, reopen_count, reminder_count, completion_note,"
        " people_served, volunteers, reply, area_id, category_id, community_id, created_by_id, requester_id)"
        " VALUES ('web','individual','normal','pending',%s,%s,'','','张阿姨','13905800000',%s,%s,0,0,'',0,'','',"
        " %s,%s,%s,%s,%s) RETURNING id",
        [
            "压测：上门打扫卫生",
            "每周两次上门打扫卫生，谢谢。",
            _now(),
            _now(),
            c.who.area,
            c.category,
            c.who.community,
            c.who.resident,
            c.who.resident,
        ],
    ).fetchone()[0]


def _lock_order(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute("SELECT id, state, org_id FROM raw.orders_order WHERE id = %s FOR UPDATE", [c.order])


ORDER_UPDATES = {
    "claim": (
        "UPDATE raw.orders_order SET org_id = %s, state = 'accepted', accepted_at = %s, complete_by = %s WHERE id = %s",
        lambda c: [c.who.org, _now(), _now(), c.order],
    ),
    "complete": (
        "UPDATE raw.orders_order SET state = 'completed', completed_at = %s, completion_note = %s, "
        "people_served = 1, volunteers = '' WHERE id = %s",
        lambda c: [_now(), "已上门完成打扫。", c.order],
    ),
    "rate": ("UPDATE raw.orders_order SET state = 'closed', closed_at = %s WHERE id = %s", lambda c: [_now(), c.order]),
}


def _update_order(cur: Any, c: Cycle, step: str, rows: int) -> None:
    sql, params = ORDER_UPDATES.get(
        step, ("UPDATE raw.orders_order SET state = state WHERE id = %s", lambda c: [c.order])
    )
    cur.execute(sql, params(c))


def _insert_event(cur: Any, c: Cycle, step: str, rows: int) -> None:
    c.event = cur.execute(
        "INSERT INTO raw.orders_orderevent (action, from_state, to_state, note, data, at, actor_id, org_id, order_id)"
        " VALUES (%s, 'pending', 'accepted', '', %s, %s, %s, %s, %s) RETURNING id",
        [step, json.dumps({"channel": "web", "org": c.who.org}), _now(), c.actor, c.who.org, c.order],
    ).fetchone()[0]


def _lock_head(cur: Any, c: Cycle, step: str, rows: int) -> None:
    c.head = cur.execute(
        "SELECT seq, hash FROM raw.audit_auditchainhead WHERE shard = %s FOR UPDATE", [shard(c.actor)]
    ).fetchone()


def _insert_audit(cur: Any, c: Cycle, step: str, rows: int) -> None:
    seq, prev = c.head[0] + 1, c.head[1]
    at = _now()
    data = json.dumps({"from": "pending", "to": "accepted", "event": c.event})
    digest = hashlib.sha256(
        json.dumps(
            [
                shard(c.actor),
                seq,
                at.isoformat(),
                c.actor,
                step,
                "orders.order",
                str(c.order),
                "#1",
                data,
                "127.0.0.1",
                prev,
                "压测",
            ]
        ).encode()
    ).hexdigest()
    cur.execute(
        "INSERT INTO raw.audit_auditentry (shard, seq, at, actor_label, action, target_type, target_id, target_label,"
        " data, ip, prev_hash, hash, actor_id, hash_version) "
        "VALUES (%s,%s,%s,'压测',%s,'orders.order',%s,%s,%s,'127.0.0.1',%s,%s,%s,2)",
        [
            shard(c.actor),
            seq,
            at,
            f"orders.order.{step}",
            str(c.order),
            f"#{c.order} 压测：上门打扫卫生",
            data,
            prev,
            digest,
            c.actor,
        ],
    )
    c.head = (seq, digest)


def _update_head(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute(
        "UPDATE raw.audit_auditchainhead SET seq = %s, hash = %s WHERE shard = %s",
        [c.head[0], c.head[1], shard(c.actor)],
    )


def _recipient(c: Cycle, i: int = 0) -> int:
    """The i-th recipient: first the other party of the life cycle, then other users."""
    first = c.who.member if c.actor == c.who.resident else c.who.resident
    return first if i == 0 else [u for u in c.who.pool if u != first][(i - 1) % (len(c.who.pool) - 1)]


def _insert_notifications(cur: Any, c: Cycle, step: str, rows: int) -> None:
    values = ", ".join(["(%s, %s, '', 'orders.order', %s, %s, '{}', %s, %s, %s)"] * rows)
    params: list[Any] = []
    for i in range(rows):
        params += [
            f"orders.{step}",
            "“海韵社工”已接单：压测：上门打扫卫生",
            str(c.order),
            f"/orders/{c.order}/",
            f"order-event:{c.event}",
            _now(),
            _recipient(c, i),
        ]
    c.notifications = [
        r[0]
        for r in cur.execute(
            f"INSERT INTO raw.notify_notification (kind, title, body, target_type, target_id, url, data, event_key,"
            f" created_at, recipient_id) VALUES {values} ON CONFLICT DO NOTHING RETURNING id",
            params,
        ).fetchall()
    ]


def _insert_outbox(cur: Any, c: Cycle, step: str, rows: int) -> None:
    values = ", ".join(["(%s, %s, %s, %s, 'pending', 0, %s, '', %s, %s, %s, NULL)"] * rows)
    params: list[Any] = []
    for i in range(rows):
        # Each recipient gets one email and one webhook message, as with the bench's webhook endpoint.
        notification = c.notifications[i // 2] if i // 2 < len(c.notifications) else None
        params += [
            f"order-event:{c.event}",
            f"orders.{step}",
            "email" if i % 2 == 0 else "webhook",
            _payload(),
            _now(),
            _now(),
            notification,
            _recipient(c, i // 2),
        ]
    cur.execute(
        f"INSERT INTO raw.notify_outboxmessage (event_key, kind, channel, payload, status, attempts, next_attempt_at,"
        f" last_error, created_at, notification_id, recipient_id, endpoint_id) VALUES {values} ON CONFLICT DO NOTHING",
        params,
    )


def _insert_photo(cur: Any, c: Cycle, step: str, rows: int) -> None:
    for _ in range(rows):
        name = uuid.uuid4().hex
        cur.execute(
            "INSERT INTO raw.orders_orderphoto (path, thumb_path, width, height, bytes, sha256, created_at,"
            " event_id, order_id, uploaded_by_id) VALUES (%s, %s, 160, 120, 2100, %s, %s, %s, %s, %s)",
            [
                f"orders/{c.order}/2026/11/{name}.jpg",
                f"orders/{c.order}/2026/11/{name}_thumb.jpg",
                hashlib.sha256(name.encode()).hexdigest(),
                _now(),
                c.event,
                c.order,
                c.actor,
            ],
        )


def _insert_ledger(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute(
        "INSERT INTO raw.orders_ledgerentry (service_date, place, service, category_name, people_served,"
        " volunteers, photos_count, created_at, updated_at, area_id, community_id, org_id, order_id)"
        " VALUES (%s, '兴普一网格', '居家养老：压测：上门打扫卫生', '居家养老', 1, '', 1, %s, %s, %s, %s, %s, %s)",
        [_now().date(), _now(), _now(), c.who.area, c.who.community, c.who.org, c.order],
    )


def _lock_ledger(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute("SELECT id FROM raw.orders_ledgerentry WHERE order_id = %s FOR UPDATE", [c.order])


def _update_ledger(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute("UPDATE raw.orders_ledgerentry SET rating = 5, updated_at = %s WHERE order_id = %s", [_now(), c.order])


def _insert_rating(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute(
        "INSERT INTO raw.orders_rating (rater_role, stars, comment, created_at, order_id, org_id, rater_id)"
        " VALUES ('requester', 5, '服务很好', %s, %s, %s, %s)",
        [_now(), c.order, c.who.org, c.who.resident],
    )


def _insert_idempotency(cur: Any, c: Cycle, step: str, rows: int) -> None:
    body = json.dumps(
        {
            "id": c.order,
            "state": "accepted",
            "title": "压测：上门打扫卫生",
            "events": [{"action": step}] * 3,
            "description": "每周两次上门打扫卫生，谢谢。" * 4,
        },
        ensure_ascii=False,
    )
    cur.execute(
        "INSERT INTO raw.core_idempotencyrecord (key, method, path, status, body, created_at, user_id)"
        " VALUES (%s, 'POST', %s, 200, %s, %s, %s)",
        [uuid.uuid4().hex, f"/api/v1/orders/{c.order}/{step}", body, _now(), c.actor],
    )


def _insert_task(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute(
        "INSERT INTO raw.django_tasks_database_dbtaskresult (id, status, args_kwargs, priority, task_path,"
        " queue_name, backend_name, run_after, enqueued_at, exception_class_path, traceback, worker_ids)"
        " VALUES (%s, 'READY', '{\"args\": [], \"kwargs\": {}}', 0, 'gongzhi.notify.tasks.deliver_outbox',"
        " 'default', 'default', '9999-01-01', %s, '', '', '[]')",
        [uuid.uuid4(), _now()],
    )


# The six levels of the insights counters (the product's gongzhi.insights.facts.GRAINS, written out):
# (code, keeps street, keeps area, keeps category, keeps organization).
GRAIN_SHAPES = (
    (1, True, False, True, False),
    (2, False, False, False, True),
    (3, False, False, True, True),
    (4, True, False, True, True),
    (5, True, True, True, False),
    (6, True, True, True, True),
)
# The product keeps every level per month (codes 1-6), per calendar year (11-16, the year's first day) and,
# for the district and street levels 1-4, year to date (21-24: each month from the order's to November).
GRAINS = tuple(
    (code + offset, period, *shape)
    for period, offset in (("month", 0), ("year", 10), ("ytd", 20))
    for code, *shape in GRAIN_SHAPES
    if period != "ytd" or code <= 4
)


def _tally_keys(c: Cycle, step: str, rows: int) -> list[tuple[int, ...]]:
    """The counter cells a transition touches: those of the order's new fact, then of its old one (before
    the claim its organization is 0), in key order as the product writes them."""
    month = _now().date().replace(day=1)
    facts = [0] if step == "create" else [c.who.org, 0]
    keys: list[tuple[Any, ...]] = []
    for org in facts:
        for code, period, street, area, category, by_org in GRAINS:
            if by_org and not org:
                continue  # the product keeps no organization cells for orders nobody holds
            months = (
                [month]
                if period == "month"
                else [month.replace(month=1)]
                if period == "year"
                else [month.replace(month=m) for m in range(month.month, 12)]
            )
            for at in months:
                key = (
                    code,
                    at,
                    c.who.district,
                    c.who.street if street else 0,
                    c.who.area if area else 0,
                    c.category if category else 0,
                    org if by_org else 0,
                )
                if key not in keys:
                    keys.append(key)
    return sorted(keys[:rows])


def _upsert_tally(cur: Any, c: Cycle, step: str, rows: int) -> None:
    keys = _tally_keys(c, step, rows)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, 1, 1, 0)"] * len(keys))
    cur.execute(
        f"INSERT INTO raw.insights_tally (grain, month, district_id, street_id, area_id, category_id, org_id, posted,"
        f" st_pending, st_accepted) VALUES {values} ON CONFLICT (grain, month, district_id, street_id, area_id,"
        f" category_id, org_id) DO UPDATE SET posted = raw.insights_tally.posted + excluded.posted,"
        f" st_pending = raw.insights_tally.st_pending + excluded.st_pending,"
        f" st_accepted = raw.insights_tally.st_accepted + excluded.st_accepted",
        [x for k in keys for x in k],
    )


def _insert_fact(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute(
        "INSERT INTO raw.insights_orderfact (order_id, month, district_id, street_id, area_id, category_id,"
        " org_id, state, taken_due, taken_ontime, done_due, done_ontime, ever_done, reopened, reopens, fast,"
        " year) VALUES (%s, %s, %s, %s, %s, %s, 0, 'pending', false, false, false, false, false, false, 0,"
        " false, %s)",
        [
            c.order,
            _now().date().replace(day=1),
            c.who.district,
            c.who.street,
            c.who.area,
            c.category,
            _now().date().replace(month=1, day=1),
        ],
    )


def _update_fact(cur: Any, c: Cycle, step: str, rows: int) -> None:
    cur.execute(
        "UPDATE raw.insights_orderfact SET org_id = %s, state = %s, taken_due = true, taken_ontime = true,"
        " ta = 1, stars = %s WHERE order_id = %s",
        [
            c.who.org,
            {"claim": "accepted", "complete": "completed"}.get(step, "closed"),
            5 if step == "rate" else None,
            c.order,
        ],
    )


STATEMENTS = {
    ("INSERT", "orders_order"): _insert_order,
    ("SELECT FOR UPDATE", "orders_order"): _lock_order,
    ("UPDATE", "orders_order"): _update_order,
    ("INSERT", "orders_orderevent"): _insert_event,
    ("SELECT FOR UPDATE", "audit_auditchainhead"): _lock_head,
    ("INSERT", "audit_auditentry"): _insert_audit,
    ("UPDATE", "audit_auditchainhead"): _update_head,
    ("INSERT", "notify_notification"): _insert_notifications,
    ("INSERT", "notify_outboxmessage"): _insert_outbox,
    ("INSERT", "orders_orderphoto"): _insert_photo,
    ("INSERT", "orders_ledgerentry"): _insert_ledger,
    ("SELECT FOR UPDATE", "orders_ledgerentry"): _lock_ledger,
    ("UPDATE", "orders_ledgerentry"): _update_ledger,
    ("INSERT", "orders_rating"): _insert_rating,
    ("INSERT", "core_idempotencyrecord"): _insert_idempotency,
    ("INSERT", "django_tasks_database_dbtaskresult"): _insert_task,
    ("INSERT", "insights_tally"): _upsert_tally,
    ("INSERT", "insights_orderfact"): _insert_fact,
    ("UPDATE", "insights_orderfact"): _update_fact,
}
ACTOR = {"create": "resident", "claim": "member", "complete": "member", "rate": "resident"}


def uncovered(plan: dict[str, list[list[Any]]]) -> Counter[str]:
    """Writes of the platform that have no hand-written statement here (they make raw look cheaper)."""
    missing: Counter[str] = Counter()
    for writes in plan.values():
        for kind, table, rows in writes:
            if (kind, table) not in STATEMENTS:
                missing[f"{kind} {table}"] += rows
    return missing


@dataclass
class RawSpec:
    index: int
    dsn: str
    plan: dict[str, list[list[Any]]]
    who: Actors
    seconds: float


@dataclass
class RawResult:
    index: int
    cycles: int = 0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    cpu: float = 0.0
    wall: float = 0.0


def raw_main(spec: RawSpec, start_at: float, queue: Any) -> None:
    import os

    result = RawResult(spec.index, latencies={s: [] for s in spec.plan})
    try:
        conn = psycopg.connect(spec.dsn, prepare_threshold=2)
        while time.time() < start_at:
            time.sleep(0.01)
        t = os.times()
        cpu0, t0 = t.user + t.system, time.monotonic()
        n = 0
        while time.monotonic() < t0 + spec.seconds:
            cycle = Cycle(spec.who, n, spec.index)
            n += 1
            try:
                for step, writes in spec.plan.items():
                    cycle.actor = spec.who.resident if ACTOR.get(step) == "resident" else spec.who.member
                    started = time.perf_counter()
                    with conn.transaction(), conn.cursor() as cur:
                        for kind, table, rows in writes:
                            fn = STATEMENTS.get((kind, table))
                            if fn is not None:
                                fn(cur, cycle, step, rows)
                    result.latencies[step].append(time.perf_counter() - started)
                result.cycles += 1
            except psycopg.Error as exc:
                result.errors[type(exc).__name__] += 1
        t = os.times()
        result.cpu, result.wall = t.user + t.system - cpu0, time.monotonic() - t0
        conn.close()
    except Exception as exc:
        result.errors[f"client crashed: {exc!r}"[:200]] += 1
    queue.put(result)
