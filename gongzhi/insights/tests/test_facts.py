"""Known answers for the building blocks: duration buckets, percentiles, smoothing, the rating that counts,
the hot-spot threshold, and the per-cell differences (pure functions, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.insights import hotspots
from gongzhi.insights.facts import (
    BUCKETS,
    GRAINS,
    Fact,
    bucket_bounds,
    cell_deltas,
    chosen_stars,
    contribution,
    duration_bucket,
    percentile_minutes,
    smoothed_rating,
)
from gongzhi.insights.points import smoothed_exact

T0 = datetime(2026, 3, 2, 9, 0)


@pytest.mark.parametrize(
    ("minutes", "bucket"),
    [
        (0, 0),
        (0.99, 0),
        (1, 1),
        (1.99, 1),
        (2, 2),
        (3, 2),
        (4, 3),
        (30, 5),
        (31.9, 5),
        (32, 6),
        (60, 6),
        (1440, 11),
        (65535, 16),
        (65536, 17),
        (10**7, 17),
    ],
)
def test_duration_buckets_are_octaves_of_minutes(minutes, bucket):
    assert duration_bucket(T0, T0 + timedelta(minutes=minutes)) == bucket


def test_a_negative_duration_counts_as_under_a_minute():
    assert duration_bucket(T0, T0 - timedelta(minutes=5)) == 0


def test_percentiles_interpolate_geometrically_inside_the_bucket():
    counts = [0] * BUCKETS
    counts[2] = 1  # 3 minutes: [2, 4)
    counts[5] = 1  # 30 minutes: [16, 32)
    # median: rank 1.0 ends the first order's bucket exactly → its upper bound
    assert percentile_minutes(counts, 0.5) == pytest.approx(4.0)
    # p90: rank 1.8 → 80 % into [16, 32) on a log scale
    assert percentile_minutes(counts, 0.9) == pytest.approx(16 * 2**0.8)
    assert percentile_minutes([0] * BUCKETS, 0.5) is None


def test_percentile_of_a_single_bucket_spans_it():
    counts = [0] * BUCKETS
    counts[0] = 4  # all under a minute: linear inside [0, 1)
    assert percentile_minutes(counts, 0.5) == pytest.approx(0.5)
    assert bucket_bounds(0) == (0.0, 1.0)
    assert bucket_bounds(6) == (32.0, 64.0)


def test_bayesian_average_with_the_stated_prior():
    # Prior: 10 ratings of 4.0. Two 5-star ratings: (40 + 10) / 12.
    assert smoothed_rating([0, 0, 0, 0, 2], m=10, mean=4.0) == pytest.approx(50 / 12)
    assert smoothed_exact([0, 0, 0, 0, 2]) == Fraction(50, 12)
    assert smoothed_rating([0, 0, 0, 0, 0], m=10, mean=4.0) == 4.0


def test_the_rating_that_counts_is_the_requesters_else_the_latest():
    t = datetime(2026, 3, 2)
    assert chosen_stars([("staff", 2, t + timedelta(days=1), 2), ("requester", 5, t, 1)]) == 5
    assert chosen_stars([("staff", 2, t, 1), ("dispatcher", 4, t + timedelta(days=1), 2)]) == 4
    assert chosen_stars([("requester", 3, t, 1), ("requester", 4, t, 2)]) == 4
    assert chosen_stars([]) is None


@pytest.mark.parametrize(
    ("recent", "weekly", "hot", "threshold"),
    [
        (3, [0] * 8, True, 3.0),  # quiet cell: 3 needs in a week is news
        (2, [0] * 8, False, 3.0),  # but never fewer than 3
        (6, [2] * 8, False, 2 + 3 * 2**0.5),  # perfectly regular history: σ floored at √μ
        (7, [2] * 8, True, 2 + 3 * 2**0.5),
        (20, [10, 7, 13, 10, 7, 13, 10, 10], True, 10 + 3 * 10**0.5),  # σ ≈ 2.12 < √10
        (19, [10, 7, 13, 10, 7, 13, 10, 10], False, 10 + 3 * 10**0.5),
        (30, [0, 0, 0, 0, 20, 20, 20, 20], False, 10 + 3 * 10),  # σ = 10 > √10
    ],
)
def test_hotspot_threshold(recent, weekly, hot, threshold):
    verdict = hotspots.judge(recent, weekly, minimum=3, sigmas=3.0)
    assert verdict.hot is hot
    assert verdict.threshold == pytest.approx(threshold)


facts = st.builds(
    Fact,
    order_id=st.just(1),
    month=st.sampled_from([datetime(2026, 1, 1).date(), datetime(2026, 2, 1).date()]),
    district_id=st.just(3),
    street_id=st.sampled_from([5, 6]),
    area_id=st.sampled_from([10, 11]),
    category_id=st.sampled_from([1, 2]),
    org_id=st.sampled_from([0, 1, 2]),
    state=st.sampled_from(["pending", "accepted", "completed", "closed", "cancelled"]),
    taken_due=st.booleans(),
    taken_ontime=st.booleans(),
    done_due=st.booleans(),
    done_ontime=st.booleans(),
    ever_done=st.booleans(),
    reopened=st.booleans(),
    reopens=st.integers(0, 3),
    fast=st.booleans(),
    stars=st.one_of(st.none(), st.integers(1, 5)),
    ta=st.one_of(st.none(), st.integers(0, 17)),
    tc=st.one_of(st.none(), st.integers(0, 17)),
)


@given(old=st.one_of(st.none(), facts), new=facts)
def test_cell_deltas_move_exactly_one_contribution_per_grain_and_period(old, new):
    """Each period of each grain an order counts in (one month, one year, or every year-to-date month from
    its own to November) moves by exactly the difference of the old and new contributions."""
    deltas = cell_deltas(old, new)
    for grain in GRAINS:

        def counted(fact, month, grain=grain):  # organization grains have no cells for orders nobody holds
            if fact is None or (grain.org and not fact.org_id) or month not in grain.months(fact):
                return {}
            return contribution(fact)

        months = {m for f in (old, new) if f is not None for m in grain.months(f)}
        assert {key[1] for key in deltas if key[0] == grain.code} <= months
        for month in months:
            totals: dict[str, int] = {}
            for key, change in deltas.items():
                if key[0] == grain.code and key[1] == month:
                    for name, v in change.items():
                        totals[name] = totals.get(name, 0) + v
            want = counted(new, month)
            for name, v in counted(old, month).items():
                want[name] = want.get(name, 0) - v
            assert {k: v for k, v in totals.items() if v} == {k: v for k, v in want.items() if v}
        if grain.org:
            assert all(key[-1] for key in deltas if key[0] == grain.code)
    if new is not None:
        # year to date: an order of February counts from February to November (December's is the year)
        ytd = [key[1].month for key in cell_deltas(None, new) if key[0] == 21]
        assert ytd == list(range(new.month.month, 12))
