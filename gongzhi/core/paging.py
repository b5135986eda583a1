"""Counting long lists: a page of orders must not wait for the database to count a whole district.

Lists count at most :data:`COUNT_CAP` rows (``SELECT count(*) FROM (SELECT id … LIMIT cap + 1)``): the
database stops as soon as it has seen that many, instead of reading every one of a million rows to print
"共 1,000,015 条". Beyond the cap a page says so ("超过 10000 条……请缩小范围") and pages up to the cap; the
API's count is cap + 1, meaning "more than the cap".
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

COUNT_CAP = 10_000


def capped_count(queryset: Any, cap: int | None = None) -> int:
    """The number of rows, or ``cap + 1`` when there are more than ``cap`` (no ordering, no annotations)."""
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by().values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):
    """A paginator whose count stops at :data:`COUNT_CAP`; ``capped`` says whether there were more."""

    @property
    def cap(self) -> int:
        return COUNT_CAP

    @cached_property
    def _seen(self) -> int:
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._seen, self.cap)

    @property
    def capped(self) -> bool:
        return self._seen > self.cap
