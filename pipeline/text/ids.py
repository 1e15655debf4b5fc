"""Resident ID numbers (公民身份号码, GB 11643-1999).

Validation uses ``stdnum.cn.ric`` (length, birth-place code of GB/T 2260 including abolished codes, birth
date, ISO 7064 MOD 11-2 check character). Reasons are short English codes for auditors plus a Chinese text
for applicants; neither ever contains the number itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric

from pipeline.text.chars import norm

# --------------------------------------------------------------------------- OCR confusables

_DIGIT_CONFUSABLES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "〇": "0",
        "l": "1",
        "I": "1",
        "i": "1",
        "|": "1",
        "!": "1",
        "L": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
        "q": "9",
        "T": "7",
    }
)


def fix_digits(s: str) -> str:
    """Replace letters that OCR confuses with digits, only where they sit in a run of digits."""
    s = norm(s)

    def repl(m: re.Match[str]) -> str:
        return m.group(0).translate(_DIGIT_CONFUSABLES)

    # a confusable letter is fixed when a digit is next to it (directly or across another confusable)
    conf = "OoDQ〇lIi|!LZzSsBGbgqT"
    pattern = rf"(?:(?<=\d)[{re.escape(conf)}]+|[{re.escape(conf)}]+(?=\d))"
    prev = None
    while prev != s:
        prev = s
        s = re.sub(pattern, repl, s)
    return s


_ID_CHARS = re.compile(r"[0-9OoDQlIi|!LZzSsBGbgqT]{17}[0-9XxOoDQlIi|!LZzSsBGbgqT×χK]")
_ID_RUN = re.compile(r"[0-9OoDQlIi|!LZzSsBGbgqT]{17,}[0-9XxOoDQlIi|!LZzSsBGbgqT×χK]")


def normalize_id_number(s: str | None) -> str | None:
    """An 18-character resident ID number from OCR text (spaces, full-width, O/0, l/1, x/X), or None.

    Only the shape is checked here; validity is ``pipeline.text.ids``'s job.
    """
    if not s:
        return None
    t = re.sub(r"[\s\-]", "", norm(s))
    m = _ID_CHARS.search(t)
    if not m:
        m15 = re.search(r"(?<!\d)\d{15}(?!\d)", t)
        return m15.group(0) if m15 else None
    out = _shape(m.group(0))
    # a longer run (a stray digit of the label's box joined to the number, 公民身份号码6 + the number):
    # the 18 characters that check out, else the first 18 as before
    run = _ID_RUN.match(t, m.start())
    if run is not None and len(run.group(0)) > 18 and not (out is not None and ric.is_valid(out)):
        whole = run.group(0)
        for i in range(1, len(whole) - 17):
            alt = _shape(whole[i : i + 18])
            if alt is not None and ric.is_valid(alt):
                return alt
    return out


def _shape(raw: str) -> str | None:
    """18 OCR characters as an ID number's shape (17 digits and a digit or X), confusables fixed."""
    body = raw[:17].translate(_DIGIT_CONFUSABLES)
    last = raw[17]
    last = "X" if last in "Xx×χK" else last.translate(_DIGIT_CONFUSABLES)
    out = body + last
    return out if re.fullmatch(r"\d{17}[\dX]", out) else None


def find_id_numbers(text: str) -> list[str]:
    """Every ID-number-shaped token in free text, normalised."""
    t = re.sub(r"(?<=[0-9A-Za-z])[ ](?=[0-9A-Za-z])", "", norm(text))
    out = []
    for m in re.finditer(r"(?<![0-9A-Za-z])[0-9OoDlIZSB]{17}[0-9XxOoDlIZSB×](?![0-9A-Za-z])", t):
        v = normalize_id_number(m.group(0))
        if v and sum(c.isdigit() for c in m.group(0)) >= 15:
            out.append(v)
    return out


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


_ID_JUNK = re.compile(r"[\s\-]+")


def normalize_id(value: str | None) -> str:
    """ID / card numbers as typed by a person: NFKC, no whitespace or hyphens, upper-case (``x`` → ``X``).

    Unlike :func:`normalize_id_number` it fixes no OCR confusions: it is for values that were typed.
    """
    if not value:
        return ""
    if value.isascii() and value.isalnum():  # the usual case, without the Unicode work
        return value.upper()
    s = unicodedata.normalize("NFKC", value)
    return _ID_JUNK.sub("", s).upper()


def is_valid_id(value: str | None) -> bool:
    """GB 11643: length, birth date, region code and check digit (typed values)."""
    v = normalize_id(value)
    return len(v) == 18 and bool(ric.is_valid(v))


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
