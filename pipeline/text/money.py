"""Money: the one parser of the project for amounts in figures and in 大写 (upper-case Chinese).

``parse_money`` / ``parse_upper_amount`` give the contract's ``"0.00"`` strings; ``to_decimal`` turns a
field value back into a :class:`decimal.Decimal`. None of them raises on any input.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

from pipeline.text.chars import compact, norm
from pipeline.text.ids import fix_digits

_MONEY_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
#: a unit price prints up to 4 places (40.7800); more is two figures run together
MAX_PLACES = 4


def parse_money(s: str | None) -> str | None:
    """``¥2,514.50`` / ``2514.5元`` / ``￥ 2514.50`` -> ``2514.50``; the last amount in the text wins
    when several are present only if the text has no currency marker."""
    if not s:
        return None
    try:
        t = fix_digits(norm(s))
        t = t.replace(" ", "")
        t = re.sub(r"(?<=\d)[,](?=\d{2}(?:\D|$))(?!\d{3})", ".", t)  # 2514,50 -> 2514.50
        t = re.sub(r"(?<=\d)\.(?=\d{3}[.,]\d)", ",", t)  # 1.234,56 style thousand marks
        marked = re.search(r"[¥$]\s*(-?\d[\d,]*(?:\.\d+)?)", t)
        m = marked.group(1) if marked else None
        if m is None:
            first = _MONEY_RE.search(t)
            if first is None:
                return None
            after = t[first.end() :]
            run_in = len(first.group(0).partition(".")[2]) > MAX_PLACES
            if not run_in and re.match(r"[A-Za-z]", after) and not re.match(r"(?i)rmb|cny", after):
                # run into letters no digit looks like: garbled (real set r21, 合计金额 read 会额y9SHA);
                # a figure run into the next column's is read below
                return None
            m = first.group(0)
        m = m.replace(",", "")
        if m.count(".") > 1:
            return None
        whole, _, places = m.partition(".")
        if len(places) > MAX_PLACES:
            # more places than any amount prints: the figure ran into the next column's (real set r03:
            # 53.00 then the item code S3103..., its S read as 5); the amount is its 2 places
            m = f"{whole}.{places[:2]}"
        v = Decimal(m)
        if v.is_nan() or v.is_infinite() or abs(v) >= Decimal("1e12"):
            return None
        return str(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, ArithmeticError):
        return None
    except Exception:
        return None


# --------------------------------------------------------------------------- Chinese upper-case amounts

_UP_DIGITS = {
    "零": 0,
    "〇": 0,
    "壹": 1,
    "一": 1,
    "贰": 2,
    "貳": 2,
    "二": 2,
    "两": 2,
    "叁": 3,
    "參": 3,
    "参": 3,  # the simplified 參: written for 叁 too (real set r16: 贰佰贰拾贰元参分)
    "三": 3,
    "肆": 4,
    "四": 4,
    "伍": 5,
    "五": 5,
    "陆": 6,
    "陸": 6,
    "六": 6,
    "柒": 7,
    "七": 7,
    "捌": 8,
    "八": 8,
    "玖": 9,
    "九": 9,
}
_UP_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_UP_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_UP_ALLOWED = set(_UP_DIGITS) | set(_UP_UNITS) | set(_UP_BIG) | set("元圆圓角分整正")


def _parse_cn_integer(s: str) -> int | None:
    if not s:
        return 0
    try:
        std = s
        for k, v in {"〇": "零", "两": "贰", "圓": "元"}.items():
            std = std.replace(k, v)
        return int(cn2an.cn2an(std, "normal"))
    except Exception:
        pass
    # fallback: own positional parser
    total = 0
    section = 0
    digit = 0
    for ch in s:
        if ch in _UP_DIGITS:
            digit = _UP_DIGITS[ch]
        elif ch in _UP_UNITS:
            section += (digit or 1) * _UP_UNITS[ch]
            digit = 0
        elif ch in _UP_BIG:
            section += digit
            total = (total + section) * _UP_BIG[ch] if _UP_BIG[ch] > 10_000 else total + section * _UP_BIG[ch]
            section = 0
            digit = 0
        else:
            return None
    return total + section + digit


def parse_upper_amount(s: str | None) -> str | None:
    """``贰仟伍佰壹拾肆元伍角`` / ``…元伍角零分`` / ``…元整`` -> ``2514.50``; None when unreadable."""
    if not s:
        return None
    try:
        t = compact(s)
        t = re.sub(r"^(人民币|金额|合计|大写|\(大写\)|[:¥])+", "", t)
        # keep the longest run of amount characters
        runs = list(re.finditer(rf"[{''.join(sorted(_UP_ALLOWED))}]+", t))
        found = [m for m in runs if any(c in _UP_DIGITS or c in _UP_UNITS for c in m.group(0))]
        if not found:
            return None
        best = max(found, key=lambda m: len(m.group(0)))
        # another run of the amount's characters one or two characters away: a numeral misread inside
        # the amount (肆佰筑拾柒元, real set r11; 拾侧元整, r34) -- the part left alone is a wrong total
        if any(
            m is not best and (0 < best.start() - m.end() <= 2 or 0 < m.start() - best.end() <= 2)
            for m in runs
        ):
            return None
        # the numerals' 元 (or 角, 分) in another run: misread characters, however many, cut the
        # numerals from it (real set r12: 壹佰 then three misread numerals, then 元…分)
        if not re.search("[元圆圓角分]", best.group(0)) and any(
            re.search("[元圆圓角分]", m.group(0)) for m in runs if m.start() > best.end()
        ):
            return None
        t = best.group(0)
        t = t.rstrip("整正")
        yuan_part, jiao, fen = t, 0, 0
        m = re.search(r"(?:[元圆圓])(.*)$", t)
        if m:
            yuan_part = t[: m.start()]
            rest = m.group(1)
        elif "角" in t or "分" in t:
            yuan_part, rest = "", t
        else:
            rest = ""
        if rest:
            mj = re.search(r"([零〇壹贰貳叁參参肆伍陆陸柒捌玖一二两三四五六七八九])角", rest)
            mf = re.search(r"([零〇壹贰貳叁參参肆伍陆陸柒捌玖一二两三四五六七八九])分", rest)
            jiao = _UP_DIGITS[mj.group(1)] if mj else 0
            fen = _UP_DIGITS[mf.group(1)] if mf else 0
            leftover = re.sub(r"[零〇壹贰貳叁參参肆伍陆陸柒捌玖一二两三四五六七八九][角分]|零", "", rest)
            if leftover:
                return None
        yuan_part = yuan_part.lstrip("零") if yuan_part.strip("零") else yuan_part
        yuan = _parse_cn_integer(yuan_part) if yuan_part.strip("零") else 0
        if yuan is None:
            return None
        v = Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100
        return str(v.quantize(Decimal("0.01")))
    except Exception:
        return None


def to_decimal(value: str | None) -> Decimal | None:
    """A field value (``"2514.50"`` from the extractors, any amount text, or an amount in 大写) as a
    Decimal with two places; None when there is none."""
    if not value:
        return None
    text = str(value)
    found = parse_money(text) if re.search(r"\d", text) else parse_upper_amount(text)
    return Decimal(found) if found is not None else None


def upper_to_decimal(value: str | None) -> Decimal | None:
    """An amount in 大写 (``贰仟伍佰壹拾肆元伍角整``) as a Decimal; None when it cannot be read."""
    found = parse_upper_amount(value)
    return Decimal(found) if found is not None else None
