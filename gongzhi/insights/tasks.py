"""Periodic work of the insights app, run by the task worker when the scheduler queues it."""

from __future__ import annotations

from gongzhi.insights.services import hotspots_scan


def hotspots_job() -> int:
    """Hourly: raise hot-spot warnings for cells whose need volume jumped (see ``hotspots``)."""
    return hotspots_scan()
