"""The clock's jobs: a task left "running" by a dead worker is marked failed, a live one is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from gongzhi.core import scheduler, services


def _running(started_minutes_ago: int) -> DBTaskResult:
    result = scheduler.run_job.enqueue("gongzhi.notify.services.outbox_sweep")
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("worker-that-died")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=started_minutes_ago))
    return row


@pytest.mark.django_db
def test_tasks_left_running_by_a_dead_worker_are_marked_failed():
    lost, busy = _running(45), _running(5)
    with translation.override("zh-hans"):  # the worker's language (no request activates another)
        assert services.tasks_reap_stale() == 1
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert lost.status == "FAILED" and lost.exception_class_path.endswith("WorkerLost")
    assert "任务进程在运行中停止" in lost.traceback
    assert busy.status == "RUNNING"
    assert services.tasks_reap_stale() == 0  # nothing twice


def test_the_reaper_is_one_of_the_clocks_jobs():
    assert "gongzhi.core.services.tasks_reap_stale" in {job.target for job in scheduler.JOBS}
