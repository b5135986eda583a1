"""Bad input through the order API: 422 with a Chinese message per field, and nothing written."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.conf import settings
from PIL import Image

from gongzhi.orders.models import Order, OrderEvent, OrderPhoto, Rating
from gongzhi.orders.tests.conftest import XP, jpeg
from gongzhi.orders.tests.test_api_transitions import CJK, build, complete_body, refused, snapshot

VALID = {
    "category": "elderly_care",
    "title": "帮忙买菜",
    "description": "腿脚不便，想请人帮忙买菜。",
    "community": XP,
    "grid": f"{XP}-001",
}


def field_errors(response: object) -> dict[str, list[str]]:
    body = refused(response, 422, code="validation_error")
    for messages in body["errors"].values():
        assert all(CJK.search(m) for m in messages), body
    return body["errors"]


def media_files() -> list[str]:
    root = str(settings.MEDIA_ROOT)
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def test_missing_fields_are_named_one_by_one(api):
    errors = field_errors(api("resident_a").post("orders", {}))
    assert set(errors) == {"category", "title", "description", "community"}
    assert errors["title"] == ["此项为必填项"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"category": "space_travel"}, "category", "服务类别"),
        ({"category": ""}, "category", "服务类别"),
        ({"community": "330903003999"}, "community", "找不到社区"),
        ({"community": "330903003"}, "community", "找不到社区"),  # a street is not a community
        ({"grid": "330903003008-001"}, "grid", "不属于"),  # 文康's grid under 兴普
        ({"grid": "nowhere"}, "grid", "不属于"),
        ({"contact_phone": "12345abc"}, "contact_phone", "电话号码格式不正确"),
        ({"contact_phone": "1381234123"}, "contact_phone", "电话号码格式不正确"),
        ({"description": "多" * 4001}, "description", "4000"),
        ({"description": "   "}, "description", "请填写需求描述"),
        ({"title": "买"}, "title", "至少 2 个字"),
        ({"title": "标" * 101}, "title", "100"),
        ({"urgency": "asap"}, "urgency", "紧急程度"),
        ({"scenario": "weird"}, "scenario", "场景"),
        ({"channel": "fax"}, "channel", "未知渠道"),
    ],
)
def test_bad_fields_are_refused_with_what_to_fix(api, change, field, says):
    errors = field_errors(api("resident_a").post("orders", {**VALID, **change}))
    assert field in errors, errors
    assert says in "".join(errors[field]), errors
    assert Order.objects.count() == 0


def test_an_unknown_dispatch_target_is_refused(api):
    errors = field_errors(api("community_xp").post("orders", {**VALID, "org": 999999}))
    assert "派单对象" in errors["org"][0]


def test_a_body_that_is_not_an_object_is_refused(api):
    client = api("resident_a").client
    field_errors(client.post("/api/v1/orders", "not json", content_type="application/json"))
    field_errors(client.post("/api/v1/orders", "[1, 2]", content_type="application/json"))
    assert Order.objects.count() == 0


@pytest.mark.parametrize("stars", [0, 6, -1, "五"])
def test_stars_must_be_one_to_five(api, stars):
    order = build("completed")
    errors = field_errors(api("resident_a").post(f"orders/{order.pk}/rate", {"stars": stars}))
    assert "stars" in errors
    assert not Rating.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).state == "completed"


def test_rating_twice_is_a_conflict(api):
    order = build("completed")
    assert api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 5}).status_code == 200
    refused(api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 1}), 409, state="closed")
    assert list(Rating.objects.filter(order=order).values_list("stars", flat=True)) == [5]


def test_a_long_rating_comment_is_refused(api):
    order = build("completed")
    errors = field_errors(api("resident_a").post(f"orders/{order.pk}/rate", {"stars": 5, "comment": "好" * 501}))
    assert "500" in errors["comment"][0]


def _not_an_image():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.jpg", b"%PDF-1.4 this is not a photo", content_type="image/jpeg")


def _gif():
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    return SimpleUploadedFile("anim.gif", buffer.getvalue(), content_type="image/gif")


@pytest.mark.parametrize(
    ("photos", "says"),
    [
        ([], "此项为必填项"),
        ([jpeg(f"p{i}.jpg") for i in range(10)], "最多可上传 9 张"),
        ([_not_an_image()], "不是照片"),
        ([jpeg(), _gif()], "不是照片"),  # one bad file refuses the lot: no half-stored proof
    ],
    ids=["none", "ten", "pdf", "gif-among-good"],
)
def test_completion_needs_one_to_nine_real_photos_and_changes_nothing_otherwise(api, photos, says):
    order = build("accepted")
    before = snapshot(order.pk)
    body = complete_body()
    body["photos"] = photos
    if not photos:
        del body["photos"]

    errors = field_errors(api("org_a").post(f"orders/{order.pk}/complete", data=body))

    assert says in "".join(errors["photos"]), errors
    assert snapshot(order.pk) == before
    assert Order.objects.get(pk=order.pk).state == "accepted"
    assert not OrderPhoto.objects.filter(order=order).exists()
    assert media_files() == []


def test_completion_needs_a_description(api):
    order = build("accepted")
    errors = field_errors(api("org_a").post(f"orders/{order.pk}/complete", data=complete_body(description="好")))
    assert "至少 5 个字" in errors["description"][0]
    assert media_files() == []


@pytest.mark.parametrize("people", [0, -3, "许多"])
def test_people_served_must_be_a_positive_number(api, people):
    order = build("accepted")
    errors = field_errors(api("org_a").post(f"orders/{order.pk}/complete", data=complete_body(people_served=people)))
    assert "people_served" in errors
    assert Order.objects.get(pk=order.pk).state == "accepted"
    assert media_files() == []


def test_completion_strips_metadata_and_keeps_the_files_it_stored(api):
    order = build("accepted")
    response = api("org_a").post(f"orders/{order.pk}/complete", data=complete_body())
    assert response.status_code == 200, response.content
    photo = OrderPhoto.objects.get(order=order)
    stored = {os.path.relpath(p, settings.MEDIA_ROOT) for p in media_files()}
    assert stored == {photo.path, photo.thumb_path}
    assert re.fullmatch(r"orders/\d+/.+\.jpg", photo.path)
    assert OrderEvent.objects.filter(order=order, action="completed").get().data["photos"] == 1


@pytest.mark.parametrize("title", ["🙏🙏🙏", "。。。！", "👍 👍"])
def test_a_title_of_only_emoji_or_symbols_is_refused(api, title):
    from gongzhi.orders.models import Order

    body = {"category": "elderly_care", "title": title, "description": "请帮忙。", "community": "330903003005"}
    response = api("resident_a").post("orders", body)
    assert response.status_code == 422
    assert "不能只有表情或符号" in response.json()["errors"]["title"][0]
    assert not Order.objects.filter(title=title).exists()


def test_too_long_a_description_says_by_how_much(api):
    body = {"category": "elderly_care", "title": "帮忙买菜", "description": "字" * 4010, "community": "330903003005"}
    response = api("resident_a").post("orders", body)
    assert response.status_code == 422
    assert "请删去 10 个字" in response.json()["errors"]["description"][0]
