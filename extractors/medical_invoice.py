"""Extractor for medical invoices: printed 医疗收费票据 and electronic 医疗收费电子票据."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors._base import SpecExtractor, seg_texts
from extractors._layout import Layout, Row
from pipeline import text as T
from pipeline.models import FieldValue, PageText
from pipeline.plugins import Look

#: the characters an amount in words is written with: a second look reads only among them
UPPER_ALPHABET = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整"
_UPPER_NUMERALS = set("零壹贰叁參参肆伍陆柒捌玖拾佰仟万亿")
_UPPER_CHARS = _UPPER_NUMERALS | set("元圆角分整正")
_UPPER_LABEL = re.compile(r"大写\)?[:：]?|人民币[:：]?")
#: the stretches looked at again, at most (each is one recognition of a line)
UPPER_LOOKS = 2
#: a reading restricted to the amount's characters is trusted this much of its own score
UPPER_LOOK_TRUST = 0.9


class MedicalInvoice(SpecExtractor):
    def detect_bonus(self, layout: Layout, pages: Sequence[PageText]) -> float:
        bonus = 0.0
        if re.search(r"票据|发票", layout.text) and re.search(r"医疗|门诊|住院", layout.text):
            bonus += 0.1
        return bonus

    def post_process(self, layout: Layout, fields: dict[str, FieldValue]) -> None:
        # The upper-case amount is often on the same row as its label without "(大写)": find it anywhere.
        if "total_amount_upper" not in fields:
            pat = re.compile(
                r"[零壹贰叁參参肆伍陆柒捌玖拾佰仟万亿]{1,20}[元圆][零壹贰叁參参肆伍陆柒捌玖角分整正]*"
            )
            for row in layout.rows:
                m = pat.search(row.text)
                if m:
                    # with the two characters before it: a misread numeral there makes it unreadable
                    v = T.parse_upper_amount(row.text[max(0, m.start() - 2) : m.end()])
                    if v:
                        fields["total_amount_upper"] = layout.span_of(row, m.start(), m.end()).field(v, 0.9)
                        break
        # No labelled total in figures: a ¥-marked amount. With an amount in words on the form, only a ¥
        # amount that agrees with it (the figures printed beside the words, real set r22 壹拾捌元¥18.00);
        # the first ¥ amount on such a page is as likely a line item (诊查费(自费)¥3.00). Words there but
        # unreadable cannot be agreed with: no guess (the second look may read them). Without words, the
        # first ¥ amount stays the guess.
        upper = fields.get("total_amount_upper")
        if "total_amount" not in fields and (upper is not None or not _words_stretches(layout)):
            for row in layout.rows:
                for m in re.finditer(r"[¥]\s*(\d[\d,]*\.\d{2})", row.text):
                    v = T.parse_money(m.group(0))
                    if v and (upper is None or v == upper.value):
                        fields["total_amount"] = layout.span_of(row, m.start(), m.end()).field(v, 0.85)
                        break
                if "total_amount" in fields:
                    break
        # A form that prints its total only in words (the Shanghai outpatient form: 合计(大写) and no
        # 小写): the total in figures is that amount, derived from it, not read.
        if "total_amount" not in fields and "total_amount_upper" in fields:
            fields["total_amount"] = _total_from_words(fields["total_amount_upper"])

    def second_look(self, layout: Layout, fields: dict[str, FieldValue], look: Look) -> None:
        """An amount in words the lines hold but OCR misread (a numeral read as another character,
        real set r11 肆佰筑拾柒元, r34 金拾侧元整): its stretch is read again from the pixels, among the
        characters an amount in words can hold only. Taken when that reading is an amount; the total
        in figures, when the form gives none, is derived from it as on the first pass."""
        super().second_look(layout, fields, look)
        if "total_amount_upper" in fields:
            return
        for row, a, b in _words_stretches(layout)[:UPPER_LOOKS]:
            x0, y0, x1, y1 = layout.span_of(row, a, b).lbox or (0.0, 0.0, 0.0, 0.0)
            pad = 0.3 * (y1 - y0)
            box = layout.page_box(row.page, (x0 - pad, y0 - 0.1 * pad, x1 + pad, y1 + 0.1 * pad))
            line = look(row.page, box, alphabet=UPPER_ALPHABET)
            value = T.parse_upper_amount(line.text) if line is not None else None
            if line is None or value is None:
                continue
            up = FieldValue(
                value=value,
                confidence=round(line.confidence * UPPER_LOOK_TRUST, 4),
                page=row.page,
                box=box,
                raw=line.text,
            )
            fields["total_amount_upper"] = up
            if "total_amount" not in fields:
                fields["total_amount"] = _total_from_words(up)
            return


def _total_from_words(up: FieldValue) -> FieldValue:
    """The total in figures of a form that gives it only in words: that amount, derived, not read."""
    return up.model_copy(update={"confidence": min(up.confidence, 0.85), "derived": "total_amount_upper"})


def _words_stretches(layout: Layout) -> list[tuple[Row, int, int]]:
    """Stretches of OCR lines that look like an amount in words the parser could not read: after a
    大写/人民币 label if the line holds one, up to its last amount character; with 元, 角 or 分 and two
    numerals at least (one, on a row labelled 大写)."""
    out: list[tuple[Row, int, int]] = []
    # rows labelled 大写, and rows beside such a label boxed apart (real set r19: 合计(大写): a little
    # above its amount, which OCR joined with the cell to its right)
    labels = [r.box for r in layout.rows if "大写" in r.text]
    for row in layout.rows:
        x0, y0, _x1, y1 = row.box
        half = 0.5 * (y1 - y0)
        labelled = (
            any(b[0] < x0 and b[1] < y1 + half and b[3] > y0 - half for b in labels) or "大写" in row.text
        )
        for off, t in seg_texts(row):
            m = _UPPER_LABEL.search(t)
            start = m.end() if m else 0
            at = [i for i in range(start, len(t)) if t[i] in _UPPER_CHARS]
            numerals = sum(1 for i in at if t[i] in _UPPER_NUMERALS)
            if not any(t[i] in "元圆角分" for i in at) or numerals < (1 if labelled else 2):
                continue
            out.append((row, off + start, off + at[-1] + 1))
    return out
