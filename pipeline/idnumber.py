"""Resident ID numbers (公民身份号码, GB 11643-1999).

Validation uses ``stdnum.cn.ric`` (length, birth-place code of GB/T 2260 including abolished codes, birth
date, ISO 7064 MOD 11-2 check character). Reasons are short English codes for auditors plus a Chinese text
for applicants; neither ever contains the number itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric

from extractors._text import normalize_id_number

REASON_TEXT = {
    "length": "号码位数不正确（应为18位）",
    "format": "号码含有非法字符",
    "region": "号码前6位地址码不存在",
    "birth_date": "号码中的出生日期无效",
    "check_digit": "号码校验位不正确",
}


@dataclass(frozen=True)
class IdCheck:
    valid: bool
    reason: str | None = None  # length | format | region | birth_date | check_digit

    @property
    def reason_text(self) -> str | None:
        return REASON_TEXT.get(self.reason) if self.reason else None


def normalize(value: str | None) -> str | None:
    """OCR text to an 18-character number (full-width, spaces, O/0, l/1, x/X fixed), or None."""
    return normalize_id_number(value)


def _birth_part_ok(number: str) -> bool:
    try:
        y, m, d = int(number[6:10]), int(number[10:12]), int(number[12:14])
        born = date(y, m, d)
    except ValueError:
        return False
    return date(1890, 1, 1) <= born


def check(value: str | None) -> IdCheck:
    """Validate an 18-character resident ID number (after light normalisation of spaces and case)."""
    if not value:
        return IdCheck(False, "length")
    number = re.sub(r"\s", "", value).upper()
    if len(number) != 18:
        return IdCheck(False, "length")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return IdCheck(False, "format")
    if not _birth_part_ok(number):
        return IdCheck(False, "birth_date")
    if not region_known(number[:6]):
        return IdCheck(False, "region")
    if ric.calc_check_digit(number) != number[17]:
        return IdCheck(False, "check_digit")
    return IdCheck(True)


def region_known(code: str) -> bool:
    """Whether a 6-digit GB/T 2260 code was ever assigned (abolished codes count: a number keeps the code
    of its first issue, which may postdate the birth year that ``stdnum`` checks against)."""
    try:
        from stdnum import numdb

        info = numdb.get("cn/loc").info(code)
    except Exception:  # the bundled table failed to load: do not call the number invalid for it
        return True
    return any(props for _, props in info)


def is_valid(value: str | None) -> bool:
    return check(value).valid


def birth_date(number: str | None) -> str | None:
    """``YYYY-MM-DD`` from an 18-character number, or None when it holds no real date."""
    if not number or len(number) != 18 or not number[:17].isdigit():
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14])).isoformat()
    except ValueError:
        return None


def sex(number: str | None) -> str | None:
    """``男`` (odd 17th digit) or ``女`` (even)."""
    if not number or len(number) != 18 or not number[16].isdigit():
        return None
    return "男" if int(number[16]) % 2 else "女"


def check_digit(first17: str) -> str:
    """The GB 11643 check character for 17 digits (for tests and sample data)."""
    return str(ric.calc_check_digit(first17[:17] + "0"))
