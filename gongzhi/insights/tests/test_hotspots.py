"""Hot-spot warnings: the threshold on real orders, one open warning per cell, handling, who hears of it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from gongzhi.insights.models import HotspotWarning, WarningStatus
from gongzhi.insights.services import hotspots_scan, warning_handle
from gongzhi.insights.tests.conftest import CHINA, XP1, XP2
from gongzhi.notify.models import Notification

NOW = datetime(2026, 3, 30, 9, 0, tzinfo=CHINA)


def _post_at(history, when, **kw):
    history.clock.set(when)
    return history.post(**kw)


@pytest.fixture
def quiet_past(history):
    """One home-care need every other week in 兴普一网格 over the 8 weeks before the last 7 days."""
    for week in (2, 4, 6):
        _post_at(history, NOW - timedelta(days=7 * week + 1))
    return history


def _surge(history, n):
    return [_post_at(history, NOW - timedelta(days=6) + timedelta(hours=20 * k)) for k in range(n)]


def test_a_surge_raises_one_warning_per_cell_with_its_orders(quiet_past):
    surge = _surge(quiet_past, 4)  # μ = 3/8, σ ≈ 0.48 → threshold max(3, 0.375 + 3·1) = 3.375
    assert hotspots_scan(now=NOW) == 2
    grid = HotspotWarning.objects.get(area__code=XP1)
    community = HotspotWarning.objects.get(area__code=XP1[:12])
    assert (grid.recent, grid.weekly, grid.status) == (4, [0, 1, 0, 1, 0, 1, 0, 0], WarningStatus.OPEN)
    assert grid.threshold == pytest.approx(3.375)
    assert sorted(grid.orders.values_list("pk", flat=True)) == sorted(o.pk for o in surge)
    assert community.orders.count() == 4
    told = set(Notification.objects.filter(kind="insights.hotspot").values_list("recipient__username", flat=True))
    assert told == {"street_dg", "community_xp"}


def test_below_the_threshold_nothing_is_raised(quiet_past):
    _surge(quiet_past, 3)
    assert hotspots_scan(now=NOW) == 0


def test_no_storm_one_open_warning_per_cell(quiet_past):
    _surge(quiet_past, 4)
    assert hotspots_scan(now=NOW) == 2
    _post_at(quiet_past, NOW - timedelta(hours=1))
    assert hotspots_scan(now=NOW + timedelta(hours=1)) == 0
    assert HotspotWarning.objects.count() == 2
    grid = HotspotWarning.objects.get(area__code=XP1)
    with pytest.raises(IntegrityError), transaction.atomic():
        HotspotWarning.objects.create(
            area=grid.area,
            category=grid.category,
            window_start=NOW,
            window_end=NOW,
            recent=9,
            baseline_mean=0,
            baseline_sd=0,
            threshold=3,
            raised_at=NOW,
        )


def test_handled_warnings_do_not_come_back_for_the_same_surge(quiet_past, user):
    _surge(quiet_past, 4)
    hotspots_scan(now=NOW)
    grid = HotspotWarning.objects.get(area__code=XP1)
    handled = warning_handle(actor=user("community_xp"), warning_id=grid.pk, note="已联系物业和社工跟进")
    assert handled.status == WarningStatus.HANDLED and handled.handled_by.username == "community_xp"
    assert hotspots_scan(now=NOW + timedelta(hours=2)) == 0  # the same orders are still in the window
    # Eight days on, a new surge in the same grid is news again.
    later = NOW + timedelta(days=8)
    for k in range(5):
        _post_at(quiet_past, later - timedelta(hours=10 * k + 1))
    assert hotspots_scan(now=later) >= 1
    assert HotspotWarning.objects.filter(area__code=XP1, status=WarningStatus.OPEN).count() == 1


def test_who_sees_and_handles_warnings(quiet_past, api, web):
    _surge(quiet_past, 4)
    hotspots_scan(now=NOW)
    grid = HotspotWarning.objects.get(area__code=XP1)
    community = HotspotWarning.objects.get(area__code=XP1[:12])
    assert {w["id"] for w in api("street_dg").get("insights/warnings").json()} == {grid.pk, community.pk}
    assert [w["id"] for w in api("grid_xp1").get("insights/warnings").json()] == [grid.pk]
    assert api("grid_xp1").get(f"insights/warnings/{community.pk}").status_code == 404
    for outsider in ("org_a", "resident_a", "dept_wj"):
        assert api(outsider).get(f"insights/warnings/{grid.pk}").status_code == 404
        assert api(outsider).get("insights/warnings").json() == []
        assert web(outsider).get(f"/insights/warnings/{grid.pk}/").status_code == 404
    refused = api("grid_xp1").post(f"insights/warnings/{grid.pk}/handle", {"note": "已处理"})
    assert refused.status_code == 403
    bad = api("community_xp").post(f"insights/warnings/{grid.pk}/handle", {"note": " "})
    assert bad.status_code == 422 and "note" in bad.json()["errors"]
    ok = web("community_xp").post(f"/insights/warnings/{grid.pk}/handle/", {"note": "已安排网格员走访"})
    assert ok.status_code == 302
    again = api("street_dg").post(f"insights/warnings/{grid.pk}/handle", {"note": "重复处置"})
    assert again.status_code == 409
    page = web("street_dg").get(f"/insights/warnings/{grid.pk}/")
    assert "已安排网格员走访" in page.content.decode()


def test_other_grids_and_categories_are_separate_cells(quiet_past):
    _surge(quiet_past, 2)
    for k in range(2):
        _post_at(quiet_past, NOW - timedelta(days=2, hours=k), grid=XP2)
    # Two needs in each grid: neither grid is hot; the community sees four against a quiet past.
    assert hotspots_scan(now=NOW) == 1
    assert HotspotWarning.objects.get().area.level == "community"
