"""Completion photos are taken in residents' homes: they show on an organization's public page only if the
requester agreed (asked when rating, withdrawable) and the organization or staff marked the photo suitable.

Found when tried as a new user would: /orgs/1/ published every completion photo to anonymous visitors."""

from __future__ import annotations

import pytest

from gongzhi.audit.models import AuditEntry
from gongzhi.orders.models import Order, OrderPhoto
from gongzhi.orders.tests.test_api_transitions import build, org_of


def _gallery(client, org_id: int) -> str:
    return client.get(f"/orgs/{org_id}/photos/").content.decode()


def _shown(client, org_id: int, photo: OrderPhoto) -> bool:
    return f"/orgs/{org_id}/photos/{photo.pk}/" in _gallery(client, org_id)


@pytest.fixture
def served(api):
    """A completed order of org_a with one photo, not yet rated."""
    order = build("completed")
    return order, order.photos.get()


def test_a_photo_is_private_until_both_agree(api, web, served):
    order, photo = served
    org = org_of("org_a").pk
    assert not _shown(web(None), org, photo)
    # The organization marks it suitable: still private, the requester has not agreed.
    assert web("org_a").post(f"/orders/{order.pk}/photos/{photo.pk}/public/", {"suitable": "1"}).status_code == 302
    assert not _shown(web(None), org, photo)
    assert web(None).get(f"/orgs/{org}/photos/{photo.pk}/").status_code == 404
    # The requester agrees when rating: now it shows, to anyone.
    rated = api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 5, "photos_public": True})
    assert rated.status_code == 200, rated.content
    assert _shown(web(None), org, photo) and _shown(web("org_b"), org, photo)
    assert web(None).get(f"/orgs/{org}/photos/{photo.pk}/").status_code == 200


def test_the_requester_withdraws_and_the_photo_leaves_the_public_page(web, served):
    order, photo = served
    org = org_of("org_a").pk
    web("community_xp").post(f"/orders/{order.pk}/photos/{photo.pk}/public/", {"suitable": "1"})
    resident = web("resident_a")
    assert resident.post(f"/orders/{order.pk}/photos/consent/", {"consent": "1"}).status_code == 302
    assert _shown(web(None), org, photo)
    assert 'data-testid="photos-consent-toggle"' in resident.get(f"/orders/{order.pk}/").content.decode()
    resident.post(f"/orders/{order.pk}/photos/consent/", {"consent": "0"})
    assert Order.objects.get(pk=order.pk).photos_consent_at is None
    assert not _shown(web(None), org, photo)
    assert AuditEntry.objects.filter(action="orders.photos.consent_withdrawn").exists()


def test_rating_without_the_tick_keeps_photos_private(api, web, served):
    order, photo = served
    web("org_a").post(f"/orders/{order.pk}/photos/{photo.pk}/public/", {"suitable": "1"})
    assert api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 4}).status_code == 200
    assert not _shown(web(None), org_of("org_a").pk, photo)


@pytest.mark.parametrize("who", ["org_b", "resident_b", "dept_wj"])
def test_others_may_not_decide_for_the_requester_or_the_organization(web, served, who):
    order, photo = served
    consent = web(who).post(f"/orders/{order.pk}/photos/consent/", {"consent": "1"})
    mark = web(who).post(f"/orders/{order.pk}/photos/{photo.pk}/public/", {"suitable": "1"})
    assert consent.status_code in (403, 404) and mark.status_code in (403, 404)
    assert Order.objects.get(pk=order.pk).photos_consent_at is None
    assert OrderPhoto.objects.get(pk=photo.pk).public_ok_at is None


def test_the_organization_cannot_consent_for_the_resident(web, served):
    order, _photo = served
    assert web("org_a").post(f"/orders/{order.pk}/photos/consent/", {"consent": "1"}).status_code == 403
