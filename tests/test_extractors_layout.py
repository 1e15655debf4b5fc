"""Rows, labels and values over OCR lines as RapidOCR gives them: split, merged, spaced, tilted."""

from __future__ import annotations

import math

import pytest

from extractors._layout import Layout, group_rows
from pipeline.models import OcrLine, PageText


def line(text: str, x: float, y: float, h: float = 30, conf: float = 0.98, angle_deg: float = 0.0) -> OcrLine:
    w = sum(h if ord(c) > 0x2E80 else h * 0.55 for c in text)
    a = math.radians(angle_deg)
    dx, dy = math.cos(a), math.sin(a)
    pts = [
        (x, y),
        (x + w * dx, y + w * dy),
        (x + w * dx - h * dy, y + w * dy + h * dx),
        (x - h * dy, y + h * dx),
    ]
    return OcrLine(text=text, polygon=pts, confidence=conf)


def page(lines: list[OcrLine], w: int = 1000, h: int = 1400) -> list[PageText]:
    return [PageText(index=0, width=w, height=h, source="image", lines=lines)]


STOPS = ["性别", "民族", "出生", "住址", "公民身份号码", "年龄", "科室"]


@pytest.mark.parametrize(
    "lines",
    [
        [line("姓名张伟明", 40, 40)],
        [line("姓名", 40, 40), line("张伟明", 140, 40)],
        [line("姓 名", 40, 40), line("张 伟 明", 160, 40)],
        [line("姓", 40, 40), line("名", 80, 40), line("张伟明", 160, 42)],
        [line("姓名：张伟明", 40, 40, conf=0.91)],
        [line("姓名:张伟明性别:男", 40, 40)],
        [line("姓名：张伟明", 40, 40), line("性别：男", 400, 40), line("年龄：45岁", 700, 40)],
    ],
)
def test_label_value_split_and_merged(lines: list[OcrLine]) -> None:
    lay = Layout(page(lines))
    sp = lay.read(["姓名"], STOPS)
    assert sp is not None
    assert sp.text == "张伟明"
    assert sp.conf == min(ln.confidence for ln in lines if "张" in ln.text or "伟" in ln.text)
    assert sp.page == 0 and sp.box is not None


def test_value_below_header_in_a_table() -> None:
    lines = [
        line("姓名", 40, 100),
        line("住院号", 300, 100),
        line("科室", 600, 100),
        line("李秀英", 40, 150),
        line("20240311", 300, 150),
        line("心内科", 600, 150),
    ]
    lay = Layout(page(lines))
    assert lay.read(["科室"], ["姓名", "住院号"]).text == "心内科"  # type: ignore[union-attr]
    assert lay.read(["姓名"], ["住院号", "科室"]).text == "李秀英"  # type: ignore[union-attr]


def test_wide_gap_ends_value_in_two_columns() -> None:
    lines = [line("诊断：高血压病3级", 40, 100), line("日期：2024-01-05", 700, 100)]
    lay = Layout(page(lines))
    sp = lay.read(["诊断"], [])
    assert sp is not None and sp.text == "高血压病3级"


def test_wrapped_address_continues() -> None:
    lines = [
        line("住址", 40, 200),
        line("湖北省荆门市东宝区", 140, 200),
        line("泉口街道88号", 140, 240),
        line("公民身份号码", 40, 400),
        line("420802198503121236", 260, 400),
    ]
    lay = Layout(page(lines, 856, 540))
    hit = lay.find(["住址"])[0]
    sp = lay.value_right(hit, STOPS)
    assert sp is not None
    sp = lay.continuation(sp, hit.row, STOPS, 3)
    assert sp.text == "湖北省荆门市东宝区泉口街道88号"


@pytest.mark.parametrize("angle", [-8.0, -3.0, 0.0, 4.0, 9.0])
def test_tilted_photo_keeps_rows(angle: float) -> None:
    # the same form photographed at an angle: lines of one row drift vertically along the row
    a = math.radians(angle)

    def at(x: float, y: float, text: str) -> OcrLine:
        cx, cy = 500, 700
        rx = cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a)
        ry = cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a)
        return line(text, rx, ry, angle_deg=angle)

    lines = [
        at(100, 300, "姓名"),
        at(250, 300, "王建国"),
        at(600, 300, "性别"),
        at(750, 300, "男"),
        at(100, 360, "科室"),
        at(250, 360, "骨科"),
        at(600, 360, "床号"),
        at(750, 360, "12"),
        at(100, 420, "诊断：腰椎间盘突出症"),
    ]
    lay = Layout(page(lines))
    rows = group_rows(page(lines)[0])
    assert [r.text for r in rows] == ["姓名王建国性别男", "科室骨科床号12", "诊断:腰椎间盘突出症"]
    assert lay.read(["姓名"], ["性别"]).text == "王建国"  # type: ignore[union-attr]
    assert lay.read(["性别"], ["姓名"]).text == "男"  # type: ignore[union-attr]
    sp = lay.read(["诊断"], [])
    assert sp is not None and sp.text == "腰椎间盘突出症"
    # the evidence box is in page pixels: it covers the OCR line it came from
    src = lines[-1].box
    assert sp.box is not None
    assert sp.box[0] >= src[0] - 5 and sp.box[2] <= src[2] + 5


def test_fuzzy_label_one_character_wrong() -> None:
    lay = Layout(page([line("公民身份号玛", 40, 400), line("420802198503121236", 260, 400)]))
    hits = lay.find(["公民身份号码"])
    assert hits and not hits[0].exact
    # two-character labels are never fuzzy
    assert Layout(page([line("姓各张三", 40, 40)])).find(["姓名"]) == []


def test_longer_label_excluded() -> None:
    lay = Layout(page([line("委托人：张三", 40, 40), line("被委托人：李四", 40, 100)]))
    hits = lay.find(["委托人"], exclude=["被委托人"])
    assert len(hits) == 1 and hits[0].row.text.startswith("委托人")
