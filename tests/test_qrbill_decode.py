"""Electronic-bill QR codes: rendered with zxing-cpp, decoded from page pixels, compared with the print."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from pipeline.codes import DocType, Severity
from pipeline.config import Settings
from pipeline.models import Applicant, Case, Document, FieldValue, MaterialRef, Page, PageText
from pipeline.plugins import MaterialContext
from tests.rendering import render_lines
from validators.qrbill_check import qr_bill_check
from validators.support.qrbill import QrBill, _zxing, decode_qr, parse_payload, read_bill

PAYLOAD = "01,33060121,0012345678,a1b2c3,20240301,2514.50,5f3e"


def bill_page(payload: str = PAYLOAD, rotate: int = 0, jpeg: bool = False) -> np.ndarray:
    """A bill-like page: Chinese text and the QR code in the top-left corner."""
    im = render_lines(
        [
            "",
            "",
            "",
            "",
            "浙江省医疗收费电子票据",
            "票据代码：33060121  票据号码：0012345678",
            "合计（小写）2514.50",
        ],
        size=30,
    )
    qr = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode)
    q = Image.fromarray(np.asarray(qr.to_image(scale=3))).convert("RGB")
    im.paste(q, (40, 30))
    if rotate:
        im = im.rotate(rotate, expand=True, fillcolor="white")
    if jpeg:
        buf = io.BytesIO()
        im.resize((im.width * 2 // 3, im.height * 2 // 3)).save(buf, "JPEG", quality=70)
        im = Image.open(buf).convert("RGB")
    return np.asarray(im)


@pytest.fixture(scope="module")
def page_rgb() -> np.ndarray:
    return bill_page()


def test_decode_from_page(page_rgb: np.ndarray) -> None:
    assert decode_qr(page_rgb) == [PAYLOAD]
    bill = read_bill(page_rgb)
    assert bill is not None
    assert bill.summary() == {
        "layout": "fiscal",
        "invoice_code": "33060121",
        "invoice_number": "0012345678",
        "check_code": "a1b2c3",
        "issue_date": "2024-03-01",
        "amount": "2514.50",
    }


def test_decode_rotated_and_compressed() -> None:
    assert decode_qr(bill_page(rotate=90)) == [PAYLOAD]
    assert decode_qr(bill_page(jpeg=True)) == [PAYLOAD]
    assert decode_qr(np.asarray(Image.fromarray(bill_page()).convert("L"))) == [PAYLOAD]


def test_decode_low_resolution_page() -> None:
    # modules of ~1.3 px: the plain pass misses it, the enlarged copy reads it
    im = Image.fromarray(bill_page())
    small = np.asarray(
        im.resize((int(im.width * 0.45), int(im.height * 0.45)), Image.Resampling.BILINEAR).convert("L")
    )
    assert _zxing(small) == []
    assert decode_qr(small) == [PAYLOAD]


def test_no_qr_code() -> None:
    blank = np.asarray(render_lines(["没有二维码的页面"]))
    assert decode_qr(blank) == []
    assert read_bill(blank) is None
    assert read_bill(bill_page(payload="hello, world")) is None


@pytest.mark.parametrize(
    ("payload", "layout", "code", "number", "amount", "issued"),
    [
        (PAYLOAD, "fiscal", "33060121", "0012345678", "2514.50", "2024-03-01"),
        ("01,10,044031900111,12345678,100.00,20190101,12345678901234567890,ABCD,", "vat", "044031900111",
         "12345678", "100.00", "2019-01-01"),
        ("https://pjcy.example.gov.cn/v?billcode=33060121&billno=0012345678&random=a1b2c3&money=2514.50&date=20240301",
         "url", "33060121", "0012345678", "2514.50", "2024-03-01"),
        ("http://x.example/c?p1=33060121&p2=0012345678&p3=2514.50&p4=20240301", "url", "33060121", "0012345678",
         "2514.50", "2024-03-01"),
        ("33060121|0012345678|a1b2c3|2514.50|2024-03-01", "tokens", "33060121", "0012345678", "2514.50",
         "2024-03-01"),
        ("01，33060121，0012345678，a1b2c3，20240301，2514.5", "fiscal", "33060121", "0012345678", "2514.50",
         "2024-03-01"),
    ],
)  # fmt: skip
def test_parse_payload(payload: str, layout: str, code: str, number: str, amount: str, issued: str) -> None:
    bill = parse_payload(payload)
    assert bill is not None
    assert (bill.layout, bill.invoice_code, bill.invoice_number, bill.amount, bill.issue_date) == (
        layout,
        code,
        number,
        amount,
        issued,
    )


@pytest.mark.parametrize("payload", ["", "hello world", "http://example.com/", "1,2,3", "张伟明,男,汉"])
def test_parse_payload_rejects(payload: str) -> None:
    assert parse_payload(payload) is None


@given(st.text(max_size=200))
def test_parse_payload_never_raises(text: str) -> None:
    bill = parse_payload(text)
    assert bill is None or isinstance(bill, QrBill)


# --------------------------------------------------------------------------- the material check


def mctx(
    page: np.ndarray | None,
    fields: dict[str, str] | None = None,
    conf: float = 0.98,
    doc_type: DocType = DocType.MEDICAL_INVOICE,
) -> MaterialContext:
    case = Case(
        case_id="Q-1",
        service="reimburse.inpatient",
        submitted_on=date(2024, 3, 20),
        applicant=Applicant(name="张伟明", id_number="420802198503121234"),
    )
    h, w = page.shape[:2] if page is not None else (1000, 800)
    p = Page(index=0, width=w, height=h, source="image" if page is not None else "pdf_text", image=page)
    fv = {
        k: FieldValue(value=v, confidence=conf, page=0, box=(10, 10, 90, 30))
        for k, v in (fields or {}).items()
    }
    return MaterialContext(
        case=case,
        ref=MaterialRef(file="bill.png"),
        settings=Settings(),
        pages=[p],
        texts=[PageText(index=0, width=w, height=h, source=p.source)],
        document=Document(type=doc_type, confidence=0.9, fields=fv),
    )


PRINTED = {
    "invoice_code": "33060121",
    "invoice_number": "0012345678",
    "check_code": "a1b2c3",
    "issue_date": "2024-03-01",
    "total_amount": "2514.50",
}


def test_check_matching_bill(page_rgb: np.ndarray) -> None:
    c = mctx(page_rgb, PRINTED)
    assert list(qr_bill_check(c)) == []
    qr = c.quality.model_dump()["qr"]
    assert qr["matches"] is True and qr["amount"] == "2514.50" and qr["page"] == 0
    assert "mismatch" not in qr


def test_check_amount_differs(page_rgb: np.ndarray) -> None:
    c = mctx(page_rgb, PRINTED | {"total_amount": "3514.50"})
    (f,) = qr_bill_check(c)
    assert f.code == "consistency.amount_mismatch" and f.severity == Severity.BLOCKER
    assert f.material == "bill.png" and (f.expected, f.found) == ("2514.50", "3514.50")
    assert f.evidence and f.evidence[0].box == (10, 10, 90, 30)
    assert c.quality.model_dump()["qr"]["mismatch"] == ["total_amount"]


def test_check_low_confidence_amount_is_a_warning(page_rgb: np.ndarray) -> None:
    (f,) = qr_bill_check(mctx(page_rgb, PRINTED | {"total_amount": "2574.50"}, conf=0.5))
    assert f.severity == Severity.WARNING


def test_check_date_differs(page_rgb: np.ndarray) -> None:
    (f,) = qr_bill_check(mctx(page_rgb, PRINTED | {"issue_date": "2024-03-11"}))
    assert f.code == "consistency.date_mismatch" and f.expected == "2024-03-01"


def test_check_number_differs_is_recorded(page_rgb: np.ndarray) -> None:
    c = mctx(page_rgb, PRINTED | {"invoice_number": "0012845678"})
    flags = list(qr_bill_check(c))
    assert all(f.code != "consistency.amount_mismatch" for f in flags)
    qr = c.quality.model_dump()["qr"]
    assert qr["mismatch"] == ["invoice_number"] and qr["invoice_number"] == "0012345678"


def test_check_skips_other_documents_and_pages_without_pixels(page_rgb: np.ndarray) -> None:
    c = mctx(page_rgb, {"total_amount": "1.00"}, doc_type=DocType.EXPENSE_LIST)
    assert list(qr_bill_check(c)) == [] and c.quality.qr is None
    c2 = mctx(None, PRINTED)
    assert list(qr_bill_check(c2)) == [] and c2.quality.qr is None


def test_check_without_fields_still_records_the_qr(page_rgb: np.ndarray) -> None:
    c = mctx(page_rgb)
    assert list(qr_bill_check(c)) == []
    assert c.quality.model_dump()["qr"]["invoice_number"] == "0012345678"
