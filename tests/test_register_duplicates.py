"""invoice.duplicate: the case check over the real register (SQLite), across and inside cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.codes import DocType, Severity
from pipeline.config import Settings
from pipeline.models import Applicant, Case, Document, FieldValue, Flag, MaterialResult, Quality
from pipeline.plugins import CaseContext
from pipeline.stores.invoice_register import InvoiceRegister
from validators.invoice_duplicate import invoice_duplicates

INV = DocType.MEDICAL_INVOICE


def invoice(
    file: str,
    code: str = "33060121",
    number: str = "0012345678",
    conf: float = 0.98,
    sha: str | None = None,
    qr: dict[str, str] | None = None,
) -> MaterialResult:
    fields = {
        "invoice_code": FieldValue(value=code, confidence=conf, page=0, box=(5, 5, 50, 15)),
        "invoice_number": FieldValue(value=number, confidence=conf, page=0, box=(60, 5, 120, 15)),
        "total_amount": FieldValue(value="2514.50", confidence=conf),
        "issue_date": FieldValue(value="2024-03-01", confidence=conf),
    }
    q = Quality(qr=qr) if qr else Quality()
    return MaterialResult(
        file=file,
        detected_type=INV,
        sha256=sha or f"sha-{file}",
        document=Document(type=INV, confidence=0.9, fields=fields),
        quality=q,
    )


def ctx(
    tmp_path: Path, case_id: str, *materials: MaterialResult, register: InvoiceRegister | None
) -> CaseContext:
    case = Case(
        case_id=case_id,
        service="reimburse.inpatient",
        submitted_on=date(2024, 3, 20),
        applicant=Applicant(name="张伟明", id_number="420802198503121234"),
    )
    return CaseContext(
        case=case, settings=Settings(home=tmp_path), materials=list(materials), register=register
    )


@pytest.fixture
def reg(tmp_path: Path) -> InvoiceRegister:
    return InvoiceRegister(f"sqlite:///{tmp_path / 'register.sqlite'}")


def dups(c: CaseContext) -> list[Flag]:
    out = list(invoice_duplicates(c))
    assert all(f.code == "invoice.duplicate" for f in out)
    return out


def test_first_submission_is_clean_and_recorded(tmp_path: Path, reg: InvoiceRegister) -> None:
    assert dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=reg)) == []
    assert reg.seen_elsewhere("B", "33060121", "0012345678") == ["A"]


def test_same_invoice_in_a_later_case(tmp_path: Path, reg: InvoiceRegister) -> None:
    dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=reg))
    (f,) = dups(ctx(tmp_path, "B", invoice("scan.png", number="00 1234 5678"), register=reg))
    assert f.material == "scan.png" and f.severity == Severity.BLOCKER
    assert f.model_extra and f.model_extra["other_cases"] == ["A"]
    assert f.found == "33060121-0012345678"
    assert "重复报销" in f.message and f.evidence
    assert f.to_json()["other_cases"] == ["A"]


def test_reruns(tmp_path: Path, reg: InvoiceRegister) -> None:
    dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=reg))
    dups(ctx(tmp_path, "B", invoice("inv.jpg"), register=reg))
    for _ in range(2):
        assert dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=reg)) == []
        assert len(dups(ctx(tmp_path, "B", invoice("inv.jpg"), register=reg))) == 1


def test_other_invoice_is_no_duplicate(tmp_path: Path, reg: InvoiceRegister) -> None:
    dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=reg))
    assert dups(ctx(tmp_path, "B", invoice("inv.jpg", number="0012345679"), register=reg)) == []


def test_low_confidence_key_is_a_warning(tmp_path: Path, reg: InvoiceRegister) -> None:
    dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=reg))
    (f,) = dups(ctx(tmp_path, "B", invoice("inv.jpg", conf=0.5), register=reg))
    assert f.severity == Severity.WARNING


def test_same_invoice_twice_in_one_case(tmp_path: Path, reg: InvoiceRegister) -> None:
    c = ctx(
        tmp_path,
        "A",
        invoice("inv1.jpg"),
        invoice("inv2.jpg"),
        invoice("other.jpg", number="1"),
        register=reg,
    )
    (f,) = dups(c)
    assert f.material == "inv2.jpg" and f.severity == Severity.BLOCKER
    assert f.model_extra and f.model_extra["other_files"] == ["inv1.jpg"]
    # the case did not become a duplicate of itself on a re-run
    assert len(dups(c)) == 1


def test_same_file_twice_even_unread(tmp_path: Path) -> None:
    a = invoice("a.jpg", code="", number="", sha="abc")
    b = invoice("b.jpg", code="", number="", sha="abc")
    (f,) = dups(ctx(tmp_path, "A", a, b, register=None))
    assert f.material == "b.jpg" and "同一文件" in (f.reason or "")


def test_without_register_only_in_case(tmp_path: Path) -> None:
    assert dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=None)) == []
    assert len(dups(ctx(tmp_path, "A", invoice("a.jpg"), invoice("b.jpg"), register=None))) == 1


def test_qr_key_is_preferred(tmp_path: Path, reg: InvoiceRegister) -> None:
    # printed number misread by OCR; the QR code has the real one
    qr = {"invoice_code": "33060121", "invoice_number": "0012345678"}
    dups(ctx(tmp_path, "A", invoice("inv.jpg"), register=reg))
    (f,) = dups(ctx(tmp_path, "B", invoice("inv.jpg", number="0012845678", conf=0.6, qr=qr), register=reg))
    assert f.severity == Severity.BLOCKER and f.model_extra and f.model_extra["other_cases"] == ["A"]


def test_non_invoices_are_ignored(tmp_path: Path, reg: InvoiceRegister) -> None:
    m = invoice("inv.jpg")
    m.detected_type = DocType.EXPENSE_LIST
    assert dups(ctx(tmp_path, "A", m, register=reg)) == []
    assert reg.count() == 0
