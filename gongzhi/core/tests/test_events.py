"""Domain events: in-transaction listeners share the publisher's fate, after-commit ones run only on commit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from gongzhi.core import events
from gongzhi.core.events import DomainEvent, listen, listeners_of, publish


@dataclass(frozen=True)
class Rang(DomainEvent):
    n: int


@dataclass(frozen=True)
class RangTwice(Rang):
    pass


@pytest.fixture
def heard(monkeypatch):
    # A private registry per test: listeners registered here must not stay for the rest of the suite.
    monkeypatch.setattr(events, "_during", type(events._during)(list))
    monkeypatch.setattr(events, "_after", type(events._after)(list))
    log: list[tuple[str, int]] = []

    @listen(Rang)
    def during(event: Rang) -> None:
        log.append(("during", event.n))

    @listen(Rang, after_commit=True)
    def after(event: Rang) -> None:
        log.append(("after", event.n))

    listen(Rang)(during)  # registering again changes nothing
    return log


@pytest.mark.django_db
def test_in_transaction_listener_runs_at_once_and_after_commit_waits(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(Rang(1))
        assert heard == [("during", 1)]
    assert heard == [("during", 1), ("after", 1)]


@pytest.mark.django_db
def test_after_commit_listener_never_runs_when_the_change_rolls_back(heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish(Rang(2))
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert heard == [("during", 2)]


@pytest.mark.django_db
def test_subclasses_reach_the_listeners_of_their_base(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish(RangTwice(3))
    assert heard == [("during", 3), ("after", 3)]
    assert listeners_of(Rang)["during"][0].endswith("during")


@pytest.mark.django_db
def test_a_failing_after_commit_listener_is_logged_not_raised(heard, caplog, django_capture_on_commit_callbacks):
    @listen(Rang, after_commit=True)
    def broken(event: Rang) -> None:
        raise ValueError("mail server down")

    with django_capture_on_commit_callbacks(execute=True):
        publish(Rang(4))
    assert ("after", 4) in heard
    assert "after-commit listener" in caplog.text and "mail server down" in caplog.text


@pytest.mark.django_db
def test_a_failing_in_transaction_listener_fails_the_change(heard):
    @listen(Rang)
    def strict(event: Rang) -> None:
        raise ValueError("counter out of step")

    with pytest.raises(ValueError, match="counter out of step"):
        publish(Rang(5))
