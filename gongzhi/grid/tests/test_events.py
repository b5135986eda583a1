"""Grid events: recorded from a finding, handled through the declared state machine (guard, history, audit),
counted in the hot-spot warnings; the docs show the current diagram; a property test follows the table."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from gongzhi.accounts.models import User
from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import ApplicationError, IllegalState, PermissionDenied
from gongzhi.grid import services
from gongzhi.grid.models import GridEvent, GridEventStep
from gongzhi.grid.transitions import MACHINE
from gongzhi.insights import hotspots

GRID = "330903003005-001"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "grid.md"


def _event(user, text: str = "3幢门口窨井盖破损", category: str = "property_repair") -> GridEvent:
    patrol = services.patrol_record(actor=user("grid_xp1"), grid=GRID, findings=[text])
    return services.finding_to_event(
        actor=user("grid_xp1"), finding_id=patrol.findings.get().pk, category=category, title=text[:20]
    )


def test_the_docs_show_the_current_machine():
    text = DOCS.read_text(encoding="utf-8")
    assert MACHINE.mermaid() in text and MACHINE.markdown() in text


def test_an_event_is_taken_resolved_and_closed_with_its_history(user, web):
    event = _event(user)
    assert event.state == "reported" and event.community.code == "330903003005"
    services.event_act(actor=user("grid_xp1"), event_id=event.pk, action="take")
    with pytest.raises(PermissionDenied):
        services.event_act(actor=user("grid_xp1"), event_id=event.pk, action="close")
    services.event_act(actor=user("grid_xp1"), event_id=event.pk, action="resolve", note="已联系物业更换井盖")
    with pytest.raises(IllegalState):
        services.event_act(actor=user("community_xp"), event_id=event.pk, action="take")
    services.event_act(actor=user("community_xp"), event_id=event.pk, action="close")
    steps = list(GridEventStep.objects.filter(event=event).values_list("action", "to_state"))
    assert steps == [("reported", "reported"), ("take", "handling"), ("resolve", "resolved"), ("close", "closed")]
    assert AuditEntry.objects.filter(action="grid.event.close", target_id=str(event.pk)).exists()
    page = web("community_xp").get("/grid/events/").content.decode()
    assert "已办结" in page
    for who in ("org_a", "resident_a", "dept_wj"):
        assert web(who).get("/grid/events/").status_code == 404
        assert web(who).post(f"/grid/events/{event.pk}/reopen/", {"note": "再看看"}).status_code == 404


def test_the_page_offers_what_the_machine_allows(user, web):
    event = _event(user)
    page = web("community_xp").get("/grid/events/").content.decode()
    assert 'data-testid="act-take"' in page and 'data-testid="act-dismiss"' in page
    assert 'data-testid="act-close"' not in page
    response = web("community_xp").post(f"/grid/events/{event.pk}/dismiss/", {"note": ""})
    assert response.status_code == 422 and GridEvent.objects.get(pk=event.pk).state == "reported"
    assert web("community_xp").post(f"/grid/events/{event.pk}/dismiss/", {"note": "重复上报"}).status_code == 302
    assert GridEvent.objects.get(pk=event.pk).state == "dismissed"


def test_events_feed_the_hot_spot_warnings(user):
    now = timezone.now()
    for i in range(4):
        _event(user, f"楼道堆放杂物 {i} 号", category="sanitation")
    grid = GridEvent.objects.first().grid
    cells = {(c.area_id, c.category_id): c for c, _j in hotspots.hot_cells(now + timedelta(minutes=1))}
    cell = cells[(grid.pk, GridEvent.objects.first().category_id)]
    assert cell.recent == 4 and cell.weekly == [0] * len(cell.weekly)


ACTORS = ["grid_xp1", "community_xp", "street_dg", "org_a"]


class EventMachine(RuleBasedStateMachine):
    """Random actors try random actions; the table's prediction is what must happen."""

    @initialize()
    def start(self) -> None:
        self.users = {u.username: u for u in User.objects.filter(username__in=ACTORS)}
        self.event = _event(lambda name: self.users.get(name) or User.objects.get(username=name))
        self.state = "reported"

    @rule(actor=st.sampled_from(ACTORS), action=st.sampled_from(MACHINE.actions))
    def act(self, actor: str, action: str) -> None:
        user = self.users[actor]
        event = GridEvent.objects.get(pk=self.event.pk)
        expected = MACHINE.predict(action, self.state, MACHINE.relations_of(user, event))
        try:
            services.event_act(actor=user, event_id=event.pk, action=action, note="巡查说明")
            status = 200
        except ApplicationError as refused:
            status = refused.status
        if actor == "org_a":
            assert status == 404
            return
        assert status == expected.status, (actor, action, self.state)
        self.state = expected.state
        assert GridEvent.objects.get(pk=event.pk).state == self.state


@pytest.mark.usefixtures("demo")
class TestEventMachine(TestCase):
    def test_random_walks(self) -> None:
        EventMachine.TestCase.settings = hsettings(max_examples=15, stateful_step_count=8, deadline=None)
        EventMachine.TestCase().runTest()


def test_the_demo_has_patrols_and_events_in_both_communities_and_the_workspace_shows_them(demo, web):
    from gongzhi.grid.demo import _grid
    from gongzhi.grid.models import Patrol

    _grid(None, {})
    _grid(None, {})  # idempotent
    assert Patrol.objects.count() == 2
    assert set(GridEvent.objects.values_list("community__code", flat=True)) == {"330903003005", "330903003008"}
    assert GridEvent.objects.filter(state="handling").count() == 1
    panel = web("community_xp").get("/workspace/").content.decode()
    assert 'data-testid="grid-panel"' in panel and "兴普一网格" in panel and "文康一网格" not in panel
    assert "兴普一网格" in web("grid_xp1").get("/workspace/").content.decode()
    assert 'data-testid="grid-panel"' not in web("org_a").get("/workspace/").content.decode()
