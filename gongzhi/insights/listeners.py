"""What insights does when the apps below it announce a change: keep the counters exact."""

from __future__ import annotations

from gongzhi.core.events import listen
from gongzhi.insights import services
from gongzhi.orders.events import OrderTransitioned


@listen(OrderTransitioned)
def count_order(event: OrderTransitioned) -> None:
    # In the transition's own transaction: the counters commit or roll back with the order.
    services.insights_on_event(event.order, event.event)
