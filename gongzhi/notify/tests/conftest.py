"""Fixtures for the notification tests: a real webhook receiver on 127.0.0.1, endpoints, the immediate task backend."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SECRET = "test-secret-0123456789abcdef"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def delivery(self) -> str:
        return self.headers["X-Gongzhi-Delivery"]

    def signature_ok(self, secret: str = SECRET) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-Gongzhi-Signature", ""))


@dataclass
class Receiver:
    """What the test server got, and the statuses it answers with (then 200 once they run out)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # Set by a test to hold each request until released: makes two senders overlap for certain.
    gate: threading.Event | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        if self.gate is not None:
            self.gate.wait(timeout=5)
        with self.lock:
            self.received.append(Received(headers, body))
            return self.statuses.pop(0) if self.statuses else 200

    def deliveries(self) -> list[str]:
        return [r.delivery for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.answer(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver: Receiver) -> Callable[..., Any]:
    from gongzhi.notify.models import WebhookEndpoint

    def make(kinds: list[str] | None = None, **extra: Any) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(
            name=extra.pop("name", "区网格化平台"),
            url=extra.pop("url", receiver.url),
            secret=SECRET,
            kinds=kinds or [],
            **extra,
        )

    return make


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    """Run queued tasks at once, in the caller's thread (Django's ImmediateBackend)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture
def db_tasks(settings: Any) -> None:
    """The production backend (django-tasks-db): queued runs become rows the worker would pick up."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def with_email(user: Callable[[str], Any]) -> Callable[[str], Any]:
    def make(username: str) -> Any:
        u = user(username)
        u.email = f"{username}@example.org"
        u.save(update_fields=["email"])
        return u

    return make


@pytest.fixture
def due_now() -> Callable[[], None]:
    """``due_now()`` brings every waiting retry forward to now, as if the backoff had passed."""
    from django.utils import timezone

    from gongzhi.notify.models import OutboxMessage, Status

    def run() -> None:
        OutboxMessage.objects.filter(status=Status.PENDING).update(next_attempt_at=timezone.now())

    return run


@pytest.fixture(autouse=True)
def _empty_inboxes(request: pytest.FixtureRequest) -> None:
    """The demo's own stories notify people too; each test starts from empty inboxes and outbox."""
    if "django_db" not in {m.name for m in request.node.iter_markers()}:
        return
    if "demo" in request.fixturenames:
        request.getfixturevalue("demo")  # first the demo (it may notify), then empty the inboxes
    from gongzhi.notify.models import Notification, OutboxMessage

    OutboxMessage.objects.all().delete()
    Notification.objects.all().delete()
