"""Every table exports to Excel and CSV, with the same figures the page shows, through the same door."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from gongzhi.insights.selectors import DASHBOARD_TABLES


@pytest.fixture
def rated(history):
    h = history
    h.done(h.post(), accept={"minutes": 30}, complete={"hours": 2}, stars=5)
    h.done(h.post(), "org_b", accept={"minutes": 30}, complete={"hours": 2}, stars=4)


def test_praise_board_to_excel(rated, api):
    response = api("street_dg").get("insights/dashboard/praise", period="2026", format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "好评排行榜"
    assert "期间：2026 年" in sheet["A2"].value and "区域：东港街道" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == [
        "名次",
        "社会组织",
        "类型",
        "平滑评分",
        "评价数",
        "平均星级",
        "好评率（%）",
        "完成数",
    ]
    assert [c.value for c in sheet[4]][:5] == [1, "舟山市普陀区海韵社会工作服务中心", "社会服务机构", 4.09, 1]
    assert sheet[4][6].value == 100.0


def test_csv_opens_in_excel_with_chinese(rated, api):
    response = api("resident_a").get("insights/leaderboards/accepted", period="2026", format="csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名次", "社会组织", "类型"]
    assert {r[1] for r in rows[1:]} == {"舟山市普陀区海韵社会工作服务中心", "东港街道兴普社区邻里互助会"}


@pytest.mark.parametrize("table", DASHBOARD_TABLES)
def test_every_dashboard_table_exports_both_ways(rated, api, table):
    for fmt in ("xlsx", "csv"):
        response = api("community_xp").get(f"insights/dashboard/{table}", period="2026", format=fmt)
        assert response.status_code == 200, (table, fmt)
    data = api("community_xp").get(f"insights/dashboard/{table}", period="2026").json()
    sheet = load_workbook(
        io.BytesIO(api("community_xp").get(f"insights/dashboard/{table}", period="2026", format="xlsx").content)
    ).active
    assert sheet.max_row >= 3 + len(data["rows"])


def test_the_rates_table_writes_rates_in_percent_and_durations_in_hours(rated, api):
    sheet = load_workbook(
        io.BytesIO(api("street_dg").get("insights/dashboard/rates", period="2026", format="xlsx").content)
    ).active
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=4) if row[0].value}
    assert values["接单率（接单 ÷ 提交）"] == 100.0
    # Both took 30 min: bucket [16, 32); the median is half-way through it on a log scale, in hours.
    assert values["接单用时中位数"] == round(16 * 2**0.5 / 60, 2)
