"""Property: whatever sequence of actions whoever tries on a few orders, the state machine holds.

Hypothesis draws a few orders (each entered through one of the ways in) and a sequence of
(order, action, persona) from every transition × every demo persona, and applies them through the
services. After every step:

- an accepted action wrote exactly one event (the automatic closing: one per order it closed), and
  its actor stands in the relation to the order that the action needs (a member of the holding
  organization completes; an organization never confirms or rates its own work; …);
- a refused action raised an ``ApplicationError`` and changed nothing;
- every state is a known state, every event is an edge of the state machine below and follows on
  from the one before it, and the order's state is its last event's;
- closed and cancelled are terminal (only a rating may still follow on a closed order);
- the counts add up: one ledger row per order an organization ever completed, at most one rating per
  rater and order, one ``rated`` event per rating.

Each example runs in a savepoint that is rolled back, so examples do not see each other's orders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.models import Role, User
from gongzhi.accounts.permissions import Grants, grants_for
from gongzhi.core.errors import ApplicationError
from gongzhi.orders import services
from gongzhi.orders.models import LedgerEntry, Order, OrderEvent, RaterRole, Rating, State
from gongzhi.orders.tests.conftest import XP, jpeg
from gongzhi.orders.tests.test_api_transitions import department, org_of
from gongzhi.orders.transitions import MACHINE

P, A, RJ, C, CL, X, F, S = (
    "pending",
    "accepted",
    "rejected",
    "completed",
    "closed",
    "cancelled",
    "forwarded",
    "signed",
)

# The history rows each action writes (``auto_closed`` is the system's; ``created`` starts every history).
EVENT_OF = {
    "claim": "claimed",
    "accept": "accepted",
    "reject": "rejected",
    "reassign": "reassigned",
    "complete": "completed",
    "confirm": "confirmed",
    "rate": "rated",
    "reopen": "reopened",
    "cancel": "cancelled",
    "forward": "forwarded",
    "sign": "signed",
    "reply": "replied",
    "return": "returned",
    "remind": "reminded",
}
TERMINAL = {CL, X}
PERSONAS = [
    "resident_a",
    "resident_b",
    "grid_xp1",
    "community_xp",
    "street_dg",
    "dept_wj",
    "org_a",
    "org_b",
    "mzj",
    "expert_a",
    "admin",
]

Ctx = dict[str, Any]
Action = Callable[[Any, int, int, Ctx], Any]

ACTIONS: dict[str, Action] = {
    "claim": lambda who, oid, v, ctx: services.order_claim(actor=who, order_id=oid),
    "accept": lambda who, oid, v, ctx: services.order_accept(actor=who, order_id=oid),
    "reject": lambda who, oid, v, ctx: services.order_reject(actor=who, order_id=oid, reason="人手不足"),
    "reassign": lambda who, oid, v, ctx: services.order_reassign(
        actor=who, order_id=oid, org_id=[None, ctx["org_a"], ctx["org_b"]][v % 3]
    ),
    "complete": lambda who, oid, v, ctx: services.order_complete(
        actor=who, order_id=oid, description="已上门完成服务。", photos=[jpeg()] * (1 + v % 2), people_served=1 + v
    ),
    "confirm": lambda who, oid, v, ctx: services.order_confirm(actor=who, order_id=oid),
    "rate": lambda who, oid, v, ctx: services.order_rate(actor=who, order_id=oid, stars=1 + v % 5),
    "reopen": lambda who, oid, v, ctx: services.order_reopen(actor=who, order_id=oid, reason="还没办好"),
    "cancel": lambda who, oid, v, ctx: services.order_cancel(actor=who, order_id=oid),
    "forward": lambda who, oid, v, ctx: services.order_forward(
        actor=who, order_id=oid, department_id=[None, ctx["wj"]][v % 2]
    ),
    "sign": lambda who, oid, v, ctx: services.order_sign(actor=who, order_id=oid),
    "reply": lambda who, oid, v, ctx: services.order_reply(actor=who, order_id=oid, reply="已安排专人处理完毕。"),
    "return": lambda who, oid, v, ctx: services.order_return(actor=who, order_id=oid, reason="不属本部门"),
    "remind": lambda who, oid, v, ctx: services.order_remind(actor=who, order_id=oid),
}
AUTO_CLOSE = "auto_close"

BASE = {"title": "需求", "description": "请帮忙。", "community": XP, "grid": f"{XP}-001"}
WAYS_IN: dict[str, Callable[[Ctx], dict[str, Any]]] = {
    "web": lambda ctx: {"actor": ctx["users"]["resident_a"], "category": "elderly_care"},
    "dispatch": lambda ctx: {"actor": ctx["users"]["community_xp"], "category": "elderly_care", "org": ctx["org_a"]},
    "special": lambda ctx: {"actor": ctx["users"]["resident_a"], "category": "health", "scenario": "special"},
    "proxy": lambda ctx: {
        "actor": ctx["users"]["grid_xp1"],
        "category": "health",
        "on_behalf_of": {"name": "王奶奶", "phone": "13905801234"},
    },
}

# Random pairs seldom get past the first step, so three draws in four lean towards what the order's state
# invites and towards those who would try it: the people entitled and their nearest neighbours who are
# not (the handling organization confirming its own work, a resident claiming, ...). The fourth is
# uniform over everything.
INVITED = {
    P: ["claim", "accept", "reject", "reassign", "cancel", "forward", "remind"],
    RJ: ["reassign", "cancel", "forward"],
    A: ["complete", "remind"],
    C: ["confirm", "rate", "reopen", AUTO_CLOSE],
    CL: ["rate"],
    F: ["sign", "return", "remind"],
    S: ["reply", "return", "remind"],
    X: ["cancel"],
}
LIKELY: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(["claim", "complete"], ("org_a", "org_b", "resident_a")),
    **dict.fromkeys(["accept", "reject"], ("org_a", "org_b", "community_xp")),
    **dict.fromkeys(["reassign", "forward", "remind"], ("community_xp", "street_dg", "grid_xp1", "org_a")),
    **dict.fromkeys(["confirm", "rate", "reopen"], ("resident_a", "grid_xp1", "community_xp", "org_a", "org_b")),
    "cancel": ("resident_a", "grid_xp1", "community_xp"),
    **dict.fromkeys(["sign", "reply", "return"], ("dept_wj", "community_xp")),
    AUTO_CLOSE: ("admin",),
}
EVERY_ACTION = [*ACTIONS, AUTO_CLOSE]
STEPS = 20  # per example; hypothesis shrinks a failure by simplifying the draws of each step


def _leaning(likely: Sequence[str], anything: Sequence[str]) -> st.SearchStrategy[str]:
    """Three draws in four from ``likely``, the fourth from ``anything``."""
    return st.integers(0, 3).flatmap(lambda n: st.sampled_from(anything if n == 0 else likely))


def _draw_step(data: Any, ids: list[int]) -> tuple[int, str, str, int]:
    index = data.draw(st.integers(0, len(ids) - 1), label="order")
    state = Order.objects.values_list("state", flat=True).get(pk=ids[index])
    action = data.draw(_leaning(INVITED[state], EVERY_ACTION), label="action")
    persona = data.draw(_leaning(LIKELY[action], PERSONAS), label="persona")
    return index, action, persona, data.draw(st.integers(0, 5), label="variant")


def _snapshot(ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """What a refused action must leave alone; the last two items count events and ratings."""
    events = dict(
        OrderEvent.objects.filter(order_id__in=ids)
        .values("order_id")
        .annotate(n=Count("id"))
        .values_list("order_id", "n")
    )
    ratings = dict(
        Rating.objects.filter(order_id__in=ids).values("order_id").annotate(n=Count("id")).values_list("order_id", "n")
    )
    rows = Order.objects.filter(pk__in=ids).values_list(
        "pk", "state", "org_id", "department_id", "reminder_count", "reopen_count"
    )
    return {pk: (*rest, events.get(pk, 0), ratings.get(pk, 0)) for pk, *rest in rows}


def _check_invariants(ids: list[int]) -> None:
    histories: dict[int, list[tuple[str, str, str]]] = {pk: [] for pk in ids}
    for order_id, *edge in (
        OrderEvent.objects.filter(order_id__in=ids)
        .order_by("at", "id")
        .values_list("order_id", "action", "from_state", "to_state")
    ):
        histories[order_id].append(tuple(edge))
    for order_id, state in Order.objects.filter(pk__in=ids).values_list("pk", "state"):
        history = histories[order_id]
        assert state in State.values
        assert history[0][0] == "created"
        previous = ""
        for edge in history:
            assert edge[0] in {"created", "auto_closed", *EVENT_OF.values()}, (order_id, edge, history)
            assert edge[1] == previous, ("an event must start where the last one ended", history)
            if previous in TERMINAL:
                assert edge == ("rated", CL, CL), ("nothing but a rating after closing or cancelling", history)
            previous = edge[2]
        assert state == previous
    completed_by_org = {pk for pk, history in histories.items() if any(e[0] == "completed" for e in history)}
    ledger = dict(LedgerEntry.objects.filter(order_id__in=ids).values_list("order_id", "rating"))
    assert set(ledger) == completed_by_org
    ratings = list(Rating.objects.filter(order_id__in=ids).values_list("order_id", "rater_id", "rater_role", "stars"))
    assert len({(r[0], r[1]) for r in ratings}) == len(ratings), "one rating per rater and order"
    assert len(ratings) == sum(e[0] == "rated" for history in histories.values() for e in history)
    for order_id, _rater, role, stars in ratings:
        if role == RaterRole.REQUESTER and order_id in ledger:
            assert ledger[order_id] == stars


def _entitled(event: OrderEvent, grants: Grants) -> bool:
    """Whether the one who acted stands in the relation the issue names for this action."""
    orgs, depts = grants.organization_ids(), grants.department_ids()
    order = event.order
    staff = grants.is_admin or grants.has_role(Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
    return {
        "claimed": event.org_id in orgs,
        "accepted": event.org_id in orgs,
        "completed": event.org_id in orgs,
        "rejected": event.data.get("org") in orgs,
        "signed": event.department_id in depts,
        "replied": event.department_id in depts,
        "returned": event.data.get("department") in depts,
        # An organization never confirms, rates or reopens its own work.
        "confirmed": event.org_id not in orgs,
        "rated": event.org_id not in orgs,
        "reopened": event.org_id not in orgs,
        "cancelled": grants.user.pk in (order.requester_id, order.created_by_id),
        "reassigned": staff,
        "forwarded": staff,
        "reminded": grants.is_admin or grants.has_role(Role.COMMUNITY_WORKER, Role.STREET_STAFF),
    }[event.action]


def _apply(step: tuple[int, str, str, int], ids: list[int], ctx: Ctx) -> None:
    """Apply one step and hold the outcome to the declared state machine (``transitions.MACHINE``): an action
    the table refuses fails with its status (or 404 for whoever may not see the order) and changes nothing; an
    action that succeeds was one the table allows, and leads to the state the table says."""
    index, action, persona, variant = step
    order_id = ids[index]
    before = _snapshot(ids)
    prediction = None
    if action != AUTO_CLOSE:
        order = Order.objects.select_related("area", "org", "department").get(pk=order_id)
        actor = ctx["users"][persona]
        prediction = MACHINE.predict(action, order.state, MACHINE.relations_of(actor, order), order)
    try:
        if action == AUTO_CLOSE:
            written = services.orders_auto_close(now=timezone.now() + timedelta(days=365))
        else:
            ACTIONS[action](ctx["users"][persona], order_id, variant, ctx)
            written = 1
    except ApplicationError as refused:
        assert _snapshot(ids) == before, (step, "a refused action changed something")
        if prediction is not None and not prediction.allowed:
            assert refused.status in (404, prediction.status), (step, refused.status, prediction)
        return
    after = _snapshot(ids)
    if prediction is not None:
        assert prediction.allowed, (step, "the services allowed what the state machine does not", prediction)
        assert after[order_id][0] == prediction.state, (step, "not the state the table leads to", prediction)
    new_events = sum(after[i][-2] - before[i][-2] for i in ids)
    assert new_events == written, (step, "an accepted action writes exactly one event")
    if action != AUTO_CLOSE:
        assert all(after[i][-2] == before[i][-2] for i in ids if i != order_id)
        event = OrderEvent.objects.select_related("order").filter(order_id=order_id).last()
        assert event.actor == ctx["users"][persona]
        assert _entitled(event, grants_for(event.actor)), (step, "acted without the right to", event.action)


@pytest.fixture
def ctx(demo) -> Ctx:
    return {
        "users": {u.username: u for u in User.objects.filter(username__in=PERSONAS)},
        "org_a": org_of("org_a").pk,
        "org_b": org_of("org_b").pk,
        "wj": department().pk,
    }


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(ways_in=st.lists(st.sampled_from(list(WAYS_IN)), min_size=1, max_size=2), data=st.data())
def test_random_actions_by_random_people_keep_the_state_machine(ctx, ways_in, data):
    with transaction.atomic():
        ids = [services.order_create(**BASE, **WAYS_IN[way](ctx)).pk for way in ways_in]
        _check_invariants(ids)
        for _ in range(STEPS):
            _apply(_draw_step(data, ids), ids, ctx)
            _check_invariants(ids)
        transaction.set_rollback(True)


def test_every_declared_action_is_exercised_and_writes_its_history_row():
    """The actions the test draws are exactly the rows of the declared table."""
    assert set(ACTIONS) == set(MACHINE.actions) == set(EVENT_OF)
