"""What the orders app announces to the apps above it (see ``gongzhi.core.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from gongzhi.core.events import DomainEvent
from gongzhi.orders.models import Order, OrderEvent


@dataclass(frozen=True)
class OrderTransitioned(DomainEvent):
    """An order was created or moved (``event`` is the history row just written), inside its transaction.

    Published for every row of the order's history, so a listener sees each change exactly once."""

    order: Order
    event: OrderEvent
