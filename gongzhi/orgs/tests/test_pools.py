"""The talent pool (masked, searchable, revealed with a log) and the resource pool with bookings."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import Conflict, IllegalState, NotFound, PermissionDenied, ValidationFailed
from gongzhi.orgs.models import Booking, BookingSlot, Organization, Resource, Talent
from gongzhi.orgs.selectors import resource_week, talent_search, week_start
from gongzhi.orgs.services import (
    booking_approve,
    booking_cancel,
    booking_reject,
    booking_request,
    resource_create,
    talent_create,
    talent_reveal,
    talent_update,
)

pytestmark = pytest.mark.django_db


# ---- talents -----------------------------------------------------------------------------------------


def test_search_by_skill_and_area(user):
    staff = user("community_xp")
    assert {t.name for t in talent_search(staff, skill="law")} == {"吴律师"}
    assert {t.name for t in talent_search(staff, area_code="330903003005", skill="elder_care")} == {"林秀英", "钱美琴"}
    assert not talent_search(staff, skill="law", area_code="330903003008").exists()
    assert {t.name for t in talent_search(staff, q="电工证")} == {"黄志强"}


def test_who_sees_talents(user):
    # The community sees its area; an organization sees its own people; a resident sees nobody.
    assert {t.name for t in talent_search(user("community_xp"))} == {"林秀英", "黄志强", "吴律师", "钱美琴"}
    assert {t.name for t in talent_search(user("org_a"))} == {"孙丽华", "何晓东"}
    assert not talent_search(user("resident_b")).exists()
    assert not talent_search(None).exists()


def test_create_with_vocabulary_and_tags(user, area):
    talent = talent_create(
        actor=user("community_xp"),
        kind="volunteer",
        name="赵大伯",
        phone="13900001111",
        area=area("330903003005"),
        skills=["repair", "repair"],
        tags="修自行车",
    )
    assert list(talent.skill_rows.values_list("skill", flat=True)) == ["repair"]
    with pytest.raises(ValidationFailed) as err:
        talent_create(
            actor=user("community_xp"), kind="volunteer", name="钱", area=area("330903003005"), skills=["juggling"]
        )
    assert "技能目录" in err.value.errors["skills"][0]
    talent = talent_update(actor=user("community_xp"), talent=talent, skills=["driving"], available=False)
    assert list(talent.skill_rows.values_list("skill", flat=True)) == ["driving"] and not talent.available


def test_entry_is_scoped(user, area):
    with pytest.raises(PermissionDenied):  # another community's people
        talent_create(
            actor=user("community_xp"), kind="volunteer", name="文康的人", area=area("330903003008"), skills=["arts"]
        )
    with pytest.raises(PermissionDenied):  # residents do not enter the pool
        talent_create(
            actor=user("resident_a"), kind="volunteer", name="我自己", area=area("330903003005"), skills=["arts"]
        )
    org_b = Organization.objects.get(name="东港街道兴普社区邻里互助会")
    with pytest.raises(PermissionDenied):  # org_a cannot file people under org_b
        talent_create(
            actor=user("org_a"),
            kind="volunteer",
            name="别人的志愿者",
            area=area("330903003008"),
            skills=["arts"],
            organization=org_b,
        )


def test_reveal_is_logged_and_scoped(user):
    lawyer = Talent.objects.get(name="吴律师")
    assert talent_reveal(actor=user("community_xp"), talent=lawyer) == {"name": "吴律师", "phone": "13605803333"}
    assert AuditEntry.objects.filter(action="orgs.talent.revealed", target_id=str(lawyer.pk)).count() == 1
    for outsider in ("org_a", "resident_a", "grid_xp1"):
        with pytest.raises(NotFound):
            talent_reveal(actor=user(outsider), talent=lawyer)


# ---- resources and bookings ---------------------------------------------------------------------------


def _slot(days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def room(user, area):
    return resource_create(
        actor=user("community_xp"), kind="venue", name="测试活动室", area=area("330903003005"), capacity=30
    )


def test_booking_flow(room, user):
    booking = booking_request(actor=user("org_a"), resource=room, start=_slot(3, 9), end=_slot(3, 11), purpose="讲座")
    assert booking.status == "pending" and booking.slots.count() == 4
    booking = booking_approve(actor=user("community_xp"), booking=booking)
    assert booking.status == "approved" and booking.decided_by == user("community_xp")
    booking = booking_cancel(actor=user("org_a"), booking=booking)
    assert booking.status == "cancelled" and not booking.slots.exists()
    # The freed time can be booked again.
    booking_request(actor=user("org_b"), resource=room, start=_slot(3, 9), end=_slot(3, 10), purpose="例会")


def test_double_booking_is_refused(room, user):
    booking_request(actor=user("org_a"), resource=room, start=_slot(3, 9), end=_slot(3, 11), purpose="讲座")
    with pytest.raises(Conflict) as err:
        booking_request(actor=user("org_b"), resource=room, start=_slot(3, 10, 30), end=_slot(3, 12), purpose="例会")
    assert err.value.status == 409 and "已被预约" in str(err.value.message)
    # Back to back is fine: the half-open periods do not overlap.
    booking_request(actor=user("org_b"), resource=room, start=_slot(3, 11), end=_slot(3, 12), purpose="例会")


def test_the_database_refuses_a_double_booking(room, user):
    """Even code that skips the service cannot hold one half hour twice."""
    first = booking_request(actor=user("org_a"), resource=room, start=_slot(4, 9), end=_slot(4, 10), purpose="a")
    other = Booking.objects.create(
        resource=room, requester=user("org_b"), start=_slot(4, 9), end=_slot(4, 10), purpose="b"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSlot.objects.create(resource=room, booking=other, start=first.start)


def test_period_rules(room, user):
    cases = [
        (_slot(3, 9, 15), _slot(3, 10)),
        (_slot(3, 10), _slot(3, 9)),
        (_slot(-1, 9), _slot(-1, 10)),
        (_slot(3, 9), _slot(11, 9)),
        (_slot(200, 9), _slot(200, 10)),
    ]
    for start, end in cases:
        with pytest.raises(ValidationFailed):
            booking_request(actor=user("org_a"), resource=room, start=start, end=end, purpose="x")
    with pytest.raises(ValidationFailed):
        booking_request(actor=user("org_a"), resource=room, start=_slot(3, 9), end=_slot(3, 10), purpose="")


def test_owner_bookings_are_approved_at_once(room, user):
    booking = booking_request(
        actor=user("community_xp"), resource=room, start=_slot(2, 19), end=_slot(2, 20), purpose="议事会"
    )
    assert booking.status == "approved"


def test_decisions_belong_to_the_owner(room, user):
    booking = booking_request(actor=user("org_a"), resource=room, start=_slot(3, 14), end=_slot(3, 15), purpose="x")
    for outsider in ("org_a", "org_b", "resident_a", "mzj"):
        with pytest.raises(NotFound):
            booking_approve(actor=user(outsider), booking=booking)
    with pytest.raises(NotFound):
        booking_cancel(actor=user("org_b"), booking=booking)
    with pytest.raises(ValidationFailed):
        booking_reject(actor=user("community_xp"), booking=booking, note="")
    booking = booking_reject(actor=user("community_xp"), booking=booking, note="当天有社区活动")
    assert not booking.slots.exists()
    with pytest.raises(IllegalState):
        booking_approve(actor=user("community_xp"), booking=booking)


def test_funds_are_not_booked_by_the_hour(user):
    fund = Resource.objects.get(name="社区微心愿资助资金")
    with pytest.raises(ValidationFailed):
        booking_request(actor=user("org_a"), resource=fund, start=_slot(3, 9), end=_slot(3, 10), purpose="x")


def test_resource_owners(user, area):
    org_a = Organization.objects.get(name="舟山市普陀区海韵社会工作服务中心")
    with pytest.raises(PermissionDenied):
        resource_create(
            actor=user("org_b"), kind="equipment", name="别人的设备", area=area("330903003005"), owner_org=org_a
        )
    with pytest.raises(PermissionDenied):
        resource_create(actor=user("community_xp"), kind="venue", name="文康的房间", area=area("330903003008"))
    with pytest.raises(PermissionDenied):
        resource_create(actor=user("resident_a"), kind="venue", name="我家客厅", area=area("330903003005"))
    with pytest.raises(ValidationFailed):
        resource_create(
            actor=user("org_a"), kind="fund", name="没有额度的资金", area=area("330903003"), owner_org=org_a
        )


def test_calendar_shows_held_half_hours(room, user):
    booking_request(actor=user("org_a"), resource=room, start=_slot(7, 9), end=_slot(7, 10), purpose="x")
    day = timezone.localdate() + timedelta(days=7)
    week = resource_week(user("resident_a"), room, week_start(day))
    states = {cell["at"]: cell["state"] for row in week["rows"] for cell in row["cells"]}
    assert states[_slot(7, 9)] == states[_slot(7, 9, 30)] == "pending"
    assert states[_slot(7, 10)] == "free"
    with pytest.raises(NotFound):
        resource_week(None, room, week_start(day))


def test_the_requester_hears_of_every_decision_on_a_booking(room, user):
    """Found when tried as a new user would: booking decisions notified nobody (orders do)."""
    from gongzhi.notify.models import Notification

    booking = booking_request(actor=user("org_a"), resource=room, start=_slot(4, 9), end=_slot(4, 10), purpose="讲座")
    booking_approve(actor=user("community_xp"), booking=booking)
    mine = Notification.objects.filter(recipient=user("org_a"), target_id=str(booking.pk))
    told = mine.filter(kind="orgs.booking.approved")
    assert told.count() == 1 and "测试活动室" in told.get().title and told.get().url == f"/resources/{room.pk}/"
    booking_reject(actor=user("community_xp"), booking=booking, note="场地临时检修")
    rejected = mine.get(kind="orgs.booking.rejected")
    assert rejected.body == "场地临时检修"
    # Who acts is not told of their own act.
    assert not Notification.objects.filter(recipient=user("community_xp"), target_id=str(booking.pk)).exists()
