"""Pinned query counts: the dashboard and the leaderboards read a fixed number of small aggregates, however
many orders, organizations or categories there are (no N+1)."""

from __future__ import annotations

import pytest

from gongzhi.insights.tests.conftest import WK, XP2


@pytest.fixture
def some_history(history):
    h = history
    for who in ("org_a", "org_b", "org_a"):
        h.done(h.post(), who, accept={"minutes": 20}, complete={"hours": 1}, stars=4)
    h.claim(h.post("street_dg", community=WK, grid=f"{WK}-001"), "org_b", after={"minutes": 5})


def _warm(client, path, **params):
    assert client.get(path, **params).status_code == 200  # token, grants and session caches as in use


# token with its user 1, grants with the granted areas 1, series 1, categories (whose sum is the rates) and
# areas: their cells with their names 2, both organization boards 1, warnings 1, overdue: how many 1. A
# community's dashboard also reads the community's grids (the ids its cells are matched by) 1. The lists of
# overdue orders and of fast closures are read on demand (their own table endpoints); the dashboard shows
# how many.
DASHBOARD_QUERIES = 8


@pytest.mark.parametrize(("who", "count"), [("street_dg", 8), ("community_xp", 9), ("mzj", 8)])
def test_dashboard_queries_are_pinned(some_history, api, django_assert_num_queries, who, count):
    client = api(who)
    _warm(client, "insights/dashboard", period="2026")
    with django_assert_num_queries(count):
        assert client.get("insights/dashboard", period="2026").status_code == 200


def test_dashboard_queries_do_not_grow_with_more_orders(some_history, history, api, django_assert_num_queries):
    for _n in range(4):
        history.done(
            history.post("resident_b", grid=XP2),
            "org_b",
            accept={"minutes": 5},
            complete={"hours": 1},
            stars=5,
            rater="resident_b",
        )
    client = api("street_dg")
    _warm(client, "insights/dashboard", period="2026")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("insights/dashboard", period="2026")


@pytest.mark.parametrize(("kind", "count"), [("categories", 3), ("accepted", 3), ("praise", 3)])
def test_leaderboard_queries_are_pinned(some_history, api, django_assert_num_queries, kind, count):
    # token with its user 1, grants 1, cells with the names of their organizations or categories (the
    # public-directory filter is a subquery) 1
    client = api("resident_a")
    _warm(client, f"insights/leaderboards/{kind}", period="2026")
    with django_assert_num_queries(count):
        assert client.get(f"insights/leaderboards/{kind}", period="2026").status_code == 200
