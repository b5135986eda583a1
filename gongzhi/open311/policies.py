"""Who may read what of Open311.

GeoReport v2 is public-read by design (GET needs no key), so the ``public`` action is open to
everyone — but only for what the spec publishes: active services and their questions, the districts
served, and requests that came in through Open311 itself. Orders from other channels never pass
this door, and contact data is never part of it (see ``serializers``). Keys are admin-only.
"""

from __future__ import annotations

from django.db.models import Q

from gongzhi.accounts.permissions import Policy, register
from gongzhi.open311.models import ApiKey, CommunityLocation, Jurisdiction, ServiceAttribute, Submission
from gongzhi.orders.models import Channel


@register(Jurisdiction)
class JurisdictionPolicy(Policy):
    admin_all = False  # the public API shows everyone the same thing, admins included
    rules = {"public": lambda g: Q(active=True)}


@register(ServiceAttribute)
class ServiceAttributePolicy(Policy):
    admin_all = False
    # "label": retired questions still name the answers stored with old requests.
    rules = {"public": lambda g: Q(active=True, category__active=True), "label": lambda g: Q()}


@register(CommunityLocation)
class CommunityLocationPolicy(Policy):
    rules = {"public": lambda g: Q()}


@register(Submission)
class SubmissionPolicy(Policy):
    admin_all = False
    rules = {"public": lambda g: Q(order__channel=Channel.OPEN311, jurisdiction__active=True)}


@register(ApiKey)
class ApiKeyPolicy(Policy):
    rules: dict = {}  # nobody but admins (who pass every rule) sees keys
