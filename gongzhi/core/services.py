"""Writes of the platform itself (not of a domain): housekeeping the clock queues on the task worker."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


# Every task of ours finishes in seconds to minutes; one still "running" after this long lost its worker.
STALE_AFTER = timedelta(minutes=30)


class WorkerLost(RuntimeError):
    """Recorded on a task whose worker stopped (killed, or the machine restarted) while running it."""


def tasks_reap_stale(now: datetime | None = None) -> int:
    """Mark as failed the tasks left "running" by a worker that died (django-tasks-db does not notice), so
    the queue shows what really runs. Their work is not lost: the clock queues its jobs again, and
    undelivered messages are picked up again by the outbox sweep. Returns how many were marked."""
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or timezone.now()) - STALE_AFTER
    reaped = 0
    for result in DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).order_by("started_at"):
        result.set_failed(
            WorkerLost(
                _("任务进程在运行中停止（%(started)s 开始，超过 %(minutes)s 分钟未结束）")
                % {
                    "started": timezone.localtime(result.started_at).strftime("%Y-%m-%d %H:%M"),
                    "minutes": int(STALE_AFTER.total_seconds()) // 60,
                }
            )
        )
        reaped += 1
    if reaped:
        logger.warning("tasks: %s task(s) left running by a stopped worker marked failed", reaped)
    return reaped
