"""The masking every page, export and notification uses: the forms Chinese users expect."""

from __future__ import annotations

import pytest

from gongzhi.core.masking import mask_address, mask_free_text, mask_id_number, mask_name, mask_phone


def test_the_masked_forms():
    assert mask_name("张秀英") == "张**"
    assert mask_name("李") == "李**"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0580-3801234") == "0580-38****34"
    assert mask_id_number("330903195003071234") == "330903********1234"
    assert mask_address("兴普社区3号楼201室") == "兴普社区3号楼***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请打 13812341234 联系", "请打 138****1234 联系"),
        ("电话+86 138 1234 1234", "电话138****1234"),
        ("座机0580-3801234转", "座机0580-38****34转"),
        ("身份证330903195003071234。", "身份证330903********1234。"),
        ("老证33090350030712", "老证33090350030712"),  # 14 digits: no known number, left alone
        ("旧证330903500307123", "旧证330903*****7123"),
        ("订单 20261122-000123 已完成", "订单 20261122-000123 已完成"),
        ("共 3 件，12 人", "共 3 件，12 人"),
        ("", ""),
    ],
)
def test_free_text_loses_its_phone_and_id_numbers(text, expected):
    assert mask_free_text(text) == expected
