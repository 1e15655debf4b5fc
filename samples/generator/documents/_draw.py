"""Drawing helpers shared by the renderers: page sizes and inks, date formats, wrapped text, ruled tables,
filled-in form lines, seals and hospital letterheads."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from samples.generator import canvas as cv
from samples.generator.canvas import Ellipse, Line, Page, Rect, Seal, Text
from samples.generator.documents._base import Opts

A4 = (210.0, 297.0)
CARD = (85.6, 54.0)
CARD_DPI = 260  # cards are photographed close: ~875 x 552 px for the card itself
BLUE_INK = (30, 40, 110)


# --------------------------------------------------------------------------- formatting


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def cn_date_short(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def dot_date(d: date) -> str:
    return f"{d:%Y.%m.%d}"


def iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def fmt(d: date | None, style: Callable[[date], str] = cn_date) -> str:
    return style(d) if d else ""


# --------------------------------------------------------------------------- A4 helpers


def wrap(text: str, width_mm: float, size: float, face: str = "serif") -> list[str]:
    lines: list[str] = []
    cur = ""
    for ch in text:
        if cv.text_width_mm(cur + ch, size, face) > width_mm and cur:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def para(
    p: Page,
    x: float,
    y: float,
    text: str,
    width: float,
    size: float = 11,
    face: str = "serif",
    lh: float = 1.75,
) -> float:
    """Draw wrapped text, first line indented by two characters; return the y below it."""
    step = size * cv.PT_MM * lh
    for i, line in enumerate(wrap("\u3000\u3000" + text, width, size, face)):
        p.add(Text(x, y + i * step, line, size, face))
    return y + step * len(wrap("\u3000\u3000" + text, width, size, face))


def table(
    p: Page,
    x: float,
    y: float,
    widths: list[float],
    rows: list[list[str]],
    row_h: float = 8.0,
    size: float = 10,
    face: str = "sans",
    align: list[str] | None = None,
    color: tuple[int, int, int] = cv.INK,
    ink: tuple[int, int, int] = cv.INK,
) -> float:
    """A ruled table; returns its bottom y."""
    total = sum(widths)
    for r, row in enumerate(rows):
        top = y + r * row_h
        cx = x
        for c, cell in enumerate(row):
            w = widths[c]
            a = (align or ["m"] * len(widths))[c]
            tx = {"l": cx + 1.5, "m": cx + w / 2, "r": cx + w - 1.5}[a]
            if cell:
                p.add(
                    Text(tx, top + (row_h - size * cv.PT_MM) / 2 - 0.4, cell, size, face, anchor=a, color=ink)
                )
            cx += w
    bottom = y + row_h * len(rows)
    for r in range(len(rows) + 1):
        p.add(Line(x, y + r * row_h, x + total, y + r * row_h, 0.25, color))
    edges = [x + sum(widths[:i]) for i in range(len(widths) + 1)]
    for r, row in enumerate(rows):
        filled = [i for i, cell in enumerate(row) if cell]
        last = filled[-1] if filled else len(row) - 1
        # a value followed by two or more empty cells spans them (a merged cell, as forms print it)
        merged_from = last + 1 if len(row) - 1 - last >= 2 and last >= 1 else len(row)
        for i, ex in enumerate(edges):
            if 0 < i < len(edges) - 1 and i >= merged_from:
                continue
            p.add(Line(ex, y + r * row_h, ex, y + (r + 1) * row_h, 0.25, color))
    return bottom


def kv(
    p: Page,
    x: float,
    y: float,
    label: str,
    value: str,
    size: float = 11,
    width: float = 50.0,
    face: str = "serif",
) -> None:
    """``label：value`` with the value on an underline (a filled-in form)."""
    p.add(Text(x, y, label + "：", size, face))
    lx = x + cv.text_width_mm(label + "：", size, face)
    p.add(Line(lx, y + size * cv.PT_MM + 1.0, x + width, y + size * cv.PT_MM + 1.0, 0.2))
    if value:
        p.add(Text(lx + 1.5, y - 0.3, value, size, "sans", color=BLUE_INK if face == "serif" else cv.INK))


def seal(p: Page, opts: Opts, cx: float, cy: float, name: str, bottom: str = "", r: float = 20.0) -> None:
    if not opts.seal:
        return
    rng = random.Random(opts.seed * 31 + len(name))
    p.add(
        Seal(
            cx + rng.uniform(-3, 3),
            cy + rng.uniform(-3, 3),
            r,
            name,
            bottom,
            angle=rng.uniform(-25, 25),
            seed=opts.seed,
        )
    )


def hospital_logo(p: Page, x: float, y: float, size: float = 13.0) -> None:
    """A coloured letterhead emblem (a cross in a ring), as hospitals print on their forms."""
    teal = (0, 118, 140)
    p.add(Ellipse(x, y, x + size, y + size, fill=teal))
    p.add(Ellipse(x + 1.2, y + 1.2, x + size - 1.2, y + size - 1.2, fill=(255, 255, 255)))
    c, a, b = x + size / 2, size * 0.12, size * 0.32
    p.add(Rect(c - a, y + size / 2 - b, c + a, y + size / 2 + b, 0.1, outline=None, fill=teal))
    p.add(Rect(c - b, y + size / 2 - a, c + b, y + size / 2 + a, 0.1, outline=None, fill=teal))


def hospital_header(p: Page, hospital: str, title: str, y: float = 18.0) -> float:
    hospital_logo(p, 16.0, y - 3.0)
    p.add(Text(105, y, hospital, 17, "serif-bold", anchor="m", spacing=0.6))
    p.add(Text(105, y + 10, title, 15, "serif-bold", anchor="m", spacing=1.5))
    return y + 22
