"""Fixtures for order tests: a ready-made need and photos."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.areas.models import Area

XP = "330903003005"
WK = "330903003008"


def jpeg(name: str = "service.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def photo() -> Callable[..., SimpleUploadedFile]:
    return jpeg


@pytest.fixture
def need(api: Any) -> Callable[..., dict[str, Any]]:
    """``need()`` posts a need as resident_a in 兴普 and returns the API's answer."""

    def post(username: str = "resident_a", **fields: Any) -> dict[str, Any]:
        grid = Area.objects.get(code=f"{XP}-001")
        body = {
            "category": "elderly_care",
            "title": "帮忙买菜",
            "description": "腿脚不便，想请人每周帮忙买两次菜。",
            "community": XP,
            "grid": grid.code,
            "address": "兴普社区3号楼201室",
            **fields,
        }
        response = api(username).post("orders", body)
        assert response.status_code == 201, response.content.decode()
        return response.json()

    return post
