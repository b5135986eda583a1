"""The load generator: client processes that run order life cycles against the API, and read loops.

A life-cycle client holds one keep-alive connection per user (a resident and an organization member,
each with a bearer token) and repeats create → claim → complete (one small photo) → rate until its
time is up, or at a given rate (the soak). Every write carries an ``Idempotency-Key``; in retry mode
(the soak) a failed request is sent again with the same key until it gets an answer, as a careful app
on a flaky network does. Each process reports its latencies, errors and its own CPU time, so the
load generator's share of the machine can be printed next to the figures it produced.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import COMMUNITY, GRIDS, Http, multipart, small_jpeg

STEPS = ("create", "claim", "complete", "rate")
EXPECTED = {"create": 201, "claim": 200, "complete": 200, "rate": 200}
RETRYABLE = {429, 500, 502, 503, 504}


@dataclass
class ClientSpec:
    index: int
    port: int
    resident_token: str
    org_token: str
    seconds: float
    rate: float | None = None  # life cycles per second for this client; None: as fast as it can
    retry_seconds: float = 0  # soak: keep retrying a failed request this long (same Idempotency-Key)
    log: Path | None = None  # soak: one JSON line per confirmed step
    categories: tuple[str, ...] = ("elderly_care",)  # needs rotate over these, as a city's do


@dataclass
class ClientResult:
    index: int
    cycles: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    cpu: float = 0.0
    wall: float = 0.0


class StepFailed(Exception):
    pass


class LifeCycleClient:
    def __init__(self, spec: ClientSpec) -> None:
        self.spec = spec
        self.res = Http(spec.port, spec.resident_token)
        self.org = Http(spec.port, spec.org_token)
        self.result = ClientResult(spec.index)
        self.photo, self.photo_type = multipart(
            {"description": "已上门完成打扫，居民表示满意。", "people_served": "1"},
            {"photos": (f"p{spec.index}.jpg", small_jpeg(spec.index), "image/jpeg")},
        )
        self.log = open(spec.log, "a", buffering=1) if spec.log else None  # noqa: SIM115
        self.grid = GRIDS[spec.index % len(GRIDS)]

    def send(
        self, step: str, http: Http, path: str, body: bytes, ctype: str, order: int | None, title: str = ""
    ) -> Any:
        key = uuid.uuid4().hex
        deadline = time.monotonic() + self.spec.retry_seconds
        pause = 0.2
        while True:
            started = time.perf_counter()
            try:
                status, data = http.request("POST", path, body, {"Content-Type": ctype, "Idempotency-Key": key})
                outcome = str(status)
            except OSError as exc:
                status, data, outcome = 0, b"", type(exc).__name__
            elapsed = time.perf_counter() - started
            if status == EXPECTED[step]:
                self.result.latencies[step].append(elapsed)
                payload = json.loads(data)
                order = order or payload.get("id")
                if self.log:
                    self.log.write(json.dumps({"step": step, "order": order, "title": title, "key": key}) + "\n")
                return payload
            self.result.errors[f"{step} {outcome}"] += 1
            retry = (status == 0 or status in RETRYABLE) and time.monotonic() < deadline
            if not retry:
                raise StepFailed(f"{step} {outcome}: {data[:200]!r}")
            self.result.retries += 1
            time.sleep(pause)
            pause = min(pause * 2, 2.0)

    def cycle(self, n: int) -> None:
        title = f"压测 c{self.spec.index} n{n} {uuid.uuid4().hex[:10]}"
        category = self.spec.categories[(self.spec.index + n) % len(self.spec.categories)]
        body = json.dumps(
            {
                "category": category,
                "title": title,
                "description": "每周两次上门打扫卫生，谢谢。",
                "community": COMMUNITY,
                "grid": self.grid,
            },
            ensure_ascii=False,
        ).encode()
        created = self.send("create", self.res, "/api/v1/orders", body, "application/json", None, title)
        oid = created["id"]
        self.send("claim", self.org, f"/api/v1/orders/{oid}/claim", b"{}", "application/json", oid)
        self.send("complete", self.org, f"/api/v1/orders/{oid}/complete", self.photo, self.photo_type, oid)
        rating = json.dumps({"stars": 5, "comment": "服务很好"}, ensure_ascii=False).encode()
        self.send("rate", self.res, f"/api/v1/orders/{oid}/rate", rating, "application/json", oid)
        self.result.cycles += 1

    def run(self, start_at: float) -> ClientResult:
        while time.time() < start_at:
            time.sleep(min(0.01, start_at - time.time()))
        cpu0, t0 = _cpu(), time.monotonic()
        end = t0 + self.spec.seconds
        period = 1 / self.spec.rate if self.spec.rate else 0.0
        next_start, n = t0, 0
        while time.monotonic() < end:
            with contextlib.suppress(StepFailed):  # counted in errors; the next life cycle starts afresh
                self.cycle(n)
            n += 1
            if period:
                next_start = max(next_start + period, time.monotonic() - period)
                time.sleep(max(0.0, min(next_start, end) - time.monotonic()))
        self.result.wall = time.monotonic() - t0
        self.result.cpu = _cpu() - cpu0
        for h in (self.res, self.org):
            h.close()
        return self.result


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def client_main(spec: ClientSpec, start_at: float, queue: Any) -> None:
    try:
        queue.put(LifeCycleClient(spec).run(start_at))
    except Exception as exc:  # report, don't hang the parent
        r = ClientResult(spec.index)
        r.errors[f"client crashed: {exc!r}"[:200]] += 1
        queue.put(r)


def run_clients(target: Any, specs: list[Any], settle: float = 1.0) -> tuple[list[Any], float]:
    """Start one process per spec, release them together, collect their results; returns (results, wall)."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    start_at = time.time() + settle + 0.05 * len(specs)
    procs = [ctx.Process(target=target, args=(spec, start_at, queue), daemon=True) for spec in specs]
    for p in procs:
        p.start()
    timeout = max(s.seconds for s in specs) + settle + 120
    results = [queue.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    return sorted(results, key=lambda r: r.index), max(r.wall for r in results)


def lifecycles(
    port: int,
    tokens: list[tuple[str, str]],
    clients: int,
    seconds: float,
    **kw: Any,
) -> tuple[list[ClientResult], float]:
    """``clients`` processes running life cycles for ``seconds``; ``kw`` as in :class:`ClientSpec`."""
    specs = [ClientSpec(i, port, tokens[i][0], tokens[i][1], seconds, **kw) for i in range(clients)]
    return run_clients(client_main, specs)


def merge(results: list[ClientResult]) -> dict[str, Any]:
    lat: dict[str, list[float]] = {s: [] for s in STEPS}
    errors: Counter[str] = Counter()
    for r in results:
        for s in STEPS:
            lat[s] += r.latencies[s]
        errors.update(r.errors)
    return {
        "cycles": sum(r.cycles for r in results),
        "latencies": lat,
        "errors": dict(errors),
        "retries": sum(r.retries for r in results),
        "cpu": sum(r.cpu for r in results),
    }


# ---- reads ----------------------------------------------------------------------------------------


@dataclass
class ReadSpec:
    index: int
    port: int
    path: str
    seconds: float
    token: str = ""
    cookie: str = ""


def _read_main(spec: ReadSpec, start_at: float, queue: Any) -> None:
    http = Http(spec.port, spec.token)
    headers = {"Cookie": f"sessionid={spec.cookie}"} if spec.cookie else {}
    lat: list[float] = []
    errors: Counter[str] = Counter()
    while time.time() < start_at:
        time.sleep(0.01)
    cpu0, t0 = _cpu(), time.monotonic()
    while time.monotonic() < t0 + spec.seconds:
        started = time.perf_counter()
        try:
            status, _body = http.request("GET", spec.path, None, headers)
        except OSError as exc:
            status = 0
            errors[type(exc).__name__] += 1
        if status == 200:
            lat.append(time.perf_counter() - started)
        elif status:
            errors[str(status)] += 1
    http.close()
    queue.put(
        _Res(
            {
                "index": spec.index,
                "latencies": lat,
                "errors": dict(errors),
                "cpu": _cpu() - cpu0,
                "wall": time.monotonic() - t0,
            }
        )
    )


class _Res:
    """Adapter so read results sort and time like life-cycle results."""

    def __init__(self, d: dict[str, Any]) -> None:
        self.__dict__.update(d)


def reads(
    port: int,
    path: str,
    clients: int,
    seconds: float,
    *,
    token: str = "",
    cookie: str = "",
) -> dict[str, Any]:
    specs = [ReadSpec(i, port, path, seconds, token, cookie) for i in range(clients)]
    raw, wall = run_clients(_read_main, specs)
    lat = [x for r in raw for x in r.latencies]
    errors: Counter[str] = Counter()
    for r in raw:
        errors.update(r.errors)
    return {"latencies": lat, "errors": dict(errors), "wall": wall, "cpu": sum(r.cpu for r in raw)}
