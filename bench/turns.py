"""Before and after on a noisy machine: the insights API calls of one checkout, taking turns, as JSON.

Usage (the same bench database for both; a worktree of the earlier commit beside this checkout):

    git worktree add /tmp/before <commit>
    for i in 1 2 3; do for tree in /tmp/before .; do
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/gz1m .venv/bin/python bench/turns.py --tree $tree
    done; done

Each process imports gongzhi from ``--tree`` (checked), gives mzj, street_dg and community_xp a token, warms
every call up, then makes ``--rounds`` rounds in which each call is made once, and prints its name and the
median ms of each call (wall clock and process CPU). Alternating processes of the two trees, a few pairs,
is how BENCHMARKS.md compares code when the machine's speed drifts by more than the change being measured.
The database must exist already (see ``bench/leaderboard.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

CALLS = {  # name: (user, path)
    "calibration": ("mzj", "/api/v1/categories"),
    "accepted": ("mzj", "/api/v1/insights/leaderboards/accepted"),
    "praise": ("mzj", "/api/v1/insights/leaderboards/praise"),
    "categories": ("mzj", "/api/v1/insights/leaderboards/categories"),
    "dashboard district": ("mzj", "/api/v1/insights/dashboard"),
    "dashboard street": ("street_dg", "/api/v1/insights/dashboard"),
    "dashboard community": ("community_xp", "/api/v1/insights/dashboard"),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tree", default=".", help="the checkout whose code is measured")
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--period", default=str(time.localtime().tm_year))
    a = p.parse_args()
    tree = str(Path(a.tree).resolve())
    sys.path.insert(0, tree)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_SECRET_KEY", "bench-only-" + "k" * 48)
    os.environ["GONGZHI_ALLOWED_HOSTS"] = os.environ.get("GONGZHI_ALLOWED_HOSTS", "localhost") + ",testserver"
    import django

    django.setup()
    import gongzhi

    if not str(gongzhi.__file__).startswith(tree):
        sys.exit(f"gongzhi was imported from {gongzhi.__file__}, not from {tree}")
    from django.test import Client

    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import token_issue

    clients = {
        u: Client(headers={"Authorization": "Bearer " + token_issue(user=User.objects.get(username=u))[1]})
        for u in {user for user, _path in CALLS.values()}
    }
    wall: dict[str, list[float]] = {k: [] for k in CALLS}
    cpu: dict[str, list[float]] = {k: [] for k in CALLS}
    for user, path in CALLS.values():
        for _i in range(3):
            response = clients[user].get(path, {"period": a.period})
            assert response.status_code == 200, response.content[:300]
    for _i in range(a.rounds):
        for name, (user, path) in CALLS.items():
            t, c = time.perf_counter(), time.process_time()
            clients[user].get(path, {"period": a.period})
            wall[name].append((time.perf_counter() - t) * 1000)
            cpu[name].append((time.process_time() - c) * 1000)
    print(
        json.dumps(
            {
                "tree": tree,
                "period": a.period,
                "wall_ms": {k: round(statistics.median(v), 1) for k, v in wall.items()},
                "cpu_ms": {k: round(statistics.median(v), 1) for k, v in cpu.items()},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
