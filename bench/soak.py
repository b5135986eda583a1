"""``make soak``: hold 70% of the measured life-cycle throughput for a while, break things in the middle,
and check afterwards that nothing was lost, doubled or left half-done.

The harness is the process manager here (as systemd would be): it starts the web server (``gongzhi run
--no-worker``: gunicorn, whose master respawns killed workers), the task worker and the clock, and
restarts the task worker and the clock whenever they exit. Timeline, as fractions of ``SOAK_SECONDS``
(default 600):

- 0.4: SIGKILL every gunicorn worker and the task worker; the task worker is started again at once;
- 0.6: restart PostgreSQL (``pg_ctlcluster --skip-systemctl-redirect 15 main restart``).

Clients retry a failed request with the same ``Idempotency-Key`` for up to 90 s. Afterwards: wait for the
outbox to drain, then ``gongzhi audit verify``, ``gongzhi insights verify`` (when it exists), and
:func:`bench.django_side.verify` (orders against the clients' logs, event chains, ledger, ratings,
outbox rows against the sink's receipts).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import load, raw
from bench.common import (
    GONGZHI,
    PASSWORD,
    ROOT,
    WORK,
    children,
    cmdline,
    db_url,
    django,
    free_port,
    login,
    pairs,
    prepare_db,
    psql,
    server_env,
    summary_ms,
    wait_http,
)

DB = "gongzhi_bench_soak"
DEMO_PASSWORD = "gongzhi-demo"
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]


def say(text: str = "") -> None:
    print(text, flush=True)


class Supervisor:
    """Starts the product's three processes and restarts the task worker and the clock when they exit."""

    def __init__(self, env: dict[str, str], port: int, logdir: Path) -> None:
        self.env, self.port, self.logdir = env, port, logdir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: dict[str, int] = {"worker": 0, "clock": 0}
        self.events: list[tuple[float, str]] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.t0 = time.monotonic()

    def note(self, what: str) -> None:
        self.events.append((round(time.monotonic() - self.t0, 1), what))
        say(f"   [{self.events[-1][0]:6.1f} s] {what}")

    def _spawn(self, name: str, args: list[str]) -> None:
        out = open(self.logdir / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        self.procs[name] = subprocess.Popen(args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def start(self) -> None:
        self._spawn("web", [GONGZHI, "run", "--no-worker", "--port", str(self.port)])
        self._spawn("worker", [GONGZHI, "worker", "--no-reload", "--interval", "0.5"])
        self._spawn("clock", [GONGZHI, "scheduler"])
        wait_http(self.port)
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self.stopping.wait(0.5):
            with self.lock:
                for name in ("worker", "clock"):
                    p = self.procs[name]
                    if p.poll() is not None:
                        self.note(f"{name} exited (code {p.returncode}); restarting it")
                        self.restarts[name] += 1
                        self._spawn(name, self.procs[name].args)  # type: ignore[arg-type]
                if self.procs["web"].poll() is not None:
                    self.note(f"web server exited (code {self.procs['web'].returncode}); restarting it")
                    self._spawn("web", self.procs["web"].args)  # type: ignore[arg-type]

    def web_workers(self) -> list[int]:
        master = next((c for c in children(self.procs["web"].pid) if "gunicorn" in cmdline(c)), None)
        return children(master) if master else []

    def kill_workers(self) -> None:
        with self.lock:
            workers = self.web_workers()
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            task = self.procs["worker"]
            task.send_signal(signal.SIGKILL)
            task.wait(timeout=10)
            self.note(f"SIGKILL web workers {workers} and task worker {task.pid}")
            self._spawn("worker", task.args)  # type: ignore[arg-type]
            self.restarts["worker"] += 1
            self.note(f"task worker restarted as {self.procs['worker'].pid}")

    def restart_postgres(self) -> None:
        started = time.monotonic()
        out = subprocess.run(PG_RESTART, capture_output=True, text=True, timeout=120)
        self.note(
            f"PostgreSQL restarted in {time.monotonic() - started:.1f} s (exit {out.returncode})"
            + (f": {out.stderr.strip()[:200]}" if out.returncode else "")
        )

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            for p in self.procs.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in self.procs.values():
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()


def outbox_open() -> dict[str, int]:
    rows = psql("SELECT status, count(*) FROM notify_outboxmessage GROUP BY status", DB)
    return {s: int(n) for s, n in (line.split("|") for line in rows.splitlines() if line)}


def target_rate() -> tuple[float, str]:
    if os.environ.get("SOAK_RATE"):
        return float(os.environ["SOAK_RATE"]), "SOAK_RATE"
    last = WORK / "last.json"
    if last.exists():
        levels = json.loads(last.read_text()).get("levels") or []
        if levels:
            best = max(lv["per_s"] for lv in levels)
            return round(0.7 * best, 1), f"70% of {best}/s measured by make bench ({last})"
    return 20.0, "no make bench figure yet: 20/s"


def checks(env: dict[str, str], logdir: Path, receipts: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, cmd in (("audit verify", ["audit", "verify"]), ("insights verify", ["insights", "verify"])):
        if (
            name == "insights verify"
            and not (ROOT / "gongzhi/insights/management/commands/insights_verify.py").exists()
        ):
            out[name] = {"skipped": "command does not exist yet"}
            continue
        r = subprocess.run([GONGZHI, *cmd], env=env, capture_output=True, text=True, timeout=1800, cwd=ROOT)
        out[name] = {"exit": r.returncode, "output": (r.stdout + r.stderr).strip()[-600:]}
    report = WORK / "soak-verify.json"
    django(
        [
            "verify",
            "--logs",
            *map(str, sorted(logdir.glob("client-*.jsonl"))),
            "--receipts",
            str(receipts),
            "--out",
            str(report),
        ],
        env,
        log=logdir / "verify.log",
    )
    out["consistency"] = json.loads(report.read_text())
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench.soak")
    p.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    p.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS", 8)))
    p.add_argument("--drain-seconds", type=float, default=float(os.environ.get("SOAK_DRAIN_SECONDS", 420)))
    p.add_argument("--no-faults", action="store_true")
    a = p.parse_args(argv)
    logdir = WORK / "soak"
    logdir.mkdir(parents=True, exist_ok=True)
    for f in logdir.glob("*"):
        f.unlink()
    rate, why = target_rate()
    say(
        f"== soak: {a.seconds:.0f} s at {rate} life cycles/s ({why}), {a.clients} clients, faults "
        f"{'off' if a.no_faults else 'at 40% (SIGKILL) and 60% (PostgreSQL restart)'}; logs: {logdir}"
    )
    receipts = logdir / "receipts.jsonl"
    sink_port = free_port()
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.sink",
            "--port",
            str(sink_port),
            "--out",
            str(receipts),
            "--seconds",
            str(a.seconds + a.drain_seconds + 3600),
        ],
        cwd=ROOT,
    )
    env = server_env(DB, sink_port=sink_port)
    say(f"== setup: fresh database {DB}")
    prepare_db(DB, env, logdir / "setup.log", sink_port)
    port = free_port()
    sup = Supervisor(env, port, logdir)
    result: dict[str, Any] = {"seconds": a.seconds, "rate_target": rate, "clients": a.clients}
    try:
        sup.start()
        tokens = [
            (
                login(port, r, DEMO_PASSWORD if r == "resident_a" else PASSWORD),
                login(port, m, DEMO_PASSWORD if m == "org_a" else PASSWORD),
            )
            for r, m in pairs(a.clients)
        ]
        sup.t0 = time.monotonic() + 1.5
        timers = []
        if not a.no_faults:
            timers = [
                threading.Timer(1.5 + 0.4 * a.seconds, sup.kill_workers),
                threading.Timer(1.5 + 0.6 * a.seconds, sup.restart_postgres),
            ]
            for t in timers:
                t.start()
        say("== load")
        results, wall = _run(port, tokens, a, rate, logdir)
        for t in timers:
            t.join()
        merged = load.merge(results)
        result.update(
            {
                "wall": round(wall, 1),
                "lifecycles": merged["cycles"],
                "rate_achieved": round(merged["cycles"] / wall, 1),
                "retries": merged["retries"],
                "errors_seen_by_clients": merged["errors"],
                "steps": {s: summary_ms(v) for s, v in merged["latencies"].items()},
                "events": sup.events,
                "restarts": sup.restarts,
            }
        )
        say(
            f"   {merged['cycles']} life cycles in {wall:.0f} s = {result['rate_achieved']}/s "
            f"(target {rate}); retries {merged['retries']}; errors seen (then retried) {merged['errors'] or 0}"
        )
        say(f"   p50/p95/p99 ms per step: { {s: (v['p50'], v['p95'], v['p99']) for s, v in result['steps'].items()} }")
        say(
            f"== drain: waiting for the outbox (≤ {a.drain_seconds:.0f} s; a message caught mid-send by SIGKILL "
            f"waits out its 5-minute lease)"
        )
        deadline, state = time.monotonic() + a.drain_seconds, {}
        while time.monotonic() < deadline:
            state = outbox_open()
            if not state.get("pending") and not state.get("sending"):
                break
            time.sleep(5)
        result["outbox_after_drain"] = state
        result["drain_seconds"] = round(a.drain_seconds - max(0.0, deadline - time.monotonic()), 1)
        say(f"   outbox: {state} after {result['drain_seconds']} s")
    finally:
        sup.stop()
    say("== checks")
    result["checks"] = checks(env, logdir, receipts)
    sink.terminate()
    c = result["checks"]
    ok = (
        c["audit verify"].get("exit") == 0
        and c["insights verify"].get("exit", 0) == 0
        and c["consistency"]["problem_count"] == 0
    )
    result["passed"] = ok
    for name in ("audit verify", "insights verify"):
        say(f"   {name}: {c[name]}")
    say(f"   consistency: {json.dumps(c['consistency'], ensure_ascii=False)}")
    say(f"== soak {'PASSED' if ok else 'FAILED'}")
    out = WORK / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    say(f"all figures: {out}")
    return 0 if ok else 1


def _run(
    port: int,
    tokens: list[tuple[str, str]],
    a: Any,
    rate: float,
    logdir: Path,
) -> tuple[list[load.ClientResult], float]:
    specs = [
        load.ClientSpec(
            i,
            port,
            tokens[i][0],
            tokens[i][1],
            a.seconds,
            rate=rate / a.clients,
            retry_seconds=90,
            log=logdir / f"client-{i}.jsonl",
            categories=tuple(raw.leaf_categories(db_url(DB))),
        )
        for i in range(a.clients)
    ]
    return load.run_clients(load.client_main, specs, settle=1.5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
