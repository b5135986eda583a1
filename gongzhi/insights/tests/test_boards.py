"""The organization boards read from the counters: known answers for the smoothing and the tie rules, and,
for random counters, the same boards as a plain ranking of every organization by ``facts.smoothed_key`` —
whole or cut to any length (only the rows shown are put in order)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.insights import selectors
from gongzhi.insights.facts import GRAINS, YEAR, smoothed_key
from gongzhi.insights.models import Tally
from gongzhi.orgs.models import Organization, OrgStatus, OrgType

ORG_YEAR = next(g.code for g in GRAINS if g.org and not g.category and g.geo == 0 and g.period == YEAR)
STARS = st.lists(st.integers(0, 60), min_size=5, max_size=5)


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


def _orgs(n: int) -> list[Organization]:
    home = Area.objects.get(code="330903")
    return [
        Organization.objects.create(
            name=f"排行测试组织{k}", org_type=OrgType.SERVICE_INSTITUTION, status=OrgStatus.ACTIVE, home_area=home
        )
        for k in range(n)
    ]


def _counted(org: Organization, stars: list[int], taken: int = 1, done: int = 1) -> None:
    """The organization's yearly cell of 2026, as the transitions would have left it."""
    Tally.objects.create(
        grain=ORG_YEAR,
        month=date(2026, 1, 1),
        district_id=org.home_area_id,
        org_id=org.pk,
        taken=taken,
        done=done,
        ever_done=done,
        rated=sum(stars),
        **{f"r{n}": c for n, c in enumerate(stars, start=1)},
    )


def _board(user, kind: str, limit: int | None = None) -> selectors.Table:
    return selectors.leaderboard(user, kind, period="2026", limit=limit)


def _ranked(board: selectors.Table) -> list[tuple[int, int]]:
    return [(r["org_id"], r["rank"]) for r in board.rows]


def test_two_perfect_ratings_do_not_outrank_two_hundred_good_ones(admin):
    tiny, big = _orgs(2)
    _counted(tiny, [0, 0, 0, 0, 2])  # average 5.0
    _counted(big, [0, 0, 0, 100, 100])  # average 4.5
    assert _ranked(_board(admin, "praise")) == [(big.pk, 1), (tiny.pk, 2)]


def test_equal_smoothed_rating_and_count_share_a_rank_listed_by_id(admin):
    a, b, c = _orgs(3)
    _counted(b, [0, 0, 0, 1, 1])
    _counted(a, [0, 0, 0, 1, 1])
    _counted(c, [0, 0, 0, 0, 3])
    assert _ranked(_board(admin, "praise")) == [(c.pk, 1), (a.pk, 2), (b.pk, 2)]


def test_equal_smoothed_rating_more_ratings_first(admin):
    # (40 + 4·1) / 11 = 4 and (40 + 4·3) / 13 = 4: equal smoothed, more ratings wins
    one, three = _orgs(2)
    _counted(one, [0, 0, 0, 1, 0])
    _counted(three, [0, 0, 0, 3, 0])
    board = _board(admin, "praise")
    assert _ranked(board) == [(three.pk, 1), (one.pk, 2)]
    assert [r["smoothed_rating"] for r in board.rows] == [4.0, 4.0]


def test_unrated_organizations_are_not_on_the_praise_board(admin):
    (quiet,) = _orgs(1)
    _counted(quiet, [0, 0, 0, 0, 0], taken=3)
    assert _board(admin, "praise").rows == []
    assert _board(admin, "praise").total_rows == 0
    assert _ranked(_board(admin, "accepted")) == [(quiet.pk, 1)]


def test_accepted_board_ties_on_accepted_then_completed(admin):
    one, two, three, four = _orgs(4)
    for org, taken, done in ((one, 5, 3), (two, 5, 4), (three, 5, 4), (four, 6, 0)):
        _counted(org, [0] * 5, taken, done)
    assert _ranked(_board(admin, "accepted")) == [(four.pk, 1), (two.pk, 2), (three.pk, 2), (one.pk, 4)]


def test_a_short_board_counts_every_organization_and_keeps_their_ranks(admin):
    a, b, c, d = _orgs(4)
    for org in (a, b, c):
        _counted(org, [0, 0, 0, 0, 1], taken=2)
    _counted(d, [0, 0, 0, 1, 0], taken=1)
    board = _board(admin, "accepted", limit=2)
    assert _ranked(board) == [(a.pk, 1), (b.pk, 1)]
    assert board.total_rows == 4


def _reference(counts: list[tuple[Organization, list[int], int, int]], kind: str) -> list[tuple[int, int]]:
    """The board ranked the plain way: every organization in Python, by the exact key of ``facts``."""
    if kind == "praise":
        keyed = [((smoothed_key(s), sum(s)), o.pk) for o, s, _t, _d in counts if sum(s)]
    else:
        keyed = [((t, d), o.pk) for o, _s, t, d in counts if t]
    keyed.sort(key=lambda kv: kv[1])
    keyed.sort(key=lambda kv: kv[0], reverse=True)
    out, rank, previous = [], 0, None
    for n, (key, pk) in enumerate(keyed):
        if key != previous:
            rank, previous = n + 1, key
        out.append((pk, rank))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.lists(st.tuples(STARS, st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=9),
    limit=st.integers(1, 10),
)
def test_the_boards_are_the_first_part_of_a_plain_ranking(admin, counts, limit):
    """Random counters (small ones, so that ties are common): each board, whole and cut to ``limit`` rows,
    is the first part of the plain ranking, and counts all its organizations."""
    with transaction.atomic():
        orgs = _orgs(len(counts))
        table = []
        for org, (stars, taken, done) in zip(orgs, counts, strict=True):
            _counted(org, stars, taken, done)
            table.append((org, stars, taken, done))
        for kind in ("accepted", "praise"):
            expected = _reference(table, kind)
            assert _ranked(_board(admin, kind, limit=500)) == expected
            short = _board(admin, kind, limit=limit)
            assert _ranked(short) == expected[:limit]
            assert short.total_rows == len(expected)
        transaction.set_rollback(True)
