"""The spec-driven extractor: one instance per document type, configured by ``specs.yaml``.

Type modules (``extractors/<type>.py``) create a :class:`SpecExtractor` (or a subclass with special
handling) and register it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from extractors._layout import Layout, Row, Span, _fuzzy_find
from pipeline import text as T
from pipeline.codes import DOC_FIELDS, DocType
from pipeline.config import read_yaml
from pipeline.models import FieldValue, OcrLine, PageText
from pipeline.plugins import Look, Rescan

ParseKind = Literal[
    "text",
    "name",
    "sex",
    "ethnicity",
    "date",
    "range_from",
    "range_until",
    "end_date",
    "money",
    "upper_money",
    "id_number",
    "digits",
    "alnum",
    "check_code",
    "hospital",
    "emergency",
    "title",
    "filing_type",
]


class FieldSpec(BaseModel):
    labels: list[str] = Field(default_factory=list)
    parse: ParseKind = "text"
    key: bool = False
    below: bool = True
    continue_rows: int = 0
    max_chars: int | None = None
    fallback: list[str] = Field(default_factory=list)
    #: regular expressions over the document's text (rows joined) with a group ``v`` holding the value,
    #: for values inside sentences (letters, certificates); tried after the labels, before the fallbacks
    patterns: list[str] = Field(default_factory=list)
    #: a key field the lines missed is looked for again in this band of the first page (fractions
    #: of the height its text spans, top to bottom), read again enlarged (the second look's
    #: ``Rescan``): where forms print it (the invoice number in the header)
    rescan: tuple[float, float] | None = None


class TypeSpec(BaseModel):
    titles: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    #: labels printed on the type's standard form (its header and footer): from the
    #: ``FORM_LABELS_FREE + 1``-th found on, each adds ``FORM_LABEL_WEIGHT`` (evidence when the title is
    #: stamped over or cut off)
    form_labels: list[str] = Field(default_factory=list)
    card: bool = False
    stops: list[str] = Field(default_factory=list)
    fields: dict[str, FieldSpec]


class SpecFile(BaseModel):
    field_names: dict[str, str] = Field(default_factory=dict)
    common_stops: list[str] = Field(default_factory=list)
    types: dict[DocType, TypeSpec]


SPEC_PATH = Path(__file__).with_name("specs.yaml")


@lru_cache(maxsize=1)
def load_specs() -> SpecFile:
    spec = SpecFile.model_validate(read_yaml(SPEC_PATH.read_text(encoding="utf-8")))
    for t, ts in spec.types.items():
        if tuple(ts.fields) != DOC_FIELDS[t]:
            raise ValueError(f"specs.yaml: fields of {t} must be exactly {DOC_FIELDS[t]}")
    return spec


def field_name(field: str) -> str:
    """The Chinese name of a field, for messages."""
    return load_specs().field_names.get(field, field)


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def key_fields(doc_type: DocType) -> list[str]:
    ts = load_specs().types.get(doc_type)
    return [k for k, f in ts.fields.items() if f.key] if ts else []


# --------------------------------------------------------------------------- value parsers


_HOSPITAL_SUFFIX = re.compile(
    r"(医院|卫生院|卫生服务中心|卫生服务站|医疗中心|保健院|诊所|门诊部|卫生室|医学中心|中心|研究所|研究院|疗养院|服务站)"
)
_NAME_RE = re.compile(rf"^[{T.CJK}]{{1,4}}(?:·[{T.CJK}]{{1,12}})?")


@lru_cache(maxsize=1)
def _form_words() -> frozenset[str]:
    """Words the forms print as labels, titles and keywords (specs.yaml), with the heads of 2 to 4
    characters of each (项目 of 项目名称): none of them is a person's name."""
    spec = load_specs()
    words: set[str] = set(spec.common_stops) | set(spec.field_names.values())
    for ts in spec.types.values():
        words |= {*ts.titles, *ts.keywords, *ts.negative, *ts.form_labels, *ts.stops}
        for fs in ts.fields.values():
            words |= set(fs.labels)
    out: set[str] = set()
    for w in words:
        c = re.sub(rf"[^{T.CJK}]", "", T.compact(w))
        out |= {c[:k] for k in range(2, min(4, len(c)) + 1)}
    return frozenset(out)


def _parse_name(s: str) -> str | None:
    v = T.clean_name(s)
    if not v:
        return None
    if "·" in v:
        return v
    m = _NAME_RE.match(v)
    if not m or len(m.group(0)) < 2:
        return None
    # a label of the form where its name was left blank (real set r30: 项目 under an empty 姓名：)
    return None if m.group(0) in _form_words() else m.group(0)


def _parse_hospital(s: str) -> str | None:
    v = T.clean_value(s)
    v = re.sub(r"^(\(章\)|章|\(盖章\)|盖章)", "", v)
    v = re.sub(r"(\(章\)|\(盖章\)|\(公章\))$", "", v)
    v = v.replace(" ", "")
    # the text of a stamp over the name ("…医院收费专用章…") is not part of it
    v = re.sub(r"(收费|财务|发票|业务|结算|医保)?(专用章|公章|印章).*$", "", v)
    if not v:
        return None
    # cut anything after the institution's suffix (stamps, dates); no suffix: not an institution
    last = None
    for m in _HOSPITAL_SUFFIX.finditer(v):
        last = m
    if last is None or last.end() < 4:
        return None
    if (
        last is not None
        and last.end() < len(v)
        and not re.match(r"^[\u3400-\u9fff]{0,3}(分院|院区)", v[last.end() :])
    ):
        v = v[: last.end()]
    return v or None


def _parse_digits(s: str) -> str | None:
    t = T.fix_digits(T.compact(s))
    t = re.sub(r"^(No\.?|NO\.?|№)", "", t)
    runs = re.findall(r"\d{4,}", t)
    return max(runs, key=len) if runs else None


def _parse_alnum(s: str) -> str | None:
    t = T.compact(s)
    m = re.search(r"[0-9A-Za-z]{4,}", t)
    return m.group(0) if m else None


def _parse_check_code(s: str) -> str | None:
    """An e-invoice check code: hex-like; OCR's l/o inside it are 1/0."""
    v = _parse_alnum(s)
    if v and re.fullmatch(r"[0-9a-flIoO]+", v) and re.search(r"[0-9a-f]", v):
        v = v.translate(str.maketrans("lIoO", "1100"))
    return v


def _parse_text(s: str) -> str | None:
    v = T.clean_value(s)
    return v or None


#: the 56 ethnic groups as ID cards print them (without 族)
ETHNICITIES = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
_TRAD = str.maketrans(
    {
        "漢": "汉",
        "維": "维",
        "爾": "尔",
        "鮮": "鲜",
        "滿": "满",
        "僳": "僳",
        "達": "达",
        "烏": "乌",
        "東": "东",
        "納": "纳",
        "門": "门",
    }
)


def _parse_ethnicity(s: str) -> str | None:
    v = re.sub(r"[^\u3400-\u9fff]", "", T.compact(s)).translate(_TRAD)
    v = v.removeprefix("族").removesuffix("族")
    if not v:
        return None
    # the longest known group the text starts with ("汉" also from "汉族")
    for e in sorted(ETHNICITIES, key=len, reverse=True):
        if v.startswith(e):
            return e
    return v[:5]


_FILING_TYPES = [
    "异地安置退休人员",
    "异地长期居住人员",
    "常驻异地工作人员",
    "异地转诊人员",
    "其他临时外出就医人员",
    "临时外出就医人员",
    "异地安置退休",
    "异地长期居住",
    "常驻异地工作",
    "异地转诊",
    "临时外出就医",
]


def _parse_filing_type(s: str) -> str | None:
    t = T.compact(s)
    # a checked box (☑/■/√) before an option wins; else the first option mentioned
    for m in re.finditer(r"[☑■√✓✔]\s*([\u3400-\u9fff]{2,12})", t):
        for ft in _FILING_TYPES:
            if m.group(1).startswith(ft[:4]):
                return T.clean_value(m.group(1))
    # every option printed and none visibly ticked: the answer is in the pixels, not in the text
    if sum(1 for ft in _FILING_TYPES[:5] if ft in t) >= 2:
        return None
    return _parse_text(s)


_DATE_KINDS = {"date", "range_from", "range_until", "end_date"}

PARSERS: dict[str, Callable[[str], str | None]] = {
    "text": _parse_text,
    "name": _parse_name,
    "sex": T.parse_sex,
    "ethnicity": _parse_ethnicity,
    "date": T.parse_date,
    "range_from": lambda s: T.parse_date_range(s)[0],
    "range_until": lambda s: T.parse_date_range(s)[1],
    "end_date": lambda s: T.parse_date_range(s)[1] or T.parse_date(s),
    "money": T.parse_money,
    "upper_money": T.parse_upper_amount,
    "id_number": T.normalize_id_number,
    "digits": _parse_digits,
    "alnum": _parse_alnum,
    "check_code": _parse_check_code,
    "hospital": _parse_hospital,
    "filing_type": _parse_filing_type,
    "title": _parse_text,
}


# --------------------------------------------------------------------------- detection helpers


def _title_strength(layout: Layout, title: str) -> float:
    """1.0 when ``title`` is (most of) a row near the top of the first page, 0.6 when it is elsewhere in
    a short row of the first page, 0.35 anywhere, else 0."""
    t = T.compact(title)
    best = 0.0
    top = layout.top_row_ids(0.3)
    first_page = layout.pages[0].index if layout.pages else 0
    median_h = layout.median_height()
    for r in layout.rows:
        found = _fuzzy_find(r.text, t)
        if not found:
            continue
        fuzz = 1.0 if any(ex for _, _, ex in found) else 0.8
        share = len(t) / max(len(r.text), 1)
        title_like = share >= 0.3 or r.text.endswith(t) or r.height >= 1.25 * median_h
        if id(r) in top and title_like:
            best = max(best, 1.0 * fuzz)
        elif r.page == first_page and share >= 0.5:
            best = max(best, 0.6 * fuzz)
        else:
            best = max(best, 0.35 * fuzz)
    return best


def _card_aspect(pages: Sequence[PageText]) -> bool:
    if not pages:
        return False
    p = pages[0]
    if not p.width or not p.height:
        return False
    r = max(p.width, p.height) / max(1, min(p.width, p.height))
    return 1.4 <= r <= 1.8 and len(pages) == 1


# --------------------------------------------------------------------------- the extractor


#: form labels found before they count (two may occur on other forms of the same office)
FORM_LABELS_FREE = 2
#: what each further form label adds to the detection score, and the most they add together
FORM_LABEL_WEIGHT = 0.1
FORM_LABELS_CAP = 0.3


class SpecExtractor:
    """Detect and extract one document type from its spec."""

    def __init__(self, doc_type: DocType) -> None:
        self.doc_type = doc_type
        specs = load_specs()
        self.spec = specs.types[doc_type]
        labels = [lab for f in self.spec.fields.values() for lab in f.labels]
        stops = list(dict.fromkeys([*labels, *self.spec.stops, *specs.common_stops]))
        self.stops = [T.compact(s) for s in stops]

    # ------------------------------------------------------------------ detection

    def detect_layout(self, layout: Layout, pages: Sequence[PageText]) -> float:
        s = self.spec
        title = max((_title_strength(layout, t) for t in s.titles), default=0.0)
        kws = s.keywords
        found = sum(1 for k in kws if layout.contains(k)) if kws else 0
        kw_share = found / len(kws) if kws else 0.0
        kw = min(1.0, kw_share * 1.4)
        score = 0.55 * title + 0.45 * kw if s.titles else 0.85 * kw
        neg = sum(1 for k in s.negative if layout.contains(k))
        score -= 0.15 * neg
        marks = sum(1 for k in s.form_labels if layout.contains(k))
        score += min(FORM_LABELS_CAP, FORM_LABEL_WEIGHT * max(0, marks - FORM_LABELS_FREE))
        if s.card:
            score += 0.08 if _card_aspect(pages) else -0.05
        score += self.detect_bonus(layout, pages)
        return max(0.0, min(1.0, score))

    def detect_bonus(self, layout: Layout, pages: Sequence[PageText]) -> float:
        return 0.0

    # ------------------------------------------------------------------ extraction

    def extract_layout(self, layout: Layout) -> dict[str, FieldValue]:
        out: dict[str, FieldValue] = {}
        for name, fs in self.spec.fields.items():
            try:
                fv = self.read_field(layout, name, fs)
            except Exception:  # one bad field never loses the others
                fv = None
            if fv is not None and fv.value:
                out[name] = fv
        self.post_process(layout, out)
        return {k: out[k] for k in DOC_FIELDS[self.doc_type] if k in out}

    def post_process(self, layout: Layout, fields: dict[str, FieldValue]) -> None:
        """Type-specific corrections (override)."""

    def second_look(self, layout: Layout, fields: dict[str, FieldValue], look: Look) -> None:
        """Fields the OCR lines missed, read again from the pixels of their region (extend).
        ``look(page, box)`` reads one line from that box of the upright page; a look that can
        (:class:`Rescan`) also reads the band a missing key field is printed in again, enlarged."""
        self.rescan_missing(layout, fields, look)

    def rescan_missing(self, layout: Layout, fields: dict[str, FieldValue], look: Look) -> None:
        """Key fields not read that the spec places in a band (``rescan``): the band of the first
        page with text is read again, enlarged; its lines that the page's reading did not have are
        added to the page's, and the fields are read again as on the first pass (labels, then
        fallbacks). Real set r16: the red number under the title, joined with the title's line on
        the page, is boxed at the larger scale."""
        if not isinstance(look, Rescan):
            return
        bands: dict[tuple[float, float], list[str]] = {}
        for name, fs in self.spec.fields.items():
            if fs.key and fs.rescan is not None and name not in fields:
                bands.setdefault(fs.rescan, []).append(name)
        page = next((p for p in layout.pages if p.lines), None)
        if not bands or page is None:
            return
        x0 = min(ln.box[0] for ln in page.lines)
        y0 = min(ln.box[1] for ln in page.lines)
        x1 = max(ln.box[2] for ln in page.lines)
        y1 = max(ln.box[3] for ln in page.lines)
        pad = 0.02 * (x1 - x0)
        for (top, bottom), names in bands.items():
            box = (x0 - pad, y0 + top * (y1 - y0) - pad, x1 + pad, y0 + bottom * (y1 - y0) + pad)
            new = [ln for ln in look.lines(page.index, box) if not _read_already(ln, page.lines)]
            if not new:
                continue
            pages = [
                p.model_copy(update={"lines": [*p.lines, *new]}) if p is page else p for p in layout.pages
            ]
            again = Layout(pages)
            for name in names:
                fv = self.read_field(again, name, self.spec.fields[name])
                if fv is not None and fv.value:
                    fields[name] = fv

    def stops_for(self, fs: FieldSpec) -> list[str]:
        own = {T.compact(x) for x in fs.labels}
        return [s for s in self.stops if s not in own]

    def read_field(self, layout: Layout, name: str, fs: FieldSpec) -> FieldValue | None:
        if fs.parse == "emergency":
            return read_emergency(layout, fs.labels)
        parser = PARSERS[fs.parse]
        stops = self.stops_for(fs)
        longer = [
            s
            for s in [*self.stops, *(T.compact(t) for t in self.spec.titles)]
            if any(T.compact(lab) != s and T.compact(lab) in s for lab in fs.labels)
        ]
        for fuzzy in (False, True):
            for label in fs.labels:
                for hit in layout.find([label], fuzzy=fuzzy, exclude=longer):
                    if fuzzy and hit.exact:
                        continue  # tried in the exact pass
                    if not hit.exact and any(hit.row.text.startswith(st, hit.start) for st in stops):
                        continue  # a near-miss that is really another label
                    sp = layout.value_right(hit, stops, max_chars=fs.max_chars)
                    val = parser(sp.text) if sp else None
                    if val is None and fs.below:
                        sp = layout.value_below(hit, stops)
                        val = parser(sp.text) if sp else None
                    if val is not None and sp is not None and fs.parse in _DATE_KINDS:
                        joined = layout.wrapped(sp)
                        val2 = parser(joined.text) if joined else None
                        if joined is not None and val2 is not None:
                            sp, val = joined, val2
                    if val is not None and sp is not None:
                        if fs.continue_rows:
                            sp = layout.continuation(sp, hit.row, stops, fs.continue_rows)
                            val = parser(sp.text) or val
                        return sp.field(val, 1.0 if hit.exact else 0.9)
        for pat in fs.patterns:
            sp = layout.search_joined(_compile(pat), "v")
            val = parser(sp.text) if sp else None
            if val is not None and sp is not None:
                return sp.field(val, 0.95)
        for fb in fs.fallback:
            fv = FALLBACKS[fb](self, layout, parser)
            if fv is not None:
                return fv
        return None


# --------------------------------------------------------------------------- fallbacks


def _fb_id_scan(ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]) -> FieldValue | None:
    pat = re.compile(r"(?<![0-9A-Za-z])[0-9OlIZSB]{17}[0-9XxOlIZSB](?![0-9A-Za-z])")
    for row in layout.rows:
        m = pat.search(row.text)
        if m and sum(c.isdigit() for c in m.group(0)) >= 15:
            v = T.normalize_id_number(m.group(0))
            if v:
                return layout.span_of(row, m.start(), m.end()).field(v, 0.9)
    return None


def _fb_hospital_header(
    ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]
) -> FieldValue | None:
    pat = re.compile(
        r"[\u3400-\u9fff()]{2,30}?(医院|卫生院|卫生服务中心|卫生服务站|保健院|医疗中心|诊所|门诊部)(?:[\u3400-\u9fff]{0,4}(分院|院区))?"
    )
    for row in layout.top_rows(0.25):
        m = pat.search(row.text)
        if m:
            v = _parse_hospital(m.group(0))
            if v:
                return layout.span_of(row, m.start(), m.end()).field(v, 0.95)
    return None


def _fb_title(ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]) -> FieldValue | None:
    rows = [r for r in layout.top_rows(0.25) if re.search(r"[\u3400-\u9fff]{4,}", r.text)]
    if not rows:
        return None
    tall = max(rows, key=lambda r: (r.height, -r.box[1]))
    # the title: the tallest row near the top that ends like a form's title
    cands = [r for r in rows if re.search(r"(表|书|单|证明)$", r.text)]
    r = max(cands, key=lambda r: r.height) if cands else tall
    v = T.clean_value(r.text)
    return layout.span_of(r, 0, len(r.text)).field(v) if v else None


def _fb_date(which: str) -> Callable[[SpecExtractor, Layout, Callable[[str], str | None]], FieldValue | None]:
    def fb(ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]) -> FieldValue | None:
        found: list[tuple[str, Row, int, int]] = []
        for row in layout.rows:
            for iso, a, b in T.find_dates(row.text):
                found.append((iso, row, a, b))
        if not found:
            return None
        iso, row, a, b = found[-1] if which == "last" else found[0]
        return layout.span_of(row, min(a, len(row.text)), min(b, len(row.text))).field(iso, 0.85)

    return fb


def seg_texts(row: Row) -> Iterator[tuple[int, str]]:
    """Each OCR line of a row: its first character's offset in ``row.text``, and its text."""
    start = 0
    for _, chars in groupby(row.owner):  # a line's characters are consecutive in the row
        n = sum(1 for _ in chars)
        yield start, row.text[start : start + n]
        start += n


_TIME_ONLY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")


def _fb_date_stamp(
    ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]
) -> FieldValue | None:
    """The date where OCR boxed it apart from its label (a machine-printed form's 日期 under or beside
    its stamp, real set r14/r16/r32): the last OCR line on the page holding a date, its time at most,
    and no more of a label than 3 characters without digits."""
    for row in reversed(layout.rows):
        for off, t in seg_texts(row):
            for iso, a, b in T.find_dates(t):
                before, after = t[:a], t[b:]
                if (
                    len(before) <= 3
                    and not re.search(r"\d", before)
                    and (not after or _TIME_ONLY.fullmatch(after))
                ):
                    return layout.span_of(row, off + a, off + b).field(iso, 0.85)
    return None


_NUMBER_RANGE = re.compile(r"(?<!\d)(\d{8,12})[-—~至](\d{8,12})(?!\d)")


def _read_already(line: OcrLine, lines: Sequence[OcrLine]) -> bool:
    """A line of a region read again that the page's reading has already: it lies over one of the
    page's lines (half its area or more, or half of that line's)."""
    ax0, ay0, ax1, ay1 = line.box
    area = max(1.0, (ax1 - ax0) * (ay1 - ay0))
    for other in lines:
        bx0, by0, bx1, by1 = other.box
        iw, ih = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
        if iw > 0 and ih > 0 and iw * ih >= 0.5 * min(area, max(1.0, (bx1 - bx0) * (by1 - by0))):
            return True
    return False


def _fb_number_in_range(
    ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]
) -> FieldValue | None:
    """The invoice number where OCR missed its label (the No. before a red number, real set r14): a
    figure standing alone in an OCR line that lies inside the range of numbers the form prints on
    its edge (the print run, 1840000001-1850000000), as long as the range."""
    ranges = [
        (int(m.group(1)), int(m.group(2)), len(m.group(1)))
        for row in layout.rows
        for m in _NUMBER_RANGE.finditer(row.text)
        if len(m.group(1)) == len(m.group(2)) and int(m.group(1)) < int(m.group(2))
    ]
    if not ranges:
        return None
    for row in layout.rows:
        for off, t in seg_texts(row):
            m = re.fullmatch(r"(?:NO|No|no)?[.:]?(\d{8,12})", t)
            if m and any(lo <= int(m.group(1)) <= hi and len(m.group(1)) == n for lo, hi, n in ranges):
                return layout.span_of(row, off + m.start(1), off + m.end(1)).field(m.group(1), 0.9)
    return None


def _fb_money_last(
    ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]
) -> FieldValue | None:
    for row in reversed(layout.rows):
        if re.search(r"合计|总计|总金额|总费用", row.text):
            m = re.search(r"\d[\d,]*\.\d{2}", row.text)
            if m:
                v = T.parse_money(m.group(0))
                if v:
                    return layout.span_of(row, m.start(), m.end()).field(v, 0.85)
    return None


def _fb_range_until_of_admission(
    ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]
) -> FieldValue | None:
    for hit in layout.find(["住院日期", "住院时间", "住院期间"]):
        sp = layout.value_right(hit, [])
        if sp:
            _, until = T.parse_date_range(sp.text)
            if until and until != T.LONG_TERM:
                return sp.field(until, 0.9)
    return None


_ORG_RE = re.compile(
    r"[\u3400-\u9fff()（）]{3,40}(?:有限责任公司|股份有限公司|有限公司|公司|集团|局|医院|学校|学院|大学|银行|厂|研究所|研究院|中心|委员会|事务所|站|部)"
)


def _fb_signoff_org(
    ex: SpecExtractor, layout: Layout, parser: Callable[[str], str | None]
) -> FieldValue | None:
    """The issuing organisation signed above the date at the foot of a letter."""
    rows = layout.rows
    date_idx = [i for i, r in enumerate(rows) if T.find_dates(r.text)]
    for i in reversed(date_idx):
        for j in range(i - 1, max(-1, i - 4), -1):
            m = _ORG_RE.fullmatch(rows[j].text) or _ORG_RE.search(rows[j].text)
            if m and ":" not in rows[j].text and m.end() == len(rows[j].text):
                v = T.clean_value(m.group(0))
                return layout.span_of(rows[j], m.start(), m.end()).field(v, 0.9)
        break
    return None


FALLBACKS: dict[str, Callable[[SpecExtractor, Layout, Callable[[str], str | None]], FieldValue | None]] = {
    "id_scan": _fb_id_scan,
    "hospital_header": _fb_hospital_header,
    "signoff_org": _fb_signoff_org,
    "title": _fb_title,
    "date_last": _fb_date("last"),
    "date_first": _fb_date("first"),
    "money_last": _fb_money_last,
    "date_stamp": _fb_date_stamp,
    "number_in_range": _fb_number_in_range,
    "range_until_of_admission": _fb_range_until_of_admission,
}


# --------------------------------------------------------------------------- emergency marks

_EMERG_NEG = re.compile(r"非急诊|否急诊|急诊[:]?[□☐口]|[□☐口]急诊")
_EMERG_POS = re.compile(r"急诊|急救|抢救|120")


def read_emergency(layout: Layout, labels: Sequence[str]) -> FieldValue:
    """ "true" when the document marks an emergency (急诊 in its title, department or a ticked box)."""
    # explicit yes/no answer: 是否急诊：是/否
    for hit in layout.find(["是否急诊"]):
        sp = layout.value_right(hit, [], max_chars=4)
        if sp:
            if "是" in sp.text or re.search(r"[☑√✓✔■]", sp.text):
                return sp.field("true")
            if "否" in sp.text:
                return sp.field("false")
    for row in layout.rows:
        t = row.text
        if _EMERG_NEG.search(t):
            continue
        m = re.search(r"[☑√✓✔■]\s*急诊|急诊\s*[☑√✓✔■]", t)
        if m:
            return layout.span_of(row, m.start(), m.end()).field("true")
    for row in layout.rows:
        t = row.text
        if _EMERG_NEG.search(t) or ("门急诊" in t and "急诊科" not in t):
            continue
        m = re.search(r"急诊", t)
        if m:
            return layout.span_of(row, m.start(), m.end()).field("true")
    confs = [s.conf for r in layout.rows for s in r.segs]
    conf = sum(confs) / len(confs) if confs else 0.5
    return Span(text="", conf=conf, page=layout.pages[0].index if layout.pages else 0, box=None).field(
        "false"
    )
