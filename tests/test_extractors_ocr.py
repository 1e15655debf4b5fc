"""End to end on real pixels: documents drawn by the sample generator, read by the real OCR engine, then
classified and extracted. Slow (real OCR): run with ``-m slow``."""

from __future__ import annotations

import io
import random
from datetime import date

import numpy as np
import pytest
from PIL import Image

from extractors.reader import read_document
from pipeline.codes import DocType
from pipeline.config import Settings
from pipeline.models import PageText
from pipeline.ocr import recognize_page

pytestmark = pytest.mark.slow


def _read(
    doc_type: DocType, layout: str, capture: str, seed: int
) -> tuple[dict[str, str], dict[str, str], DocType]:
    from samples.generator.documents import Opts, render_document
    from samples.generator.materials import Capture, capture_bytes
    from samples.generator.people import new_person
    from samples.generator.story import new_story

    rng = random.Random(seed)
    person = new_person(rng, "jingmen", date(2024, 6, 1))
    story = new_story(rng, person, date(2024, 6, 1), "jingmen")
    r = render_document(doc_type, story, layout, Opts(seed=seed))
    img = np.array(Image.open(io.BytesIO(capture_bytes(r, Capture(kind=capture), seed))).convert("RGB"))
    lines, rot = recognize_page(img, Settings())
    page = PageText(
        index=0, width=img.shape[1], height=img.shape[0], source="image", rotation=rot, lines=lines
    )
    doc = read_document([page], None)
    return r.truth, {k: v.value for k, v in doc.fields.items()}, doc.type


@pytest.mark.parametrize(
    ("doc_type", "layout", "capture"),
    [
        (DocType.ID_CARD_FRONT, "standard", "photo"),
        (DocType.ID_CARD_BACK, "standard", "clean"),
        (DocType.MEDICAL_INVOICE, "printed", "clean"),
        (DocType.DISCHARGE_RECORD, "record", "photo"),
    ],
)
def test_generated_documents_read_end_to_end(doc_type: DocType, layout: str, capture: str) -> None:
    truth, got, detected = _read(doc_type, layout, capture, seed=7)
    assert detected == doc_type
    keys = [k for k in truth if k not in ("total_amount_upper", "check_code", "payee", "ethnicity")]
    assert {k: got.get(k) for k in keys} == {k: truth[k] for k in keys}
