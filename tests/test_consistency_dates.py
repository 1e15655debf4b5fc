"""consistency.date_mismatch: stays, invoices inside the stay, referral before admission, lists vs records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.codes import DocType, Severity
from pipeline.models import Flag, MaterialResult
from pipeline.plugins import CaseContext
from tests.consistency_support import make_ctx, mat
from validators.consistency import date_consistency, parse_date

INV, LST, REC, REF = (
    DocType.MEDICAL_INVOICE,
    DocType.EXPENSE_LIST,
    DocType.DISCHARGE_RECORD,
    DocType.REFERRAL_SLIP,
)


def ctx(
    tmp_path: Path, *materials: MaterialResult, service: str = "reimburse.inpatient", emergency: Any = None
) -> CaseContext:
    return make_ctx(tmp_path, *materials, service=service, emergency=emergency)


def dates(c: CaseContext) -> list[Flag]:
    out = list(date_consistency(c))
    assert all(f.code == "consistency.date_mismatch" for f in out)
    return out


def record(**kw: str) -> MaterialResult:
    fields = {"admission_date": "2024-02-20", "discharge_date": "2024-03-01"} | kw
    return mat("discharge.jpg", REC, 0.98, **fields)


def test_clean_stay(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        record(),
        mat("list.pdf", LST, start_date="2024-02-20", end_date="2024-03-01"),
        mat("inv.jpg", INV, issue_date="2024-03-01"),
        mat("ref.jpg", REF, issue_date="2024-02-18"),
    )
    assert dates(c) == []


def test_discharge_before_admission(tmp_path: Path) -> None:
    (f,) = dates(ctx(tmp_path, record(discharge_date="2024-02-10")))
    assert f.material == "discharge.jpg" and f.field == "discharge_date"
    assert f.severity == Severity.BLOCKER and f.found == "2024-02-10"


def test_list_end_before_start(tmp_path: Path) -> None:
    (f,) = dates(ctx(tmp_path, mat("list.pdf", LST, start_date="2024-03-01", end_date="2024-02-01")))
    assert f.material == "list.pdf"


def test_invoice_outside_the_stay(tmp_path: Path) -> None:
    (f,) = dates(ctx(tmp_path, record(), mat("inv.jpg", INV, issue_date="2023-11-05")))
    assert f.material == "inv.jpg" and f.field == "issue_date"
    assert f.found == "2023-11-05" and f.expected == "2024-02-20 至 2024-03-08"
    assert "住院期间" in f.message and f.evidence


def test_invoice_a_few_days_after_discharge_is_fine(tmp_path: Path) -> None:
    assert dates(ctx(tmp_path, record(), mat("inv.jpg", INV, issue_date="2024-03-05"))) == []
    assert len(dates(ctx(tmp_path, record(), mat("inv.jpg", INV, issue_date="2024-03-20")))) == 1


def test_invoice_check_uses_the_expense_list_without_record(tmp_path: Path) -> None:
    lst = mat("list.pdf", LST, start_date="2024-02-20", end_date="2024-03-01")
    assert len(dates(ctx(tmp_path, lst, mat("inv.jpg", INV, issue_date="2024-01-02")))) == 1


def test_invoice_in_any_of_two_stays(tmp_path: Path) -> None:
    r2 = mat("discharge2.jpg", REC, admission_date="2024-01-02", discharge_date="2024-01-09")
    assert dates(ctx(tmp_path, record(), r2, mat("inv.jpg", INV, issue_date="2024-01-09"))) == []


def test_outpatient_invoices_are_not_tied_to_a_stay(tmp_path: Path) -> None:
    c = ctx(tmp_path, record(), mat("inv.jpg", INV, issue_date="2023-11-05"), service="reimburse.outpatient")
    assert dates(c) == []


def test_low_confidence_date_is_a_warning(tmp_path: Path) -> None:
    (f,) = dates(ctx(tmp_path, record(), mat("inv.jpg", INV, conf=0.5, issue_date="2023-11-05")))
    assert f.severity == Severity.WARNING


def test_referral_after_admission(tmp_path: Path) -> None:
    (f,) = dates(
        ctx(tmp_path, record(), mat("ref.jpg", REF, issue_date="2024-02-25"), service="remote.referral")
    )
    assert f.material == "ref.jpg" and f.found == "2024-02-25" and f.expected == "≤ 2024-02-20"
    assert "入院前" in f.message


def test_referral_same_day_or_emergency_is_fine(tmp_path: Path) -> None:
    assert dates(ctx(tmp_path, record(), mat("ref.jpg", REF, issue_date="2024-02-20"))) == []
    late = mat("ref.jpg", REF, issue_date="2024-02-25")
    assert dates(ctx(tmp_path, record(), late, emergency=True)) == []


def test_expense_list_outside_record(tmp_path: Path) -> None:
    lst = mat("list.pdf", LST, start_date="2024-01-02", end_date="2024-01-09")
    (f,) = dates(ctx(tmp_path, record(), lst))
    assert f.material == "list.pdf" and f.expected == "2024-02-20 至 2024-03-01"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-02-20", "2024-03-01"),
        ("2024-02-21", "2024-02-29"),
        ("2024-02-25", "2024-02-25"),
        ("2024-02-19", "2024-03-02"),
    ],
)
def test_expense_list_within_record(tmp_path: Path, start: str, end: str) -> None:
    assert dates(ctx(tmp_path, record(), mat("list.pdf", LST, start_date=start, end_date=end))) == []


def test_unreadable_dates_are_ignored(tmp_path: Path) -> None:
    c = ctx(tmp_path, record(admission_date="??"), mat("inv.jpg", INV, issue_date="not a date"))
    assert dates(c) == []


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-03-01", "2024-03-01"),
        ("2024/3/1", "2024-03-01"),
        ("2024年3月1日", "2024-03-01"),
        ("20240301", "2024-03-01"),
    ],
)
def test_parse_date(text: str, iso: str) -> None:
    d = parse_date(text)
    assert d is not None and d.isoformat() == iso
    assert parse_date("2024-02-30") is None


def test_discharge_record_later_than_the_list(tmp_path: Path) -> None:
    # the record says 9 more days than the list covers: one of them is wrong
    lst = mat("list.pdf", LST, start_date="2024-02-20", end_date="2024-03-01")
    (f,) = dates(ctx(tmp_path, record(discharge_date="2024-03-10"), lst))
    assert f.material == "list.pdf" and f.expected == "2024-02-20 至 2024-03-10"
    assert f.found == "2024-02-20 至 2024-03-01"


def test_two_lists_sharing_the_stay(tmp_path: Path) -> None:
    l1 = mat("list1.pdf", LST, start_date="2024-02-20", end_date="2024-02-25")
    l2 = mat("list2.pdf", LST, start_date="2024-02-26", end_date="2024-03-01")
    assert dates(ctx(tmp_path, record(), l1, l2)) == []
    assert [f.material for f in dates(ctx(tmp_path, record(), l1))] == ["list1.pdf"]
