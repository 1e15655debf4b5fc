"""Text normalisation and value parsers for OCR output.

Every parser returns the normalised value or ``None``; none of them raises on any input.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import cn2an

LONG_TERM = "long_term"

# --------------------------------------------------------------------------- basic normalisation

_FULLWIDTH_SPACE = "\u3000"
_EXTRA_MAP = str.maketrans(
    {
        "\u3000": " ",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "—": "-",
        "–": "-",
        "－": "-",
        "~": "-",
        "～": "-",
        "〜": "-",
        "﹣": "-",
        "．": ".",
        "。": ".",
        "·": "·",
        "・": "·",
        "･": "·",
        "‧": "·",
        "∙": "·",
        "⋅": "·",
        "•": "·",
        "●": "·",
        "：": ":",
        "，": ",",
        "（": "(",
        "）": ")",
        "﹙": "(",
        "﹚": ")",
        "【": "[",
        "】": "]",
        "¥": "¥",
        "￥": "¥",
    }
)


# Traditional forms that OCR models sometimes emit for simplified print (unambiguous pairs only).
_TRAD_TO_SIMP = str.maketrans(
    dict(
        zip(
            "斷診醫證號碼漢額費據門險與屬戶簽發機關療單類轉內計務報銷結總處開請記錄為員職業費檢驗藥劑"
            "齡歲別姓區縣鄉鎮學會華國歷際貴賬頁"
            "統籌傷應復雜腫瘤膽腎臟衛兒婦產陳張劉趙鄭譚韓馮鄧蕭羅盧聶龔",
            "断诊医证号码汉额费据门险与属户签发机关疗单类转内计务报销结总处开请记录为员职业费检验药剂"
            "龄岁别姓区县乡镇学会华国历际贵账页"
            "统筹伤应复杂肿瘤胆肾脏卫儿妇产陈张刘赵郑谭韩冯邓萧罗卢聂龚",
            strict=True,
        )
    )
)


def to_halfwidth(s: str) -> str:
    """Full-width ASCII forms to half-width (ＡＢＣ１２３ -> ABC123), ideographic space to space."""
    out = []
    for ch in s:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch == _FULLWIDTH_SPACE:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def norm(s: str) -> str:
    """Half-width, NFC, unified punctuation (colons, dashes, brackets), simplified characters."""
    s = unicodedata.normalize("NFC", to_halfwidth(s or ""))
    return s.translate(_EXTRA_MAP).translate(_TRAD_TO_SIMP)


@lru_cache(maxsize=8192)
def compact(s: str) -> str:
    """``norm`` without any whitespace: the form labels are searched in."""
    return re.sub(r"\s+", "", norm(s))


CJK = r"\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # incl. extension B+ (rare name characters)


def clean_value(s: str) -> str:
    """Trim punctuation at the ends and drop spaces between CJK characters ("张 伟 明" -> "张伟明")."""
    s = norm(s).strip()
    s = re.sub(rf"(?<=[{CJK}])\s+(?=[{CJK}])", "", s)
    s = re.sub(r"\s{2,}", " ", s)
    return s.strip(" :;,.|_-[]")


def clean_name(s: str) -> str | None:
    """A person's name: CJK characters (and the middle dot of minority names), no spaces."""
    s = compact(s)
    s = s.replace("•", "·").replace(".", "·")
    s = re.sub(rf"[^{CJK}·A-Za-z]", "", s).strip("·")
    return s or None


# --------------------------------------------------------------------------- confusables

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


def normalize_id_number(s: str | None) -> str | None:
    """An 18-character resident ID number from OCR text (spaces, full-width, O/0, l/1, x/X), or None.

    Only the shape is checked here; validity is ``pipeline.idnumber``'s job.
    """
    if not s:
        return None
    t = re.sub(r"[\s\-]", "", norm(s))
    m = _ID_CHARS.search(t)
    if not m:
        m15 = re.search(r"(?<!\d)\d{15}(?!\d)", t)
        return m15.group(0) if m15 else None
    raw = m.group(0)
    body = raw[:17].translate(_DIGIT_CONFUSABLES)
    last = raw[17]
    last = "X" if last in "Xx×χK" else last.translate(_DIGIT_CONFUSABLES)
    out = body + last
    if not re.fullmatch(r"\d{17}[\dX]", out):
        return None
    return out


def find_id_numbers(text: str) -> list[str]:
    """Every ID-number-shaped token in free text, normalised."""
    t = re.sub(r"(?<=[0-9A-Za-z])[ ](?=[0-9A-Za-z])", "", norm(text))
    out = []
    for m in re.finditer(r"(?<![0-9A-Za-z])[0-9OoDlIZSB]{17}[0-9XxOoDlIZSB×](?![0-9A-Za-z])", t):
        v = normalize_id_number(m.group(0))
        if v and sum(c.isdigit() for c in m.group(0)) >= 15:
            out.append(v)
    return out


# --------------------------------------------------------------------------- dates

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


# --------------------------------------------------------------------------- money

_MONEY_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


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
            ms = _MONEY_RE.findall(t)
            if not ms:
                return None
            m = ms[0]
        m = m.replace(",", "")
        if m.count(".") > 1:
            return None
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
        runs = re.findall(rf"[{''.join(sorted(_UP_ALLOWED))}]+", t)
        runs = [r for r in runs if any(c in _UP_DIGITS or c in _UP_UNITS for c in r)]
        if not runs:
            return None
        t = max(runs, key=len)
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
            mj = re.search(r"([零〇壹贰貳叁參肆伍陆陸柒捌玖一二两三四五六七八九])角", rest)
            mf = re.search(r"([零〇壹贰貳叁參肆伍陆陸柒捌玖一二两三四五六七八九])分", rest)
            jiao = _UP_DIGITS[mj.group(1)] if mj else 0
            fen = _UP_DIGITS[mf.group(1)] if mf else 0
            leftover = re.sub(r"[零〇壹贰貳叁參肆伍陆陸柒捌玖一二两三四五六七八九][角分]|零", "", rest)
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


# --------------------------------------------------------------------------- misc

_SEX_RE = re.compile(r"[男女]")


def parse_sex(s: str | None) -> str | None:
    if not s:
        return None
    m = _SEX_RE.search(s)
    return m.group(0) if m else None


def parse_bool_mark(s: str | None) -> str | None:
    """ "是/否", "☑急诊", "true" -> "true"/"false"."""
    if s is None:
        return None
    t = compact(s)
    if re.search(r"[☑√✓✔■]|是|有|true", t):
        return "true"
    if re.search(r"否|无|false|□", t):
        return "false"
    return None
