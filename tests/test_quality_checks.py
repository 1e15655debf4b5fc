"""The material checks of issue 5 (image quality, seals, expiry) on hand-built contexts; no OCR
except the one slow ring-text test."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pipeline.codes import DocType, Severity
from pipeline.config import Settings
from pipeline.models import Case, Document, FieldValue, MaterialRef, OcrLine, Page, PageText
from pipeline.plugins import MaterialContext
from tests.test_quality_render import Rendered, gaussian_blur, glare, grayscale, photo, render_page
from validators.expiry import span_allowed, validity
from validators.image_quality import image_quality
from validators.seals import match_institution, normalise_institution, official_seals


def _case(submitted: date = date(2025, 3, 1), service: str = "remote.referral") -> Case:
    return Case.model_validate(
        {
            "case_id": "T-1",
            "service": service,
            "submitted_on": submitted.isoformat(),
            "applicant": {"name": "张三", "id_number": "420802198503121234"},
        }
    )


def _ctx(
    image: np.ndarray | None,
    lines: list[OcrLine],
    doc_type: DocType,
    fields: dict[str, str] | None = None,
    *,
    tmp_home: str = "/tmp",
    case: Case | None = None,
    rotation: int = 0,
) -> MaterialContext:
    h, w = image.shape[:2] if image is not None else (1754, 1240)
    page = Page(index=0, width=w, height=h, source="image" if image is not None else "pdf_text", image=image)
    text = PageText(index=0, width=w, height=h, source=page.source, rotation=rotation, lines=lines)
    doc = Document(
        type=doc_type,
        confidence=0.9,
        fields={k: FieldValue(value=v, page=0, box=(10, 10, 200, 40)) for k, v in (fields or {}).items()},
    )
    return MaterialContext(
        case=case or _case(),
        ref=MaterialRef(file="m.jpg"),
        settings=Settings(home=tmp_home, ocr_cache=False),
        pages=[page],
        texts=[text],
        document=doc,
    )


def page(seed: int, **kw: object) -> Rendered:
    """Half an A4 page at 150 dpi (quick to render and measure)."""
    return render_page(seed, size=(620, 877), font_px=15, **kw)  # type: ignore[arg-type]


def _codes(flags: list) -> dict[str, Severity]:  # type: ignore[type-arg]
    return {f.code: f.severity for f in flags}


# --------------------------------------------------------------------------- image quality


def test_clean_page_raises_nothing_and_fills_quality(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = page(3, seals=1)
    ctx = _ctx(r.image, r.lines, DocType.DIAGNOSIS_CERTIFICATE, tmp_home=str(tmp_path))
    assert list(image_quality(ctx)) == []
    q = ctx.quality
    assert q.blur < 0.2 and q.glare == 0.0 and q.incomplete is False
    assert q.model_dump()["photocopy"] is False


def test_blurred_glared_page_flags_with_evidence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = page(3, seals=1)
    blurred = _ctx(gaussian_blur(r.image, 3), r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    glared = _ctx(glare(r.image, (0.5, 0.4), 0.14), r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    flags = list(image_quality(blurred)) + list(image_quality(glared))
    assert [(f.code, f.severity) for f in flags] == [
        ("image.blurry", Severity.WARNING),
        ("image.glare", Severity.WARNING),
    ]
    for f in flags:
        assert f.evidence and f.evidence[0].page == 0 and f.evidence[0].box is not None
        assert f.message and f.reason and "转诊转院单" in f.message
    assert blurred.quality.blur >= 0.35 and glared.quality.glare >= 0.02 and glared.quality.blur < 0.35


def test_cut_off_photo_and_low_resolution(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = page(3)
    img = photo(r.image, 2, out_size=(600, 800), fill=0.9, shift=(0.17, 0.15))
    ctx = _ctx(img, [], DocType.DISCHARGE_RECORD, tmp_home=str(tmp_path))
    codes = _codes(list(image_quality(ctx)))
    assert "image.incomplete" in codes and ctx.quality.incomplete is True
    small = photo(r.image, 2, out_size=(300, 400), fill=0.85)
    codes = _codes(list(image_quality(_ctx(small, [], DocType.DISCHARGE_RECORD, tmp_home=str(tmp_path)))))
    assert "image.low_resolution" in codes


def test_photocopy_warns_only_where_an_original_is_required(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = page(3)  # black text on white: no colour at all
    inv = _ctx(r.image, r.lines, DocType.MEDICAL_INVOICE, tmp_home=str(tmp_path))
    assert _codes(list(image_quality(inv))) == {"image.photocopy": Severity.WARNING}
    idc = _ctx(r.image, r.lines, DocType.ID_CARD_FRONT, tmp_home=str(tmp_path))
    assert "image.photocopy" not in _codes(list(image_quality(idc)))
    assert idc.quality.model_dump()["photocopy"] is True


def test_upright_rotation_is_applied(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = page(3, seals=1)
    turned = np.ascontiguousarray(np.rot90(r.image, k=1))  # stored turned 90 degrees counter-clockwise
    ctx = _ctx(turned, r.lines, DocType.DIAGNOSIS_CERTIFICATE, tmp_home=str(tmp_path), rotation=90)
    assert list(image_quality(ctx)) == []  # the text boxes line up with the upright pixels


def test_text_layer_pages_are_skipped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(None, [OcrLine(text="转诊转院单", polygon=[(0, 0), (10, 0), (10, 5), (0, 5)], confidence=1)],
               DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))  # fmt: skip
    assert list(image_quality(ctx)) == []
    assert list(official_seals(ctx)) == []  # a seal cannot be seen without pixels: not demanded
    assert ctx.quality.seal_count == 0


# --------------------------------------------------------------------------- seals


def _no_ring(monkeypatch: pytest.MonkeyPatch) -> None:
    import validators.seals as seals

    rules = seals.load_rules().model_copy(update={"read_ring_text": 0})
    monkeypatch.setattr(seals, "load_rules", lambda: rules)


def test_seal_counted_and_not_demanded_twice(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _no_ring(monkeypatch)
    r = page(6, seals=2, red_title=True, red_table=True)
    ctx = _ctx(r.image, r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    assert list(official_seals(ctx)) == []
    assert ctx.quality.seal_count == 2
    assert len(ctx.quality.model_dump()["seals"]) == 2


def test_seal_missing_is_a_blocker_with_a_place(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _no_ring(monkeypatch)
    r = page(6, seals=0, red_title=True, red_table=True, red_box=True)
    ctx = _ctx(
        r.image,
        r.lines,
        DocType.REFERRAL_SLIP,
        {"from_hospital": "荆门市第一人民医院"},
        tmp_home=str(tmp_path),
    )
    flags = list(official_seals(ctx))
    assert [(f.code, f.severity) for f in flags] == [("seal.missing", Severity.BLOCKER)]
    assert flags[0].evidence and flags[0].evidence[0].box == (10, 10, 200, 40)  # the institution's name
    assert ctx.quality.seal_count == 0


def test_seal_only_where_required_or_marked(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _no_ring(monkeypatch)
    r = page(6, red_title=True)
    assert list(official_seals(_ctx(r.image, r.lines, DocType.ID_CARD_BACK, tmp_home=str(tmp_path)))) == []
    marked = [
        *r.lines,
        OcrLine(
            text="单位（盖章）：",
            polygon=[(50, 750), (200, 750), (200, 770), (50, 770)],
            confidence=0.99,
        ),
    ]
    flags = list(official_seals(_ctx(r.image, marked, DocType.APPLICATION_FORM, tmp_home=str(tmp_path))))
    assert [f.code for f in flags] == ["seal.missing"]
    assert flags[0].evidence and flags[0].evidence[0].box == (50, 750, 200, 770)


def test_no_seal_demanded_when_the_image_cannot_show_one(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _no_ring(monkeypatch)
    r = page(6, seals=0, red_title=True)
    washed = glare(r.image, (0.62, 0.6), 0.2)  # the glare sits where the seal belongs
    ctx = _ctx(washed, r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    assert "image.glare" in _codes(list(image_quality(ctx)))
    # too poor to tell: doubt (review), never a return for a missing seal
    assert [(f.code, f.severity) for f in official_seals(ctx)] == [("seal.missing", Severity.WARNING)]
    assert ctx.quality.model_dump()["seal_unverified"] == "glare"
    # a grey copy shows no red seal: the stamped original is required, so the seal is missing
    gray = _ctx(grayscale(r.image), r.lines, DocType.REFERRAL_SLIP, tmp_home=str(tmp_path))
    assert [f.code for f in official_seals(gray)] == ["seal.missing"] and gray.quality.seal_count == 0


def test_ring_text_matching() -> None:
    assert normalise_institution("荆门市第一人民医院财务专用章") == "荆门市第一人民医院"
    assert match_institution("新疆住吾尔自治区人民事院", ["新疆维吾尔自治区人民医院"]) >= 60
    assert match_institution("喀什地区第一人民医院公章", ["荆门市恒达建设工程有限公司"]) < 60


@pytest.mark.slow
def test_ring_text_read_by_ocr(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = render_page(1, seals=1)  # ring: 喀什地区第一人民医院公章
    ctx = _ctx(
        r.image,
        r.lines,
        DocType.DIAGNOSIS_CERTIFICATE,
        {"hospital": "喀什地区第一人民医院"},
        tmp_home=str(tmp_path),
    )
    assert list(official_seals(ctx)) == []
    (seal,) = ctx.quality.model_dump()["seals"]
    assert "人民医院" in seal["text"] and seal["matches_institution"] is True


# --------------------------------------------------------------------------- expiry


def _expiry(
    doc_type: DocType, fields: dict[str, str], submitted: date, tmp_path, service: str = "remote.referral"
) -> dict[str, Severity]:  # type: ignore[no-untyped-def]
    return _codes(
        list(
            validity(_ctx(None, [], doc_type, fields, tmp_home=str(tmp_path), case=_case(submitted, service)))
        )
    )


def test_expired_id_card_is_a_blocker_with_the_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(None, [], DocType.ID_CARD_BACK, {"valid_from": "2005-03-12", "valid_until": "2025-03-12"},
               tmp_home=str(tmp_path), case=_case(date(2025, 3, 13)))  # fmt: skip
    (f,) = list(validity(ctx))
    assert f.code == "document.expired" and f.severity == Severity.BLOCKER
    assert f.field == "valid_until" and f.found == "2025-03-12" and f.evidence and f.evidence[0].page == 0
    assert "2025-03-12" in f.message


def test_last_valid_day_and_long_term(tmp_path) -> None:  # type: ignore[no-untyped-def]
    card = {"valid_from": "2005-03-12", "valid_until": "2025-03-12"}
    assert _expiry(DocType.ID_CARD_BACK, card, date(2025, 3, 12), tmp_path) == {
        "document.expired": Severity.WARNING
    }  # the last valid day: it runs out while being processed
    assert _expiry(DocType.ID_CARD_BACK, card, date(2024, 3, 12), tmp_path) == {}
    forever = {"valid_from": "2010-01-05", "valid_until": "long_term"}
    assert _expiry(DocType.ID_CARD_BACK, forever, date(2090, 1, 1), tmp_path) == {}
    contract = {"valid_until": "long_term"}
    assert _expiry(DocType.LABOR_CONTRACT, contract, date(2030, 1, 1), tmp_path) == {}


def test_expiring_within_processing_time_warns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    permit = {"valid_from": "2024-05-01", "valid_until": "2025-04-30"}
    # the window is the service's 办理时限 (issue 14): 住院费用报销 30个工作日 ≈ 42 days
    svc = "reimburse.inpatient"
    assert _expiry(DocType.RESIDENCE_PERMIT, permit, date(2025, 4, 10), tmp_path, svc) == {
        "document.expired": Severity.WARNING
    }
    assert _expiry(DocType.RESIDENCE_PERMIT, permit, date(2025, 3, 25), tmp_path, svc) == {
        "document.expired": Severity.WARNING
    }
    assert _expiry(DocType.RESIDENCE_PERMIT, permit, date(2025, 3, 1), tmp_path, svc) == {}
    # 异地转诊人员备案 is 即时办结: a permit valid through the day of filing raises no doubt
    assert _expiry(DocType.RESIDENCE_PERMIT, permit, date(2025, 4, 10), tmp_path) == {}
    assert _expiry(DocType.RESIDENCE_PERMIT, permit, date(2025, 5, 1), tmp_path) == {
        "document.expired": Severity.BLOCKER
    }


def test_invalid_id_validity_span(tmp_path) -> None:  # type: ignore[no-untyped-def]
    odd = {"valid_from": "2015-03-12", "valid_until": "2030-03-12"}  # 15 years: no such card
    assert _expiry(DocType.ID_CARD_BACK, odd, date(2025, 1, 1), tmp_path) == {
        "identity.card_inconsistent": Severity.WARNING
    }
    assert span_allowed(date(2016, 2, 29), date(2026, 2, 28), [10])
    assert not span_allowed(date(2016, 2, 29), date(2027, 2, 28), [5, 10, 20])


def test_unreadable_dates_and_other_types_are_left_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert _expiry(DocType.ID_CARD_BACK, {"valid_until": "2025-13-40"}, date(2026, 1, 1), tmp_path) == {}
    assert _expiry(DocType.MEDICAL_INVOICE, {"issue_date": "2001-01-01"}, date(2026, 1, 1), tmp_path) == {}


# --------------------------------------------------------------------------- 监制章 vs the issuer's seal


def _real(item_id: str) -> np.ndarray:
    from samples import realset

    (item,) = [it for it in realset.load() if it.id == item_id]
    return item.image()


def test_printed_supervision_seal_alone_is_doubt_not_a_return(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A real outpatient invoice (samples/real r10) whose only red seal is the form's printed
    财政票据监制章 (its issuer's stamp is blue): the required seal is not taken as present, and its
    absence is a warning for an auditor, not a return."""
    _no_ring(monkeypatch)
    ctx = _ctx(
        _real("r10"),
        [],
        DocType.MEDICAL_INVOICE,
        {"payee": "复旦大学附属眼耳鼻喉科医院"},
        tmp_home=str(tmp_path),
    )
    flags = list(official_seals(ctx))
    assert [(f.code, f.severity) for f in flags] == [("seal.missing", Severity.WARNING)]
    assert "监制章" in flags[0].message and "监制章" in (flags[0].reason or "")
    assert [s["kind"] for s in ctx.quality.model_dump()["seals"]] == ["supervision"]
    assert ctx.quality.model_dump()["seal_unverified"] == "supervision_only"


def test_issuer_seal_beside_the_supervision_seal_satisfies_the_invoice(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _no_ring(monkeypatch)
    ctx = _ctx(_real("r06"), [], DocType.MEDICAL_INVOICE, tmp_home=str(tmp_path))
    assert list(official_seals(ctx)) == []
    assert sorted(s["kind"] for s in ctx.quality.model_dump()["seals"]) == ["seal", "supervision"]


def test_seal_kind_by_ring_text_before_place() -> None:
    from validators.seals import load_rules, seal_kind
    from validators.support.imaging import Seal

    top_centre = Seal(
        box=(450, 50, 550, 120), center=(500.0, 85.0), axes=(100, 70), angle=0, ring=1, fill=0.2, redness=80
    )
    low = Seal(
        box=(650, 1200, 750, 1300),
        center=(700.0, 1250.0),
        axes=(100, 100),
        angle=0,
        ring=1,
        fill=0.2,
        redness=80,
    )
    rules, shape, inv = load_rules(), (1400, 1000, 3), DocType.MEDICAL_INVOICE
    assert seal_kind(top_centre, shape, inv, "", None, rules) == "supervision"  # unreadable: its place
    assert seal_kind(top_centre, shape, inv, "复旦大学附属医院收费专用章", True, rules) == "issuer"
    assert seal_kind(low, shape, inv, "上海市财政局票据监制章", None, rules) == "supervision"
    assert seal_kind(low, shape, inv, "", None, rules) == "seal"
    # the place rule is for bill forms only: a referral's seal at the top centre is a seal
    assert seal_kind(top_centre, shape, DocType.REFERRAL_SLIP, "", None, rules) == "seal"
