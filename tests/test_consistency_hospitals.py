"""consistency.hospital_mismatch: names compared conservatively, stay documents, supporting records, referral."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.codes import DocType, Severity
from pipeline.models import Flag, MaterialResult
from pipeline.plugins import CaseContext
from tests.consistency_support import make_ctx, mat
from validators.consistency import HospitalMatcher, hospital_consistency, load_rules

INV, LST, REC, REF = (
    DocType.MEDICAL_INVOICE,
    DocType.EXPENSE_LIST,
    DocType.DISCHARGE_RECORD,
    DocType.REFERRAL_SLIP,
)
CERT, ST = DocType.DIAGNOSIS_CERTIFICATE, DocType.SETTLEMENT_STATEMENT


def ctx(
    tmp_path: Path, *materials: MaterialResult, service: str = "reimburse.inpatient", hospital: Any = None
) -> CaseContext:
    return make_ctx(tmp_path, *materials, service=service, hospital=hospital)


def hosp(c: CaseContext) -> list[Flag]:
    out = list(hospital_consistency(c))
    assert all(f.code == "consistency.hospital_mismatch" for f in out)
    return out


@pytest.fixture(scope="module")
def hm() -> HospitalMatcher:
    return HospitalMatcher(load_rules())


@pytest.mark.parametrize(
    ("a", "b", "rel"),
    [
        ("舟山医院", "浙江省舟山医院", "same"),
        ("舟山医院", "舟山医院", "same"),
        ("舟山市人民医院", "舟山医院", "different"),
        ("舟山市第一人民医院", "舟山市第二人民医院", "different"),
        ("定海区人民医院", "普陀区人民医院", "different"),
        ("乌鲁木齐市中医医院", "乌鲁木齐市人民医院", "different"),
        ("新疆医科大学第一附属医院", "新疆医科大学第二附属医院", "different"),
        # OCR noise: one or two characters misread
        ("舟山市人民医院", "舟山市人民医阮", "same"),
        ("新疆医科大学第一附属医院", "新疆医科大学第一附厲医阮", "same"),
        ("浙江省舟山医院", "浙江省舟出医院", "same"),
        # aliases, campuses, full-width
        ("新疆医科大学第一附属医院", "新医大一附院", "same"),
        ("浙江大学医学院附属第一医院（之江院区）", "浙江大学医学院附属第一医院", "same"),
        ("浙江省舟山医院", "浙江省 舟山医院", "same"),
        # generic names prove nothing either way
        ("人民医院", "舟山市人民医院", "unsure"),
        ("浙江省人民医院", "新疆维吾尔自治区人民医院", "unsure"),
        ("", "舟山医院", "unsure"),
        ("张三", "舟山医院", "unsure"),
    ],
)
def test_relation(hm: HospitalMatcher, a: str, b: str, rel: str) -> None:
    assert hm.relation(a, b) == rel
    assert hm.relation(b, a) == rel


def test_same_hospital_everywhere(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, payee="浙江省舟山医院"),
        mat("list.pdf", LST, hospital="舟山医院"),
        mat("rec.jpg", REC, hospital="浙江省舟山医院"),
        mat("st.jpg", ST, hospital="浙江省舟山医阮"),
        mat("cert.jpg", CERT, hospital="舟山医院"),
    )
    assert hosp(c) == []


def test_discharge_record_from_another_hospital(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, payee="浙江省舟山医院"),
        mat("list.pdf", LST, hospital="舟山医院"),
        mat("rec.jpg", REC, hospital="舟山市人民医院"),
    )
    (f,) = hosp(c)
    assert f.material == "rec.jpg" and f.severity == Severity.BLOCKER
    assert (f.expected, f.found) == ("浙江省舟山医院", "舟山市人民医院")
    assert "同一医院" in f.message and f.evidence


def test_two_documents_disagree_blames_the_non_invoice(tmp_path: Path) -> None:
    c = ctx(
        tmp_path, mat("inv.jpg", INV, payee="浙江省舟山医院"), mat("rec.jpg", REC, hospital="舟山市人民医院")
    )
    (f,) = hosp(c)
    assert f.material == "rec.jpg"


def test_low_confidence_is_a_warning(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, payee="浙江省舟山医院"),
        mat("rec.jpg", REC, conf=0.5, hospital="舟山市人民医院"),
    )
    (f,) = hosp(c)
    assert f.severity == Severity.WARNING


def test_transfer_between_hospitals_with_complete_sets(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv1.jpg", INV, payee="浙江省舟山医院"),
        mat("rec1.jpg", REC, hospital="浙江省舟山医院"),
        mat("inv2.jpg", INV, payee="舟山市人民医院"),
        mat("rec2.jpg", REC, hospital="舟山市人民医院"),
    )
    assert hosp(c) == []


def test_outpatient_invoices_from_several_hospitals(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv1.jpg", INV, payee="浙江省舟山医院"),
        mat("inv2.jpg", INV, payee="舟山市人民医院"),
        service="reimburse.outpatient",
    )
    assert hosp(c) == []


def test_non_institution_text_is_ignored(tmp_path: Path) -> None:
    c = ctx(
        tmp_path, mat("inv.jpg", INV, payee="浙江省舟山医院"), mat("rec.jpg", REC, hospital="住院号12345")
    )
    assert hosp(c) == []


def test_supporting_record_from_unrelated_hospital_is_a_warning(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, payee="浙江省舟山医院"),
        mat("rec.jpg", REC, hospital="浙江省舟山医院"),
        mat("cert.jpg", CERT, hospital="乌鲁木齐市中医医院"),
    )
    (f,) = hosp(c)
    assert f.material == "cert.jpg" and f.severity == Severity.WARNING


def test_supporting_record_from_the_referring_hospital_is_fine(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, payee="浙江省舟山医院"),
        mat("cert.jpg", CERT, hospital="乌鲁木齐市中医医院"),
        mat("ref.jpg", REF, from_hospital="乌鲁木齐市中医医院", to_hospital="浙江省舟山医院"),
    )
    assert hosp(c) == []


def test_referral_destination_vs_filed_hospital(tmp_path: Path) -> None:
    ok = ctx(
        tmp_path,
        mat("ref.jpg", REF, to_hospital="浙江省舟山医院"),
        service="remote.referral",
        hospital="舟山医院",
    )
    assert hosp(ok) == []
    bad = ctx(
        tmp_path,
        mat("ref.jpg", REF, to_hospital="舟山市人民医院"),
        service="remote.referral",
        hospital="舟山医院",
    )
    (f,) = hosp(bad)
    assert f.material == "ref.jpg" and f.field == "to_hospital"
    assert (f.expected, f.found) == ("舟山医院", "舟山市人民医院") and f.severity == Severity.BLOCKER


def test_referral_destination_vs_the_stay(tmp_path: Path) -> None:
    c = ctx(
        tmp_path,
        mat("inv.jpg", INV, payee="浙江省舟山医院"),
        mat("rec.jpg", REC, hospital="浙江省舟山医院"),
        mat("ref.jpg", REF, to_hospital="上海市第六人民医院"),
    )
    (f,) = hosp(c)
    assert f.material == "ref.jpg" and f.severity == Severity.WARNING
