"""Who may see notifications: each user their own inbox only — administrators included.

Webhook endpoints and the outbox carry secrets and other people's messages: no rule, so only
administrators reach them (through the Django admin).
"""

from django.db.models import Q

from gongzhi.accounts.permissions import Grants, Policy, register
from gongzhi.notify.models import Notification, OutboxMessage, WebhookEndpoint


def _own(grants: Grants) -> Q | None:
    return Q(recipient_id=grants.user.pk) if grants.authenticated else None


@register(Notification)
class NotificationPolicy(Policy):
    rules = {"view": _own, "mark_read": _own}
    admin_all = False  # an inbox is private: the administrator's rights stop at other people's messages


@register(WebhookEndpoint)
class WebhookEndpointPolicy(Policy):
    rules = {}


@register(OutboxMessage)
class OutboxMessagePolicy(Policy):
    rules = {}
