"""Extractor for the ID card's portrait side (居民身份证 人像面)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from extractors._base import ETHNICITIES, SpecExtractor, _parse_ethnicity
from extractors._layout import Layout
from pipeline import text as T
from pipeline.models import FieldValue, PageText
from pipeline.plugins import Look
from pipeline.text import ids as idnumber

_ID_RE = re.compile(r"[0-9OlIZSB]{17}[0-9XxOlIZSB]")
_ID_ALONE = re.compile(r"[0-9]{17}[0-9Xx]")


#: values of one to three characters printed right of their label: (field, label, parser, allowed)
_SHORT_VALUES: tuple[tuple[str, str, Callable[[str], str | None], Sequence[str]], ...] = (
    ("sex", "性别", T.parse_sex, ("男", "女")),
    ("ethnicity", "民族", _parse_ethnicity, ETHNICITIES),
)
#: the region read again right of such a label, in label heights: from the label's end to this far
SECOND_LOOK_WIDTH = 4.0


class IdCardFront(SpecExtractor):
    def detect_bonus(self, layout: Layout, pages: Sequence[PageText]) -> float:
        # the portrait side carries an 18-character number; the 公民身份号码 label alone is weak evidence
        bonus = 0.0
        if any(_ID_RE.search(r.text) for r in layout.rows):
            bonus += 0.1
        if layout.contains("居住证") or layout.contains("签发机关"):
            bonus -= 0.3
        # a card has a handful of rows; forms that ask for the same facts have many more
        n_rows = len([r for r in layout.rows if r.page == (pages[0].index if pages else 0)])
        if n_rows > 12:
            bonus -= 0.5
        elif n_rows > 10:
            bonus -= 0.2
        # the portrait side's own labels: 出生 with a date, 住址, 民族
        own = sum(1 for k in ("出生", "住址", "民族") if layout.contains(k))
        labels = sum(1 for k in self.spec.keywords if layout.contains(k))
        if labels == 0 and n_rows <= 10 and any(_ID_ALONE.fullmatch(r.text) for r in layout.rows):
            # a blurred card photo: the labels are lost, the bold number alone survived
            return 0.4
        bonus -= 0.15 * (3 - own)
        return bonus

    def post_process(self, layout: Layout, fields: dict[str, FieldValue]) -> None:
        # "性别男民族汉" read as one token by OCR: split the pair when one side is missing
        if "sex" not in fields or "ethnicity" not in fields:
            for row in layout.rows:
                m = re.search(r"性[别剔]?([男女])民[族旅]([\u3400-\u9fff]{1,4})", row.text)
                if m:
                    sp = layout.span_of(row, m.start(), m.end())
                    fields.setdefault("sex", sp.field(m.group(1), 0.9))
                    fields.setdefault("ethnicity", sp.field(m.group(2), 0.9))
                    break
        # an isolated 男/女/汉 whose box the detector ran into its label's: not on the label's row, but
        # beside it in the label's band (a read value, trusted a little less than one on the row)
        for key, label, parse, allowed in _SHORT_VALUES:
            if key in fields and fields[key].derived is None:
                continue  # read on the first pass (a value derived from the number is looked for)
            for hit in layout.find([label], fuzzy=False):
                found = next(
                    (
                        (sp, v)
                        for sp in layout.beside(hit)
                        if len(sp.text) <= 3 and (v := parse(sp.text)) is not None and v in allowed
                    ),
                    None,
                )
                if found is not None:
                    fields[key] = found[0].field(found[1], 0.9)
                    break
        eth = fields.get("ethnicity")
        if eth is not None:
            v = _parse_ethnicity(eth.value)
            if v in ETHNICITIES:
                eth.value = v
            else:
                del fields["ethnicity"]
        idn = fields.get("id_number")
        if idn is not None:
            v = T.normalize_id_number(idn.value)
            if v:
                idn.value = v
        # an isolated 男/女 (or a date) the detector did not find: a fully read, valid number settles
        # it. The value is marked derived and trusted a little less than the number; a value that was
        # read is never replaced (a disagreement stays a finding: identity.card_inconsistent)
        if idn is not None and idnumber.check(idn.value).valid:
            for key, value in (
                ("sex", idnumber.sex(idn.value)),
                ("birth_date", idnumber.birth_date(idn.value)),
            ):
                if key not in fields and value:
                    fields[key] = FieldValue(
                        value=value,
                        confidence=round(min(idn.confidence, 0.9) * 0.95, 4),
                        page=idn.page,
                        box=idn.box,
                        derived="id_number",
                    )

    def second_look(self, layout: Layout, fields: dict[str, FieldValue], look: Look) -> None:
        """An isolated 男/女/汉 the text detector did not find at all: the region right of its label is
        read again from the pixels, recognition only (one line). Taken only when it reads as one of
        the allowed values; trusted a little less than a value found on the first pass. A sex only
        derived from the number is looked for too: a read value can be checked against the number
        (identity.card_inconsistent), a derived one cannot."""
        super().second_look(layout, fields, look)
        for key, label, parse, allowed in _SHORT_VALUES:
            if key in fields and fields[key].derived is None:
                continue  # read on the first pass (a value derived from the number is looked for)
            for hit in layout.find([label], fuzzy=False):
                _, y0, x1, y1 = hit.box
                h = y1 - y0
                region = (x1 + 0.1 * h, y0 - 0.25 * h, x1 + SECOND_LOOK_WIDTH * h, y1 + 0.25 * h)
                box = layout.page_box(hit.row.page, region)
                line = look(hit.row.page, box)
                text = T.compact(line.text) if line is not None else ""
                value = parse(text) if 0 < len(text) <= 3 else None
                if line is not None and value is not None and value in allowed:
                    fields[key] = FieldValue(
                        value=value,
                        confidence=round(line.confidence * 0.9, 4),
                        page=hit.row.page,
                        box=box,
                        raw=line.text,
                    )
                    break
