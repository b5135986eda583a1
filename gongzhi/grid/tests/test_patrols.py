"""Patrols: a grid worker records one on their grid and reports a finding as an order (channel patrol)."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.grid import services
from gongzhi.grid.models import Finding, Patrol
from gongzhi.orders.models import Order

GRID = "330903003005-001"


def test_record_and_report_a_finding(user):
    patrol = services.patrol_record(
        actor=user("grid_xp1"),
        grid=GRID,
        route_notes="沿兴普小区东门巡查",
        findings=["3幢楼道灯不亮", "", "独居老人王奶奶需要助餐"],
    )
    assert [f.text for f in patrol.findings.all()] == ["3幢楼道灯不亮", "独居老人王奶奶需要助餐"]
    finding = patrol.findings.last()
    services.finding_to_order(
        actor=user("grid_xp1"), finding_id=finding.pk, category="elderly_meal", title="王奶奶需要助餐"
    )
    order = Order.objects.get(pk=Finding.objects.get(pk=finding.pk).order_id)
    assert (order.channel, order.area.code, order.community.code, order.created_by.username) == (
        "patrol",
        GRID,
        "330903003005",
        "grid_xp1",
    )
    assert order.get_channel_display() == "网格巡查" and order.description == "独居老人王奶奶需要助餐"
    with pytest.raises(Conflict):
        services.finding_to_order(actor=user("grid_xp1"), finding_id=finding.pk, category="elderly_meal", title="x")


def test_only_the_grids_worker_records_and_reports(user):
    for who in ("community_xp", "org_a", "resident_a"):
        with pytest.raises(NotFound):
            services.patrol_record(actor=user(who), grid=GRID, findings=["x"])
    with pytest.raises(NotFound):
        services.patrol_record(actor=user("grid_xp1"), grid="330903003005-002", findings=["x"])
    with pytest.raises(ValidationFailed):
        services.patrol_record(actor=user("grid_xp1"), grid=GRID, findings=["问题"] * 11)
    patrol = services.patrol_record(actor=user("grid_xp1"), grid=GRID, findings=["井盖松动"])
    finding = patrol.findings.get()
    with pytest.raises(PermissionDenied):
        services.finding_to_order(actor=user("community_xp"), finding_id=finding.pk, category="property", title="井盖")
    for who in ("org_a", "resident_a", "dept_wj"):
        with pytest.raises(NotFound):
            services.finding_to_order(actor=user(who), finding_id=finding.pk, category="property", title="井盖")


def test_pages_for_the_worker_and_outsiders(web, user):
    client = web("grid_xp1")
    assert client.get("/grid/m/").status_code == 200
    response = client.post("/grid/m/", {"grid": GRID, "route_notes": "", "finding": ["楼道堆放杂物", "", ""]})
    patrol = Patrol.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/grid/m/patrols/{patrol.pk}/"
    finding = patrol.findings.get()
    page = client.get(f"/grid/m/patrols/{patrol.pk}/").content.decode()
    assert "一键上报为工单" in page
    reported = client.post(
        f"/grid/m/patrols/{patrol.pk}/findings/{finding.pk}/report/", {"category": "sanitation", "title": "楼道杂物"}
    )
    assert reported.status_code == 302
    assert Finding.objects.get(pk=finding.pk).order is not None
    bad = client.post(f"/grid/m/patrols/{patrol.pk}/findings/{finding.pk}/report/", {"category": "x", "title": "y"})
    assert bad.status_code == 409
    assert web("community_xp").get(f"/grid/m/patrols/{patrol.pk}/").status_code == 200
    for who in ("org_a", "resident_a", "dept_wj", "community_xp"):
        assert web(who).get("/grid/m/").status_code == 404, who
    for who in ("org_a", "resident_a", "dept_wj"):
        assert web(who).get(f"/grid/m/patrols/{patrol.pk}/").status_code == 404, who
    assert web(None).get("/grid/m/").status_code == 302
