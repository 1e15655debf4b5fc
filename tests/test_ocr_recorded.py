"""The recorded OCR engine (replay by pixel hash) and the recording wrapper, without an OCR model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import OcrLine
from pipeline.ocr import OcrEngine, OcrEngineError, get_engine, recognize_page
from pipeline.ocr.recorded import (
    RERECORD,
    RecordedOcrEngine,
    RecordingOcrEngine,
    default_recordings,
    dump_recording,
    image_key,
)
from samples.golden import CASES


class UpsideDownEngine(OcrEngine):
    """Reads text only when the top-left pixel is dark, i.e. when the page was turned by 180°."""

    name = "fake"
    version = "1"

    def __init__(self) -> None:
        self.calls = 0

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        self.calls += 1
        if image[0, 0, 0] > 128:
            return []
        w = image.shape[1]
        return [
            OcrLine(
                text="出院记录",
                polygon=[(10.5, 20.0), (w - 10.0, 20.0), (w - 10.0, 60.25), (10.5, 60.25)],
                confidence=0.98765,
            ),
            OcrLine(
                text="入院日期：2024年01月05日",
                polygon=[(12, 80), (400, 80), (400, 120), (12, 120)],
                confidence=0.99,
            ),
        ]


def _page() -> np.ndarray:
    img = np.full((300, 500, 3), 255, dtype=np.uint8)
    img[-5:, -5:] = 0  # dark bottom-right corner: top-left once turned by 180°
    return img


def _record(tmp_path: Path, settings: Settings) -> tuple[list[OcrLine], int, Path]:
    rec = RecordingOcrEngine(UpsideDownEngine())
    lines, rot = recognize_page(_page(), settings, rec)
    folder = tmp_path / "ocr"
    dump_recording(folder / "CASE-1.json", rec.name, rec.version, rec.take())
    return lines, rot, folder


def test_replay_gives_the_same_lines_and_rotation(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_cache=False)
    lines, rot, folder = _record(tmp_path, settings)
    assert rot == 180 and lines  # the upright reading failed, the turned retry was recorded too
    replay = RecordedOcrEngine(folder)
    assert len(replay) == 4  # upright, then the retries turned by 90°, 270° and 180°
    lines2, rot2 = recognize_page(_page(), settings, replay)
    assert rot2 == rot
    assert [(x.text, x.confidence, x.polygon) for x in lines2] == [
        (x.text, x.confidence, x.polygon) for x in lines
    ]


def test_recording_file_is_deterministic_and_compact(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_cache=False)
    _, _, a = _record(tmp_path / "a", settings)
    _, _, b = _record(tmp_path / "b", settings)
    ta, tb = (a / "CASE-1.json").read_text(), (b / "CASE-1.json").read_text()
    assert ta == tb
    assert "[12,80]" in ta  # integral coordinates written without ".0"
    assert "10.5" in ta and "0.98765" in ta  # other values exactly as read


def test_a_miss_names_the_image_and_the_command(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, workers=1, ocr_cache=False)
    _, _, folder = _record(tmp_path, settings)
    replay = RecordedOcrEngine(folder)
    other = _page()
    other[0, 0] = 7
    with pytest.raises(OcrEngineError, match=image_key(other)) as e:
        replay.recognize(other)
    assert RERECORD in str(e.value)


def test_one_line_reads_are_recorded_apart_from_page_reads(tmp_path: Path) -> None:
    """``read_line`` (recognition only, the seal ring strips) is replayed from its own entry: the same
    pixels read as a page and as one line are two different calls."""
    strip = np.zeros((64, 300, 3), dtype=np.uint8)  # dark top-left: the fake engine reads two lines
    rec = RecordingOcrEngine(UpsideDownEngine())
    line = rec.read_line(strip)
    page = rec.recognize(strip)
    assert line is not None and line.text == "出院记录入院日期：2024年01月05日"  # joined left to right
    assert line.polygon == [(0.0, 0.0), (300.0, 0.0), (300.0, 64.0), (0.0, 64.0)]
    dump_recording(tmp_path / "ocr" / "C.json", rec.name, rec.version, rec.take())
    replay = RecordedOcrEngine(tmp_path / "ocr")
    assert len(replay) == 2
    again = replay.read_line(strip)
    assert again is not None and (again.text, again.confidence) == (line.text, line.confidence)
    assert [x.text for x in replay.recognize(strip)] == [x.text for x in page]
    blank = np.full((64, 300, 3), 255, dtype=np.uint8)
    with pytest.raises(OcrEngineError, match="one-line"):
        replay.read_line(blank)


def test_no_recordings_folder_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(OcrEngineError, match="record-ocr"):
        RecordedOcrEngine(tmp_path / "nothing")


def test_selected_by_setting_and_never_hidden_by_the_cache(tmp_path: Path) -> None:
    _, _, folder = _record(tmp_path, Settings(home=tmp_path, workers=1, ocr_cache=False))
    settings = Settings(
        home=tmp_path / "home", workers=1, ocr_engine="recorded", ocr_recordings=folder, ocr_cache=True
    )
    engine = get_engine(settings)
    assert isinstance(engine, RecordedOcrEngine) and engine.folder == folder
    recognize_page(_page(), settings)  # would fill a cache, if there were one
    assert not (settings.cache_dir / "ocr.sqlite").exists()


def test_every_sample_case_has_a_recording() -> None:
    cases = sorted(p.parent.name for p in CASES.glob("*/case.json"))
    recorded = sorted(p.stem for p in default_recordings().glob("*.json"))
    assert cases == recorded
    assert len(RecordedOcrEngine()) > len(cases)  # pages, turned retries and seal strips
