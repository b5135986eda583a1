"""ID numbers (GB 11643, ISO 7064 MOD 11-2) and phones as ledgers write them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from gongzhi.people.validators import IdNumber, check_char, fake_id_number, parse_id_number, parse_phone

TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("raw", "birth", "gender"),
    [
        ("360426199101010071", date(1991, 1, 1), "M"),  # python-stdnum's documented example
        ("11010519491231002X", date(1949, 12, 31), "F"),  # the GB 11643 standard's own example
        ("11010519491231002x", date(1949, 12, 31), "F"),
        ("１１０１０５１９４９１２３１００２Ｘ", date(1949, 12, 31), "F"),
        ("110105 19491231 002X", date(1949, 12, 31), "F"),
    ],
)
def test_valid_numbers_give_birth_date_and_gender(raw, birth, gender):
    parsed = parse_id_number(raw, today=TODAY)
    assert isinstance(parsed, IdNumber)
    assert (parsed.birth_date, parsed.gender, parsed.legacy) == (birth, gender, False)
    assert parsed.value == parsed.value.upper() and len(parsed.value) == 18


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写身份证号"),
        ("110105194912310021", "校验位不正确（应为 X）"),
        ("11010519491331002X", "不是有效的出生日期"),
        ("11010520300101002X", "不合理"),
        ("99010519491231002X", "不是有效的省级行政区划代码"),
        ("1101051949123100", "应为 18 位（旧证 15 位），现为 16 位"),
        ("11010519491231A02X", "前 17 位应为数字"),
        ("110105491331002", "不是有效的出生日期"),
    ],
)
def test_invalid_numbers_say_what_is_wrong(raw, message):
    problem = parse_id_number(raw, today=TODAY)
    assert isinstance(problem, str) and message in problem, problem


def test_an_old_15_digit_number_is_recognised_and_flagged():
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert isinstance(parsed, IdNumber)
    assert (parsed.birth_date, parsed.gender, parsed.legacy) == (date(1949, 12, 31), "F", True)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)), st.integers(0, 999))
def test_our_check_character_agrees_with_python_stdnum(born, sequence):
    number = fake_id_number("330903", born, sequence)
    assert ric.calc_check_digit(number) == number[-1] == check_char(number[:17])
    assert isinstance(parse_id_number(number, today=TODAY), IdNumber)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812341234", "13812341234"),
        ("138 1234 1234", "13812341234"),
        ("１３８１２３４１２３４", "13812341234"),
        ("+86 138-1234-1234", "13812341234"),
        ("0580-3801234", "0580-3801234"),
        ("05803801234", "0580-3801234"),
        ("(0580)3801234", "0580-3801234"),
        ("010-12345678", "010-12345678"),
        ("", ""),
        ("1381234123", None),
        ("12812341234", None),
        ("138abc", None),
        ("3801234", None),
    ],
)
def test_phones(raw, expected):
    assert parse_phone(raw) == expected
