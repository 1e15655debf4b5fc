"""Basic normalisation of OCR and form text: widths, punctuation, simplified forms, CJK runs.

Every function here returns a value and never raises on any input.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


_SEX_RE = re.compile(r"[男女]")


def parse_sex(s: str | None) -> str | None:
    if not s:
        return None
    m = _SEX_RE.search(s)
    return m.group(0) if m else None
