"""Geometry over OCR lines: rows, labels (tolerant of OCR splits and merges) and the values next to them.

A page's lines are grouped into *rows* (lines whose vertical extents overlap). Each row is one compact
string (no whitespace, half-width) with, for every character, the OCR line it came from and an estimated
character box, so a label can be found whether OCR gave "姓名张伟明" as one line, "姓名" + "张伟明" as two,
or "姓 名" with a space; the value is the text after the label up to the next known label or a wide gap,
or, in table layouts, the cell below the label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.models import Box, FieldValue, OcrLine, PageText
from pipeline.text import compact, norm

_SKIP_LEAD = set(":;,.-_|()[]/、 ")


@dataclass
class Seg:
    """One OCR line, normalised."""

    text: str  # compact text
    raw: str
    page: int
    box: Box
    conf: float

    @property
    def height(self) -> float:
        return max(1.0, self.box[3] - self.box[1])

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@dataclass
class Row:
    page: int
    segs: list[Seg]
    text: str = ""
    owner: list[int] = field(default_factory=list)  # seg index per character
    cbox: list[Box] = field(default_factory=list)  # estimated box per character

    @property
    def box(self) -> Box:
        return _union([s.box for s in self.segs])

    @property
    def height(self) -> float:
        hs = sorted(s.height for s in self.segs)
        return hs[len(hs) // 2]


@dataclass
class Span:
    """A piece of text read from a document, with where it came from."""

    text: str
    conf: float
    page: int
    box: Box | None
    lbox: Box | None = None  # the same box in the levelled geometry of the page

    def field(self, value: str, conf_factor: float = 1.0) -> FieldValue:
        return FieldValue(
            value=value,
            confidence=max(0.0, min(1.0, self.conf * conf_factor)),
            page=self.page,
            box=self.box,
            raw=self.text,
        )


@dataclass
class Hit:
    row: Row
    start: int
    end: int  # character range of the label in row.text
    label: str
    exact: bool

    @property
    def box(self) -> Box:
        return _union(self.row.cbox[self.start : self.end])


def _union(boxes: Iterable[Box]) -> Box:
    bs = list(boxes)
    if not bs:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def _char_weight(ch: str) -> float:
    return 1.0 if ord(ch) > 0x2E80 else 0.55


def _build_row(page: int, segs: list[Seg]) -> Row:
    segs = sorted(segs, key=lambda s: s.box[0])
    row = Row(page=page, segs=segs)
    text: list[str] = []
    for i, s in enumerate(segs):
        # positions from the text with its spaces (text-layer lines keep the gaps between cells)
        full = norm(s.raw).strip()
        if re.sub(r"\s+", "", full) != s.text:
            full = s.text
        ws = [0.5 if c.isspace() else _char_weight(c) for c in full]
        total = sum(ws) or 1.0
        x0, y0, x1, y1 = s.box
        acc = 0.0
        for c, w in zip(full, ws, strict=True):
            a = x0 + (x1 - x0) * acc / total
            acc += w
            if c.isspace():
                continue
            b = x0 + (x1 - x0) * acc / total
            text.append(c)
            row.owner.append(i)
            row.cbox.append((a, y0, b, y1))
    row.text = "".join(text)
    return row


def page_skew(lines: Sequence[OcrLine]) -> float:
    """The median slope angle (radians) of the page's long text lines (a tilted phone photo)."""
    angles = []
    for ln in lines:
        if len(ln.polygon) < 2:
            continue
        (x0, y0), (x1, y1) = ln.polygon[0], ln.polygon[1]
        dx, dy = x1 - x0, y1 - y0
        if dx <= 0:
            continue
        if math.hypot(dx, dy) < 1.5 * max(1.0, math.dist(ln.polygon[1], ln.polygon[2])) or len(ln.text) < 2:
            continue
        angles.append(math.atan2(dy, dx))
    if not angles:
        return 0.0
    angles.sort()
    a = angles[len(angles) // 2]
    return a if abs(a) > math.radians(0.7) and abs(a) < math.radians(25) else 0.0


def _rotate_box(poly: Sequence[tuple[float, float]], angle: float, cx: float, cy: float) -> Box:
    ca, sa = math.cos(-angle), math.sin(-angle)
    pts = [(cx + (x - cx) * ca - (y - cy) * sa, cy + (x - cx) * sa + (y - cy) * ca) for x, y in poly]
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


def group_rows(page: PageText) -> list[Row]:
    """Lines whose vertical extents overlap by at least half the smaller height form one row.

    A tilted page is first turned level (geometry only; boxes handed out are turned back)."""
    angle = page_skew(page.lines)
    cx, cy = page.width / 2, page.height / 2
    segs = []
    for ln in page.lines:
        t = compact(ln.text)
        if not t:
            continue
        box = _rotate_box(ln.polygon, angle, cx, cy) if angle else ln.box
        segs.append(Seg(text=t, raw=ln.text, page=page.index, box=box, conf=float(ln.confidence)))
    segs.sort(key=lambda s: s.cy)
    rows: list[list[Seg]] = []
    bands: list[tuple[float, float]] = []
    for s in segs:
        best = -1
        best_ov = 0.0
        for i in range(max(0, len(rows) - 4), len(rows)):
            y0, y1 = bands[i]
            ov = min(y1, s.box[3]) - max(y0, s.box[1])
            h = min(y1 - y0, s.height)
            # a line may join a row only if it does not overlap a line already there horizontally
            if ov >= 0.5 * h and ov > best_ov and not any(_x_overlap(s.box, o.box) > 0.3 for o in rows[i]):
                best, best_ov = i, ov
        if best >= 0:
            rows[best].append(s)
            y0, y1 = bands[best]
            # keep the band of the row's first line (robust to tall merged lines)
            bands[best] = (min(y0, s.box[1]) if s.height < (y1 - y0) * 1.5 else y0, y1)
        else:
            rows.append([s])
            bands.append((s.box[1], s.box[3]))
    out = [_build_row(page.index, r) for r in rows]
    out.sort(key=lambda r: (r.box[1] + r.box[3]) / 2)
    return out


def _x_overlap(a: Box, b: Box) -> float:
    ov = min(a[2], b[2]) - max(a[0], b[0])
    w = min(a[2] - a[0], b[2] - b[0]) or 1.0
    return max(0.0, ov) / w


def _fuzzy_find(text: str, label: str) -> list[tuple[int, int, bool]]:
    """Occurrences of ``label`` in ``text``: exact, or (labels of 4+ characters) with one character wrong
    or missing."""
    out: list[tuple[int, int, bool]] = []
    start = 0
    while True:
        i = text.find(label, start)
        if i < 0:
            break
        out.append((i, i + len(label), True))
        start = i + 1
    if out or len(label) < 4:
        return out
    n = len(label)
    first = label[0]
    i = text.find(first)
    while 0 <= i <= len(text) - n:
        window = text[i : i + n]
        if sum(a != b for a, b in zip(window, label, strict=True)) == 1:
            out.append((i, i + n, False))
        i = text.find(first, i + 1)
    if not out:
        for skip in range(1, n - 1):
            short = label[:skip] + label[skip + 1 :]
            j = text.find(short)
            if j >= 0:
                out.append((j, j + len(short), False))
                break
    return out


class Layout:
    """The rows of all pages of one material."""

    def __init__(self, pages: Sequence[PageText]) -> None:
        self.pages = list(pages)
        self.rows: list[Row] = []
        self._skew = {p.index: page_skew(p.lines) for p in self.pages}
        self._top_ids: dict[float, set[int]] = {}
        self._median_h: float | None = None
        for p in self.pages:
            self.rows.extend(group_rows(p))
        self.text = "\n".join(r.text for r in self.rows)
        self._page_size = {p.index: (p.width, p.height) for p in self.pages}

    # ------------------------------------------------------------------ searching

    def page_size(self, page: int) -> tuple[int, int]:
        return self._page_size.get(page, (1, 1))

    def find(self, labels: Sequence[str], fuzzy: bool = True, exclude: Sequence[str] = ()) -> list[Hit]:
        """Hits of the first label variant that occurs anywhere (variants in order of preference).

        A hit inside an occurrence of a longer label of ``exclude`` ("委托人" inside "被委托人") is skipped.
        """
        for lab in labels:
            lab_c = compact(lab)
            longer = [compact(x) for x in exclude if lab_c in compact(x) and compact(x) != lab_c]
            hits = []
            for row in self.rows:
                covered = [(a, a + len(lg)) for lg in longer for a, _, _ in _exact(row.text, lg)]
                for a, b, exact in _fuzzy_find(row.text, lab_c) if fuzzy else _exact(row.text, lab_c):
                    if any(x <= a and b <= y for x, y in covered):
                        continue
                    hits.append(Hit(row=row, start=a, end=b, label=lab_c, exact=exact))
            exact_hits = [h for h in hits if h.exact]
            if exact_hits:
                return exact_hits
            if hits:
                return hits
        return []

    def contains(self, word: str) -> bool:
        return compact(word) in self.text

    def rows_below(self, row: Row, max_gap_lines: float = 3.0) -> list[Row]:
        """Rows of the same page below ``row`` whose top is within ``max_gap_lines`` line heights."""
        out = []
        rb = row.box
        for r in self.rows:
            if r.page != row.page or r is row:
                continue
            top = r.box[1]
            if top >= rb[1] + row.height * 0.6 and top - rb[3] <= max_gap_lines * row.height:
                out.append(r)
        return out

    # ------------------------------------------------------------------ reading values

    def span_of(self, row: Row, a: int, b: int) -> Span:
        segs = {row.owner[i] for i in range(a, b)}
        conf = min((row.segs[i].conf for i in segs), default=0.0)
        lbox = _union(row.cbox[a:b])
        return Span(
            text=row.text[a:b], conf=conf, page=row.page, box=self.page_box(row.page, lbox), lbox=lbox
        )

    def page_box(self, page: int, box: Box) -> Box:
        """A box of the levelled geometry back in page pixels."""
        angle = self._skew.get(page, 0.0)
        if not angle:
            return box
        w, h = self.page_size(page)
        x0, y0, x1, y1 = box
        return _rotate_box([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], -angle, w / 2, h / 2)

    def value_right(
        self,
        hit: Hit,
        stops: Sequence[str] = (),
        gap_break: float = 2.5,
        max_chars: int | None = None,
    ) -> Span | None:
        """The text after the label on its row, up to the next stop label or a wide gap."""
        row = hit.row
        i = hit.end
        n = len(row.text)
        while i < n and row.text[i] in _SKIP_LEAD:
            i += 1
        # the value must start near the label (not on the far side of the page)
        if i < n and row.cbox[i][0] - hit.box[2] > max(20 * row.height, 0.45 * self.page_size(row.page)[0]):
            return None
        end = n
        rest = row.text[i:]
        for st in stops:
            st_c = compact(st)
            if not st_c or st_c == hit.label:
                continue
            j = rest.find(st_c)
            if j == 0:
                # value-less label followed directly by the next label
                end = min(end, i)
            elif j > 0:
                end = min(end, i + j)
        # a wide gap after the value started ends it (table cells, two columns)
        h = row.height
        for k in range(i + 1, end):
            if row.cbox[k][0] - row.cbox[k - 1][2] > gap_break * h:
                end = k
                break
        if max_chars is not None:
            end = min(end, i + max_chars)
        while end > i and row.text[end - 1] in _SKIP_LEAD:
            end -= 1
        if end <= i:
            return None
        return self.span_of(row, i, end)

    def beside(self, hit: Hit, widths: float = 4.0) -> list[Span]:
        """Lines of other rows in the label's band, right of the label (at most ``widths`` row heights
        past it), left to right: a short value whose box the detector ran into the label's (so it
        could not join the label's row) is found here. In the page's levelled geometry."""
        x0, y0, x1, y1 = hit.box
        h = hit.row.height
        out: list[tuple[float, Span]] = []
        for row in self.rows:
            if row.page != hit.row.page or row is hit.row:
                continue
            for s in row.segs:
                ov = min(y1, s.box[3]) - max(y0, s.box[1])
                if ov < 0.5 * min(y1 - y0, s.height):
                    continue
                if s.box[0] <= (x0 + x1) / 2 or s.box[0] > x1 + widths * h:
                    continue
                span = Span(
                    text=s.text, conf=s.conf, page=row.page, box=self.page_box(row.page, s.box), lbox=s.box
                )
                out.append((s.box[0], span))
        return [sp for _, sp in sorted(out, key=lambda t: t[0])]

    def value_below(self, hit: Hit, stops: Sequence[str] = (), max_rows: int = 1) -> Span | None:
        """The text under the label (table header above its cell)."""
        hb = hit.box
        width = hb[2] - hb[0]
        for r in self.rows_below(hit.row, max_gap_lines=2.5)[:max_rows]:
            cands = []
            for si, s in enumerate(r.segs):
                # overlaps the label column (allow some slack: cells are often wider than headers)
                if s.box[2] >= hb[0] - width and s.box[0] <= hb[2] + width:
                    cands.append((abs((s.box[0] + s.box[2]) / 2 - (hb[0] + hb[2]) / 2), si))
            if not cands:
                continue
            _, si = min(cands)
            a = r.owner.index(si)
            b = a + len(r.segs[si].text)
            text = r.text[a:b]
            for st in stops:
                st_c = compact(st)
                j = text.find(st_c) if st_c else -1
                if j == 0:
                    return None
                if j > 0:
                    b = a + j
                    text = r.text[a:b]
            if text.strip("".join(_SKIP_LEAD)):
                return self.span_of(r, a, b)
        return None

    def continuation(self, span: Span, row: Row, stops: Sequence[str] = (), max_rows: int = 2) -> Span:
        """Append following rows that start under the value (wrapped address lines)."""
        if span.lbox is None:
            return span
        out = span
        lbox = span.lbox
        h = row.height
        # the line taken last, by its own box: a row it shares with a tall line (a tilted watermark
        # read as one box over three lines) starts far above it and would not count as "below"
        prev = span.lbox
        for _ in range(max_rows):
            nxt = None
            for r in self.rows:
                if r.page != row.page or r is row:
                    continue
                first = r.segs[0]
                top = first.box[1]
                if top < prev[1] + 0.6 * h or top - prev[3] > 1.2 * h:
                    continue
                if abs(first.box[0] - lbox[0]) <= 1.5 * h and (nxt is None or top < nxt.segs[0].box[1]):
                    nxt = r
            if nxt is None:
                break
            seg = nxt.segs[0]
            prev = seg.box
            t = seg.text
            if any(compact(st) and compact(st) in t for st in stops):
                break
            lbox = _union([lbox, seg.box])
            out = Span(
                text=out.text + t,
                conf=min(out.conf, seg.conf),
                page=out.page,
                box=self.page_box(out.page, lbox),
                lbox=lbox,
            )
        return out

    def wrapped(self, span: Span) -> Span | None:
        """``span`` joined with the start of the next row when a date or number was wrapped at the end of
        a line ("…至2027年04月2" + "8日止。"), else None."""
        if span.lbox is None or not re.search(r"[0-9年月.\-/]$", span.text):
            return None
        row = next(
            (
                r
                for r in self.rows
                if r.page == span.page and r.text.endswith(span.text) and abs(r.box[3] - span.lbox[3]) < 1.0
            ),
            None,
        )
        if row is None:
            return None
        below = self.rows_below(row, max_gap_lines=1.6)
        if not below:
            return None
        nxt = min(below, key=lambda r: r.box[1])
        m = re.match(r"[0-9年月日]+", nxt.text)
        if not m:
            return None
        tail = self.span_of(nxt, 0, m.end())
        return Span(
            text=span.text + tail.text,
            conf=min(span.conf, tail.conf),
            page=span.page,
            box=_union([b for b in (span.box, tail.box) if b is not None]),
            lbox=span.lbox,
        )

    def read(
        self,
        labels: Sequence[str],
        stops: Sequence[str] = (),
        below: bool = True,
        gap_break: float = 2.5,
        max_chars: int | None = None,
        accept: re.Pattern[str] | None = None,
        continue_rows: int = 0,
    ) -> Span | None:
        """The value of the first label hit that has one: right of the label, else below it."""
        for hit in self.find(labels):
            sp = self.value_right(hit, stops, gap_break=gap_break, max_chars=max_chars)
            if sp is not None and accept is not None and not accept.search(sp.text):
                sp = None
            if sp is None and below:
                sp = self.value_below(hit, stops)
                if sp is not None and accept is not None and not accept.search(sp.text):
                    sp = None
            if sp is not None:
                if continue_rows:
                    sp = self.continuation(sp, hit.row, stops, continue_rows)
                if not hit.exact:
                    sp = Span(sp.text, sp.conf * 0.95, sp.page, sp.box, sp.lbox)
                return sp
        return None

    # ------------------------------------------------------------------ whole-document helpers

    def search(self, pattern: re.Pattern[str]) -> tuple[Span, re.Match[str]] | None:
        """The first regex match inside a row."""
        for row in self.rows:
            m = pattern.search(row.text)
            if m:
                return self.span_of(row, m.start(), m.end()), m
        return None

    def search_joined(self, pattern: re.Pattern[str], group: str | int = 0) -> Span | None:
        """The first match of ``pattern`` in the text of all rows joined (sentences wrapped over lines);
        the span covers the characters of ``group``."""
        if not hasattr(self, "_joined"):
            chars: list[tuple[Row, int]] = []
            for r in self.rows:
                chars.extend((r, i) for i in range(len(r.text)))
            self._joined = ("".join(r.text for r in self.rows), chars)
        text, chars = self._joined
        m = pattern.search(text)
        if not m:
            return None
        a, b = m.span(group)
        if b <= a:
            return None
        rows: dict[int, tuple[Row, int, int]] = {}
        for r, i in chars[a:b]:
            prev = rows.get(id(r))
            rows[id(r)] = (r, prev[1] if prev else i, i + 1)
        spans = [self.span_of(r, x, y) for r, x, y in rows.values()]
        first = spans[0]
        boxes = [sp.box for sp in spans if sp.box and sp.page == first.page]
        return Span(
            text=m.group(group),
            conf=min(sp.conf for sp in spans),
            page=first.page,
            box=_union(boxes) if boxes else None,
            lbox=first.lbox,
        )

    def top_row_ids(self, share: float = 0.3) -> set[int]:
        ids = self._top_ids.get(share)
        if ids is None:
            ids = self._top_ids[share] = {id(r) for r in self.top_rows(share)}
        return ids

    def median_height(self) -> float:
        if self._median_h is None:
            hs = sorted(r.height for r in self.rows)
            self._median_h = hs[len(hs) // 2] if hs else 1.0
        return self._median_h

    def top_rows(self, share: float = 0.3, page: int | None = None) -> list[Row]:
        p = self.pages[0].index if page is None and self.pages else page
        h = self.page_size(p or 0)[1] or 1
        rows = [r for r in self.rows if r.page == p]
        if not rows:
            return []
        # pages whose text does not fill the frame: measure from the first text row
        y_first = rows[0].box[1]
        y_last = max(r.box[3] for r in rows)
        span_h = max(1.0, min(float(h), y_last) - y_first)
        return [r for i, r in enumerate(rows) if i < 4 or r.box[1] - y_first <= share * span_h]

    def largest_rows(self, n: int = 3, page: int | None = None) -> list[Row]:
        p = self.pages[0].index if page is None and self.pages else page
        rows = [r for r in self.rows if r.page == p]
        return sorted(rows, key=lambda r: -r.height)[:n]


def _exact(text: str, label: str) -> list[tuple[int, int, bool]]:
    out: list[tuple[int, int, bool]] = []
    start = 0
    while True:
        i = text.find(label, start)
        if i < 0:
            return out
        out.append((i, i + len(label), True))
        start = i + 1


def lines_to_page(lines: list[OcrLine], width: int = 1000, height: int = 1400, index: int = 0) -> PageText:
    """A PageText from lines (tests and text-layer PDFs)."""
    return PageText(index=index, width=width, height=height, source="image", lines=lines)
