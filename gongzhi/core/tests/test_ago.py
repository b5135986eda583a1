"""Times ago as Chinese users write them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gongzhi.core.templatetags.gongzhi_time import ago

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 5, 15, 30, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("delta", "said"),
    [
        (timedelta(seconds=20), "刚刚"),
        (timedelta(minutes=6), "6分钟前"),
        (timedelta(hours=3), "3小时前"),
        (timedelta(hours=20), "昨天 19:30"),
        (timedelta(days=10), "11月25日"),
        (timedelta(days=400), "2025年10月31日"),
    ],
)
def test_ago(monkeypatch, delta, said):
    monkeypatch.setattr(timezone, "localtime", lambda value=None: (value or NOW).astimezone(CHINA))
    assert ago(NOW - delta) == said
    assert "之前" not in ago(NOW - delta)
