"""``make bench``: the order life cycle through the API against the database's own limit, reads, imports,
the leaderboard, and a bounded schemathesis run — all in one process tree on this machine, figures printed,
goals judged, a row appended to the history in BENCHMARKS.md.

Usage: ``python -m bench.run [--seconds 25] [--clients 1,4,16] [--orders 1000000] [--no-history]``.
Every loop is bounded in time; every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import load, people_import, raw, reads
from bench.common import (
    COMMUNITY,
    GONGZHI,
    GRIDS,
    PASSWORD,
    ROOT,
    WORK,
    Server,
    cpu_seconds,
    db_url,
    django,
    free_port,
    load_average,
    login,
    machine,
    machine_busy,
    pairs,
    prepare_db,
    psql,
    sh,
    summary_ms,
    table,
)

DB = "gongzhi_bench"
# The project's design material sits beside the checkout (../shared), as everywhere else in the project.
DIVISIONS = Path(os.environ.get("BENCH_DIVISIONS") or ROOT.parent / "shared" / "data" / "divisions")
DEMO_PASSWORD = "gongzhi-demo"
GOALS = {"ratio": 0.30, "lifecycles": 200.0, "p95_ms": 100.0, "rss_mb": 200.0}


def say(text: str = "") -> None:
    print(text, flush=True)


class WaitSampler:
    """Samples pg_stat_activity of the bench database four times a second while a run goes on: what the
    database's sessions wait for (a row lock, the WAL flush at commit, the client) and, for row-lock waits,
    on which statement — where a shared row serializes writers, it shows here."""

    def __init__(self, dsn: str, db: str) -> None:
        self.dsn, self.db = dsn, db
        self.samples = 0
        self.waits: dict[str, int] = {}
        self.lock_waits: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.wait(0.25):
                rows = conn.execute(
                    "SELECT state, coalesce(wait_event_type, 'CPU'), coalesce(wait_event, ''), left(query, 60) "
                    "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND state <> 'idle'",
                    [self.db],
                ).fetchall()
                self.samples += 1
                for _state, kind, event, query in rows:
                    key = f"{kind}:{event}" if event else kind
                    self.waits[key] = self.waits.get(key, 0) + 1
                    if kind == "Lock":
                        q = " ".join(query.split())[:60]
                        self.lock_waits[q] = self.lock_waits.get(q, 0) + 1

    def report(self) -> dict[str, Any]:
        n = max(self.samples, 1)
        top = sorted(self.waits.items(), key=lambda kv: -kv[1])[:6]
        locks = sorted(self.lock_waits.items(), key=lambda kv: -kv[1])[:4]
        return {
            "active_sessions_avg": round(sum(self.waits.values()) / n, 2),
            "by_wait": {k: round(v / n, 2) for k, v in top},
            "row_lock_waits_on": {k: round(v / n, 2) for k, v in locks},
        }


class PgCpu:
    """CPU used during a window by PostgreSQL's processes that serve the bench database (its client
    backends) or the whole server (checkpointer, WAL writer…); other databases' backends count as others'."""

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _pids() -> list[int]:
        rows = psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB}' OR backend_type <> 'client backend'")
        return [int(x) for x in rows.split()]

    def _sample(self) -> dict[int, float]:
        return {pid: cpu_seconds(pid) for pid in self._pids()}

    def used(self) -> float:
        # A process that started during the window counts whole; one that ended is lost (an underestimate).
        return sum(max(0.0, cpu - self.start.get(pid, 0.0)) for pid, cpu in self._sample().items())


def tokens_for(port: int, n: int) -> list[tuple[str, str]]:
    """Bearer tokens for each client's resident and organization member, through the real login endpoint."""

    def one(pair: tuple[str, str]) -> tuple[str, str]:
        pw = [DEMO_PASSWORD if u in ("resident_a", "org_a") else PASSWORD for u in pair]
        return login(port, pair[0], pw[0]), login(port, pair[1], pw[1])

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, pairs(n)))


# ---- 1 and 2: the life cycle and its limit --------------------------------------------------------


def writes_plan(env: dict[str, str], log: Path) -> dict[str, Any]:
    out = WORK / "writes.json"
    django(["writes", "--out", str(out)], env, log=log)
    return json.loads(out.read_text())


def print_plan(plan: dict[str, Any]) -> None:
    rows = []
    for step, s in plan["steps"].items():
        grouped: dict[tuple[str, str], list[int]] = {}
        for kind, tbl, n in s["writes"]:
            grouped.setdefault((tbl, kind), [0, 0])
            grouped[(tbl, kind)][0] += 1
            grouped[(tbl, kind)][1] += n
        for (tbl, kind), (stmts, nrows) in grouped.items():
            rows.append([step, tbl, kind, stmts, nrows])
        rows.append([step, "(plain reads)", "SELECT", s["reads"], ""])
        rows.append([step, "(savepoints)", "SAVEPOINT/RELEASE", s["savepoints"], ""])
    say(table(rows, ["step", "table", "kind", "statements", "rows"]))
    writes = sum(len(s["writes"]) for s in plan["steps"].values())
    reads_ = sum(s["reads"] for s in plan["steps"].values())
    say(
        f"per life cycle: {writes} writing/locking statements, {reads_} plain reads, "
        f"{sum(s['statements'] for s in plan['steps'].values())} statements in all"
    )


def run_level(
    port: int,
    tokens: list[tuple[str, str]],
    n: int,
    seconds: float,
    server: Server,
    plan: dict[str, Any],
    who: list[raw.Actors],
    raw_seconds: float,
) -> dict[str, Any]:
    procs = server.processes()
    cpu_srv, cpu_pg, box = procs.cpu(), PgCpu(), machine_busy()
    with WaitSampler(db_url(DB), DB) as waits:
        results, wall = load.lifecycles(port, tokens, n, seconds, categories=tuple(raw.leaf_categories(db_url(DB))))
    procs_after = server.processes()
    srv = procs_after.cpu() - cpu_srv if procs_after.all() == procs.all() else float("nan")
    pg = cpu_pg.used()
    box_busy = (machine_busy()[0] - box[0]) / (machine_busy()[1] - box[1])
    api = load.merge(results)
    cores = os.cpu_count() or 1
    level: dict[str, Any] = {
        "clients": n,
        "seconds": round(wall, 1),
        "lifecycles": api["cycles"],
        "per_s": round(api["cycles"] / wall, 1),
        "steps": {s: summary_ms(v) for s, v in api["latencies"].items()},
        "errors": api["errors"],
        "loadgen_cpu_share": round(api["cpu"] / (wall * cores), 3),
        "server_cpu_share": round(srv / (wall * cores), 3),
        "postgres_cpu_share": round(pg / (wall * cores), 3),
        "machine_busy": round(box_busy, 3),
        "memory": procs_after.memory(),
        "db_waits": waits.report(),
    }
    # What the rest of the machine did meanwhile (other people's tests, browsers): the figures are only
    # comparable between runs when this is near zero.
    level["other_cpu_share"] = round(
        max(0.0, box_busy - level["loadgen_cpu_share"] - level["server_cpu_share"] - level["postgres_cpu_share"]), 3
    )
    specs = [
        raw.RawSpec(i, db_url(DB), {k: v["writes"] for k, v in plan["steps"].items()}, who[i], raw_seconds)
        for i in range(n)
    ]
    cpu_pg, box = PgCpu(), machine_busy()
    with WaitSampler(db_url(DB), DB) as rwaits:
        rres, rwall = load.run_clients(raw.raw_main, specs)
    rpg = cpu_pg.used()
    rbox = (machine_busy()[0] - box[0]) / (machine_busy()[1] - box[1])
    rcycles = sum(r.cycles for r in rres)
    rerr: dict[str, int] = {}
    for r in rres:
        for k, v in r.errors.items():
            rerr[k] = rerr.get(k, 0) + v
    level["raw"] = {
        "lifecycles": rcycles,
        "seconds": round(rwall, 1),
        "per_s": round(rcycles / rwall, 1),
        "errors": rerr,
        "steps": {s: summary_ms([x for r in rres for x in r.latencies[s]]) for s in plan["steps"]},
        "loadgen_cpu_share": round(sum(r.cpu for r in rres) / (rwall * cores), 3),
        "postgres_cpu_share": round(rpg / (rwall * cores), 3),
        "machine_busy": round(rbox, 3),
        "db_waits": rwaits.report(),
    }
    level["raw"]["other_cpu_share"] = round(
        max(0.0, rbox - level["raw"]["loadgen_cpu_share"] - level["raw"]["postgres_cpu_share"]), 3
    )
    level["ratio"] = round(level["per_s"] / level["raw"]["per_s"], 3) if level["raw"]["per_s"] else None
    return level


def print_levels(levels: list[dict[str, Any]]) -> None:
    rows = [
        [
            lv["clients"],
            lv["per_s"],
            lv["raw"]["per_s"],
            f"{lv['ratio']:.0%}" if lv["ratio"] else "-",
            sum(lv["errors"].values()),
            sum(lv["raw"]["errors"].values()),
            f"{lv['loadgen_cpu_share']:.0%}",
            f"{lv['server_cpu_share']:.0%}",
            f"{lv['postgres_cpu_share']:.0%}",
            f"{lv['raw']['postgres_cpu_share']:.0%}",
            f"{lv['other_cpu_share']:.0%} / {lv['raw']['other_cpu_share']:.0%}",
        ]
        for lv in levels
    ]
    say(
        table(
            rows,
            [
                "clients",
                "API lc/s",
                "raw lc/s",
                "API/raw",
                "API errors",
                "raw errors",
                "loadgen CPU",
                "server CPU",
                "PG CPU (API)",
                "PG CPU (raw)",
                "others' CPU (API / raw)",
            ],
        )
    )
    say(
        "(CPU shares are of the whole machine: seconds used / (wall time × cores); 'others' is what processes "
        "outside the benchmark used meanwhile)"
    )
    say("")
    rows = []
    for lv in levels:
        for step, s in lv["steps"].items():
            r = lv["raw"]["steps"].get(step, {})
            rows.append(
                [lv["clients"], step, s["n"], s["p50"], s["p95"], s["p99"], r.get("p50", "-"), r.get("p95", "-")]
            )
    say(table(rows, ["clients", "step", "n", "p50 ms", "p95 ms", "p99 ms", "raw p50", "raw p95"]))
    say("")
    rows = [
        [
            lv["clients"],
            " / ".join(str(x) for x in lv["memory"]["web_rss_mb"]),
            " / ".join(str(x) for x in lv["memory"]["web_peak_mb"]),
            lv["memory"]["task_worker_rss_mb"],
            lv["memory"]["task_worker_peak_mb"],
            lv["memory"]["master_rss_mb"],
        ]
        for lv in levels
    ]
    say(table(rows, ["clients", "web workers RSS MB", "web peak MB", "task worker MB", "task peak MB", "master MB"]))
    say("")
    for lv in levels:
        say(
            f"database sessions at {lv['clients']} clients (average busy sessions by what they wait for): "
            f"API {lv['db_waits']['by_wait']}; raw {lv['raw']['db_waits']['by_wait']}"
        )
        if lv["db_waits"]["row_lock_waits_on"]:
            say(f"   API row-lock waits on: {lv['db_waits']['row_lock_waits_on']}")
        if lv["raw"]["db_waits"]["row_lock_waits_on"]:
            say(f"   raw row-lock waits on: {lv['raw']['db_waits']['row_lock_waits_on']}")
    errs = {lv["clients"]: lv["errors"] for lv in levels if lv["errors"]}
    if errs:
        say(f"errors by step and status: {errs}")


# ---- 4: imports and the leaderboard ---------------------------------------------------------------


def import_figures(env: dict[str, str], log: Path) -> dict[str, Any]:
    files = [
        DIVISIONS / f for f in ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages_zhejiang.csv")
    ]
    if not all(f.is_file() for f in files):
        return {"skipped": f"division lists not found under {DIVISIONS}"}
    args = [GONGZHI, "import-areas", *map(str, files), "--only", "33"]
    first = sh(args, env, log=log)
    again = sh(args, env, log=log)
    rows = sum(1 for f in files for line in f.read_text(encoding="utf-8").splitlines()[1:] if line.startswith("33"))
    return {"rows": rows, "first_s": round(first, 1), "again_s": round(again, 1), "rows_per_s": round(rows / first, 0)}


def leaderboard(env: dict[str, str], log: Path, orders: int) -> dict[str, Any]:
    """bench/leaderboard.py (another engineer's) on the reads database, which already holds the orders."""
    script = ROOT / "bench" / "leaderboard.py"
    if not script.is_file():
        return {"skipped": "bench/leaderboard.py does not exist yet"}
    if not reads.order_count():
        return {"skipped": f"no {reads.DB} database (run the reads step first)"}
    args = [sys.executable, str(script), "--database-url", db_url(reads.DB), "--orders", str(orders)]
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    with open(log, "a") as f:
        f.write(out.stdout + out.stderr)
    if out.returncode != 0:
        return {"failed": f"exit {out.returncode}: {(out.stderr or out.stdout)[-500:]}"}
    return {"output": out.stdout.strip()}


# ---- 7: schemathesis ------------------------------------------------------------------------------

FUZZ_USERS = ("org_a", "resident_a", "community_xp")  # an organization, a resident, a community worker
OPEN311_SCHEMA = ROOT / "bench" / "open311-openapi.yaml"


def _schemathesis(args: list[str], seconds: float) -> tuple[str, bool]:
    exe = Path(sys.executable).parent / "schemathesis"
    try:
        # --max-time ends the run gracefully (with its summary); the hard timeout is only a backstop.
        out = subprocess.run(
            [
                str(exe),
                "run",
                *args,
                "--checks",
                "not_a_server_error",
                "--no-color",
                "--workers",
                "2",
                "--request-timeout",
                "20",
                "--max-time",
                str(int(seconds)),
                "--suppress-health-check",
                "all",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            cwd=WORK,
        )
        return out.stdout + out.stderr, False
    except subprocess.TimeoutExpired as exc:
        return (exc.stdout or b"").decode() + (exc.stderr or b"").decode(), True


def fuzz(port: int, log: Path, max_examples: int, seconds: float) -> dict[str, Any]:
    """schemathesis against /api/v1/openapi.json as each of FUZZ_USERS (bearer tokens), then against the
    Open311 endpoints (bench/open311-openapi.yaml, anonymous reads and the demo api_key), the time shared."""
    if not (Path(sys.executable).parent / "schemathesis").exists():
        return {"skipped": "schemathesis not installed (pip install -r bench/requirements.txt)"}
    share = seconds / (len(FUZZ_USERS) + 1)
    runs: dict[str, dict[str, Any]] = {}
    texts = []
    for username in FUZZ_USERS:
        token = login(port, username, DEMO_PASSWORD)
        text, timed_out = _schemathesis(
            [
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                str(max_examples),
                "--exclude-method",
                "DELETE",
            ],
            share,
        )
        runs[f"/api/v1 as {username}"] = parse_fuzz(text, timed_out)
        texts.append(f"===== /api/v1 as {username} =====\n{text}")
    text, timed_out = _schemathesis(
        [str(OPEN311_SCHEMA), "--url", f"http://127.0.0.1:{port}/open311/v2", "--max-examples", str(max_examples)],
        share,
    )
    runs["/open311/v2"] = parse_fuzz(text, timed_out)
    texts.append(f"===== /open311/v2 =====\n{text}")
    report = WORK / "schemathesis.txt"
    report.write_text("\n".join(texts))
    with open(log, "a") as f:
        f.write("\n".join(texts))
    return {
        "cases": sum(r["cases"] or 0 for r in runs.values()),
        "server_errors": sum(r["server_errors"] for r in runs.values()),
        "failing_operations": [f"{name}: {op}" for name, r in runs.items() for op in r["failing_operations"]],
        "reproductions": [x for r in runs.values() for x in r["reproductions"]],
        "timed_out": any(r["timed_out"] for r in runs.values()),
        "report": str(report),
        "runs": {name: {"cases": r["cases"], "server_errors": r["server_errors"]} for name, r in runs.items()},
    }


def parse_fuzz(text: str, timed_out: bool) -> dict[str, Any]:
    """The figures of schemathesis's summary: cases generated, server errors (500s) and where."""
    import re

    cases = re.search(r"(\d+) generated", text)
    errors = re.search(r"Server error: (\d+)", text)
    where = re.findall(r"^_{3,} (\w+ /\S+) _{3,}$", text, re.MULTILINE)
    repro = re.findall(r"^\s+(curl -X .*)$", text, re.MULTILINE)
    return {
        "cases": int(cases.group(1)) if cases else None,
        "server_errors": int(errors.group(1)) if errors else 0,
        "failing_operations": where,
        "reproductions": [r.replace("-H 'Cookie: [Filtered]' ", "") for r in repro],
        "timed_out": timed_out,
        "report": str(WORK / "schemathesis.txt"),
    }


# ---- goals and history ----------------------------------------------------------------------------


def goals(result: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    out: list[tuple[str, bool | None, str]] = []
    levels = result["levels"]
    for lv in levels:
        out.append(
            (
                f"API ≥ 30% of raw at {lv['clients']} clients",
                (lv["ratio"] or 0) >= GOALS["ratio"],
                f"{lv['per_s']} / {lv['raw']['per_s']} = {lv['ratio']:.0%}" if lv["ratio"] else "no raw figure",
            )
        )
    best = max(levels, key=lambda lv: lv["per_s"])
    out.append(
        (
            "≥ 200 life cycles/s",
            best["per_s"] >= GOALS["lifecycles"],
            f"best {best['per_s']}/s at {best['clients']} clients",
        )
    )
    out.append(
        (
            "0 errors in the life-cycle runs",
            all(not lv["errors"] for lv in levels),
            "; ".join(f"{lv['clients']}: {sum(lv['errors'].values())}" for lv in levels),
        )
    )
    for name, r in result.get("reads", {}).get("endpoints", {}).items():
        if "p95" in r:
            ok = r["p95"] <= GOALS["p95_ms"] and not r["errors"]
            out.append(
                (
                    f"p95 ≤ 100 ms and 0 errors at {result['reads']['clients']} clients: {name}",
                    ok,
                    f"p95 {r['p95']} ms, errors {r['errors'] or 0}",
                )
            )
    for lv in levels:
        worst = max(lv["steps"].values(), key=lambda s: s["p95"])
        step = next(k for k, v in lv["steps"].items() if v is worst)
        if lv["clients"] >= 16:
            out.append(
                (
                    f"p95 ≤ 100 ms for every life-cycle step at {lv['clients']} clients",
                    worst["p95"] <= GOALS["p95_ms"],
                    f"worst: {step} p95 {worst['p95']} ms",
                )
            )
    peaks = [p for lv in levels for p in lv["memory"]["web_peak_mb"]]
    task = [lv["memory"]["task_worker_peak_mb"] or 0 for lv in levels]
    out.append(
        (
            "every worker process < 200 MB RSS",
            max(peaks + task) < GOALS["rss_mb"],
            f"web peak {max(peaks):.0f} MB, task worker peak {max(task):.0f} MB",
        )
    )
    fz = result.get("fuzz", {})
    if "cases" in fz:
        out.append(
            (
                "schemathesis: no 500",
                fz["server_errors"] == 0 and fz["cases"] is not None,
                f"{fz['cases']} cases, {fz['server_errors']} server errors {fz['failing_operations']}",
            )
        )
    return out


def history_row(result: dict[str, Any]) -> str:
    lv = {x["clients"]: x for x in result["levels"]}

    def f(n: int, key: str) -> str:
        if n not in lv:
            return "-"
        return str(lv[n]["per_s"] if key == "api" else lv[n]["raw"]["per_s"])

    ratios = " / ".join(f"{lv[n]['ratio']:.0%}" for n in sorted(lv) if lv[n]["ratio"])
    reads_ = result.get("reads", {})
    worst_read = max((r.get("p95", 0) for r in reads_.get("endpoints", {}).values()), default=None)
    peak = max(p for x in result["levels"] for p in x["memory"]["web_peak_mb"])
    task = max(x["memory"]["task_worker_peak_mb"] or 0 for x in result["levels"])
    met = sum(1 for _n, ok, _d in result["goals"] if ok)
    return (
        f"| {result['date']} | {result['commit']} | {' / '.join(f(n, 'api') for n in sorted(lv))} | "
        f"{' / '.join(f(n, 'raw') for n in sorted(lv))} | {ratios} | "
        f"{worst_read if worst_read is not None else '-'} ms @{reads_.get('orders', '-')} | "
        f"{peak:.0f} / {task:.0f} | {met}/{len(result['goals'])} |"
    )


def append_history(row: str) -> bool:
    path = ROOT / "BENCHMARKS.md"
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    marker = "<!-- history: make bench appends rows above this line -->"
    if marker not in text:
        return False
    path.write_text(text.replace(marker, f"{row}\n{marker}"), encoding="utf-8")
    return True


def commit() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        return rev + ("+wip" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


# ---- main -----------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench.run")
    p.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 25)))
    p.add_argument("--raw-seconds", type=float, default=float(os.environ.get("BENCH_RAW_SECONDS", 10)))
    p.add_argument("--clients", default=os.environ.get("BENCH_CLIENTS", "1,4,16"))
    p.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 1_000_000)))
    p.add_argument("--read-seconds", type=float, default=float(os.environ.get("BENCH_READ_SECONDS", 8)))
    p.add_argument("--read-clients", type=int, default=32)
    p.add_argument("--fuzz-examples", type=int, default=int(os.environ.get("BENCH_FUZZ_EXAMPLES", 25)))
    p.add_argument("--fuzz-seconds", type=float, default=float(os.environ.get("BENCH_FUZZ_SECONDS", 300)))
    p.add_argument(
        "--skip",
        default=os.environ.get("BENCH_SKIP", ""),
        help="comma list: lifecycle,reads,imports,people,leaderboard,fuzz",
    )
    p.add_argument("--no-history", action="store_true")
    a = p.parse_args(argv)
    skip = set(filter(None, a.skip.split(",")))
    clients = [int(x) for x in a.clients.split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "bench.log"
    log.write_text("")
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "commit": commit(),
        "machine": machine(),
        "levels": [],
    }
    m = result["machine"]
    result["load_average_at_start"] = load_average()
    say(
        f"== gongzhi bench — {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, PostgreSQL {m['postgres']}, "
        f"Python {m['python']}; load average at start {result['load_average_at_start']}; log: {log}"
    )
    if result["load_average_at_start"] > 1.0:
        say("   WARNING: the machine is busy with other work; the figures below share it")
    sink_port = free_port()
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.sink",
            "--port",
            str(sink_port),
            "--out",
            str(WORK / "receipts-bench.jsonl"),
            "--seconds",
            "7200",
        ],
        cwd=ROOT,
    )
    from bench.common import server_env

    env = server_env(DB, sink_port=sink_port)
    server: Server | None = None
    try:
        say(f"\n== setup: fresh database {DB}")
        result["setup"] = {k: round(v, 1) for k, v in prepare_db(DB, env, log, sink_port).items()}
        say(f"   {result['setup']}")
        if "imports" not in skip:
            say("\n== import: the whole Zhejiang division list (provinces … villages, --only 33), then again")
            result["imports"] = import_figures(env, log)
            say(f"   {result['imports']}")
        if "lifecycle" not in skip:
            say("\n== the platform's writes per life cycle (one life cycle in-process, CaptureQueriesContext)")
            plan = writes_plan(env, log)
            result["plan"] = plan["steps"]
            print_plan(plan)
            missing = raw.uncovered({k: v["writes"] for k, v in plan["steps"].items()})
            if missing:
                say(f"   NOTE: no hand-written raw statement for {dict(missing)}: raw skips them (ratio is flattered)")
            result["raw_uncovered"] = dict(missing)
            port = free_port()
            server = Server(env, port, WORK / "server.log")
            procs = server.start()
            say(
                f"\n== server: gongzhi run on 127.0.0.1:{port} — {len(procs.web)} web workers, task worker "
                f"{'up' if procs.task_worker else 'MISSING'}"
            )
            tokens = tokens_for(port, max(clients))
            raw.prepare(db_url(DB))
            who = raw.actors(db_url(DB), pairs(max(clients)), GRIDS, COMMUNITY)
            for n in clients:
                say(
                    f"\n== {n} client(s): {a.seconds:.0f} s of life cycles through the API, then "
                    f"{a.raw_seconds:.0f} s of the same writes in raw SQL"
                )
                level = run_level(port, tokens, n, a.seconds, server, plan, who, a.raw_seconds)
                result["levels"].append(level)
                say(
                    f"   API {level['per_s']}/s, raw {level['raw']['per_s']}/s, ratio {level['ratio']}, "
                    f"errors {level['errors'] or 0}, raw errors {level['raw']['errors'] or 0}"
                )
            say("")
            print_levels(result["levels"])
            if "fuzz" not in skip:
                say(
                    f"\n== schemathesis against /api/v1/openapi.json as {', '.join(FUZZ_USERS)} and against "
                    f"/open311/v2 (≤ {a.fuzz_examples} examples per operation, ≤ {a.fuzz_seconds:.0f} s in all)"
                )
                result["fuzz"] = fuzz(port, log, a.fuzz_examples, a.fuzz_seconds)
                say(f"   {result['fuzz']}")
            server.stop()
            server = None
        if "reads" not in skip:
            say(f"\n== reads at {a.read_clients} concurrent clients")
            result["reads"] = reads.run(a.orders, a.read_clients, a.read_seconds, log, sink_port)
            reads.print_reads(result["reads"])
        if "people" not in skip:
            say("\n== people import: a generated 100,000-row ledger, SQLite and PostgreSQL (bench/people_import.py)")
            result["people"] = people_import.run(int(os.environ.get("BENCH_PEOPLE_ROWS", 100_000)))
            for db_name in ("sqlite", "postgres"):
                if "first" in result["people"].get(db_name, {}):
                    first = result["people"][db_name]["first"]
                    say(
                        f"   {db_name}: {first['seconds']} s, peak RSS {first['peak_rss_mb']} MB "
                        f"({'met' if result['people'][db_name]['met'] else 'MISSED'}: < 60 s)"
                    )
        if "leaderboard" not in skip:
            say("\n== leaderboard (bench/leaderboard.py)")
            result["leaderboard"] = leaderboard(env, log, a.orders)
            say(f"   {result['leaderboard']}")
    finally:
        if server is not None:
            server.stop()
        sink.terminate()
    if result["levels"]:
        result["goals"] = goals(result)
        say("\n== goals (issue 7)")
        for name, ok, detail in result["goals"]:
            say(f"   [{'met' if ok else 'MISSED'}] {name}: {detail}")
        row = history_row(result)
        say("\n== history row\n" + row)
        if not a.no_history and append_history(row):
            say("   appended to BENCHMARKS.md")
    out = WORK / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    (WORK / "last.json").write_text(out.read_text())
    say(f"\nall figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
