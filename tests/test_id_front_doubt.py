"""ID-card fronts: a sex or birth date the OCR lost is derived from a fully read number and marked
derived; a read value that disagrees stays a finding; a number partly covered, cut or unreadable is
doubt (document.fields_missing, warning), never identity.id_number_invalid."""

from __future__ import annotations

from extractors import build_extractors
from extractors._layout import Layout
from pipeline.codes import DocType, Severity
from pipeline.models import OcrLine, PageText
from tests.test_extractors_checks import VALID, ctx, fv, id_front
from validators import documents as checks

EXTRACTOR = build_extractors()[DocType.ID_CARD_FRONT]


def _line(text: str, y: int, x: int = 40, conf: float = 0.97) -> OcrLine:
    return OcrLine(
        text=text,
        polygon=[(x, y), (x + 20 * len(text), y), (x + 20 * len(text), y + 24), (x, y + 24)],
        confidence=conf,
    )


def _card(*lines: OcrLine) -> list[PageText]:
    return [PageText(index=0, width=856, height=540, source="image", lines=list(lines))]


def test_sex_and_birth_date_lost_by_ocr_are_derived_from_the_number_and_marked() -> None:
    pages = _card(
        _line("姓名张伟明", 40),
        _line("民族汉", 100, x=300),  # 性别 男 not detected: an isolated character
        _line("住址湖北省荆门市东宝区", 220),
        _line("公民身份号码", 440),
        _line(VALID, 440, x=300),
    )
    fields = EXTRACTOR.extract_layout(Layout(pages))
    assert fields["id_number"].value == VALID
    assert fields["sex"].value == "男" and fields["sex"].derived == "id_number"
    assert fields["birth_date"].value == "1985-03-12" and fields["birth_date"].derived == "id_number"
    assert fields["sex"].confidence < fields["id_number"].confidence
    assert fields["sex"].box == fields["id_number"].box


def test_a_read_sex_is_kept_and_a_disagreeing_one_stays_a_finding() -> None:
    pages = _card(
        _line("姓名张伟明", 40),
        _line("性别女民族汉", 100),
        _line("出生1985年3月12日", 160),
        _line("公民身份号码", 440),
        _line(VALID, 440, x=300),
    )
    fields = EXTRACTOR.extract_layout(Layout(pages))
    assert fields["sex"].value == "女" and fields["sex"].derived is None
    doc = id_front()
    doc.fields["sex"] = fields["sex"]
    [f] = list(checks.card_inconsistent(ctx(doc)))
    assert f.code == "identity.card_inconsistent" and f.field == "sex"


def test_nothing_is_derived_from_a_number_that_is_not_fully_read() -> None:
    pages = _card(_line("姓名张伟明", 40), _line("公民身份号码", 440), _line(VALID[:11], 440, x=300))
    fields = EXTRACTOR.extract_layout(Layout(pages))
    assert "sex" not in fields and "birth_date" not in fields


def test_a_partly_covered_number_is_doubt_never_invalid() -> None:
    for fragment in (VALID[:12], VALID[:17], VALID[:9] + "复印无效" + VALID[13:], VALID + "3"):
        flags = list(checks.id_number_invalid(ctx(id_front(id_number=fragment))))
        assert [(f.code, f.severity) for f in flags] == [("document.fields_missing", Severity.WARNING)], (
            fragment
        )
        assert flags[0].field == "id_number" and fragment not in (flags[0].reason or "")


def test_a_low_confidence_bad_number_is_doubt_not_invalid() -> None:
    bad = VALID[:-1] + ("2" if VALID[-1] != "2" else "4")
    doc = id_front()
    doc.fields["id_number"] = fv(bad, conf=0.6)
    # fields_missing already says the number is doubtful: no second flag, and never "invalid"
    assert list(checks.id_number_invalid(ctx(doc))) == []
    assert [f.code for f in checks.fields_missing(ctx(doc))] == ["document.fields_missing"]


def test_a_fully_read_number_with_a_bad_check_digit_is_still_invalid() -> None:
    bad = VALID[:-1] + ("2" if VALID[-1] != "2" else "4")
    [f] = list(checks.id_number_invalid(ctx(id_front(id_number=bad))))
    assert f.code == "identity.id_number_invalid" and f.severity == Severity.BLOCKER


def _box_line(text: str, x0: int, y0: int, x1: int, y1: int, conf: float = 0.95) -> OcrLine:
    return OcrLine(text=text, polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence=conf)


def test_a_single_character_whose_box_touches_its_label_is_still_read() -> None:
    """XJ-2024-000140 (recorded RapidOCR lines): the detector's 民族 box runs 16 px into the 回 beside
    it, so 回 cannot join the label's row (lines that overlap across are not one row) and was lost.
    A second look at the label's band, right of the label, finds it; an unknown word there does not
    count."""
    lines = [
        _box_line("姓名", 266, 232, 331, 270),
        _box_line("袁德华", 382, 229, 499, 279),
        _box_line("性别", 264, 306, 331, 342),
        _box_line("男", 381, 306, 419, 342),
        _box_line("民族", 480, 313, 598, 347),
        _box_line("回", 582, 312, 631, 347, conf=0.91),
        _box_line("出生", 262, 379, 326, 413),
        _box_line("1987 年 2 月 25 日", 379, 373, 674, 421),
    ]
    pages = [PageText(index=0, width=1280, height=960, source="image", lines=lines)]
    fields = EXTRACTOR.extract_layout(Layout(pages))
    assert fields["ethnicity"].value == "回"
    assert fields["ethnicity"].box == (582.0, 312.0, 631.0, 347.0)
    assert fields["ethnicity"].confidence < 0.91 and fields["ethnicity"].derived is None
    lines[5] = _box_line("收费", 582, 312, 631, 347)  # not a group's name: nothing is made up
    fields = EXTRACTOR.extract_layout(
        Layout([PageText(index=0, width=1280, height=960, source="image", lines=lines)])
    )
    assert "ethnicity" not in fields


def _card_112(sex: str | None = None, ethnicity: str | None = None) -> list[OcrLine]:
    """The recorded lines of XJ-2025-000112's ID card front; its isolated 男 and 汉 only when given."""
    lines = [
        _box_line("吕晓东", 386, 259, 502, 302),
        _box_line("姓名", 275, 271, 337, 304),
        _box_line("性别", 276, 343, 339, 376),
        _box_line(sex, 387, 334, 432, 371) if sex else None,
        _box_line("民族", 484, 336, 561, 367),
        _box_line(ethnicity, 590, 336, 622, 367) if ethnicity else None,
        _box_line("1980 年11 月 15日", 386, 402, 676, 434),
        _box_line("出生", 275, 413, 338, 446),
        _box_line("住址", 274, 484, 339, 516),
        _box_line("新疆维吾尔自治区阿克苏", 389, 475, 705, 503),
        _box_line("公民身份号码", 275, 657, 440, 681),
        _box_line("65292219801115933X", 489, 657, 906, 681),
    ]
    return [ln for ln in lines if ln is not None]


def test_second_look_reads_the_region_right_of_a_value_less_label() -> None:
    """XJ-2025-000112 (recorded lines): 民族 was found, the isolated 汉 was not detected at all. The
    reader asks for one line right of the label (the runner reads it from the upright page's pixels);
    a reading that is not a group's name is not taken, and a field already read is not looked at."""
    from extractors.reader import read_document

    lines = _card_112(sex="男")
    pages = [PageText(index=0, width=1280, height=960, source="image", lines=lines)]
    asked: list[tuple[int, tuple[float, float, float, float]]] = []

    def look(text: str | None):  # type: ignore[no-untyped-def]
        def read(page: int, box: tuple[float, float, float, float]) -> OcrLine | None:
            asked.append((page, box))
            return None if text is None else _box_line(text, 0, 0, 10, 10, conf=0.9)

        return read

    doc = read_document(pages, DocType.ID_CARD_FRONT, look=look("汉"))
    assert doc.fields["ethnicity"].value == "汉" and doc.fields["ethnicity"].confidence == 0.81
    [(page, (x0, y0, x1, y1))] = asked
    assert page == 0 and 561 < x0 < 570 and x1 > 640 and y0 < 336 and y1 > 367 and y1 < 402
    assert doc.fields["ethnicity"].box == (x0, y0, x1, y1)
    for text in ("收费", None):
        asked.clear()
        doc = read_document(pages, DocType.ID_CARD_FRONT, look=look(text))
        assert "ethnicity" not in doc.fields and len(asked) == 1
    asked.clear()
    doc = read_document(
        [PageText(index=0, width=1280, height=960, source="image", lines=_card_112("男", "汉"))],
        None,
        look=look("回"),
    )
    assert doc.fields["ethnicity"].value == "汉" and asked == []


def test_a_sex_only_derived_from_the_number_is_looked_for_and_read() -> None:
    """The isolated 男 was not detected: the sex is derived from the number, then read right of 性别
    (a read value can disagree with the number and become a finding; a derived one never can)."""
    from extractors.reader import read_document

    lines = _card_112(ethnicity="汉")
    pages = [PageText(index=0, width=1280, height=960, source="image", lines=lines)]
    assert read_document(pages, DocType.ID_CARD_FRONT).fields["sex"].derived == "id_number"
    for text, want in (("男", "男"), ("女", "女")):
        read = read_document(
            pages, DocType.ID_CARD_FRONT, look=lambda p, b, t=text: _box_line(t, 0, 0, 9, 9, conf=0.95)
        )
        assert read.fields["sex"].value == want and read.fields["sex"].derived is None
    kept = read_document(pages, DocType.ID_CARD_FRONT, look=lambda p, b: None)
    assert kept.fields["sex"].value == "男" and kept.fields["sex"].derived == "id_number"


def test_an_address_line_sharing_a_row_with_a_tall_watermark_line_is_kept() -> None:
    """XJ-2025-000116 (recorded RapidOCR lines): the tilted 仅供医保备案使用 overlay is read as tall
    lines (案使用他用, 158 px high) that share a row with the address's third line; that row then
    starts above the second line, was not taken as "below" it, and the address lost 民路152号11栋1单.
    The continuation follows the address's own lines, not the rows they share."""
    from extractors.reader import read_document

    lines = [
        _box_line("姓名", 292, 235, 355, 270),
        _box_line("胡涛", 399, 231, 484, 285),
        _box_line("性别", 286, 306, 351, 341),
        _box_line("男", 396, 308, 439, 345),
        _box_line("民族汉", 489, 316, 645, 361),
        _box_line("出生", 280, 374, 345, 412),
        _box_line("1992", 394, 376, 479, 414),
        _box_line("住址", 277, 446, 338, 480),
        _box_line("新疆维吾尔自治区巴音郭", 387, 445, 707, 503),
        _box_line("楞蒙古自治州库尔勒市人", 386, 490, 704, 546),
        _box_line("民路152号11栋1单", 383, 535, 629, 586),
        _box_line("案使用他用", 599, 477, 907, 622),
        _box_line("元646室", 378, 577, 497, 628),
        _box_line("医保备", 484, 569, 638, 643),
        _box_line("公民身份号码", 259, 637, 401, 677),
        _box_line("652801199202155953", 477, 639, 897, 701),
    ]
    doc = read_document([PageText(index=0, width=1280, height=960, source="image", lines=lines)], None)
    assert (
        doc.fields["address"].value == "新疆维吾尔自治区巴音郭楞蒙古自治州库尔勒市人民路152号11栋1单元646室"
    )
