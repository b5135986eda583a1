"""Two delivery workers at the same moment on PostgreSQL: every message is claimed and sent by exactly one."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from gongzhi.notify.models import OutboxMessage, Status
from gongzhi.notify.tasks import deliver_outbox

from .test_delivery import make_messages

# Decided before any fixture runs: a transactional test that is then skipped would still flush the database.
# Real threads against PostgreSQL; the baseline is restored after the flush (see the root conftest).
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (SQLite's test database is not shared between threads)",
    ),
    pytest.mark.usefixtures("transactional_db"),
]


def _at_once(count: int) -> list[dict[str, int]]:
    start = threading.Barrier(count)
    results: list[dict[str, int]] = []

    def work() -> None:
        try:
            start.wait(timeout=10)
            results.append(deliver_outbox.call())
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_concurrent_workers_never_send_the_same_message(endpoint, receiver):
    total = make_messages(endpoint, 12)
    results = _at_once(2)
    assert len(results) == 2
    assert sum(r.get("sent", 0) for r in results) == total
    # Whatever one worker sent, the other found taken: no message went out twice.
    assert sorted(receiver.deliveries()) == sorted(str(pk) for pk in OutboxMessage.objects.values_list("pk", flat=True))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}
