"""Issue 16 (register integrity) and issue 15 item 5: a case's "returned" status comes only from a
decision the system recorded for that case *and applicant*; a resubmission carrying someone else's
case id clears nothing; duplicates across different applicants always count; ``other_cases`` is
for auditors, not in what the applicant gets back."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from pipeline.app.wiring import build_runner
from pipeline.codes import DocType
from pipeline.config import Settings
from pipeline.models import Applicant, Case, Document, FieldValue, MaterialResult
from pipeline.plugins import CaseContext
from pipeline.runner import CaseRunner
from pipeline.safety import applicant_view
from pipeline.stores.invoice_register import InvoiceRegister, applicant_key
from validators.invoice_duplicate import invoice_duplicates

INV = DocType.MEDICAL_INVOICE
P1 = Applicant(name="张伟明", id_number="420802198503121234")
P2 = Applicant(name="李娜", id_number="42080219900101002X")
P3 = Applicant(name="王强", id_number="420802197707070777")


def invoice(file: str = "inv.jpg") -> MaterialResult:
    fields = {
        "invoice_code": FieldValue(value="33060121", confidence=0.98, page=0, box=(5, 5, 50, 15)),
        "invoice_number": FieldValue(value="0012345678", confidence=0.98, page=0, box=(60, 5, 120, 15)),
        "total_amount": FieldValue(value="2514.50", confidence=0.98),
        "issue_date": FieldValue(value="2024-03-01", confidence=0.98),
    }
    return MaterialResult(
        file=file,
        declared_type=INV,
        detected_type=INV,
        type_confidence=0.95,
        sha256=f"sha-{file}",
        document=Document(type=INV, confidence=0.95, fields=fields),
    )


def case(case_id: str, who: Applicant) -> Case:
    return Case(
        case_id=case_id,
        service="reimburse.inpatient",
        submitted_on=date(2024, 3, 20),
        applicant=who,
        materials=[],
    )


@pytest.fixture
def reg(tmp_path: Path) -> InvoiceRegister:
    return InvoiceRegister(f"sqlite:///{tmp_path / 'register.sqlite'}")


def dup_cases(reg: InvoiceRegister, tmp_path: Path, case_id: str, who: Applicant) -> list[str]:
    c = CaseContext(
        case=case(case_id, who), settings=Settings(home=tmp_path), materials=[invoice()], register=reg
    )
    out: list[str] = []
    for f in invoice_duplicates(c):
        out += (f.model_extra or {}).get("other_cases", [])
    return out


def test_two_people_one_invoice_first_returned(tmp_path: Path, reg: InvoiceRegister) -> None:
    """Issue 15 item 5: the returned-case exemption is for the same applicant only."""
    assert dup_cases(reg, tmp_path, "A", P1) == []
    reg.set_decision("A", "return", applicant=applicant_key(P1.id_number))
    assert dup_cases(reg, tmp_path, "B", P2) == ["A"]  # another person: always a duplicate
    assert dup_cases(reg, tmp_path, "A", P1) == []  # a rerun of the first case: not


def test_same_person_resubmitting_a_returned_case(tmp_path: Path, reg: InvoiceRegister) -> None:
    assert dup_cases(reg, tmp_path, "A", P1) == []
    reg.set_decision("A", "return", applicant=applicant_key(P1.id_number))
    assert dup_cases(reg, tmp_path, "C", P1) == []  # the same person, corrected filing: not
    assert dup_cases(reg, tmp_path, "D", P2) == ["A", "C"]


def test_someone_elses_case_id_is_not_own(tmp_path: Path, reg: InvoiceRegister) -> None:
    assert dup_cases(reg, tmp_path, "VICTIM-1", P1) == []
    # a stranger re-posts the victim's case id with the same invoice: a duplicate, not "own"
    assert dup_cases(reg, tmp_path, "VICTIM-1", P3) == ["VICTIM-1"]
    # and cannot mark the victim's filing returned
    assert reg.set_decision("VICTIM-1", "return", applicant=applicant_key(P3.id_number)) == 0


def _finish(
    runner: CaseRunner, case_id: str, who: Applicant, *materials: MaterialResult
) -> dict[str, object]:
    empty = Path(runner.settings.home) / "empty-case"
    empty.mkdir(parents=True, exist_ok=True)
    report = runner._finish(case(case_id, who), empty, list(materials), time.perf_counter())
    return {
        "decision": report.decision.value,
        "dup": [f for f in report.flags if f.code == "invoice.duplicate"],
        "json": report.to_json(),
    }


def test_register_manipulation_replay(tmp_path: Path) -> None:
    """HOSTILE_INPUTS 6.2 through the runner: VICTIM-1 / SECOND-2 / VICTIM-1 re-posted with no
    files by a stranger / THIRD-3 with the same invoice must still be a duplicate."""
    settings = Settings(home=tmp_path / "home", workers=1, ocr_cache=False)
    with build_runner(settings, pool=False) as runner:
        first = _finish(runner, "VICTIM-1", P1, invoice())
        assert first["dup"] == []
        second = _finish(runner, "SECOND-2", P2, invoice())
        assert [(f.model_extra or {}).get("other_cases") for f in second["dup"]] == [["VICTIM-1"]]  # type: ignore[attr-defined]
        attack = _finish(runner, "VICTIM-1", P3)  # no files: returned
        assert attack["decision"] == "return"
        third = _finish(runner, "THIRD-3", P3, invoice())
        assert third["dup"], "the same invoice passed again for a third person"
        assert third["decision"] != "pass"
        # even the attacker's own identity re-posting VICTIM-1 with no files clears nothing
        _finish(runner, "VICTIM-1", P1)
        fourth = _finish(runner, "FOURTH-4", P2, invoice())
        assert fourth["dup"]


def test_other_cases_only_for_auditors(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", workers=1, ocr_cache=False)
    with build_runner(settings, pool=False) as runner:
        _finish(runner, "A-1", P1, invoice())
        second = _finish(runner, "B-2", P2, invoice())
    full = second["json"]
    assert any("other_cases" in f for f in full["flags"])  # type: ignore[index, union-attr]
    public = applicant_view(full)  # type: ignore[arg-type]
    assert "A-1" not in str(public)
    assert any(f["code"] == "invoice.duplicate" for f in public["flags"])
