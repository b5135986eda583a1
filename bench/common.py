"""Shared pieces of the benchmark harness: configuration, the server's processes, HTTP, statistics.

Nothing here imports Django: the harness drives the product from outside, as an operator and its
clients would. The Django-side steps (bench users, counting writes, the soak checks) live in
:mod:`bench.django_side` and run as their own processes.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
GONGZHI = str(VENV_BIN / "gongzhi")
PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
WORK = Path(os.environ.get("BENCH_WORK", ROOT / "var" / "bench"))
HOST = "127.0.0.1"  # every request of the harness goes to this machine's loopback, nowhere else
PASSWORD = "bench-password-2026"  # bench users only, in bench databases only
COMMUNITY = "330903003005"
GRIDS = ["330903003005-001", "330903003005-002", "330903003005-003"]


def pairs(n: int = 32) -> list[tuple[str, str]]:
    """(resident, organization member) per client; client 0 is the demo's own resident_a and org_a."""
    return [("resident_a", "org_a")] + [(f"bench_res_{i:02d}", f"bench_org_{i:02d}") for i in range(1, n)]


def db_url(name: str) -> str:
    return f"{PG_BASE}/{name}"


def server_env(db: str, *, sink_port: int | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the product under test: production settings (no DEBUG) on the bench database."""
    WORK.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    env.update(
        {
            "DATABASE_URL": db_url(db),
            "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
            "GONGZHI_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "GONGZHI_SECURE_COOKIES": "0",
            "GONGZHI_MEDIA_ROOT": str(WORK / "media" / db),
            "GONGZHI_STATIC_ROOT": str(WORK / "static"),
            "GONGZHI_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if sink_port:
        env.update(
            {
                "GONGZHI_EMAIL_HOST": HOST,
                "GONGZHI_EMAIL_PORT": str(sink_port),
                "GONGZHI_FROM_EMAIL": "gongzhi@bench.invalid",
            }
        )
    env.update(extra or {})
    return env


def sh(args: list[str], env: dict[str, str], *, log: Path | None = None, timeout: float = 1800) -> float:
    """Run a command to completion (its output to ``log``); returns the seconds it took; raises on failure."""
    started = time.perf_counter()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        code = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, cwd=ROOT).returncode
    finally:
        if log:
            out.close()
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} exited {code}" + (f" (see {log})" if log else ""))
    return time.perf_counter() - started


def django(cmd: list[str], env: dict[str, str], **kw: Any) -> float:
    return sh([sys.executable, "-m", "bench.django_side", *cmd], env, **kw)


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(["psql", db_url(db), "-Atqc", sql], check=True, capture_output=True, text=True).stdout


def recreate_db(name: str) -> None:
    assert name.startswith("gongzhi_bench"), name  # the harness only ever drops its own databases
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'")


def db_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip() == "1"


def prepare_db(name: str, env: dict[str, str], log: Path, sink_port: int | None = None) -> dict[str, float]:
    """A fresh database with the schema, the demo and the bench users; returns seconds per step."""
    recreate_db(name)
    timings = {
        "migrate": sh([GONGZHI, "migrate", "--no-input", "-v", "0"], env, log=log),
        "demo": sh([GONGZHI, "demo", "--quiet-accounts"], env, log=log),
    }
    sh([GONGZHI, "collectstatic", "--no-input", "-v", "0"], env, log=log)
    timings["bench users"] = django(["setup", *(["--sink-port", str(sink_port)] if sink_port else [])], env, log=log)
    return timings


# ---- the server's processes -----------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far, from /proc (clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat: everyone's work, ours or not."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / tick, sum(fields) / tick


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


@dataclass
class Processes:
    """The product's processes by role: gunicorn master, its web workers, the task worker, the clock."""

    master: int | None = None
    web: list[int] = field(default_factory=list)
    task_worker: int | None = None
    clock: int | None = None

    def all(self) -> list[int]:
        return [p for p in (self.master, *self.web, self.task_worker, self.clock) if p]

    def memory(self) -> dict[str, Any]:
        return {
            "web_rss_mb": [round(rss_mb(p), 1) for p in self.web],
            "web_peak_mb": [round(rss_mb(p, "VmHWM"), 1) for p in self.web],
            "master_rss_mb": round(rss_mb(self.master), 1) if self.master else None,
            "task_worker_rss_mb": round(rss_mb(self.task_worker), 1) if self.task_worker else None,
            "task_worker_peak_mb": round(rss_mb(self.task_worker, "VmHWM"), 1) if self.task_worker else None,
            "clock_rss_mb": round(rss_mb(self.clock), 1) if self.clock else None,
        }

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.all())


def discover(root: int) -> Processes:
    """Walk the process tree under ``root`` (``gongzhi run`` or the harness) and name each process."""
    procs = Processes()
    todo = [root]
    while todo:
        pid = todo.pop()
        for child in children(pid):
            line = cmdline(child)
            if "gunicorn" in line and procs.master is None and "gunicorn" not in cmdline(pid):
                procs.master = child
                procs.web = children(child)
            elif "db_worker" in line:
                procs.task_worker = child
            elif "scheduler" in line:
                procs.clock = child
            else:
                todo.append(child)
    return procs


def wait_http(port: int, path: str = "/health", timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer {path} within {timeout}s")


class Server:
    """``gongzhi run`` as operators start it (web server, task worker, clock), for the benchmarks."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Processes:
        out = open(self.log, "ab")  # noqa: SIM115 - kept open for the server's lifetime
        self.proc = subprocess.Popen(
            [GONGZHI, "run", "--port", str(self.port)], env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
        wait_http(self.port)
        for _ in range(50):
            procs = self.processes()
            if procs.web and procs.task_worker:
                return procs
            time.sleep(0.2)
        return self.processes()

    def processes(self) -> Processes:
        return discover(self.proc.pid) if self.proc else Processes()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


# ---- HTTP -----------------------------------------------------------------------------------------


class Http:
    """One keep-alive connection, as a mobile app or an integration holds it; reconnects after errors."""

    def __init__(self, port: int, token: str = "", timeout: float = 30) -> None:
        self.port, self.token, self.timeout = port, token, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        h = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # The server closed an idle keep-alive connection: reconnect once and resend. Only
                # safe because every write the harness sends carries an Idempotency-Key.
                self.close()
                if attempt == 2:
                    raise exc
            except Exception:
                self.close()
                raise
        raise AssertionError("unreachable")

    def json(
        self,
        method: str,
        path: str,
        payload: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        body = json.dumps(payload).encode() if payload is not None else None
        status, data = self.request(method, path, body, {"Content-Type": "application/json", **(headers or {})})
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, data[:200]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def login(port: int, username: str, password: str = PASSWORD) -> str:
    status, body = Http(port).json("POST", "/api/v1/auth/token", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"login {username}: HTTP {status} {body}")
    return str(body["token"])


def small_jpeg(seed: int = 0) -> bytes:
    """A 160×120 service photo (~2 KB): enough for the upload path to decode, strip and thumbnail."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (60 + seed * 37 % 180, 120, 200))
    ImageDraw.Draw(image).ellipse((50, 30, 110, 90), fill=(255, 255, 255))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----gongzhibench7f3a"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, ctype) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---- statistics -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 0.5) * 1000, 1),
        "p95": round(percentile(values, 0.95) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
    }


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "postgres": psql("SHOW server_version").strip(),
        "python": sys.version.split()[0],
    }


def table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(s: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
