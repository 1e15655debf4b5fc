"""One self-contained HTML page per case for an auditor: page images (data URIs) with the evidence
boxes drawn, the fields read, and the flags. No server, no script, no external resource; every text
from the case or the report is escaped (names may contain markup).

Evidence boxes are in upright-page pixels (the page as read, after turning it by ``rotation``), so
each page image is turned the same way before the boxes are laid over it.
"""

from __future__ import annotations

import base64
import io
import os
from html import escape
from pathlib import Path

import numpy as np

from pipeline.config import Settings
from pipeline.models import Flag, MaterialResult, PageText, Report
from pipeline.ocr.base import upright

MAX_SIDE = 1400  # pixels of the embedded image's longer side (the boxes are scaled with the viewBox)
SEV_COLOUR = {"blocker": "#c62828", "warning": "#ef6c00", "info": "#0277bd"}
DECISION_COLOUR = {"pass": "#2e7d32", "review": "#ef6c00", "return": "#c62828"}

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}
th{background:#f4f4f4;text-align:left} .decision{font-weight:bold;color:#fff;padding:.1em .5em;border-radius:3px}
figure{margin:.5em 0;display:inline-block;max-width:100%} svg{max-width:100%;height:auto;border:1px solid #aaa}
figcaption{font-size:.85em;color:#555} .code{font-family:monospace}
"""


def _data_uri(image: np.ndarray) -> str:
    from PIL import Image

    im = Image.fromarray(image)
    side = max(im.size)
    if side > MAX_SIDE:
        s = MAX_SIDE / side
        im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))))
    buf = io.BytesIO()
    im.convert("RGB").save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _page_images(case_dir: Path, m: MaterialResult, settings: Settings) -> dict[int, np.ndarray]:
    """The material's pages as pixels (index -> upright RGB), read again from the original file."""
    from pipeline.ingest import ingest

    try:
        ing = ingest(case_dir / m.file, settings)
    except Exception:
        return {}
    if ing.error:
        return {}
    rot = {p.index: p.rotation for p in m.pages}
    return {p.index: upright(p.image, rot.get(p.index, 0)) for p in ing.pages if p.image is not None}


def _svg(page: PageText, image: np.ndarray | None, boxes: list[tuple[tuple[float, ...], str, str]]) -> str:
    w, h = page.width, page.height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{min(w, 900)}">']
    if image is not None:
        parts.append(
            f'<image href="{_data_uri(image)}" x="0" y="0" width="{w}" height="{h}" preserveAspectRatio="none"/>'
        )
    else:
        parts.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="#f8f8f8"/>')
    stroke = max(2, round(max(w, h) / 400))
    for box, colour, label in boxes:
        x0, y0, x1, y1 = box
        parts.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{max(1.0, x1 - x0):.1f}" height="{max(1.0, y1 - y0):.1f}" '
            f'fill="none" stroke="{colour}" stroke-width="{stroke}"><title>{escape(label)}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _flag_rows(flags: list[Flag]) -> str:
    rows = []
    for f in flags:
        sev = f.severity.value
        ev = "; ".join(
            f"p{e.page + 1}" + (f" ({', '.join(str(round(v)) for v in e.box)})" if e.box else "")
            for e in f.evidence or []
        )
        rows.append(
            f'<tr><td style="color:{SEV_COLOUR.get(sev, "#000")}">{escape(sev)}</td>'
            f'<td class="code">{escape(f.code)}</td><td>{escape(f.reason or "")}</td>'
            f"<td>{escape(f.message)}</td><td>{escape(ev or '-')}</td></tr>"
        )
    head = "<tr><th>severity</th><th>code</th><th>auditor reason</th><th>message to the applicant</th><th>evidence</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def render_html(report: Report, case_dir: Path, settings: Settings) -> str:
    d = report.decision.value
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        # nothing may load or run: images are data URIs, styles inline
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        f"<title>{escape(report.case_id)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(report.case_id)} "
        f'<span class="decision" style="background:{DECISION_COLOUR.get(d, "#555")}">{escape(d)}</span></h1>',
        f"<p>service {escape(report.service or '-')}, region {escape(report.region or '-')}, "
        f"{len(report.materials)} materials, {len(report.flags)} flags, {report.seconds:.1f} s</p>",
    ]
    case_flags = [f for f in report.flags if not f.material]
    if case_flags:
        out += ["<h2>Case</h2>", _flag_rows(case_flags)]
    for m in report.materials:
        declared = m.declared_type.value if m.declared_type else "-"
        out.append(
            f"<h2>{escape(m.file)}</h2><p>declared {escape(declared)}, read as "
            f"{escape(m.detected_type.value)} ({m.type_confidence:.2f})</p>"
        )
        fields = m.document.fields if m.document else {}
        if fields:
            rows = "".join(
                f'<tr><td class="code">{escape(k)}</td><td>{escape(v.value)}</td><td>{v.confidence:.2f}</td>'
                f"<td>{'p' + str(v.page + 1) if v.page is not None else '-'}</td></tr>"
                for k, v in fields.items()
            )
            out.append(
                f"<table><tr><th>field</th><th>value</th><th>confidence</th><th>page</th></tr>{rows}</table>"
            )
        flags = [f for f in report.flags if f.material == m.file]
        if flags:
            out.append(_flag_rows(flags))
        images = _page_images(case_dir, m, settings) if m.pages else {}
        for page in m.pages:
            boxes: list[tuple[tuple[float, ...], str, str]] = []
            for f in flags:
                for e in f.evidence or []:
                    if e.page == page.index and e.box:
                        boxes.append((tuple(e.box), SEV_COLOUR.get(f.severity.value, "#c62828"), f.code))
            for k, v in fields.items():
                if v.page == page.index and v.box:
                    boxes.append((tuple(v.box), "#2e7d32", k))
            out.append(
                f"<figure>{_svg(page, images.get(page.index), boxes)}"
                f"<figcaption>{escape(m.file)}, page {page.index + 1}"
                f"{f', turned {page.rotation}°' if page.rotation else ''}; "
                "green: fields read, red/orange: evidence of a flag</figcaption></figure>"
            )
    out.append("</body></html>")
    return "\n".join(out)


def write_html(path: Path, text: str) -> None:
    """Owner-only (the page holds personal data), replaced atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
