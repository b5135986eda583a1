"""Domain events: a lower app says what happened, the higher apps that care listen.

This keeps the dependencies between apps one-way. The orders app does not import the insights app to keep
its counters; it publishes ``OrderTransitioned`` and insights, which sits above orders, listens. A new app
(projects, participation, intake …) listens to the events of the apps below it in the same way.

Two kinds of listener:

* ``listen(Event)`` runs inside the publisher's transaction, at the moment of publishing. Use it for what must
  commit or roll back together with the change (counters that have to stay exact). An error in it fails the
  change.
* ``listen(Event, after_commit=True)`` runs after the transaction commits, never if it rolls back. Use it for
  side effects (messages, webhooks, caches). An error in it is logged and does not undo the committed change.

Listeners register when their app is ready (import the module that holds them in ``AppConfig.ready``), so
the set is fixed once Django has started.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

type Listener = Callable[[Any], None]

_during: defaultdict[type, list[Listener]] = defaultdict(list)
_after: defaultdict[type, list[Listener]] = defaultdict(list)


class DomainEvent:
    """Base of every event; subclasses are frozen dataclasses named in the past tense (``OrderTransitioned``)."""


def listen[F: Listener](event_type: type[DomainEvent], *, after_commit: bool = False) -> Callable[[F], F]:
    """Register the decorated function for ``event_type`` (and its subclasses)."""

    def register(fn: F) -> F:
        listeners = (_after if after_commit else _during)[event_type]
        if fn not in listeners:  # a module imported twice (tests, reloads) registers once
            listeners.append(fn)
        return fn

    return register


def _matching(table: defaultdict[type, list[Listener]], event: DomainEvent) -> list[Listener]:
    found: list[Listener] = []
    for kind in type(event).__mro__:
        found.extend(table.get(kind, ()))
    return found


def publish(event: DomainEvent) -> None:
    """Run the in-transaction listeners now and queue the after-commit ones."""
    for fn in _matching(_during, event):
        fn(event)
    for fn in _matching(_after, event):
        transaction.on_commit(partial(_run_after, fn, event))


def _run_after(fn: Listener, event: DomainEvent) -> None:
    try:
        fn(event)
    except Exception:  # the change is committed: report, do not pretend it failed
        logger.exception("after-commit listener %s failed for %s", getattr(fn, "__qualname__", fn), event)


def listeners_of(event_type: type[DomainEvent]) -> dict[str, list[str]]:
    """Who listens to ``event_type`` (for the docs and tests)."""

    def names(table: defaultdict[type, list[Listener]]) -> list[str]:
        return [f"{fn.__module__}.{fn.__qualname__}" for fn in table.get(event_type, ())]

    return {"during": names(_during), "after_commit": names(_after)}
