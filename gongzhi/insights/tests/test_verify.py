"""Exactness: after any history of transitions the maintained counters equal their recomputation from the
raw orders and ratings (hypothesis drives random histories through the real services); a tampered counter
or an order changed behind the services' back is reported, and a rebuild repairs it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st

from gongzhi.core.errors import ApplicationError
from gongzhi.insights.models import OrderFact, Tally
from gongzhi.insights.services import insights_rebuild
from gongzhi.insights.tests.conftest import XP2, jpeg
from gongzhi.insights.verify import verify
from gongzhi.orders import services
from gongzhi.orders.models import Order
from gongzhi.orgs.models import Organization

# What can happen next to an order in each state (the services stay the judges: a refusal is fine too).
NEXT = {
    "pending": ["claim_a", "claim_b", "accept", "reject", "cancel", "forward", "reassign_hall", "remind"],
    "rejected": ["reassign_hall", "cancel", "forward"],
    "accepted": ["complete", "complete", "remind"],
    "completed": ["rate_requester", "rate_staff", "confirm", "reopen"],
    "closed": ["rate_staff"],
    "forwarded": ["sign", "return"],
    "signed": ["reply", "return", "remind"],
    "cancelled": [],
}
POSTS = ["post", "post_b", "dispatch", "special"]


def _post(h, kind: str) -> Order:
    if kind == "post":
        return h.post()
    if kind == "post_b":
        return h.post("resident_b", grid=XP2, category="legal")
    if kind == "dispatch":
        return h.post("community_xp", org=Organization.objects.get(name__contains="海韵").pk)
    return h.post(scenario="special", category="health_checkup")


def _apply(h, o: Order, op: str, stars: int) -> bool:
    u, pk = h.u, o.pk
    o.refresh_from_db()
    requester = (
        "community_xp"
        if o.channel == "dispatch"
        else "resident_b"
        if o.requester and o.requester.username == "resident_b"
        else "resident_a"
    )
    handler = "org_b" if o.org and "互助会" in o.org.name else "org_a"
    calls = {
        "claim_a": lambda: services.order_claim(actor=u("org_a"), order_id=pk),
        "claim_b": lambda: services.order_claim(actor=u("org_b"), order_id=pk),
        "accept": lambda: services.order_accept(actor=u(handler), order_id=pk),
        "reject": lambda: services.order_reject(actor=u(handler), order_id=pk, reason="人手不足"),
        "reassign_hall": lambda: services.order_reassign(actor=u("community_xp"), order_id=pk, org_id=None),
        "complete": lambda: services.order_complete(
            actor=u(handler), order_id=pk, description="已上门完成服务。", photos=[jpeg()]
        ),
        "rate_requester": lambda: services.order_rate(actor=u(requester), order_id=pk, stars=stars),
        "rate_staff": lambda: services.order_rate(actor=u("street_dg"), order_id=pk, stars=stars),
        "confirm": lambda: services.order_confirm(actor=u("community_xp"), order_id=pk),
        "reopen": lambda: services.order_reopen(actor=u("community_xp"), order_id=pk, reason="还没有修好"),
        "cancel": lambda: services.order_cancel(actor=u(requester), order_id=pk),
        "forward": lambda: services.order_forward(actor=u("community_xp"), order_id=pk),
        "sign": lambda: services.order_sign(actor=u("dept_wj"), order_id=pk),
        "reply": lambda: services.order_reply(actor=u("dept_wj"), order_id=pk, reply="已安排医生上门体检。"),
        "return": lambda: services.order_return(actor=u("dept_wj"), order_id=pk, reason="不属于本部门"),
        "remind": lambda: services.order_remind(actor=u("community_xp"), order_id=pk),
    }
    try:
        calls[op]()
    except ApplicationError:
        return False
    return True


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_random_histories_leave_no_difference(history, data):
    sid = transaction.savepoint_create()
    try:
        orders: list[Order] = []
        for _step in range(data.draw(st.integers(1, 24), label="steps")):
            history.clock.advance(minutes=data.draw(st.sampled_from([0, 1, 4, 9, 30, 200, 1500, 12000])))
            if not orders or (len(orders) < 4 and data.draw(st.booleans())):
                orders.append(_post(history, data.draw(st.sampled_from(POSTS))))
                continue
            if data.draw(st.integers(0, 9)) == 0:
                services.orders_auto_close(now=history.clock.now)
                continue
            order = data.draw(st.sampled_from(orders))
            order.refresh_from_db()
            choices = NEXT[order.state]
            if choices and _apply(history, order, data.draw(st.sampled_from(choices)), data.draw(st.integers(1, 5))):
                hypothesis_event(f"reached {Order.objects.get(pk=order.pk).state}")
        report = verify()
        assert report.ok, report.differences
        assert report.orders == Order.objects.count()
    finally:
        transaction.savepoint_rollback(sid)


@pytest.fixture
def two_orders(history):
    h = history
    h.done(h.post(), accept={"minutes": 10}, complete={"hours": 1}, stars=5)
    h.claim(h.post(), "org_b", after={"minutes": 10})


def test_a_tampered_counter_is_reported_and_rebuilt(two_orders):
    cell = Tally.objects.filter(posted__gt=0).order_by("pk").first()
    Tally.objects.filter(pk=cell.pk).update(posted=cell.posted + 7)
    report = verify()
    assert not report.ok and report.count == 1
    assert "posted 8" in report.differences[0] or f"posted {cell.posted + 7}" in report.differences[0]
    insights_rebuild(actor=None)
    assert verify().ok


def test_an_order_changed_behind_the_services_back_is_reported(two_orders):
    order = Order.objects.filter(state="accepted").get()
    Order.objects.filter(pk=order.pk).update(state="cancelled")
    report = verify()
    assert any(f"order {order.pk}: state stored 'accepted', recomputed 'cancelled'" in d for d in report.differences)
    result = insights_rebuild(actor=None)
    assert result.orders == 2
    assert verify().ok
    assert OrderFact.objects.get(order=order).state == "cancelled"


def test_the_commands(two_orders):
    out = io.StringIO()
    call_command("insights_verify", stdout=out)
    assert "差异 0 处" in out.getvalue()
    Tally.objects.filter(posted__gt=0).update(posted=99)
    with pytest.raises(CommandError, match="gongzhi insights rebuild"):
        call_command("insights_verify", stdout=io.StringIO())
    call_command("insights_rebuild", stdout=io.StringIO())
    call_command("insights_verify", stdout=io.StringIO())


def test_the_cli_names():
    from gongzhi.cli import translate_argv

    assert translate_argv(["insights", "verify"]) == ["insights_verify"]
    assert translate_argv(["insights", "rebuild"]) == ["insights_rebuild"]
    assert translate_argv(["insights", "freeze", "--year", "2025"]) == ["insights_freeze", "--year", "2025"]
    assert translate_argv(["insights"]) is None


def test_orders_nobody_holds_have_no_organization_cells(history):
    """A new need touches only the cells of its place and category: no district-wide "organization 0" cell
    that every new order in the city would wait on. Once claimed, its organization's cells appear."""
    from gongzhi.insights.facts import GRAINS, YTD

    org_grains = [g.code for g in GRAINS if g.org]
    waiting = history.post()
    assert not Tally.objects.filter(grain__in=org_grains, org_id=0).exists()
    # one cell per grain and period: a month, a year, and year to date from the order's month to November
    month = timezone.localtime(waiting.created_at).month
    assert Tally.objects.filter(grain__in=[g.code for g in GRAINS if not g.org], posted=1).count() == sum(
        12 - month if g.period == YTD else 1 for g in GRAINS if not g.org
    )
    history.claim(waiting, "org_b", after={"minutes": 10})
    org_b = Organization.objects.get(name__contains="邻里互助会")
    assert Tally.objects.filter(grain__in=org_grains, org_id=org_b.pk).count() == sum(
        12 - month if g.period == YTD else 1 for g in GRAINS if g.org
    )
    assert not Tally.objects.filter(grain__in=org_grains, org_id=0).exists()
    assert verify().ok


def _cells(grains: list[int]) -> list[tuple]:
    return sorted(
        Tally.objects.filter(grain__in=grains).values_list(
            "grain", "month", "street_id", "area_id", "org_id", "posted", "taken", "done", "r4"
        )
    )


def _migrate_again(history, name: str, grains: list[int]) -> None:
    """Delete the cells of ``grains``, run the data migration ``name`` as on a database counted before they
    existed, and get exactly the cells the transitions had written."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    for _n in range(3):
        history.done(history.post(), "org_b", accept={"minutes": 10}, complete={"hours": 1}, stars=4)
    history.claim(history.post(grid=XP2), "org_a", after={"minutes": 5})
    history.post("resident_b", grid=XP2, category="legal")
    written = _cells(grains)
    assert written
    Tally.objects.filter(grain__in=grains).delete()
    assert not verify().ok  # without them the counters are incomplete

    editor = SimpleNamespace(connection=connection)  # all the function takes from RunPython's schema editor
    import_module(f"gongzhi.insights.migrations.{name}").forwards(apps, editor)
    assert _cells(grains) == written
    assert verify().ok


def test_the_migration_makes_the_year_to_date_cells_of_counted_orders(history):
    """Databases counted before year-to-date cells existed get them from their monthly cells (migration
    0003), equal to what the transitions would have written."""
    _migrate_again(history, "0003_year_to_date_cells", [21, 22, 23, 24])


def test_the_migration_makes_the_street_and_area_cells_of_counted_orders(history):
    """The street and area levels (migration 0005) are summed from the cells with categories."""
    _migrate_again(history, "0005_street_and_area_cells", [7, 8])
