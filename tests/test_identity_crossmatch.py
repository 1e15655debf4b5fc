"""Identity cross-match: applicant ↔ documents ↔ enrollment row (validators.identity)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.codes import DocType, ServiceCode, Severity
from pipeline.config import Settings
from pipeline.models import Applicant, Case, Document, FieldValue, Flag, MaterialRef, MaterialResult
from pipeline.plugins import CaseContext
from pipeline.stores.enrollment import EnrollmentStore, open_store
from validators.identity import identity_cross_match

W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, W, strict=True)) % 11]


ID_ZHANG = make_id("65010219850312123")
ID_LIU = make_id("42080219790101456")
ID_MAI = make_id("65010219700515101")
ID_CHEN = make_id("42080219900220222")
ID_NOBODY = make_id("65010219991231999")

HEADER = "id_number,name,ssc_number,insurance_type,status,card_activated,region,retired,chronic_diseases\n"
ROWS = [
    f"{ID_ZHANG},张伟明,A12345678,employee,active,true,xinjiang,false,",
    f"{ID_LIU},刘yan,B23456789,employee,active,true,xinjiang,false,高血压",
    f"{ID_MAI},买买提·艾力,,resident,active,true,xinjiang,true,",
    f"{ID_CHEN},陈静,C34567890,resident,active,true,xinjiang,false,",
]


@pytest.fixture()
def store(tmp_path: Path) -> EnrollmentStore:
    p = tmp_path / "enrollment.csv"
    p.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return open_store(str(p), Settings(home=tmp_path))


def material(file: str, t: DocType, **fields: str | tuple[str, float]) -> MaterialResult:
    fv = {}
    for k, v in fields.items():
        value, conf = v if isinstance(v, tuple) else (v, 0.99)
        fv[k] = FieldValue(value=value, confidence=conf, page=0, box=(10, 10, 100, 30))
    return MaterialResult(file=file, detected_type=t, document=Document(type=t, confidence=0.9, fields=fv))


def ctx_for(
    name: str,
    id_number: str,
    materials: list[MaterialResult],
    store: EnrollmentStore | None,
    *,
    service: str = "remote.referral",
    ssc: str | None = None,
) -> CaseContext:
    case = Case(
        case_id="T-1",
        service=ServiceCode(service),
        region="xinjiang",
        submitted_on=date(2024, 3, 5),
        applicant=Applicant(name=name, id_number=id_number, ssc_number=ssc),
        materials=[MaterialRef(file=m.file) for m in materials],
    )
    return CaseContext(case=case, settings=Settings(), materials=materials, enrollment=store)


def run(ctx: CaseContext) -> list[Flag]:
    return list(identity_cross_match(ctx))


def codes(flags: list[Flag]) -> list[tuple[str, Severity, str | None]]:
    return sorted((f.code, f.severity, f.material) for f in flags)


def test_clean_case_has_no_flags(store: EnrollmentStore) -> None:
    mats = [
        material("id.jpg", DocType.ID_CARD_FRONT, name="张伟明", id_number=ID_ZHANG),
        material("inv.pdf", DocType.MEDICAL_INVOICE, payer_name="张伟明"),
        material("ref.pdf", DocType.REFERRAL_SLIP, patient_name="张 伟明", id_number=ID_ZHANG.lower()),
        material("ssc.jpg", DocType.SSC_CARD, name="张伟明", id_number=ID_ZHANG, ssc_number="a12345678"),
    ]
    assert run(ctx_for("张伟明", ID_ZHANG, mats, store, ssc="A12345678")) == []


def test_uyghur_name_with_other_dot_is_clean(store: EnrollmentStore) -> None:
    mats = [material("id.jpg", DocType.ID_CARD_FRONT, name="买买提•艾力", id_number=ID_MAI)]
    assert run(ctx_for("买买提・艾力", ID_MAI, mats, store, service="remote.temporary")) == []


def test_low_confidence_character_is_a_warning(store: EnrollmentStore) -> None:
    mats = [material("id.jpg", DocType.ID_CARD_FRONT, name=("张伟强", 0.62), id_number=ID_ZHANG)]
    flags = run(ctx_for("张伟明", ID_ZHANG, mats, store))
    assert codes(flags) == [("identity.name_mismatch", Severity.WARNING, "id.jpg")]
    f = flags[0]
    assert f.field == "name" and f.evidence and f.evidence[0].page == 0
    assert "张伟明" not in f.message and "张伟强" not in f.message and f.expected == "张**"


def test_different_name_is_a_blocker(store: EnrollmentStore) -> None:
    mats = [material("inv.pdf", DocType.MEDICAL_INVOICE, payer_name="李建国")]
    flags = run(ctx_for("张伟明", ID_ZHANG, mats, store))
    assert codes(flags) == [("identity.name_mismatch", Severity.BLOCKER, "inv.pdf")]
    assert "不一致" in flags[0].message


def test_rare_character_on_document_is_a_warning(store: EnrollmentStore) -> None:
    # the applicant typed the substitute the keyboard offers; the ID card shows the rare character
    mats = [material("id.jpg", DocType.ID_CARD_FRONT, name="李堃", id_number=ID_ZHANG)]
    flags = [f for f in run(ctx_for("李坤", ID_ZHANG, mats, store)) if f.material]
    assert codes(flags) == [("identity.name_mismatch", Severity.WARNING, "id.jpg")]
    assert "「坤」与「堃」" in flags[0].message


def test_enrollment_pinyin_registration_is_returned_with_what_to_do(store: EnrollmentStore) -> None:
    # the insurance system matches names exactly: the filing fails until the names agree (seed 002)
    mats = [material("id.jpg", DocType.ID_CARD_FRONT, name="刘䶮", id_number=ID_LIU)]
    flags = run(ctx_for("刘䶮", ID_LIU, mats, store))
    assert codes(flags) == [("enrollment.name_mismatch", Severity.BLOCKER, None)]
    msg = flags[0].message
    assert "填写为「䶮」" in msg and "系统登记为「YAN」" in msg and "变更" in msg


def test_enrollment_different_name_is_a_blocker(store: EnrollmentStore) -> None:
    flags = run(ctx_for("张建国", ID_ZHANG, [], store))
    assert codes(flags) == [("enrollment.name_mismatch", Severity.BLOCKER, None)]
    assert "生僻字" not in flags[0].message
    # a common homophone is a different name, not a rare-character registration
    flags = run(ctx_for("张伟名", ID_ZHANG, [], store))
    assert codes(flags) == [("enrollment.name_mismatch", Severity.BLOCKER, None)]
    assert "生僻字" not in flags[0].message


def test_homophone_on_a_document_is_a_blocker(store: EnrollmentStore) -> None:
    mats = [material("dis.pdf", DocType.DISCHARGE_RECORD, patient_name="张卫明")]
    assert codes(run(ctx_for("张伟明", ID_ZHANG, mats, store))) == [
        ("identity.name_mismatch", Severity.BLOCKER, "dis.pdf")
    ]


def test_id_number_mismatch(store: EnrollmentStore) -> None:
    other = make_id("65010219850312456")
    mats = [material("id.jpg", DocType.ID_CARD_FRONT, name="张伟明", id_number=other)]
    flags = run(ctx_for("张伟明", ID_ZHANG, mats, store))
    assert codes(flags) == [("identity.id_number_mismatch", Severity.BLOCKER, "id.jpg")]
    assert ID_ZHANG not in flags[0].message and other not in flags[0].message
    assert flags[0].found == other[:4] + "*" * 10 + other[-4:]


def test_id_number_ocr_doubt_is_a_warning(store: EnrollmentStore) -> None:
    i = ID_ZHANG.index("1", 6)
    misread = ID_ZHANG[:i] + "7" + ID_ZHANG[i + 1 :]
    mats = [material("id.jpg", DocType.ID_CARD_FRONT, name="张伟明", id_number=misread)]
    flags = run(ctx_for("张伟明", ID_ZHANG, mats, store))
    assert codes(flags) == [("identity.id_number_mismatch", Severity.WARNING, "id.jpg")]


def test_not_found(store: EnrollmentStore) -> None:
    flags = run(ctx_for("赵六", ID_NOBODY, [], store))
    assert codes(flags) == [("enrollment.not_found", Severity.BLOCKER, None)]
    assert ID_NOBODY not in flags[0].message and ID_NOBODY[-4:] in flags[0].message
    # a service for people not yet enrolled: no flag
    assert run(ctx_for("赵六", ID_NOBODY, [], store, service="enroll.resident")) == []


def test_no_store_skips_enrollment_checks() -> None:
    mats = [material("id.jpg", DocType.ID_CARD_FRONT, name="张伟明", id_number=ID_ZHANG)]
    assert run(ctx_for("张伟明", ID_NOBODY, mats, None)) == [
        f for f in run(ctx_for("张伟明", ID_NOBODY, mats, None)) if f.material
    ]
    flags = run(ctx_for("张伟明", ID_NOBODY, mats, None))
    assert codes(flags) == [("identity.id_number_mismatch", Severity.BLOCKER, "id.jpg")]


def test_ssc_mismatch(store: EnrollmentStore) -> None:
    flags = run(ctx_for("张伟明", ID_ZHANG, [], store, ssc="A99999999"))
    assert codes(flags) == [("enrollment.ssc_mismatch", Severity.BLOCKER, None)]
    card = [material("ssc.jpg", DocType.SSC_CARD, name="张伟明", id_number=ID_ZHANG, ssc_number="A12345672")]
    flags = run(ctx_for("张伟明", ID_ZHANG, card, store))
    assert codes(flags) == [("enrollment.ssc_mismatch", Severity.BLOCKER, "ssc.jpg")]
    card = [
        material(
            "ssc.jpg", DocType.SSC_CARD, name="张伟明", id_number=ID_ZHANG, ssc_number=("A12345670", 0.7)
        )
    ]
    flags = run(ctx_for("张伟明", ID_ZHANG, card, store))
    assert codes(flags) == [("enrollment.ssc_mismatch", Severity.WARNING, "ssc.jpg")]


def test_agent_documents_are_not_the_applicants(store: EnrollmentStore) -> None:
    agent_id = make_id("65010219800101777")
    mats = [
        material("poa.jpg", DocType.POWER_OF_ATTORNEY, principal_name="张伟明", agent_name="王芳"),
        material("agent_id.jpg", DocType.ID_CARD_FRONT, name="王芳", id_number=agent_id),
        material("id.jpg", DocType.ID_CARD_FRONT, name="张伟明", id_number=ID_ZHANG),
    ]
    assert run(ctx_for("张伟明", ID_ZHANG, mats, store)) == []


def test_spouse_documents_for_maternity_are_a_warning(store: EnrollmentStore) -> None:
    mats = [material("inv.pdf", DocType.MEDICAL_INVOICE, payer_name="李秀英")]
    flags = run(ctx_for("张伟明", ID_ZHANG, mats, store, service="maternity.medical"))
    assert codes(flags) == [("identity.name_mismatch", Severity.WARNING, "inv.pdf")]


def test_unit_services_are_skipped(store: EnrollmentStore) -> None:
    mats = [material("form.pdf", DocType.APPLICATION_FORM, name="某某有限公司")]
    assert run(ctx_for("张伟明", ID_NOBODY, mats, store, service="enroll.employer")) == []


def test_lookup_failure_is_reported_not_raised(tmp_path: Path) -> None:
    st = open_store(f"sqlite:///{tmp_path / 'e.sqlite'}", Settings(home=tmp_path))
    st.engine.dispose()
    (tmp_path / "e.sqlite").unlink()
    (tmp_path / "e.sqlite").mkdir()  # the database file is gone and cannot be created
    st.close()
    flags = run(ctx_for("张伟明", ID_ZHANG, [], st))
    assert codes(flags) == [("system.processing_failed", Severity.WARNING, None)]
