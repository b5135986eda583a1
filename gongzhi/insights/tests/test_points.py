"""Annual evaluation points: the published formula item by item, the weights, freezing, and who reads them."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from gongzhi.insights.models import PointsEntry, PointsSnapshot
from gongzhi.insights.selectors import frozen_points
from gongzhi.insights.tests.conftest import CHINA
from gongzhi.orgs.models import AnnualReport, GradeAward, Organization, ReportResult, ReportStatus


@pytest.fixture
def year_2025(history):
    """2025: 海韵 completes three needs on time (5, 5, 4 stars), one disputed and done again;
    互助会 takes one on late and gets 2 stars. 海韵's 2025 report passed; it holds a 4A grade."""
    h = history
    h.clock.set(datetime(2025, 5, 6, 9, 0, tzinfo=CHINA))
    org_a, org_b = (Organization.objects.get(name__contains=n) for n in ("海韵", "互助会"))
    AnnualReport.objects.filter(organization__in=[org_a, org_b]).delete()
    GradeAward.objects.filter(organization__in=[org_a, org_b]).delete()
    AnnualReport.objects.create(organization=org_a, year=2025, status=ReportStatus.REVIEWED, result=ReportResult.PASS)
    GradeAward.objects.create(organization=org_a, grade=4, awarded_on=date(2024, 3, 1), valid_until=date(2029, 2, 28))
    for stars in (5, 5, 4):
        h.done(h.post(), accept={"hours": 1}, complete={"hours": 3}, stars=stars)
    disputed = h.post()
    h.claim(disputed, after={"hours": 1})
    h.complete(disputed, after={"hours": 2})
    h.reopen(disputed)
    h.complete(disputed, after={"hours": 2})
    late = h.post()
    h.done(late, "org_b", accept={"days": 4}, complete={"hours": 2}, stars=2)
    return org_a, org_b


def _items(entry):
    return {i["code"]: i["points"] for i in entry["items"]}


def test_points_item_by_item(year_2025, api):
    org_a, org_b = year_2025
    a = api("mzj").get(f"insights/points/2025/orgs/{org_a.pk}").json()
    # completed 4 (the disputed one too) × 0.2; on time 4/4 × 20; (54/13 − 1)/4 × 25; report pass 10; 4A × 3;
    # no late step; one reopening −1.
    assert _items(a) == {
        "done": "0.80",
        "ontime": "20.00",
        "rating": "19.71",
        "report": "10.00",
        "grade": "12.00",
        "overdue": "0.00",
        "reopen": "-1.00",
    }
    assert a["total"] == "61.51" and a["frozen"] is False
    b = api("mzj").get(f"insights/points/2025/orgs/{org_b.pk}").json()
    # 1 × 0.2; 1/1 × 20; (42/11 − 1)/4 × 25 = 17.61; taken on late once: −0.5
    assert _items(b) == {
        "done": "0.20",
        "ontime": "20.00",
        "rating": "17.61",
        "report": "0.00",
        "grade": "0.00",
        "overdue": "-0.50",
        "reopen": "0.00",
    }
    assert b["total"] == "37.31"
    ranking = api("mzj").get("insights/points/2025").json()
    totals = {e["org_id"]: (e["rank"], e["total"]) for e in ranking["entries"]}
    assert totals[org_a.pk][0] < totals[org_b.pk][0]


def test_the_formula_is_published_by_civil_affairs(year_2025, api):
    org_a, _org_b = year_2025
    assert api("street_dg").post("insights/points/2025/formula", {"weights": {"per_done": 1}}).status_code == 403
    bad = api("mzj").post("insights/points/2025/formula", {"weights": {"bribes": 5}})
    assert bad.status_code == 422 and "bribes" in bad.json()["errors"]
    assert api("mzj").post("insights/points/2025/formula", {"weights": {"per_done": 1}}).status_code == 200
    a = api("org_a").get(f"insights/points/2025/orgs/{org_a.pk}").json()
    assert _items(a)["done"] == "4.00" and a["weights"]["per_done"] == "1.00"


def test_freezing_a_year(year_2025, api, history):
    org_a, _org_b = year_2025
    out = io.StringIO()
    call_command("insights_freeze", "--year", "2025", stdout=out)
    frozen = api("mzj").get(f"insights/points/2025/orgs/{org_a.pk}").json()
    assert frozen["frozen"] is True and frozen["total"] == "61.51"
    # Later changes to 2025 orders no longer move the frozen ranking.
    history.clock.set(datetime(2025, 12, 1, 9, 0, tzinfo=CHINA))
    history.done(history.post(), accept={"hours": 1}, complete={"hours": 1}, stars=5)
    assert api("mzj").get(f"insights/points/2025/orgs/{org_a.pk}").json()["total"] == "61.51"
    with pytest.raises(CommandError, match="已固化"):
        call_command("insights_freeze", "--year", "2025", stdout=io.StringIO())
    assert api("mzj").post("insights/points/2025/freeze").status_code == 409
    assert api("mzj").post("insights/points/2025/formula", {"weights": {"per_done": 2}}).status_code == 409
    assert PointsSnapshot.objects.get(year=2025).weights["prior_count"] == 10


def test_a_year_not_over_cannot_be_frozen(demo, api):
    this = datetime.now(tz=CHINA).year
    response = api("mzj").post(f"insights/points/{this}/freeze")
    assert response.status_code == 422 and "year" in response.json()["errors"]
    assert api("street_dg").post(f"insights/points/{this - 1}/freeze").status_code == 403


def test_who_reads_the_points(year_2025, api, web, user):
    org_a, org_b = year_2025
    call_command("insights_freeze", "--year", "2025", stdout=io.StringIO())
    mine = api("org_b").get("insights/points/2025").json()
    assert [e["org_id"] for e in mine["entries"]] == [org_b.pk]
    assert api("org_b").get(f"insights/points/2025/orgs/{org_a.pk}").status_code == 404
    assert len(api("expert_a").get("insights/points/2025").json()["entries"]) == PointsEntry.objects.count()
    for outsider in ("resident_a", "street_dg", "dept_wj"):
        assert api(outsider).get("insights/points/2025").status_code == 404
        assert web(outsider).get(f"/insights/points/2025/{org_a.pk}/").status_code == 404
    assert web("org_a").get(f"/insights/points/2025/{org_a.pk}/").status_code == 200
    assert (
        frozen_points(user("expert_a"), org_id=org_a.pk, year=2025).total
        == frozen_points(user("mzj"), org_id=org_a.pk, year=2025).total
    )
    assert frozen_points(user("org_b"), org_id=org_a.pk, year=2025) is None
    assert frozen_points(user("expert_a"), org_id=org_a.pk, year=2024) is None


def test_the_points_page_shows_every_item(year_2025, web):
    org_a, _org_b = year_2025
    page = web("mzj").get(f"/insights/points/2025/{org_a.pk}/").content.decode()
    for label in ("完成订单", "按时办结率", "服务评价", "年度报告", "评估等级", "逾期扣分", "重办扣分", "61.51"):
        assert label in page
    ranking = web("mzj").get("/insights/points/?year=2025").content.decode()
    assert "尚未固化" in ranking and "每单 0.20 分" in ranking


def test_time_attribution_is_the_posting_year(year_2025, api, history):
    """An order posted on 31 December and finished in January counts for the year it was posted."""
    org_a, _org_b = year_2025
    history.clock.set(datetime(2025, 12, 31, 20, 0, tzinfo=CHINA))
    order = history.post()
    history.claim(order, after={"hours": 1})
    history.complete(order, after={"days": 2})
    assert history.clock.now.year == 2026 and history.clock.now - timedelta(days=2) < history.clock.now
    a = api("mzj").get(f"insights/points/2025/orgs/{org_a.pk}").json()
    assert _items(a)["done"] == "1.00"


@pytest.mark.parametrize(
    "path",
    [
        "insights/points/0",
        "insights/points/1999",
        "insights/points/99999",
        "insights/points/0/orgs/1",
        "insights/points/-5/orgs/1",
    ],
)
def test_a_year_out_of_range_is_a_clear_422(api, path):
    answer = api("mzj").get(path)
    assert answer.status_code == 422 and "年度应在 2000 到" in answer.json()["detail"]
    assert api("resident_a").get(path).status_code == 404  # outsiders learn nothing, not even that


def test_a_year_out_of_range_on_the_web_page(web):
    assert web("mzj").get("/insights/points/?year=0").status_code == 422


def test_the_points_page_opens_on_a_year_with_figures_and_says_what_freezing_means(web, demo):
    """Found when tried as a new user would: the page opened on an empty year long over with 本年度排名尚未固化."""
    from django.utils import timezone

    from gongzhi.insights import selectors
    from gongzhi.insights.models import OrderFact

    this = timezone.localdate().year
    expected = this - 1 if OrderFact.objects.filter(year__year=this - 1).exists() else this
    assert selectors.points_default_year() == expected
    page = web("mzj").get("/insights/points/").content.decode()
    assert f"<small>{expected}</small>" in page
    assert "固化：每年年初由民政局把上一年度的积分和排名锁定保存" in page
    # Once last year is frozen, the page opens on it.
    from gongzhi.insights.models import PointsSnapshot

    PointsSnapshot.objects.create(year=this - 1, frozen_at=timezone.now(), weights={})
    assert selectors.points_default_year() == this - 1
