"""consistency.amount_mismatch: invoice vs expense list, upper-case vs numeric, settlement vs invoice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.codes import DocType, Severity
from pipeline.models import Flag, MaterialResult, Quality
from pipeline.plugins import CaseContext
from tests.consistency_support import make_ctx, mat
from validators.consistency import amount_consistency, parse_money, parse_upper_amount


def ctx(tmp_path: Path, *materials: MaterialResult, service: str = "reimburse.inpatient") -> CaseContext:
    return make_ctx(tmp_path, *materials, service=service)


def amount_flags(c: CaseContext) -> list[Flag]:
    return [f for f in amount_consistency(c) if f.code == "consistency.amount_mismatch"]


INV = DocType.MEDICAL_INVOICE
LST = DocType.EXPENSE_LIST


def test_invoice_and_list_agree(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, total_amount="2514.50", total_amount_upper="2514.50"),
        mat("list.pdf", LST, total_amount="2514.50"),
    )
    assert amount_flags(c) == []


def test_invoice_vs_list_mismatch_is_a_blocker_on_the_list(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, total_amount="2514.50"),
        mat("list.pdf", LST, total_amount="2415.50"),
    )
    (f,) = amount_flags(c)
    assert f.severity == Severity.BLOCKER
    assert f.material == "list.pdf"
    assert (f.expected, f.found) == ("2514.50", "2415.50")
    assert "费用清单" in f.message and f.reason
    assert f.evidence and f.evidence[0].page == 0


def test_low_confidence_makes_a_warning(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, conf=0.6, total_amount="2514.50"),
        mat("list.pdf", LST, total_amount="2415.50"),
    )
    (f,) = amount_flags(c)
    assert f.severity == Severity.WARNING


def test_several_invoices_sum_to_the_list(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv1.jpg", INV, total_amount="1000.00"),
        mat("inv2.jpg", INV, total_amount="1514.50"),
        mat("list.pdf", LST, total_amount="2514.50"),
    )
    assert amount_flags(c) == []
    c2 = ctx(
        tmp_path,
        mat("inv1.jpg", INV, total_amount="1000.00"),
        mat("inv2.jpg", INV, total_amount="1500.00"),
        mat("list.pdf", LST, total_amount="2514.50"),
    )
    (f,) = amount_flags(c2)
    assert f.material == "list.pdf" and f.expected == "2500.00"


def test_several_lists_and_invoices_mismatch_is_case_level(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv1.jpg", INV, total_amount="1000.00"),
        mat("inv2.jpg", INV, total_amount="1500.00"),
        mat("list1.pdf", LST, total_amount="900.00"),
        mat("list2.pdf", LST, total_amount="1500.00"),
    )
    (f,) = amount_flags(c)
    assert f.material is None


def test_extra_outpatient_invoice_is_not_a_mismatch(tmp_path: Path) -> None:
    # the list matches one invoice exactly; the other invoice is another visit
    c = ctx(
        tmp_path,
        mat("inv1.jpg", INV, total_amount="2514.50"),
        mat("inv2.jpg", INV, total_amount="86.00"),
        mat("list.pdf", LST, total_amount="2514.50"),
    )
    assert amount_flags(c) == []


def test_unread_total_skips_the_sum(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv1.jpg", INV, total_amount="1000.00"),
        mat("inv2.jpg", INV, invoice_number="0012345678"),
        mat("list.pdf", LST, total_amount="2514.50"),
    )
    assert amount_flags(c) == []


def test_within_tolerance(tmp_path: Path) -> None:
    c = ctx(tmp_path, mat("inv.jpg", INV, total_amount="2514.50"), mat("l.pdf", LST, total_amount="2514.51"))
    assert amount_flags(c) == []


def test_upper_vs_numeric(tmp_path: Path) -> None:
    ok = ctx(
        tmp_path, mat("inv.jpg", INV, total_amount="2514.50", total_amount_upper="贰仟伍佰壹拾肆元伍角整")
    )
    assert amount_flags(ok) == []
    bad = ctx(
        tmp_path, mat("inv.jpg", INV, total_amount="2514.50", total_amount_upper="贰仟伍佰壹拾元伍角整")
    )
    (f,) = amount_flags(bad)
    assert f.material == "inv.jpg" and f.field == "total_amount_upper"
    assert (f.expected, f.found) == ("2514.50", "2510.50")
    assert f.severity == Severity.BLOCKER
    parsed = ctx(tmp_path, mat("inv.jpg", INV, total_amount="2514.50", total_amount_upper="2541.50"))
    (f,) = amount_flags(parsed)
    assert f.found == "2541.50"


def test_unparseable_upper_is_ignored(tmp_path: Path) -> None:
    c = ctx(tmp_path, mat("inv.jpg", INV, total_amount="2514.50", total_amount_upper="###"))
    assert amount_flags(c) == []


def test_settlement_statement(tmp_path: Path) -> None:
    inv = mat("inv.jpg", INV, total_amount="2514.50")
    good = mat("st.jpg", DocType.SETTLEMENT_STATEMENT, total_amount="2514.50")
    assert amount_flags(ctx(tmp_path, inv, good)) == []
    bad = mat("st.jpg", DocType.SETTLEMENT_STATEMENT, total_amount="3514.50")
    (f,) = amount_flags(ctx(tmp_path, inv, bad))
    assert f.material == "st.jpg" and f.found == "3514.50" and f.expected == "2514.50"
    # a statement matching one of several invoices is fine
    inv2 = mat("inv2.jpg", INV, total_amount="100.00")
    assert amount_flags(ctx(tmp_path, inv, inv2, good)) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("贰仟伍佰壹拾肆元伍角整", "2514.50"),
        ("人民币（大写）：壹万零伍拾元零伍分", "10050.05"),
        ("伍角", "0.50"),
        ("零元伍角陆分", "0.56"),
        ("拾元整", "10.00"),
        ("壹佰零捌圆陆角柒分", "108.67"),
        ("壹亿贰仟万元整", "120000000.00"),
        ("贰仟伍佰壹拾肆", "2514.00"),
    ],
)
def test_parse_upper_amount(text: str, value: str) -> None:
    assert parse_upper_amount(text) == Decimal(value)
    assert parse_money(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "元", "整"])
def test_parse_upper_amount_rejects(text: str) -> None:
    assert parse_upper_amount(text) is None


@settings(max_examples=150, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2))
def test_upper_amount_round_trip(d: Decimal) -> None:
    text = cn2an.an2cn(str(d), "rmb")
    assert parse_upper_amount(text) == d


@pytest.mark.parametrize(
    ("text", "value"), [("2514.50", "2514.50"), ("¥2,514.5", "2514.50"), ("2514.5元", "2514.50")]
)
def test_parse_money(text: str, value: str) -> None:
    assert parse_money(text) == Decimal(value)


def test_qr_amount_stands_in_for_an_unread_total(tmp_path: Path) -> None:
    inv = mat("inv.jpg", INV, invoice_number="0012345678")
    inv.quality = Quality(qr={"amount": "2514.50", "page": 0})
    assert amount_flags(ctx(tmp_path, inv, mat("list.pdf", LST, total_amount="2514.50"))) == []
    (f,) = amount_flags(ctx(tmp_path, inv, mat("list.pdf", LST, total_amount="2614.50")))
    assert f.expected == "2514.50" and f.severity == Severity.BLOCKER
