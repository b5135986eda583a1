"""The unified social credit code validator (GB 32100-2015, with the GB 11714 organization code inside).

Valid codes are built from random parts by our own generator (both check characters computed);
each test then breaks one part and checks that the message names that part.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.orgs.validators import (
    ALPHABET,
    build_credit_code,
    credit_code_check_char,
    credit_code_problem,
    describe_credit_code,
    is_valid_credit_code,
    normalize_credit_code,
    org_code_check_char,
)

alphabet_char = st.sampled_from(ALPHABET)
digit = st.sampled_from("0123456789")
codes = st.builds(
    lambda dept, kind, division, body: build_credit_code(dept, kind, "".join(division), "".join(body)),
    alphabet_char,
    alphabet_char,
    st.lists(digit, min_size=6, max_size=6),
    st.lists(alphabet_char, min_size=8, max_size=8),
)


# ---- known codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the worked example printed in GB 32100-2015
        "91110000600037341L",  # an enterprise registered in Beijing
        "91310000MA1FL4B24G",  # 9 / 1 with an MA… organization code (post-2015 numbering)
        "52330903MJ9000006W",  # the demo's 民办非企业单位 (5 民政, 2 社会服务机构)
    ],
)
def test_published_and_demo_codes_are_valid(code):
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("department", ["A", "N", "Y", "1", "5", "9"])
def test_every_registration_department_letter_is_accepted(department):
    # Libraries that only know 1/5/9 reject codes the bureaus actually issue (A 军队, N 农业, Y 其他).
    for kind in "1239":
        code = build_credit_code(department, kind, "330903", "MA2B3C4D")
        assert is_valid_credit_code(code), code


@pytest.mark.parametrize(
    "code",
    [
        build_credit_code("A", "1", "110000", "MA01XY7K"),  # 中央军委改革和编制办公室
        build_credit_code("N", "2", "330903", "MA2H4J8P"),  # 农业 · 村级集体经济组织
        build_credit_code("Y", "1", "330903", "MA28QR3T"),  # 其他
    ],
)
def test_real_format_codes_with_letter_departments(code):
    assert code[0] in "ANY"
    assert credit_code_problem(code) is None
    assert describe_credit_code(code)["division"] == code[2:8]


# ---- each part, broken -------------------------------------------------------------------------------


def test_empty_and_wrong_length():
    assert "请填写" in credit_code_problem("")
    assert "18位" in credit_code_problem("52330903MJ900000")
    assert "您填写了19位" in credit_code_problem("52330903MJ9000006W1")


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "*", "中"])
@pytest.mark.parametrize("position", [1, 2, 5, 10, 18])
def test_illegal_character_names_its_position(bad, position):
    code = list(build_credit_code("5", "2", "330903", "MJ900000"))
    code[position - 1] = bad
    message = credit_code_problem("".join(code))
    assert f"第{position}位" in message and "不是合法字符" in message


def test_division_code_must_be_digits():
    code = build_credit_code("5", "2", "330903", "MJ900000")
    broken = code[:4] + "A9" + code[6:]
    message = credit_code_problem(broken)
    assert "第3–8位" in message and "行政区划码" in message


def test_organization_code_check_character():
    code = build_credit_code("5", "2", "330903", "MJ900000")
    wrong = "1" if code[16] != "1" else "2"
    first17 = code[:16] + wrong
    message = credit_code_problem(first17 + credit_code_check_char(first17))
    assert "第9–17位组织机构代码" in message


def test_organization_check_char_position_accepts_only_digit_or_x():
    code = build_credit_code("5", "2", "330903", "MJ900000")
    first17 = code[:16] + "A"
    assert "第17位" in credit_code_problem(first17 + credit_code_check_char(first17))


def test_final_check_character():
    code = build_credit_code("5", "2", "330903", "MJ900000")
    wrong = ALPHABET[(ALPHABET.index(code[17]) + 1) % 31]
    assert "第18位校验码" in credit_code_problem(code[:17] + wrong)


def test_gb11714_check_digit_rules():
    # 11 − (sum mod 11): a remainder of 1 gives 10 → X, a remainder of 0 gives 11 → 0.
    assert org_code_check_char("00000000") == "0"
    # D=13: 13·3 + 2·7 + 6·9 + 1·2 = 109; 109 mod 11 = 10; 11 − 10 = 1 (worked by hand).
    assert org_code_check_char("D2600001") == "1"
    # The organization codes inside the published codes above, and the demo's.
    bodies = ["MA1FL4B2", "60003734", "M000100Y", "MJ900000"]
    assert [org_code_check_char(b) for b in bodies] == ["4", "1", "4", "6"]
    assert org_code_check_char("10000000") == "8"  # 11 − 3
    assert org_code_check_char("00000001") == "9"  # 11 − 2
    x_body = next(f"{n:08d}" for n in range(1000) if org_code_check_char(f"{n:08d}") == "X")
    assert sum(int(c) * w for c, w in zip(x_body, [3, 7, 9, 10, 5, 8, 4, 2], strict=True)) % 11 == 1


def test_normalization_of_what_people_type():
    code = build_credit_code("5", "2", "330903", "MJ900000")
    typed = " " + code[:6].lower() + "－" + code[6:] + " "
    assert normalize_credit_code(typed.replace("－", "-")) == code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert credit_code_problem(full_width) is None


# ---- properties ---------------------------------------------------------------------------------------


@given(codes)
def test_generated_codes_are_valid(code):
    assert len(code) == 18
    assert credit_code_problem(code) is None


@given(codes, st.integers(min_value=0, max_value=17), alphabet_char)
def test_any_single_substitution_is_caught(code, position, replacement):
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    # Both check characters are over prime moduli, so one changed character never goes unnoticed
    # (except inside the division code, where only digits are allowed and letters are refused).
    assert credit_code_problem(changed) is not None


@given(codes, st.integers(min_value=0, max_value=16))
def test_adjacent_transposition_is_caught(code, position):
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2 :]
    assert credit_code_problem(swapped) is not None
