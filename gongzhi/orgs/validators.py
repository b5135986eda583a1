"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its inner organization code (GB 11714).

Layout of the 18 characters::

    1      registration department (登记管理部门代码: 1 机构编制, 5 民政, 9 工商, A, N, Y 其他 …)
    2      institution type (机构类别代码)
    3–8    administrative division code of the registering authority (6 digits)
    9–17   organization code (组织机构代码, GB 11714: 8 characters and a check character 0-9/X)
    18     check character over the first 17 (weights 3^i mod 31)

Any character of the 31-character alphabet is accepted in positions 1 and 2: the tables of
departments and types have grown since 2015 (A, N, …) and a register must not reject a code
its own bureau issued. :func:`credit_code_problem` says, in Chinese, which part is wrong.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

# Known department/type pairs, for display only (never used to reject a code).
DEPARTMENTS = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监管（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
CIVIL_AFFAIRS_TYPES = {"1": "社会团体", "2": "民办非企业单位（社会服务机构）", "3": "基金会", "9": "其他"}


def normalize_credit_code(raw: str | None) -> str:
    """Full-width characters become half-width, letters upper case, spaces and dashes dropped."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def _org_code_value(ch: str) -> int:
    # GB 11714 values letters by their place in the full Latin alphabet: A=10 … Z=35.
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def org_code_check_char(body: str) -> str:
    """The GB 11714 check character for the 8-character body of an organization code."""
    total = sum(_org_code_value(ch) * w for ch, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(raw: str | None) -> str | None:
    """What is wrong with the code, in Chinese; None when it is valid."""
    code = normalize_credit_code(raw)
    if not code:
        return _("请填写统一社会信用代码（18位）")
    if len(code) != 18:
        return _("统一社会信用代码应为18位，您填写了%(n)s位") % {"n": len(code)}
    for position, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            return _("第%(pos)s位“%(ch)s”不是合法字符：只能是数字和大写字母，且不含 I、O、S、V、Z") % {
                "pos": position,
                "ch": ch,
            }
    if not code[2:8].isdigit():
        return _("第3–8位应为6位数字的登记管理机关行政区划码，现为“%(part)s”") % {"part": code[2:8]}
    if code[16] not in "0123456789X":
        return _("第17位是组织机构代码的校验码，只能是数字或 X，现为“%(ch)s”") % {"ch": code[16]}
    if org_code_check_char(code[8:16]) != code[16]:
        return _("第9–17位组织机构代码“%(part)s”校验不通过，请核对这9位是否抄错") % {"part": code[8:17]}
    if credit_code_check_char(code[:17]) != code[17]:
        return _("第18位校验码不正确，请逐位核对整个代码是否抄错")
    return None


def is_valid_credit_code(raw: str | None) -> bool:
    return credit_code_problem(raw) is None


def build_credit_code(department: str, kind: str, division: str, org_body: str) -> str:
    """A valid code from its parts (both check characters computed); used by tests and the demo."""
    org_code = org_body + org_code_check_char(org_body)
    first17 = department + kind + division + org_code
    return first17 + credit_code_check_char(first17)


def describe_credit_code(code: str) -> dict[str, str]:
    """The parts of a valid code, labelled for display."""
    code = normalize_credit_code(code)
    department = DEPARTMENTS.get(code[0], _("其他（代码 %(c)s）") % {"c": code[0]})
    kind = CIVIL_AFFAIRS_TYPES.get(code[1], code[1]) if code[0] == "5" else code[1]
    return {"department": department, "kind": kind, "division": code[2:8], "org_code": f"{code[8:16]}-{code[16]}"}
