"""Dates: the one parser of the project (OCR text, forms, ISO strings, Chinese numerals, ranges, 长期).

``parse_date`` / ``parse_date_range`` give ISO strings (the contract's form); ``to_date`` turns a field
value back into a :class:`datetime.date`. None of them raises on any input.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.text.chars import norm
from pipeline.text.ids import fix_digits

LONG_TERM = "long_term"

_CN_DIGIT = {
    "〇": 0,
    "零": 0,
    "O": 0,
    "o": 0,
    "0": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}


def _cn_small(s: str) -> int | None:
    """Chinese numerals 1..31 (十二, 二十三, 三十一) to int."""
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if "十" in s or "拾" in s:
        a, _, b = s.replace("拾", "十").partition("十")
        tens = _CN_DIGIT.get(a, -1) if a else 1
        ones = _CN_DIGIT.get(b, -1) if b else 0
        if tens < 0 or ones < 0:
            return None
        return tens * 10 + ones
    if len(s) == 1 and s in _CN_DIGIT:
        return _CN_DIGIT[s]
    return None


def _mk(y: int, m: int, d: int) -> str | None:
    if not (1900 <= y <= 2100):
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


_DATE_PATTERNS = [
    # a date run into its time by OCR: 2024-11-2018:19
    re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[年./\-_,]\s*(\d{1,2})\s*[月./\-_,]\s*(\d{2})(?=\d{1,2}:\d{2})"),
    # 2023年09月18日 / 2023-9-18 / 2023.09.18 / 2023/09/18 / 2023 年 9 月 18 日
    re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[年./\-_,]\s*(\d{1,2})\s*[月./\-_,]\s*(\d{1,2})(?!\d)"),
    # 20230918
    re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)"),
    # 20200515 run into its time by OCR: 2020051515:41:53 (real set r11)
    re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?=\d{1,2}:\d{2})"),
]
_CN_DATE = re.compile(
    r"([〇零一二三四五六七八九O0-9]{4})\s*年\s*([一二三四五六七八九十0-9]{1,3})\s*月\s*([一二三四五六七八九十0-9]{1,3})\s*日?"
)


def _prep_date_text(s: str) -> str:
    return fix_digits(norm(s))


def find_dates(s: str | None) -> list[tuple[str, int, int]]:
    """Every date in ``s`` as (ISO, start, end) in the order they appear."""
    if not s:
        return []
    try:
        t = _prep_date_text(s)
        found: list[tuple[str, int, int]] = []
        taken: list[tuple[int, int]] = []
        for pat in _DATE_PATTERNS:
            for m in pat.finditer(t):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                iso = _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                if iso:
                    found.append((iso, m.start(), m.end()))
                    taken.append((m.start(), m.end()))
        for m in _CN_DATE.finditer(t):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            y_txt = m.group(1)
            if not all(c in _CN_DIGIT or c.isdigit() for c in y_txt):
                continue
            y = int("".join(str(_CN_DIGIT[c]) if c in _CN_DIGIT else c for c in y_txt))
            mo, d = _cn_small(m.group(2)), _cn_small(m.group(3))
            if mo is None or d is None:
                continue
            iso = _mk(y, mo, d)
            if iso:
                found.append((iso, m.start(), m.end()))
                taken.append((m.start(), m.end()))
        found.sort(key=lambda x: x[1])
        return found
    except Exception:  # parsers never raise
        return []


def parse_date(s: str | None) -> str | None:
    """The first date in ``s`` as ``YYYY-MM-DD``, or None."""
    ds = find_dates(s)
    return ds[0][0] if ds else None


_LONG_TERM_RE = re.compile(r"长\s*期|永\s*久|长\s*朝|长\s*其")


def parse_date_range(s: str | None) -> tuple[str | None, str | None]:
    """``2015.03.12-2035.03.12`` / ``2015.03.12至长期`` -> (from, until); until may be ``long_term``."""
    if not s:
        return None, None
    try:
        ds = find_dates(s)
        start = ds[0][0] if ds else None
        until: str | None = ds[1][0] if len(ds) >= 2 else None
        if until is None and _LONG_TERM_RE.search(norm(s)):
            until = LONG_TERM
        return start, until
    except Exception:
        return None, None


def to_date(value: str | None) -> date | None:
    """A field value (ISO from the extractors, or any text a person typed) as a date; None if none."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        iso = parse_date(value)
        return date.fromisoformat(iso) if iso else None
