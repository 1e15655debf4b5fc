from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.codes import FLAG_CATEGORIES, Decision, Severity
from pipeline.models import CaseError, Flag, decide, flag, load_case
from pipeline.pii import mask_id, redact

GOOD = {
    "case_id": "XJ-1",
    "service": "remote.referral",
    "region": "xinjiang",
    "submitted_on": "2024-03-05",
    "applicant": {"name": "张伟明", "id_number": "420802198503121234", "ssc_number": None},
    "filing": {"destination": "浙江省舟山市普陀区", "hospital": "舟山医院"},
    "materials": [
        {"file": "a.jpg", "declared_type": "id_card_front"},
        {"file": "b.pdf", "declared_type": None},
    ],
}


def write(tmp_path: Path, payload: object | str) -> Path:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    (tmp_path / "case.json").write_text(text, encoding="utf-8")
    return tmp_path


def test_load_good_case(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, GOOD))
    assert case.service.value == "remote.referral"
    assert case.submitted_on.isoformat() == "2024-03-05"
    assert [m.file for m in case.materials] == ["a.jpg", "b.pdf"]


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.update(service="remote.nowhere"), "service"),
        (lambda d: d.update(submitted_on="2024-13-40"), "submitted_on"),
        (lambda d: d["materials"].append({"file": "a.jpg"}), "listed twice"),
        (lambda d: d["materials"].append({"file": "../etc/passwd"}), "inside the case folder"),
        (lambda d: d["materials"][0].update(declared_type="driving_licence"), "declared_type"),
        (lambda d: d.pop("applicant"), "applicant"),
    ],
)
def test_bad_case_json_gives_clear_error(tmp_path: Path, mutate, needle: str) -> None:
    d = json.loads(json.dumps(GOOD))
    mutate(d)
    with pytest.raises(CaseError) as ei:
        load_case(write(tmp_path, d))
    msg = str(ei.value)
    assert needle in msg
    assert "420802198503121234" not in msg  # never dump personal data


def test_bad_json_syntax(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="not valid JSON"):
        load_case(write(tmp_path, "{not json"))


def test_missing_case_json(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no case.json"):
        load_case(tmp_path)


def test_applicant_repr_masks_personal_data(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, GOOD))
    text = repr(case)
    assert "420802198503121234" not in text and "张伟明" not in text
    assert "4208**********1234" in text


def test_decision_from_severities() -> None:
    b = flag("seal.missing", Severity.BLOCKER, "x")
    w = flag("image.blurry", Severity.WARNING, "x")
    i = flag("process.offline_confirmation", Severity.INFO, "x")
    assert decide([]) is Decision.PASS
    assert decide([i]) is Decision.PASS
    assert decide([i, w]) is Decision.REVIEW
    assert decide([w, b]) is Decision.RETURN


def test_flag_json_shape_and_categories() -> None:
    f = flag("enrollment.arrears", "blocker", "请补缴")
    d = f.to_json()
    assert d == {
        "code": "enrollment.arrears",
        "category": "status",
        "severity": "blocker",
        "material": None,
        "message": "请补缴",
    }
    with pytest.raises(ValueError):
        Flag(code="no.such", category="x", severity=Severity.INFO, message="x")
    assert FLAG_CATEGORIES["filing.type_mismatch"] == "filing_type"


def test_masking() -> None:
    assert mask_id("420802198503121234") == "4208**********1234"
    assert redact("id 42080219850312123X ok") == "id 4208**********123X ok"
