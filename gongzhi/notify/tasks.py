"""The delivery task run by the task worker (``db_worker``), and how it gets queued.

``notify`` queues a run after its transaction commits; each run sends what is due, then queues the
next run for when a retry falls due (``run_after``), so waiting messages need no cron. The sweep
(``gongzhi notify_sweep``) covers what the chain cannot: a process that died between commit and
queueing, or a queue row lost with its worker.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from gongzhi.notify.selectors import outbox_next_wakeup

logger = logging.getLogger(__name__)


@task()
def deliver_outbox() -> dict[str, int]:
    # Imported here because services queue this task: the two modules need each other.
    from gongzhi.notify.services import outbox_deliver_due

    report = outbox_deliver_due()
    enqueue_delivery(at=outbox_next_wakeup(), when_idle=True)
    return report


def enqueue_delivery(at: datetime | None = None, *, when_idle: bool = False) -> bool:
    """Queue a delivery run for now (or for ``at``), unless one is already queued to run by then.

    ``when_idle``: nothing to do when ``at`` is None. Returns whether a run was queued. A backend that
    cannot defer (the immediate one) is not asked to: the sweep takes care of later retries there.
    """
    if at is None and when_idle:
        return False
    now = timezone.now()
    at = now if at is None or at <= now else at
    task_to_queue = deliver_outbox
    if at > now:
        if not deliver_outbox.get_backend().supports_defer:
            return False
        task_to_queue = deliver_outbox.using(run_after=at)
    if _queued_by(at):
        return False
    task_to_queue.enqueue()
    return True


def enqueue_delivery_after_commit() -> None:
    """For ``transaction.on_commit``: a failure to queue must not fail the caller's committed request."""
    try:
        enqueue_delivery()
    except Exception:
        logger.exception("notify: could not queue delivery; `gongzhi notify_sweep` will pick the messages up")


def _queued_by(at: datetime) -> bool:
    """Is a delivery run already waiting in the database queue that will start no later than ``at``?"""
    backend: Any = deliver_outbox.get_backend()
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult, get_date_max
    except ImportError:  # another task backend: no queue to look into, so always queue
        return False
    if not isinstance(backend, DatabaseBackend):
        return False
    # django-tasks-db stores "no delay" as the maximum date.
    return (
        DBTaskResult.objects.filter(
            task_path=deliver_outbox.module_path, backend_name=backend.alias, status=TaskResultStatus.READY
        )
        .filter(Q(run_after__lte=at) | Q(run_after=get_date_max()))
        .exists()
    )
