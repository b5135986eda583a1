"""The declared state machine: the guard, the offer, the prediction and the docs all come from one table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import models

from gongzhi.core.errors import IllegalState, PermissionDenied
from gongzhi.core.statemachine import StateMachine, Transition


class Door(models.TextChoices):
    SHUT = "shut", "关着"
    OPEN = "open", "开着"
    LOCKED = "locked", "锁着"


@dataclass
class Thing:
    state: str
    owner: str
    wedged: bool = False


MACHINE = StateMachine(
    name="door",
    states=Door,
    relations={
        "owner": lambda actor, thing: actor == thing.owner,
        "anyone": lambda actor, thing: True,
    },
    transitions=[
        Transition(
            "open",
            (Door.SHUT,),
            Door.OPEN,
            ("anyone",),
            "开门",
            "不能开门",
            when=lambda t: not t.wedged,
            blocked="门卡住了",
        ),
        Transition("shut", (Door.OPEN,), Door.SHUT, ("anyone",), "关门", "不能关门"),
        Transition("lock", (Door.SHUT,), Door.LOCKED, ("owner",), "上锁", "只有主人可以上锁", inputs=("key",)),
        Transition(
            "unlock",
            (Door.LOCKED,),
            None,
            ("owner",),
            "开锁",
            "只有主人可以开锁",
            targets=(Door.SHUT, Door.OPEN),
            choose=lambda t, rel: Door.OPEN if t.wedged else Door.SHUT,
        ),
        Transition("knock", (Door.SHUT, Door.LOCKED), None, ("anyone",), "敲门", "不能敲门"),
    ],
)


def test_guard_refuses_the_wrong_person_before_the_wrong_state():
    with pytest.raises(PermissionDenied, match="只有主人可以上锁"):
        MACHINE.guard("guest", Thing(Door.OPEN, "me"), "lock")  # both wrong: the person is named first
    with pytest.raises(IllegalState) as caught:
        MACHINE.guard("me", Thing(Door.OPEN, "me"), "lock")
    assert caught.value.status == 409
    assert caught.value.extra == {"state": "open", "state_label": "开着"}
    assert "开着" in str(caught.value.message) and "上锁" in str(caught.value.message)
    assert MACHINE.guard("me", Thing(Door.SHUT, "me"), "lock") == {"owner"}


def test_a_failed_condition_says_why():
    with pytest.raises(IllegalState, match="门卡住了"):
        MACHINE.guard("guest", Thing(Door.SHUT, "me", wedged=True), "open")


def test_explain_words_the_refusal_for_the_situation():
    machine = StateMachine(
        name="door",
        states=Door,
        subject="这扇门",
        relations=MACHINE.relations,
        transitions=[
            Transition("x", (Door.SHUT,), Door.OPEN, ("anyone",), "推开", "x", explain=lambda t: None),
            Transition("y", (Door.SHUT,), Door.OPEN, ("anyone",), "拉开", "x", explain=lambda t: f"{t.owner}锁上了"),
        ],
    )
    with pytest.raises(IllegalState, match=r"^这扇门当前状态为“锁着”，不能推开$"):
        machine.guard("guest", Thing(Door.LOCKED, "me"), "x")
    with pytest.raises(IllegalState, match=r"^me锁上了$"):
        machine.guard("guest", Thing(Door.LOCKED, "me"), "y")


def test_allowed_follows_the_table_and_the_extra_conditions():
    assert MACHINE.allowed("me", Thing(Door.SHUT, "me")) == ["open", "lock", "knock"]
    assert MACHINE.allowed("guest", Thing(Door.SHUT, "me")) == ["open", "knock"]
    assert MACHINE.allowed("guest", Thing(Door.SHUT, "me", wedged=True)) == ["knock"]
    assert MACHINE.allowed("me", Thing(Door.SHUT, "me"), extra={"lock": lambda t: False}) == ["open", "knock"]


def test_next_state_fixed_unchanged_or_chosen():
    assert MACHINE["open"].next_state(Thing(Door.SHUT, "me"), Door.SHUT) == Door.OPEN
    assert MACHINE["knock"].next_state(Thing(Door.LOCKED, "me"), Door.LOCKED) == Door.LOCKED
    assert MACHINE["unlock"].next_state(Thing(Door.LOCKED, "me", wedged=True), Door.LOCKED) == Door.OPEN
    assert MACHINE["unlock"].next_state(Thing(Door.LOCKED, "me"), Door.LOCKED) == Door.SHUT
    assert MACHINE.next_state("unlock", Thing(Door.LOCKED, "me", wedged=True)) == Door.OPEN


def test_declared_edges_limit_what_a_choice_may_do():
    machine = StateMachine(
        name="door",
        states=Door,
        relations=MACHINE.relations,
        transitions=[
            Transition(
                "slam",
                (Door.OPEN, Door.SHUT),
                None,
                ("anyone",),
                "摔门",
                "x",
                targets=(Door.SHUT, Door.LOCKED),
                edges=((Door.OPEN, Door.SHUT), (Door.SHUT, Door.LOCKED)),
                choose=lambda t, rel: Door.LOCKED,
            )
        ],
    )
    assert machine.next_state("slam", Thing(Door.SHUT, "me")) == Door.LOCKED
    with pytest.raises(ValueError, match="not a declared edge"):
        machine.next_state("slam", Thing(Door.OPEN, "me"))
    assert machine.mermaid().splitlines()[1:] == ["    open --> shut: slam", "    shut --> locked: slam"]
    assert "| slam | 摔门 | open, shut | open → shut, shut → locked | anyone | — |" in machine.markdown()


def test_predict_is_the_guard_in_numbers():
    assert MACHINE.predict("lock", Door.SHUT, {"anyone"}).status == 403
    assert MACHINE.predict("lock", Door.OPEN, {"owner", "anyone"}).status == 409
    ok = MACHINE.predict("lock", Door.SHUT, {"owner"})
    assert (ok.allowed, ok.status, ok.state) == (True, 200, Door.LOCKED)
    assert MACHINE.predict("unlock", Door.LOCKED, {"owner"}, Thing(Door.LOCKED, "me")).state == Door.SHUT
    with pytest.raises(ValueError, match="depends on the object"):
        MACHINE.predict("unlock", Door.LOCKED, {"owner"})


def test_docs_come_from_the_table():
    diagram = MACHINE.mermaid()
    assert diagram.splitlines()[0] == "stateDiagram-v2"
    assert "    shut --> open: open" in diagram
    assert "    locked --> open: unlock" in diagram and "    locked --> shut: unlock" in diagram
    assert "knock" not in diagram  # does not move the door
    table = MACHINE.markdown()
    assert "| lock | 上锁 | shut | locked | owner | key |" in table
    assert "| knock | 敲门 | shut, locked | (unchanged) | anyone | — |" in table


@pytest.mark.parametrize(
    ("transition", "problem"),
    [
        (Transition("x", ("ajar",), Door.OPEN, ("anyone",), "x", "x"), "unknown states"),
        (Transition("x", (Door.SHUT,), Door.OPEN, ("stranger",), "x", "x"), "unknown relations"),
        (Transition("x", (Door.SHUT,), None, ("anyone",), "x", "x", choose=lambda t, rel: Door.OPEN), "targets"),
        (Transition("open", (Door.SHUT,), Door.OPEN, ("anyone",), "x", "x"), "declared twice"),
    ],
)
def test_a_table_with_a_mistake_is_refused_when_declared(transition, problem):
    with pytest.raises(ValueError, match=problem):
        StateMachine(
            name="door",
            states=Door,
            relations=MACHINE.relations,
            transitions=[*([] if problem != "declared twice" else [MACHINE["open"]]), transition],
        )
