"""The published parameters of the insight figures, each overridable in Django settings.

They are part of what a figure means, so every page that shows a figure also shows the parameter
(e.g. "平滑评分：先验 10 条 4.0 分"). Changing ``INSIGHTS_FAST_CLOSURE_MINUTES`` changes a maintained
figure: run ``gongzhi insights rebuild`` afterwards (``gongzhi insights verify`` reports the drift).
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Bayesian average for praise leaderboards: every organization starts with this many imaginary
    # ratings at this mean, so two 5-star ratings cannot outrank two hundred good ones.
    "INSIGHTS_RATING_PRIOR_COUNT": 10,
    "INSIGHTS_RATING_PRIOR_MEAN": 4.0,
    # A completion this many minutes or less after acceptance is flagged as a suspiciously fast closure.
    "INSIGHTS_FAST_CLOSURE_MINUTES": 10,
    # Hot-spot warnings: the last HOTSPOT_DAYS days against the HOTSPOT_WEEKS weeks before them.
    "INSIGHTS_HOTSPOT_DAYS": 7,
    "INSIGHTS_HOTSPOT_WEEKS": 8,
    "INSIGHTS_HOTSPOT_MIN": 3,
    "INSIGHTS_HOTSPOT_SIGMAS": 3.0,
    # Leaderboard length when the caller does not say.
    "INSIGHTS_BOARD_SIZE": 20,
}


def get(name: str) -> object:
    return getattr(settings, name, DEFAULTS[name])


def prior_count() -> int:
    return int(get("INSIGHTS_RATING_PRIOR_COUNT"))  # type: ignore[call-overload]


def prior_mean() -> float:
    return float(get("INSIGHTS_RATING_PRIOR_MEAN"))  # type: ignore[arg-type]


def fast_minutes() -> int:
    return int(get("INSIGHTS_FAST_CLOSURE_MINUTES"))  # type: ignore[call-overload]
