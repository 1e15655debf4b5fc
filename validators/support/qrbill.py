"""The QR code of a medical electronic bill (财政电子票据): decode it and read its payload.

The payload is not standardised across provinces and issuing platforms, so parsing is lenient:

* comma-separated, fiscal layout: ``version, 票据代码, 票据号码, 校验码, 开票日期 YYYYMMDD, 金额, …``
* comma-separated, VAT-invoice layout: ``01, type, 发票代码, 发票号码, 金额, 开票日期, 校验码, …``
* a verification URL with query parameters (``billcode=…&billno=…&random=…&money=…&date=…``)
* anything else: tokens classified by shape (8-digit code, 10-digit number, a date, an amount with
  a decimal point, a 6-character check code).

Only the parsed fields leave this module (``QrBill.summary``): the raw payload may hold the payer's
name and is never logged or stored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from pydantic import BaseModel

Layout = Literal["fiscal", "vat", "url", "tokens"]


class QrBill(BaseModel):
    """What the QR code of an electronic bill says (values normalised like the extractors')."""

    layout: Layout
    version: str | None = None
    invoice_code: str | None = None
    invoice_number: str | None = None
    check_code: str | None = None
    issue_date: str | None = None  # YYYY-MM-DD
    amount: str | None = None  # "2514.50"

    def useful(self) -> bool:
        return bool(self.amount or (self.invoice_code and self.invoice_number))

    def summary(self) -> dict[str, Any]:
        """A small dict for the report (quality extra key ``qr``)."""
        keys = ("invoice_code", "invoice_number", "check_code", "issue_date", "amount")
        out: dict[str, Any] = {"layout": self.layout}
        out.update({k: getattr(self, k) for k in keys if getattr(self, k)})
        return out


# --------------------------------------------------------------------------- payload parsing

_SPLIT = re.compile(r"[,，|;；\s]+")
_ALNUM = re.compile(r"[^0-9A-Za-z]")


def _date(tok: str | None) -> str | None:
    if not tok:
        return None
    t = unicodedata.normalize("NFKC", tok).strip()
    m = re.fullmatch(r"((?:19|20)\d{2})-?(\d{2})-?(\d{2})(?:[ T]?\d{2}:?\d{2}(?::?\d{2})?)?", t)
    if not m:
        m = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})\d{6}", t)  # YYYYMMDDhhmmss
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _amount(tok: str | None, need_point: bool = False) -> str | None:
    if not tok:
        return None
    t = unicodedata.normalize("NFKC", tok).strip().replace(",", "").lstrip("¥￥")
    pat = r"\d{1,10}\.\d{1,2}" if need_point else r"\d{1,10}(?:\.\d{1,2})?"
    if not re.fullmatch(pat, t):
        return None
    try:
        return f"{Decimal(t):.2f}"
    except InvalidOperation:
        return None


def _digits(tok: str | None, lengths: tuple[int, ...]) -> str | None:
    if not tok:
        return None
    t = tok.strip()
    return t if t.isdigit() and len(t) in lengths else None


def _check(tok: str | None) -> str | None:
    if not tok:
        return None
    t = _ALNUM.sub("", tok)
    return t if 4 <= len(t) <= 20 else None


_URL_KEYS: dict[str, tuple[str, ...]] = {
    "invoice_code": ("billcode", "bill_code", "einvoicecode", "invoicecode", "pjdm", "fpdm", "code", "dm"),
    "invoice_number": ("billno", "bill_no", "billnumber", "einvoicenumber", "invoiceno", "invoicenumber", "pjhm",
                       "fphm", "number", "no", "hm"),
    "check_code": ("random", "checkcode", "check_code", "verifycode", "jym", "check", "randomnumber"),
    "issue_date": ("date", "issuedate", "billdate", "kprq", "ivcdate", "time"),
    "amount": ("money", "amount", "total", "totalamount", "je", "jshj", "sum"),
}  # fmt: skip


def _from_url(s: str) -> QrBill | None:
    parts = urlsplit(s)
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=False)}
    if not params:
        return None
    got: dict[str, str | None] = {}
    for field, keys in _URL_KEYS.items():
        raw = next((params[k] for k in keys if k in params), None)
        if field == "issue_date":
            got[field] = _date(raw)
        elif field == "amount":
            got[field] = _amount(raw)
        elif field == "check_code":
            got[field] = _check(raw)
        else:
            got[field] = _ALNUM.sub("", raw) if raw else None
    bill = QrBill(layout="url", **got)
    if bill.useful():
        return bill
    tok = _from_tokens(list(params.values()))
    return tok.model_copy(update={"layout": "url"}) if tok else None


def _from_tokens(tokens: list[str]) -> QrBill | None:
    used: set[int] = set()

    def take(fn: Any) -> str | None:
        for i, t in enumerate(tokens):
            if i in used:
                continue
            v = fn(t)
            if v:
                used.add(i)
                return str(v)
        return None

    issue_date = take(_date)
    amount = take(lambda t: _amount(t, need_point=True))
    number = take(lambda t: _digits(t, (10,)))
    code = take(lambda t: _digits(t, (8,)))
    if number is None and code is None:  # VAT-style: 10/12-digit code, 8-digit number
        code = take(lambda t: _digits(t, (10, 12)))
        number = take(lambda t: _digits(t, (8,)))
    check = take(lambda t: t if re.fullmatch(r"[0-9A-Za-z]{6}|\d{20}", t) else None)
    bill = QrBill(
        layout="tokens",
        invoice_code=code,
        invoice_number=number,
        check_code=check,
        issue_date=issue_date,
        amount=amount,
    )
    return bill if bill.useful() else None


def parse_payload(payload: str | None) -> QrBill | None:
    """Read a QR payload; None when it does not look like a bill."""
    if not payload:
        return None
    s = unicodedata.normalize("NFKC", payload).strip()
    if re.match(r"(?i)https?://", s):
        return _from_url(s)
    tokens = [t for t in (x.strip() for x in _SPLIT.split(s))]
    tokens = [t for t in tokens if t]
    if len(tokens) >= 6:
        # fiscal: version, code, number, check, date, amount
        d, a = _date(tokens[4]), _amount(tokens[5])
        if d and a and tokens[1].isdigit() and tokens[2].isdigit():
            return QrBill(
                layout="fiscal",
                version=tokens[0],
                invoice_code=tokens[1],
                invoice_number=tokens[2],
                check_code=_check(tokens[3]),
                issue_date=d,
                amount=a,
            )
        # VAT: 01, type, code, number, amount, date, check
        a, d = _amount(tokens[4]), _date(tokens[5])
        if a and d and tokens[2].isdigit() and tokens[3].isdigit():
            return QrBill(
                layout="vat",
                version=tokens[0],
                invoice_code=tokens[2],
                invoice_number=tokens[3],
                check_code=_check(tokens[6]) if len(tokens) > 6 else None,
                issue_date=d,
                amount=a,
            )
    return _from_tokens(tokens)


# --------------------------------------------------------------------------- decoding


def _gray(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim == 2:
        return np.ascontiguousarray(rgb)
    import cv2

    return np.ascontiguousarray(cv2.cvtColor(rgb[..., :3], cv2.COLOR_RGB2GRAY))


#: Pages smaller than this (long side, pixels) are also tried enlarged: a QR code of a low-resolution
#: photo may have modules of one or two pixels.
UPSCALE_BELOW = 1200


def _zxing(gray: np.ndarray) -> list[str]:
    try:
        import zxingcpp
    except ImportError:  # pragma: no cover - zxing-cpp is a dependency; OpenCV is the fallback
        return []
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [b.text for b in zxingcpp.read_barcodes(gray, formats=formats) if b.valid and b.text]


def _opencv(gray: np.ndarray) -> list[str]:
    import cv2

    try:
        ok, decoded, _pts, _ = cv2.QRCodeDetector().detectAndDecodeMulti(gray)
    except cv2.error:
        return []
    return [t for t in (decoded if ok else []) if t]


def decode_qr(rgb: np.ndarray) -> list[str]:
    """Texts of the QR codes on a page (RGB or grayscale uint8): zxing-cpp (also on an enlarged copy
    of a small page), then OpenCV's detector."""
    gray = _gray(rgb)
    texts = _zxing(gray)
    if not texts and max(gray.shape[:2]) < UPSCALE_BELOW:
        import cv2

        texts = _zxing(
            np.ascontiguousarray(cv2.resize(gray, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC))
        )
    return texts or _opencv(gray)


def read_bill(rgb: np.ndarray) -> QrBill | None:
    """The first QR code on the page that parses as a bill."""
    for text in decode_qr(rgb):
        bill = parse_payload(text)
        if bill is not None:
            return bill
    return None
