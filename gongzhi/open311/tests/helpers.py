"""Moving an Open311 request through the order life cycle with the real services, as the demo people."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.accounts.models import User
from gongzhi.orders import services
from gongzhi.orgs.models import Department


def person(username: str) -> User:
    return User.objects.get(username=username)


def photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 160, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile("done.jpg", buffer.getvalue(), content_type="image/jpeg")


def claim(order_id: int) -> None:
    services.order_claim(actor=person("org_a"), order_id=order_id)


def complete(order_id: int) -> None:
    claim(order_id)
    services.order_complete(
        actor=person("org_a"), order_id=order_id, description="已上门更换楼道灯。", photos=[photo()], people_served=1
    )


def forward_to_health(order_id: int) -> None:
    """转办 to 区卫健局, whose staff member dept_wj exists in the demo."""
    dept = Department.objects.get(name="区卫健局", area__code="330903")
    services.order_forward(
        actor=person("community_xp"),
        order_id=order_id,
        department_id=dept.pk,
        note="请卫健局协助，联系人电话 13900001111",
    )
