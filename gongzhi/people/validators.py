"""ID numbers (GB 11643) and phone numbers as community ledgers write them, checked and normalised.

An 18-character number: 6 digits of the place of first registration, 8 of the birth date, 3 of sequence
(odd for men, even for women) and a check character by ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11, X for 10).
A 15-digit number is the pre-1999 form (birth year in two digits, no check character): recognised, its birth
date and gender read, and flagged so staff can ask for the current card. python-stdnum's ``cn.ric`` was
considered and is used in the tests as an independent check of the check character; it does not know the
15-digit form, rejects place codes missing from its own table, and says what is wrong only in English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
CHECK = "10X98765432"
# Province-level codes (GB/T 2260): the first two digits of every real number.
PROVINCES = {
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
    71,
    81,
    82,
}


@dataclass(frozen=True)
class IdNumber:
    value: str  # as stored: 18 characters upper case, or the 15 digits of an old number
    birth_date: date
    gender: str  # "M" / "F"
    legacy: bool  # the 15-digit pre-1999 form


def normalise(raw: object) -> str:
    """Full-width characters to half-width, spaces and dashes out, x upper case."""
    text = unicodedata.normalize("NFKC", str(raw or "")).upper()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-‐－—")


def check_char(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _birth(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def parse_id_number(raw: object, *, today: date | None = None) -> IdNumber | str:
    """The parsed number, or what is wrong with it in Chinese."""
    value = normalise(raw)
    today = today or date.today()
    if not value:
        return _("请填写身份证号")
    if len(value) == 15:
        if not value.isdigit():
            return _("15 位旧身份证号应全部是数字")
        born = _birth("19" + value[6:12])
        if born is None:
            return _("15 位旧身份证号第 7–12 位“%(d)s”不是有效的出生日期") % {"d": value[6:12]}
        if int(value[:2]) not in PROVINCES:
            return _("前两位“%(p)s”不是有效的省级行政区划代码") % {"p": value[:2]}
        return IdNumber(value, born, "M" if int(value[-1]) % 2 else "F", legacy=True)
    if len(value) != 18:
        return _("身份证号应为 18 位（旧证 15 位），现为 %(n)s 位") % {"n": len(value)}
    if not value[:17].isdigit() or value[17] not in "0123456789X":
        return _("身份证号前 17 位应为数字，最后一位为数字或 X")
    if int(value[:2]) not in PROVINCES:
        return _("前两位“%(p)s”不是有效的省级行政区划代码") % {"p": value[:2]}
    born = _birth(value[6:14])
    if born is None:
        return _("第 7–14 位“%(d)s”不是有效的出生日期") % {"d": value[6:14]}
    if born > today or born.year < 1890:
        return _("出生日期 %(d)s 不合理，请核对第 7–14 位") % {"d": born.isoformat()}
    if check_char(value[:17]) != value[17]:
        return _("校验位不正确（应为 %(c)s），请逐位核对是否抄错") % {"c": check_char(value[:17])}
    return IdNumber(value, born, "M" if int(value[16]) % 2 else "F", legacy=False)


def fake_id_number(prefix: str, born: date, sequence: int) -> str:
    """A number that passes the check, for the demo and tests (``prefix`` a place code that does not exist)."""
    first17 = f"{prefix}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)


MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")


def parse_phone(raw: object) -> str | None:
    """A mobile (13812341234) or landline with area code (0580-3801234); full-width digits, spaces, dashes,
    brackets and a +86 prefix are tolerated. Returns the normalised number, "" for empty, None if invalid."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        return ""
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if MOBILE.match(digits):
        return digits
    if LANDLINE.match(digits):
        # Area codes 010 and 02x have three digits, all others four.
        cut = 3 if digits[1] in "12" else 4
        if 7 <= len(digits) - cut <= 8:
            return f"{digits[:cut]}-{digits[cut:]}"
    return None
