"""The second render family (bench/render2.py: another font, other seal styles and glare shapes),
never used for calibration: clean stamped materials are not returned for a missing seal, and the
detector finds their seals without false ones on unstamped renders."""

from __future__ import annotations

import pytest

from bench import render2
from bench.seal_sources import centres

pytestmark = pytest.mark.skipif(not render2.available(), reason="fonts-wqy-zenhei is not installed")


def test_family2_seals_found_on_clean_renders_and_none_invented() -> None:
    docs = [render2.render(i, 5) for i in range(12)]
    clean = [d for d in docs if d.clean and d.seals]
    bare = [d for d in docs if not d.seals]
    assert clean and bare
    assert sum(bool(centres(d.image)) for d in clean) == len(clean)
    assert sum(bool(centres(d.image)) for d in bare) == 0


@pytest.mark.slow
def test_no_seal_missing_blocker_on_clean_family2_materials(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path))
    from bench.seal_sources import _checked

    docs = [d for d in (render2.render(i, 7) for i in range(9)) if d.clean and d.seals]
    assert len(docs) >= 4
    for d in docs:
        flags = _checked(d.name, d.doc_type, d.image, "family2")
        assert flags.get("seal.missing") != "blocker", d.name
