"""Extractor for medical invoices: printed 医疗收费票据 and electronic 医疗收费电子票据."""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors._base import SpecExtractor
from extractors._layout import Layout
from pipeline import text as T
from pipeline.models import FieldValue, PageText


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
        # the first ¥ amount on such a page is as likely a line item (诊查费(自费)¥3.00). Without words,
        # the first ¥ amount stays the guess.
        if "total_amount" not in fields:
            upper = fields.get("total_amount_upper")
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
            up = fields["total_amount_upper"]
            fields["total_amount"] = up.model_copy(
                update={"confidence": min(up.confidence, 0.85), "derived": "total_amount_upper"}
            )
