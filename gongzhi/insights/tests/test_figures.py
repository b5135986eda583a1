"""Known answers: a hand-built history through the real order services, every figure checked by hand.

The story, all in 兴普 in March 2026 (the clock decides when each step happens):
  A  resident_a asks for home care; 海韵 (org_a) claims after 30 min, completes 2 h later; 5 stars.
  B  resident_a asks again; 互助会 (org_b) claims after 3 min and completes 5 min later (too fast); 3 stars.
  C  resident_b asks for legal advice and withdraws it.
  D  community_xp dispatches to 海韵, which rejects it.
  E  resident_b asks; 海韵 claims after 2 h, completes a day later, resident_b disputes, 海韵 completes again.
  F  resident_a asks; 互助会 claims three days later (late), completes an hour later.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gongzhi.insights.facts import BUCKETS
from gongzhi.insights.models import OrderFact
from gongzhi.insights.tests.conftest import XP2
from gongzhi.insights.verify import verify
from gongzhi.orders import services
from gongzhi.orgs.models import Organization


@pytest.fixture
def story(history):
    h = history
    a = h.post()
    h.done(a, accept={"minutes": 30}, complete={"hours": 2}, stars=5)
    b = h.post()
    h.done(b, "org_b", accept={"minutes": 3}, complete={"minutes": 5}, stars=3)
    c = h.post("resident_b", category="legal", grid=XP2)
    services.order_cancel(actor=h.u("resident_b"), order_id=c.pk, reason="已自行解决")
    d = h.post("community_xp", org=Organization.objects.get(name__contains="海韵").pk)
    services.order_reject(actor=h.u("org_a"), order_id=d.pk, reason="本周人手不足")
    e = h.post("resident_b", grid=XP2)
    h.claim(e, after={"hours": 2})
    h.complete(e, after={"days": 1})
    h.reopen(e, "resident_b")
    h.complete(e, after={"hours": 1})
    f = h.post()
    h.claim(f, "org_b", after={"days": 3})
    h.complete(f, "org_b", after={"hours": 1})
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_every_figure_of_the_story(story, api):
    body = api("community_xp").get("insights/dashboard", period="2026-03").json()
    fig = body["figures"]
    assert fig["posted"] == 6
    assert fig["accepted"] == 4 and fig["acceptance_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert fig["completed"] == 4
    assert fig["rated"] == 2 and fig["praise_rate"] == 0.5
    assert fig["ontime_accept_rate"] == 0.75  # F was taken on after its accept-by deadline
    assert fig["ontime_complete_rate"] == 1.0
    assert fig["reopen_rate"] == 0.25 and fig["reopened"] == 1
    assert fig["fast_closures"] == 1 and fig["fast_rate"] == 0.25
    assert fig["average_rating"] == 4.0
    # Time to accept: 3 min, 30 min, 2 h, ~3 days → buckets 2, 5, 7, 13; the median ends bucket 5 (32 min)
    assert fig["accept_median_minutes"] == 32.0
    assert fig["accept_p90_minutes"] == pytest.approx(4096 * 2**0.6, abs=0.1)

    series = {r["month"]: r for r in body["tables"]["series"]["rows"]}
    assert series["2026-03"] == {
        "month": "2026-03",
        "posted": 6,
        "pending": 0,
        "accepted": 0,
        "rejected": 1,
        "completed": 2,
        "closed": 2,
        "cancelled": 1,
        "forwarded": 0,
        "signed": 0,
    }
    categories = {r["category"]: r["posted"] for r in body["tables"]["categories"]["rows"]}
    assert categories == {"养老服务 · 居家照料": 5, "法律援助": 1}
    areas = {r["area"]: r["posted"] for r in body["tables"]["areas"]["rows"]}
    assert areas == {"兴普一网格": 4, "兴普二网格": 2}


def test_histograms_hold_each_order_in_its_bucket(story):
    facts = {o: OrderFact.objects.get(order=story[o]) for o in "abcdef"}
    assert [facts[o].ta for o in "abef"] == [5, 2, 7, 13]
    assert facts["a"].tc == 8  # 150 min: [128, 256)
    assert facts["b"].tc == 4 and facts["b"].fast  # 8 min after posting, 5 min after claiming
    assert facts["e"].reopens == 1 and facts["e"].state == "completed"
    assert facts["c"].ta is None and facts["d"].org_id == 0
    assert all(0 <= (facts[o].ta or 0) < BUCKETS for o in facts)


def test_leaderboards_of_the_story(story, api):
    accepted = api("community_xp").get("insights/dashboard/accepted", period="2026-03").json()
    # 海韵 took A and E, 互助会 B and F; both completed two: they share first place, listed by id.
    assert [(r["org"], r["accepted"], r["completed"], r["rank"]) for r in accepted["rows"]] == [
        ("舟山市普陀区海韵社会工作服务中心", 2, 2, 1),
        ("东港街道兴普社区邻里互助会", 2, 2, 1),
    ]
    praise = api("resident_a").get("insights/leaderboards/praise", period="2026-03").json()
    assert [(r["org"], r["rated"], r["smoothed_rating"]) for r in praise["rows"]] == [
        ("舟山市普陀区海韵社会工作服务中心", 1, round(45 / 11, 2)),
        ("东港街道兴普社区邻里互助会", 1, round(43 / 11, 2)),
    ]
    assert "10 × 4.0" in praise["note"]


def test_the_story_verifies(story):
    report = verify()
    assert report.ok, report.differences
    assert report.orders == 6


def test_the_fast_closure_list_names_the_order(story, api):
    fast = api("street_dg").get("insights/dashboard/fast", period="2026").json()
    assert [r["id"] for r in fast["rows"]] == [story["b"].pk]


def test_small_organizations_cannot_top_the_praise_board_with_two_ratings(history, api):
    h = history
    for _n in range(2):
        h.done(h.post(), "org_a", accept={"minutes": 10}, complete={"hours": 1}, stars=5)
    for stars in [5, 4] * 6:  # twelve ratings averaging 4.5
        h.done(h.post(), "org_b", accept={"minutes": 10}, complete={"hours": 1}, stars=stars)
    rows = api("street_dg").get("insights/dashboard/praise", period="2026").json()["rows"]
    assert [(r["org"], r["rated"], r["average_rating"]) for r in rows] == [
        ("东港街道兴普社区邻里互助会", 12, 4.5),
        ("舟山市普陀区海韵社会工作服务中心", 2, 5.0),
    ]
    assert rows[0]["smoothed_rating"] == round((40 + 54) / 22, 2) and rows[1]["smoothed_rating"] == round(50 / 12, 2)


def test_yearly_and_monthly_cells_agree(story, api):
    """A whole calendar year is read from yearly cells, a part of one from monthly cells: same figures."""
    client = api("street_dg")
    year = client.get("insights/dashboard/rates", period="2026").json()["rows"]
    months = client.get("insights/dashboard/rates", period="2026-02:2026-04").json()["rows"]
    mixed = client.get("insights/dashboard/rates", period="2025-11:2027-01").json()["rows"]
    # a year less the months outside: the same figures as the months added up
    less = [
        client.get("insights/dashboard/rates", period=p).json()["rows"]
        for p in ("2025-12:2026-11", "2026-02:2026-12", "2026-03:2026-09")
    ]
    assert year == months == mixed == less[0] == less[1] == less[2]
    for table in ("praise", "accepted", "categories", "areas"):
        boards = [
            client.get(f"insights/dashboard/{table}", period=p).json()["rows"]
            for p in ("2026", "2026-03", "2025-12:2026-11", "2026-03:2026-09")
        ]
        assert boards[0] == boards[1] == boards[2] == boards[3], table
        assert boards[0], table
    # the year less January to March (where every order of the story is): nothing left, however it is split
    after = client.get("insights/dashboard", period="2026-04:2026-12").json()
    assert after["figures"]["posted"] == 0 and after["figures"]["rated"] == 0
    assert all(not after["tables"][t]["rows"] for t in ("praise", "accepted", "categories", "areas"))


def test_split_period_into_years_and_months():
    from datetime import date

    from gongzhi.insights.cube import Parts, parse_period, split_period

    def d(text):
        y, m = text.split("-")
        return date(int(y), int(m), 1)

    def split(text, now="2030-01"):  # by default every month of these periods is in the past
        return split_period(parse_period(text), d(now))

    assert split("2026") == Parts(years=(d("2026-01"),))
    # two months of a year: those months; the whole year between: its yearly cells
    assert split("2025-11:2027-02") == Parts(
        years=(d("2026-01"),), ranges=((d("2025-11"), d("2025-12")), (d("2027-01"), d("2027-02")))
    )
    # eleven months of a year: the year less the one month outside the period
    assert split("2026-02:2026-12") == Parts(years=(d("2026-01"),), minus=((d("2026-01"), d("2026-01")),))
    # a rolling 12 months: one month, and a year less one month
    assert split("2025-12:2026-11") == Parts(
        years=(d("2026-01"),), ranges=((d("2025-12"), d("2025-12")),), minus=((d("2026-12"), d("2026-12")),)
    )
    # months running across a new year stay one range; seven months are a year less five
    assert split("2025-11:2026-03") == Parts(ranges=((d("2025-11"), d("2026-03")),))
    assert split("2026-03:2026-09") == Parts(
        years=(d("2026-01"),), minus=((d("2026-01"), d("2026-02")), (d("2026-10"), d("2026-12")))
    )
    assert split("2026-03:2026-08") == Parts(ranges=((d("2026-03"), d("2026-08")),))
    # Months after the current one have no cells yet: in June, the rolling 12 months read the six months of
    # last year and this year's cells less July to December (empty, so free).
    assert split("2025-07:2026-06", now="2026-06") == Parts(
        years=(d("2026-01"),), ranges=((d("2025-07"), d("2025-12")),), minus=((d("2026-07"), d("2026-12")),)
    )
    # this quarter in March: the year's cells less April to December (nothing there yet), one set, not three
    assert split("2026-01:2026-03", now="2026-03") == Parts(
        years=(d("2026-01"),), minus=((d("2026-04"), d("2026-12")),)
    )
    assert split("2026-01", now="2026-03") == Parts(ranges=((d("2026-01"), d("2026-01")),))

    # With year-to-date cells (district and street levels) any run of months is at most two sets a year:
    def ytd(text, now="2030-01"):
        return split_period(parse_period(text), d(now), ytd=True)

    assert ytd("2026-03:2026-08") == Parts(ytd=(d("2026-08"),), ytd_minus=(d("2026-02"),))
    assert ytd("2025-07:2026-06") == Parts(years=(d("2025-01"),), ytd=(d("2026-06"),), ytd_minus=(d("2025-06"),))
    assert ytd("2026-01:2026-05") == Parts(ytd=(d("2026-05"),))
    assert ytd("2026-04:2026-12") == Parts(years=(d("2026-01"),), ytd_minus=(d("2026-03"),))
    assert ytd("2026-05:2026-06") == Parts(ranges=((d("2026-05"), d("2026-06")),))  # two small sets are cheaper
    assert ytd("2026") == Parts(years=(d("2026-01"),))
    # ...and months still to come cost nothing: this quarter in March is the year less nothing yet
    assert ytd("2026-01:2026-03", now="2026-03") == Parts(ytd=(d("2026-03"),))


@pytest.mark.parametrize("who", ["community_xp", "street_dg", "mzj"])
def test_dashboard_answer_keeps_to_its_published_schema(story, api, who):
    """The dashboard is written as JSON without a second validation: hold it to the OpenAPI schema here."""
    from gongzhi.insights.api import DashboardOut

    response = api(who).get("insights/dashboard", period="2026")
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    parsed = DashboardOut.model_validate(body)
    assert set(parsed.tables) == {"rates", "series", "categories", "areas", "accepted", "praise", "warnings", "overdue"}
    assert parsed.figures["posted"] == 6
    for name, table in parsed.tables.items():
        for row in table.rows:
            missing = {c.key for c in table.columns} - set(row)
            assert not missing, (name, missing)
    assert "海韵" in response.content.decode()  # Chinese as itself, not \\u escapes


@pytest.fixture
def spread(history, clock):
    """Orders across two years — one or two a month in some months, claimed by either organization, some
    rated — so that every way of splitting a period into cell sets has something to add or subtract."""
    from datetime import datetime

    from gongzhi.insights.tests.conftest import CHINA

    h = history
    for n, (y, m) in enumerate(
        [
            (2025, 1),
            (2025, 3),
            (2025, 6),
            (2025, 7),
            (2025, 11),
            (2025, 12),
            (2026, 1),
            (2026, 2),
            (2026, 5),
            (2026, 6),
            (2026, 8),
            (2026, 11),
        ]
    ):
        clock.set(datetime(y, m, 10, 9, 0, tzinfo=CHINA))
        order = h.post(
            "resident_a" if n % 2 else "resident_b",
            category="elderly_care" if n % 3 else "legal",
            grid=XP2 if n % 2 else None,
        )
        h.done(
            order,
            "org_a" if n % 3 else "org_b",
            accept={"minutes": 20 + n},
            complete={"hours": 1 + n % 4},
            stars=(n % 5) + 1,
            rater="resident_a" if n % 2 else "resident_b",
        )
        if n % 4 == 0:
            h.claim(h.post(grid=None), "org_b", after={"hours": 2})


def _cells_month_by_month(monkeypatch):
    """``cells`` as it would answer if every period were read month by month (the plainest exact sum)."""
    from gongzhi.insights import cube

    def plain(period, current=None, *, ytd=False):
        return cube.Parts(ranges=((period.start, period.end),))

    monkeypatch.setattr(cube, "split_period", plain)


months = st.sampled_from([f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=months, b=months, who=st.sampled_from(["mzj", "street_dg", "community_xp"]))
@example(a="2025-11", b="2026-02", who="community_xp")  # months of two years, run together
@example(a="2025-07", b="2026-06", who="mzj")  # half a year each side: year less ytd, and ytd
@example(a="2025-03", b="2025-09", who="street_dg")  # ytd less ytd
@example(a="2025-02", b="2025-11", who="community_xp")  # the year less two months
def test_any_period_splits_into_the_same_figures(spread, api, monkeypatch, a, b, who):
    """However a period is split (years, year to date, months added or subtracted), every table equals the
    month-by-month sum of the same period."""
    a, b = sorted((a, b))
    client = api(who)
    tables = ("rates", "categories", "areas", "accepted", "praise", "series")
    split = {t: client.get(f"insights/dashboard/{t}", period=f"{a}:{b}").json()["rows"] for t in tables}
    with monkeypatch.context() as m:
        _cells_month_by_month(m)
        plain = {t: client.get(f"insights/dashboard/{t}", period=f"{a}:{b}").json()["rows"] for t in tables}
    assert split == plain
