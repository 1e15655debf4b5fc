"""expected.json (one model for writer and reader) and the stable ids of the sample cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from samples.case_ids import DEFAULT_PATH, CaseIds, sample_case
from samples.expected import SCORED_CODES, Expected

CASES = DEFAULT_PATH.parent / "cases"


def test_every_committed_expected_json_reads_and_round_trips() -> None:
    files = sorted(CASES.glob("*/expected.json"))
    assert len(files) >= 101
    for p in files:
        e = Expected.read(p)
        assert e.dumps() == p.read_text(encoding="utf-8"), p  # the writer's bytes, no must_not
        assert e.must_not() == set(SCORED_CODES) - set(e.must) - set(e.allow)


def test_must_not_is_derived_so_a_new_code_changes_no_file() -> None:
    e = Expected(decision="return", must=["seal.missing"], allow=["image.blurry"], key="k")
    assert "seal.missing" not in e.must_not() and "image.blurry" not in e.must_not()
    assert "identity.name_mismatch" in e.must_not()
    assert e.must_not((*SCORED_CODES, "new.code")) == e.must_not() | {"new.code"}
    assert "must_not" not in e.dumps()


def test_unknown_keys_and_decisions_are_refused() -> None:
    with pytest.raises(ValidationError):
        Expected.model_validate({"decision": "maybe", "key": "k"})
    with pytest.raises(ValidationError):
        Expected.model_validate({"decision": "pass", "key": "k", "surprise": 1})


def test_case_ids_are_stable_and_new_keys_take_the_next_free_number(tmp_path: Path) -> None:
    ids = CaseIds.load()
    before = dict(ids.ids)
    ids.path = tmp_path / "ids.json"
    # a key inserted anywhere in the catalogue renames nothing
    assert ids.assign("long_term_permit", "jingmen", date(2024, 5, 1)) == before["long_term_permit"]
    new = ids.assign("a_new_case", "xinjiang", date(2025, 3, 1))
    xj = max(int(v[-6:]) for v in before.values() if v.startswith("XJ-"))
    assert new == f"XJ-2025-{xj + 1:06d}"
    assert ids.assign("a_new_case", "xinjiang", date(2025, 3, 1)) == new
    ids.save()
    again = CaseIds.load(ids.path)
    assert again.ids == {**before, "a_new_case": new}


def test_sample_case_by_key() -> None:
    d = sample_case("long_term_permit")
    assert Expected.read(d / "expected.json").key == "long_term_permit"
