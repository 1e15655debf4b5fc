"""The golden gate: ALL sample cases through the whole pipeline with the recorded OCR engine (no OCR
model runs), compared with expected.json and the committed list of known differences.

Fails on a new difference (decision, must flag not raised, flag neither must nor allow, type, field)
and on a known difference that no longer occurs. After a deliberate change:
``intake samples golden --update`` (or ``INTAKE_GOLDEN_UPDATE=1 pytest tests/test_golden.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from samples.expected import Expected
from samples.golden import (
    CASES,
    KNOWN,
    Difference,
    compare,
    differences,
    load_known,
    ring_text_unread,
    run_golden,
    save_known,
)

pytestmark = pytest.mark.golden


@pytest.fixture(scope="module")
def golden_run():  # type: ignore[no-untyped-def]
    return run_golden(CASES, workers=int(os.environ.get("INTAKE_GOLDEN_WORKERS", "2")))


def test_every_sample_case_ran(golden_run) -> None:  # type: ignore[no-untyped-def]
    assert len(golden_run.expected) >= 101
    assert not golden_run.errors
    assert all(golden_run.reports[c] is not None for c in golden_run.expected)


def test_golden_cases_match_expected_and_known_differences(golden_run) -> None:  # type: ignore[no-untyped-def]
    got = golden_run.differences()
    if os.environ.get("INTAKE_GOLDEN_UPDATE"):
        save_known(got, golden_run.keys())
    verdict = compare(load_known(KNOWN), got, len(golden_run.expected))
    print(verdict.report())
    print(f"golden run: {golden_run.seconds:.1f} s wall, {golden_run.cpu_seconds:.1f} s CPU")
    print(f"seal ring texts not replayed (informational): {golden_run.ring_text_unread()}")
    assert verdict.ok, verdict.report()


# --------------------------------------------------------------------------- the comparison itself (no pipeline)


def _exp() -> Expected:
    return Expected.model_validate(
        {
            "decision": "return",
            "must": ["seal.missing"],
            "allow": ["image.blurry"],
            "key": "k",
            "materials": {
                "inv.jpg": {
                    "type": "medical_invoice",
                    "fields": {"total_amount": "12.00", "invoice_number": "7"},
                },
                "bad.pdf": {"type": "unknown", "capture": "truncated_pdf", "broken": "truncated_pdf"},
            },
        }
    )


def _rep(**kw: Any) -> dict[str, Any]:
    rep: dict[str, Any] = {
        "decision": "return",
        "flags": [
            {"code": "seal.missing", "material": "inv.jpg"},
            {"code": "image.blurry", "material": "inv.jpg"},
            {"code": "material.unreadable", "material": "bad.pdf"},
        ],
        "materials": [
            {
                "file": "inv.jpg",
                "detected_type": "medical_invoice",
                "fields": {"total_amount": "12.00", "invoice_number": "7"},
                "quality": {"seals": [{"page": 0, "text": "x"}]},
            }
        ],
    }
    rep.update(kw)
    return rep


def test_no_difference_when_the_report_matches() -> None:
    assert differences("C", _exp(), _rep()) == [
        Difference("C", "unexpected", file="bad.pdf", name="material.unreadable")  # neither must nor allow
    ]
    flags = [f for f in _rep()["flags"] if f["code"] != "material.unreadable"]
    assert differences("C", _exp(), _rep(flags=flags)) == []  # a broken file's type and fields are not scored


def test_every_kind_of_difference_is_found() -> None:
    rep = _rep(
        decision="review",
        flags=[
            {"code": "identity.name_mismatch", "material": None},
            {"code": "system.processing_failed", "material": "inv.jpg"},
        ],
        materials=[
            {
                "file": "inv.jpg",
                "detected_type": "medical_invoice",
                "fields": {"total_amount": "13.00", "invoice_number": "7"},
                "quality": {"seals": [{"page": 0}]},
            }
        ],
    )
    got = {(d.what, d.file, d.name, d.expected, d.got) for d in differences("C", _exp(), rep)}
    assert got == {
        ("decision", "", "", "return", "review"),
        ("missing", "", "seal.missing", "", ""),
        ("unexpected", "<case>", "identity.name_mismatch", "", ""),
        ("unexpected", "inv.jpg", "system.processing_failed", "", ""),  # an OCR miss shows this way
        ("field", "inv.jpg", "total_amount", "12.00", "13.00"),
    }
    assert ring_text_unread("C", rep) == ["C: inv.jpg seal 0"]  # counted, not failed


def test_verdict_fails_on_new_and_on_gone_differences(tmp_path: Path) -> None:
    a = Difference("C1", "missing", name="seal.missing")
    b = Difference("C2", "field", file="x.jpg", name="name", expected="张三", got="张二")
    save_known([a, b], {"C1": "k1", "C2": "k2"}, tmp_path / "known.json")
    known = load_known(tmp_path / "known.json")
    assert known == [a, b]
    assert compare(known, [a, b], 2).ok
    new = compare(known, [a, b, Difference("C3", "decision", expected="pass", got="return")], 3)
    assert (
        not new.ok
        and "1 NEW difference" in new.report()
        and "C3: decision expected pass, got return" in new.report()
    )
    gone = compare(known, [a], 2)
    assert not gone.ok and gone.gone == [b] and "remove them from known_differences.json" in gone.report()
    changed = compare(
        known, [a, Difference("C2", "field", file="x.jpg", name="name", expected="张三", got="张")], 2
    )
    assert len(changed.new) == 1 and len(changed.gone) == 1  # another wrong value is a change too
