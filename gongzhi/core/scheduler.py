"""Periodic jobs: a small clock process (``gongzhi scheduler``, started by ``gongzhi run``) that queues
each job on the task worker at its interval. The worker does the work; the clock only keeps time.

A job is not queued again while an earlier run of it still waits in the queue, so a stopped worker
does not pile up runs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.tasks import task
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    target: str  # dotted path of a function taking no arguments


JOBS = [
    Job("notify.sweep", 60, "gongzhi.notify.services.outbox_sweep"),
    Job("tasks.reap", 600, "gongzhi.core.services.tasks_reap_stale"),
    Job("orders.auto_close", 600, "gongzhi.orders.services.orders_auto_close"),
    Job("insights.hotspots", 3600, "gongzhi.insights.tasks.hotspots_job"),
]


@task()
def run_job(target: str) -> str:
    result = import_string(target)()
    return str(result)


def _waiting(target: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status="READY", task_path=run_job.module_path, args_kwargs__args__0=target
    ).exists()


def tick(last_run: dict[str, float], now: float) -> list[str]:
    """Queue the jobs that are due; returns their names."""
    queued = []
    for job in JOBS:
        if now - last_run.get(job.name, 0.0) < job.every_seconds:
            continue
        last_run[job.name] = now
        if _waiting(job.target):
            continue
        run_job.enqueue(job.target)
        queued.append(job.name)
    return queued


def run_forever(poll_seconds: float = 5.0) -> None:  # pragma: no cover - exercised by `gongzhi run`
    last_run: dict[str, float] = {}
    while True:
        try:
            for name in tick(last_run, time.monotonic()):
                logger.info("scheduler: queued %s", name)
        except Exception:
            logger.exception("scheduler: tick failed; trying again")
        time.sleep(poll_seconds)
