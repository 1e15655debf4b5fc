"""Material checks of validators/documents.py: type mismatch, unrecognized, key fields, ID numbers."""

from __future__ import annotations

from datetime import date

from pipeline.codes import DocType, Severity
from pipeline.config import Settings
from pipeline.models import Applicant, Case, Document, FieldValue, MaterialRef, OcrLine, PageText
from pipeline.plugins import MaterialContext
from pipeline.text import ids as idnumber
from validators import documents as checks

VALID = "42080219850312123" + idnumber.check_digit("42080219850312123")  # male, 1985-03-12


def ctx(
    doc: Document | None, declared: DocType | None = None, text: str = "一些可以读到的文字内容"
) -> MaterialContext:
    case = Case(
        case_id="T-1",
        service="remote.referral",
        submitted_on=date(2024, 3, 5),
        applicant=Applicant(name="张伟明", id_number=VALID),
        materials=[MaterialRef(file="a.jpg", declared_type=declared)],
    )
    line = OcrLine(text=text, polygon=[(0, 0), (100, 0), (100, 20), (0, 20)], confidence=0.99)
    page = PageText(index=0, width=800, height=600, source="image", lines=[line] if text else [])
    return MaterialContext(
        case=case, ref=case.materials[0], settings=Settings(), pages=[], texts=[page], document=doc
    )


def fv(value: str, conf: float = 0.99) -> FieldValue:
    return FieldValue(value=value, confidence=conf, page=0, box=(1, 2, 3, 4))


def id_front(**over: str) -> Document:
    fields = {
        "name": fv("张伟明"),
        "sex": fv("男"),
        "ethnicity": fv("汉"),
        "birth_date": fv("1985-03-12"),
        "address": fv("湖北省荆门市东宝区"),
        "id_number": fv(VALID),
    }
    for k, v in over.items():
        fields[k] = fv(v)
    return Document(type=DocType.ID_CARD_FRONT, confidence=0.95, fields=fields)


def test_clean_id_front_has_no_flags() -> None:
    c = ctx(id_front(), DocType.ID_CARD_FRONT)
    for check in (
        checks.type_mismatch,
        checks.unrecognized,
        checks.fields_missing,
        checks.id_number_invalid,
        checks.card_inconsistent,
    ):
        assert list(check(c)) == []


def test_type_mismatch_blocker_when_confident_warning_when_not() -> None:
    confident = Document(type=DocType.ID_CARD_BACK, confidence=0.9)
    [f] = list(checks.type_mismatch(ctx(confident, DocType.ID_CARD_FRONT)))
    assert f.code == "material.type_mismatch" and f.severity == Severity.BLOCKER
    assert f.expected == "id_card_front" and f.found == "id_card_back"
    assert "居民身份证人像面" in f.message
    doubtful = Document(type=DocType.ID_CARD_BACK, confidence=0.5)
    [f] = list(checks.type_mismatch(ctx(doubtful, DocType.ID_CARD_FRONT)))
    assert f.severity == Severity.WARNING
    assert list(checks.type_mismatch(ctx(confident, None))) == []  # nothing declared


def test_unrecognized_only_when_readable() -> None:
    unknown = Document(type=DocType.UNKNOWN, confidence=0.8)
    [f] = list(checks.unrecognized(ctx(unknown, DocType.MEDICAL_INVOICE)))
    assert f.code == "material.unrecognized" and f.severity == Severity.BLOCKER
    assert list(checks.unrecognized(ctx(unknown, None, text=""))) == []  # nothing legible: image checks
    assert list(checks.type_mismatch(ctx(unknown, DocType.MEDICAL_INVOICE))) == []


def test_key_field_missing_is_blocker_doubtful_is_warning() -> None:
    inv = Document(
        type=DocType.MEDICAL_INVOICE,
        confidence=0.9,
        fields={
            "invoice_code": fv("65060124"),
            "payer_name": fv("张伟明", conf=0.55),
            "issue_date": fv("2024-02-28"),
            "total_amount": fv("2514.50"),
        },
    )
    flags = list(checks.fields_missing(ctx(inv)))
    by_field = {f.field: f for f in flags}
    assert by_field["invoice_number"].severity == Severity.BLOCKER
    assert by_field["payer_name"].severity == Severity.WARNING
    assert by_field["payer_name"].evidence and by_field["payer_name"].evidence[0].box == (1, 2, 3, 4)
    # optional fields (check code, payee, upper-case amount) are never flagged
    assert set(by_field) == {"invoice_number", "payer_name"}
    assert all(f.code == "document.fields_missing" for f in flags)


def test_id_number_invalid() -> None:
    bad = VALID[:-1] + ("2" if VALID[-1] != "2" else "4")  # not an OCR-confusable digit pair
    [f] = list(checks.id_number_invalid(ctx(id_front(id_number=bad))))
    assert f.code == "identity.id_number_invalid" and f.severity == Severity.BLOCKER
    assert f.field == "id_number" and f.evidence
    assert bad not in f.message and bad not in (f.reason or "")
    # a low-confidence reading is only doubtful
    doc = id_front()
    doc.fields["id_number"] = fv(bad, conf=0.6)
    [f] = list(checks.id_number_invalid(ctx(doc)))
    assert f.severity == Severity.WARNING


def test_card_inconsistent_birth_date_and_sex() -> None:
    flags = list(checks.card_inconsistent(ctx(id_front(birth_date="1985-03-13", sex="女"))))
    assert {f.field for f in flags} == {"birth_date", "sex"}
    assert all(f.code == "identity.card_inconsistent" and f.severity == Severity.BLOCKER for f in flags)
    # only the ID front; an invalid number is left to its own check
    assert list(checks.card_inconsistent(ctx(id_front(id_number=VALID[:-1] + "Y", sex="女")))) == []


def test_applicant_id_number_checked_once_per_case() -> None:
    from pipeline.plugins import CaseContext

    c = ctx(None)
    assert (
        list(checks.applicant_id_number_invalid(CaseContext(case=c.case, settings=c.settings, materials=[])))
        == []
    )
    c.case.applicant.id_number = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    [f] = list(
        checks.applicant_id_number_invalid(CaseContext(case=c.case, settings=c.settings, materials=[]))
    )
    assert f.code == "identity.id_number_invalid" and f.material is None and f.severity == Severity.BLOCKER
    assert c.case.applicant.id_number not in f.message


def test_missing_fields_on_a_blurred_photo_are_doubt_not_fact() -> None:
    import numpy as np
    from PIL import ImageFilter

    from pipeline.models import Page
    from tests.rendering import render_lines

    text = ["交款人：张伟明", "开票日期：2024年02月28日", "合计：2514.50"]
    sharp = render_lines(text, width=1240, size=36)
    blurred = sharp.filter(ImageFilter.GaussianBlur(9))
    lines = [
        OcrLine(
            text=t,
            polygon=[(80, 80 + i * 79), (700, 80 + i * 79), (700, 120 + i * 79), (80, 120 + i * 79)],
            confidence=0.6,
        )
        for i, t in enumerate(text)
    ]
    inv = Document(type=DocType.MEDICAL_INVOICE, confidence=0.9, fields={"total_amount": fv("2514.50")})
    results = {}
    for name, img in (("sharp", sharp), ("blurred", blurred)):
        arr = np.asarray(img.convert("RGB"))
        c = ctx(inv)
        c.pages = [Page(index=0, width=arr.shape[1], height=arr.shape[0], source="image", image=arr)]
        c.texts = [PageText(index=0, width=arr.shape[1], height=arr.shape[0], source="image", lines=lines)]
        results[name] = {f.severity for f in checks.fields_missing(c) if f.field == "invoice_number"}
    assert results["sharp"] == {Severity.BLOCKER}
    assert results["blurred"] == {Severity.WARNING}


def test_id_number_one_confusable_digit_off_the_applicants_is_doubt() -> None:
    # the applicant's valid number with one 1 read as 7 (a classic OCR confusion) on the card
    i = VALID.index("1", 6)
    misread = VALID[:i] + "7" + VALID[i + 1 :]
    assert not idnumber.check(misread).valid
    [f] = list(checks.id_number_invalid(ctx(id_front(id_number=misread))))
    assert f.severity == Severity.WARNING
