"""``intake check`` for a person: the details printed per material, and the self-contained HTML page
(page images turned upright with the evidence boxes, everything escaped)."""

from __future__ import annotations

import base64
import io
import re
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

from pipeline.app.cli.readable import print_details, where
from pipeline.app.html_report import render_html, upright, write_html
from pipeline.codes import DocType, Severity
from pipeline.config import Settings
from pipeline.models import Document, Evidence, FieldValue, Flag, MaterialResult, PageText, Report

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _case(tmp_path: Path) -> tuple[Report, Path]:
    """A landscape photo (400x200) read after turning it 90° clockwise: an upright page 200x400. A red
    block at the photo's top-left corner lands at the upright page's top-right corner."""
    img = np.full((200, 400, 3), 255, np.uint8)
    img[0:50, 0:100] = (255, 0, 0)
    Image.fromarray(img).save(tmp_path / "photo.png")
    page = PageText(index=0, width=200, height=400, source="image", rotation=90)
    flag = Flag(
        code="identity.name_mismatch",
        category="identity",
        severity=Severity.BLOCKER,
        material="photo.png",
        message=f"姓名与申请人不一致 {HOSTILE}",
        reason=f"card name {HOSTILE} differs",
        evidence=[Evidence(page=0, box=(150.0, 0.0, 200.0, 100.0))],
    )
    doc = Document(
        type=DocType.ID_CARD_FRONT,
        confidence=0.9,
        fields={"name": FieldValue(value=HOSTILE, confidence=0.87, page=0, box=(150.0, 0.0, 200.0, 100.0))},
    )
    m = MaterialResult(
        file="photo.png",
        declared_type=DocType.ID_CARD_FRONT,
        detected_type=DocType.ID_CARD_FRONT,
        type_confidence=0.9,
        pages=[page],
        document=doc,
    )
    report = Report(case_id=f"C-1{HOSTILE}", decision="return", flags=[flag], materials=[m], service="x")
    return report, tmp_path


def test_upright_turns_clockwise() -> None:
    a = np.zeros((2, 3), np.uint8)
    a[0, 0] = 1  # top-left
    assert upright(a, 90).shape == (3, 2) and upright(a, 90)[0, 1] == 1  # -> top-right
    assert upright(a, 180)[1, 2] == 1 and upright(a, 270)[2, 0] == 1


def test_html_is_self_contained_escaped_and_upright(tmp_path: Path) -> None:
    report, case_dir = _case(tmp_path)
    html = render_html(report, case_dir, Settings(home=tmp_path / "home", workers=1))
    assert "<script" not in html and "<img" not in html  # markup from the case is text
    assert "&lt;script&gt;" in html and "onerror=alert(1)&gt;" in html
    assert not re.search(r"(src|href)=\"(https?:|//|/)", html)  # nothing loads from anywhere
    assert "default-src 'none'" in html
    uris = re.findall(r'href="data:image/jpeg;base64,([^"]+)"', html)
    assert len(uris) == 1
    im = np.asarray(Image.open(io.BytesIO(base64.b64decode(uris[0]))).convert("RGB")).astype(int)
    assert im.shape[:2] == (400, 200)  # turned upright, like the boxes
    assert im[10, 190, 0] > 200 and im[10, 190, 1] < 80  # the red block is at the top right now
    assert im[390, 10].min() > 200
    assert 'viewBox="0 0 200 400"' in html
    assert '<rect x="150.0" y="0.0" width="50.0" height="100.0"' in html  # the evidence box, as reported
    assert "identity.name_mismatch" in html and "0.87" in html


def test_html_written_owner_only(tmp_path: Path) -> None:
    write_html(tmp_path / "r.html", "<!DOCTYPE html>")
    assert stat.S_IMODE((tmp_path / "r.html").stat().st_mode) == 0o600


def test_details_show_type_fields_reasons_and_evidence(tmp_path: Path) -> None:
    report, _ = _case(tmp_path)
    con = Console(record=True, width=200, force_terminal=False)
    print_details(report, con)
    text = con.export_text()
    assert "read as id_card_front (0.90)" in text
    assert "0.87" in text and "p1 (150,0)-(200,100)" in text
    assert "card name" in text and "differs" in text  # the auditor reason
    assert HOSTILE in text  # printed as text, not taken as console markup
    assert where(None) == "-" and where([Evidence(page=1)]) == "p2"


@pytest.mark.parametrize("rotation", [0, 180, 270])
def test_other_rotations_keep_the_page_size(tmp_path: Path, rotation: int) -> None:
    report, case_dir = _case(tmp_path)
    w, h = (400, 200) if rotation in (0, 180) else (200, 400)
    report.materials[0].pages[0] = PageText(index=0, width=w, height=h, source="image", rotation=rotation)
    html = render_html(report, case_dir, Settings(home=tmp_path / "home", workers=1))
    uri = re.findall(r'href="data:image/jpeg;base64,([^"]+)"', html)[0]
    assert Image.open(io.BytesIO(base64.b64decode(uri))).size == (w, h)
