"""The people import at scale (issue 18): a generated 100,000-row ledger through `gongzhi people import`, timed,
with the importing process's resident memory sampled every 0.2 s (peak and the curve's shape) — on SQLite and,
when BENCH_PG answers, on PostgreSQL. Goal: under 60 s with flat memory.

Usage: ``python -m bench.people_import [--rows 100000] [--only sqlite|postgres]``; ``make bench`` runs it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import GONGZHI, ROOT, WORK, db_url, machine, psql, recreate_db, sh

COMMUNITY = "330903003005"
DB = "gongzhi_bench_people"
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
GOAL_SECONDS = 60.0


def _check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def ledger(path: Path, rows: int) -> float:
    """A ledger as a community keeps it (title row, headers, every tenth row with some problem)."""
    from openpyxl import Workbook

    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    sheet.append(["兴普社区居民信息登记表"])
    sheet.append(["序号", "姓名", "公民身份号码", "联系电话", "住址", "楼栋", "门牌号", "网格", "特殊群体"])
    for i in range(1, rows + 1):
        # Unique numbers: a different birth date for every thousand rows, the sequence within it.
        born = date(1935, 1, 1) + timedelta(days=(i // 1000) * 211)
        first17 = f"330999{born:%Y%m%d}{i % 1000:03d}"
        number = first17 + _check(first17)
        if i % 10 == 0:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")  # a wrong check character
        sheet.append(
            [
                i,
                "王秀英",
                number,
                f"139 {i % 10000:04d} {i // 10000:04d}",
                "兴普小区",
                str(1 + i % 60),
                str(100 + i % 900),
                "兴普一网格" if i % 2 else "兴普二网格",
                "独居" if i % 13 == 0 else "",
            ]
        )
    book.save(path)
    return time.perf_counter() - started


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed_import(env: dict[str, str], path: Path, log: Path) -> dict[str, Any]:
    args = [GONGZHI, "people", "import", str(path), "--community", COMMUNITY]
    samples: list[tuple[float, int]] = []
    started = time.perf_counter()
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        while proc.poll() is None:
            samples.append((time.perf_counter() - started, _rss_kb(proc.pid)))
            time.sleep(0.2)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"people import exited {proc.returncode} (see {log})")
    rss = [kb for _t, kb in samples if kb]
    quarter = max(1, len(rss) // 4)
    return {
        "seconds": round(seconds, 1),
        "rows_per_second": round(int(path.stem.split("-")[-1]) / seconds),
        "peak_rss_mb": round(max(rss) / 1024, 1) if rss else None,
        # Flat memory: the peak of the last quarter of the run against the peak of the second quarter.
        "rss_mb_second_quarter_peak": round(max(rss[quarter : 2 * quarter] or [0]) / 1024, 1),
        "rss_mb_last_quarter_peak": round(max(rss[-quarter:] or [0]) / 1024, 1),
        "output": log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:],
    }


def _env(database_url: str | None, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
            "GONGZHI_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "GONGZHI_VAR_DIR": str(var),
            "GONGZHI_MEDIA_ROOT": str(var / "media"),
            "GONGZHI_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(rows: int, only: str | None = None) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"people-ledger-{rows}.xlsx"
    result: dict[str, Any] = {"rows": rows, "machine": machine()}
    result["generate_seconds"] = round(ledger(path, rows), 1)
    result["file_mb"] = round(path.stat().st_size / 1024 / 1024, 1)
    targets = []
    if only in (None, "sqlite"):
        var = WORK / "people-sqlite"
        if var.exists():
            for f in var.glob("gongzhi.sqlite3*"):
                f.unlink()
        targets.append(("sqlite", _env(None, var)))
    if only in (None, "postgres"):
        try:
            psql("SELECT 1")
            recreate_db(DB)
            targets.append(("postgres", _env(db_url(DB), WORK / "people-postgres")))
        except Exception as exc:
            result["postgres"] = {"skipped": str(exc)[:200]}
    for name, env in targets:
        log = WORK / f"people-import-{name}.log"
        log.write_text("")
        sh([GONGZHI, "migrate", "--no-input", "-v", "0"], env, log=log)
        sh([GONGZHI, "demo", "--quiet-accounts"], env, log=log)
        first = timed_import(env, path, log)
        again = timed_import(env, path, log)  # every row now updates an existing person
        result[name] = {"first": first, "again": again, "met": first["seconds"] < GOAL_SECONDS}
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    options = parser.parse_args()
    import json

    result = run(options.rows, options.only)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
