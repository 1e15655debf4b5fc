"""``material.missing``: required materials, alternatives, conditions, and coordination with other flags."""

from __future__ import annotations

from typing import Any

from pipeline.codes import Severity
from tests.test_rules_support import make_ctx, mat
from validators.requirements import required_materials


def _missing(ctx: object) -> list[dict[str, object]]:
    return [f.to_json() for f in required_materials(ctx)]  # type: ignore[arg-type]


def test_complete_referral_has_no_missing_flag() -> None:
    ms = [
        mat("id.jpg", "id_card_front"),
        mat("form.pdf", "remote_care_form"),
        mat("ref.pdf", "referral_slip"),
    ]
    assert _missing(make_ctx("remote.referral", ms)) == []


def test_missing_referral_slip_names_requirement_and_alternatives() -> None:
    ms = [mat("id.jpg", "id_card_front"), mat("form.pdf", "remote_care_form")]
    flags = _missing(make_ctx("remote.referral", ms))
    assert len(flags) == 1
    f = flags[0]
    assert f["code"] == "material.missing" and f["severity"] == Severity.BLOCKER
    assert f["material"] is None
    assert f["requirement"] == "referral_slip" and f["alternatives"] == ["referral_slip"]
    assert "转诊转院单" in str(f["message"]) and "异地转诊人员备案" in str(f["message"])
    assert f["reason"]


def test_any_identity_alternative_satisfies() -> None:
    for t in ("ssc_card", "residence_permit", "hukou_booklet", "id_card_front"):
        ms = [mat("x.jpg", t), mat("form.pdf", "remote_care_form")]
        assert _missing(make_ctx("remote.temporary", ms)) == [], t
    # the 国徽面 alone carries no name or number: not an identity document (issue 14, audit §4.2)
    back = [mat("x.jpg", "id_card_back"), mat("form.pdf", "remote_care_form")]
    assert [f["requirement"] for f in _missing(make_ctx("remote.temporary", back))] == ["identity"]
    # 参保登记 takes 有效身份证件 only (seed 000 (三), note ①): the 社会保障卡 is not one
    ssc = [mat("x.jpg", "ssc_card"), mat("form.pdf", "application_form")]
    assert [f["requirement"] for f in _missing(make_ctx("enroll.resident", ssc))] == ["identity"]
    flags = _missing(make_ctx("remote.temporary", [mat("form.pdf", "remote_care_form")]))
    assert [f["requirement"] for f in flags] == ["identity"]
    assert "ssc_card" in flags[0]["alternatives"]  # type: ignore[operator]
    assert "任选其一" in str(flags[0]["message"])


def test_commitment_letter_replaces_hukou_for_retiree() -> None:
    base = [mat("id.jpg", "id_card_front"), mat("form.pdf", "remote_care_form")]
    assert _missing(make_ctx("remote.retiree_relocation", [*base, mat("c.jpg", "commitment_letter")])) == []
    flags = _missing(make_ctx("remote.retiree_relocation", base))
    assert [f["requirement"] for f in flags] == ["relocation_proof"]
    assert set(flags[0]["alternatives"]) == {"hukou_booklet", "commitment_letter"}  # type: ignore[call-overload]


def test_only_detected_types_count() -> None:
    # declared a referral slip, but it is a prescription: the slip is missing
    wrong = mat("ref.jpg", "prescription", declared="referral_slip")
    ms = [mat("id.jpg", "id_card_front"), mat("form.pdf", "remote_care_form"), wrong]
    flags = _missing(make_ctx("remote.referral", ms))
    assert [(f["requirement"], f["severity"]) for f in flags] == [("referral_slip", "blocker")]
    # ...unless that detection is doubtful: then a person must look (warning)
    unsure = mat("ref.jpg", "prescription", declared="referral_slip", type_conf=0.4)
    flags = _missing(make_ctx("remote.referral", [*ms[:2], unsure]))
    assert [(f["severity"], f["doubtful_material"]) for f in flags] == [("warning", "ref.jpg")]


def test_unreadable_or_absent_declared_material_is_not_also_missing() -> None:
    base = [mat("id.jpg", "id_card_front"), mat("form.pdf", "remote_care_form")]
    for flag_code in ("material.unreadable", "material.not_uploaded"):
        bad = mat("ref.pdf", None, declared="referral_slip", flags=[flag_code])
        assert _missing(make_ctx("remote.referral", [*base, bad])) == [], flag_code
    blurry = mat("ref.jpg", None, declared="referral_slip", flags=["image.blurry"])
    assert _missing(make_ctx("remote.referral", [*base, blurry])) == []
    # a readable file that is none of the types does not excuse the missing slip
    unrecognized = mat("ref.jpg", None, declared="referral_slip", flags=["material.unrecognized"])
    assert len(_missing(make_ctx("remote.referral", [*base, unrecognized]))) == 1
    # an unreadable file declared as something else does not excuse it either
    other = mat("x.pdf", None, declared="prescription", flags=["material.unreadable"])
    assert len(_missing(make_ctx("remote.referral", [*base, other]))) == 1


def test_emergency_requires_emergency_record() -> None:
    base = [
        mat("id.jpg", "id_card_front"),
        mat("inv.jpg", "medical_invoice"),
        mat("list.pdf", "expense_list"),
        mat("rx.jpg", "prescription"),
    ]
    assert _missing(make_ctx("reimburse.outpatient", base)) == []
    # seed 000 (十七) 注①: "急诊可要求提供急诊诊断证明" — the office may ask; pre-review does not demand it (A4)
    assert _missing(make_ctx("reimburse.outpatient", base, emergency=True)) == []
    ok = [*base, mat("er.jpg", "medical_record")]
    assert _missing(make_ctx("reimburse.outpatient", ok, emergency=True)) == []


def test_accident_proof_by_commitment_or_accident_report_text() -> None:
    base = [
        mat("id.jpg", "id_card_front"),
        mat("inv.jpg", "medical_invoice"),
        mat("list.pdf", "expense_list"),
        mat("dr.pdf", "discharge_record"),
    ]
    flags = _missing(make_ctx("reimburse.inpatient", base, accident=True))
    assert [f["requirement"] for f in flags] == ["accident_proof"]
    police = mat("police.jpg", None, declared=None, text="道路交通事故认定书 第2024001号")
    assert _missing(make_ctx("reimburse.inpatient", [*base, police], accident=True)) == []
    letter = mat("c.jpg", "commitment_letter")
    assert _missing(make_ctx("reimburse.inpatient", [*base, letter], accident=True)) == []


def test_agent_needs_power_of_attorney() -> None:
    ms = [mat("id.jpg", "id_card_front")]
    assert _missing(make_ctx("query.person", ms)) == []
    flags = _missing(make_ctx("query.person", ms, agent=True))
    assert [f["requirement"] for f in flags] == ["agent_authorization"]
    assert _missing(make_ctx("query.person", [*ms, mat("poa.jpg", "power_of_attorney")], agent=True)) == []


def test_region_overlay_changes_what_is_missing() -> None:
    ms = [mat("id.jpg", "id_card_front")]
    # seed 000 (十): ID only, in both regions (issue 14)
    assert _missing(make_ctx("transfer", ms, transfer_scope="cross_province")) == []
    assert _missing(make_ctx("transfer", ms, region="jingmen", transfer_scope="cross_province")) == []
    # Jingmen measure 9 demands the late filing; measure 8: an emergency counts as filed
    base = [
        mat("id.jpg", "id_card_front"),
        mat("inv.jpg", "medical_invoice"),
        mat("list.pdf", "expense_list"),
        mat("dr.pdf", "discharge_record"),
        mat("er.jpg", "diagnosis_certificate"),
    ]
    facts: dict[str, Any] = {"remote": True, "remote_filed": False, "emergency": True}
    assert _missing(make_ctx("reimburse.inpatient", base, **facts)) == []
    assert _missing(make_ctx("reimburse.inpatient", base, region="jingmen", **facts)) == []
    facts["emergency"] = False
    assert _missing(make_ctx("reimburse.inpatient", base, **facts)) == []  # Xinjiang: seed 000 does not ask
    jm = _missing(make_ctx("reimburse.inpatient", base, region="jingmen", **facts))
    assert [f["requirement"] for f in jm] == ["remote_unfiled"]


def test_unchecked_papers_never_flag() -> None:
    assert _missing(make_ctx("settlement.pharmacy", [])) == []
    assert _missing(make_ctx("query.employer", [])) == []
    # but an employer's registration form is checked
    flags = _missing(make_ctx("enroll.employer", []))
    assert [f["requirement"] for f in flags] == ["application_form"]


def test_every_service_flags_nothing_when_everything_is_there() -> None:
    from pipeline.codes import ServiceCode
    from validators.support.rules import load_rules

    for region in ("xinjiang", "jingmen"):
        rs = load_rules(region)
        for code in ServiceCode:
            ms = [mat(f"{r.id}.jpg", r.any_of[0]) for r in rs.active_requirements(code, {}) if r.any_of]
            assert _missing(make_ctx(code, ms, region=region)) == [], (region, code)
            if ms:
                assert _missing(make_ctx(code, ms[1:], region=region)), (region, code)


def test_one_material_satisfies_one_requirement() -> None:
    # the hukou booklet proves the relocation; it cannot also be the identity document
    ms = [mat("form.pdf", "remote_care_form"), mat("hk.jpg", "hukou_booklet")]
    flags = _missing(make_ctx("remote.retiree_relocation", ms))
    assert [f["requirement"] for f in flags] == ["identity"]
    # with a second paper, the matching finds a way: ssc card for identity, hukou for relocation
    ms.append(mat("ssc.jpg", "ssc_card"))
    assert _missing(make_ctx("remote.retiree_relocation", ms)) == []
    # residence permit + hukou for a long-term resident: either may play either role
    ms = [
        mat("form.pdf", "remote_care_form"),
        mat("rp.jpg", "residence_permit"),
        mat("hk.jpg", "hukou_booklet"),
    ]
    assert _missing(make_ctx("remote.long_term_residence", ms)) == []


def test_e_voucher_replaces_identity_upload() -> None:
    ms = [mat("form.pdf", "remote_care_form"), mat("ref.pdf", "referral_slip")]
    assert [f["requirement"] for f in _missing(make_ctx("remote.referral", ms))] == ["identity"]
    assert _missing(make_ctx("remote.referral", ms, e_voucher=True)) == []
    # Jingmen keeps the e-voucher and adds the self-service terminal
    assert _missing(make_ctx("remote.referral", ms, region="jingmen", e_voucher=True)) == []
    assert _missing(make_ctx("remote.referral", ms, region="jingmen", channel="self_service_terminal")) == []
    assert len(_missing(make_ctx("remote.referral", ms, region="jingmen", channel="online"))) == 1
    # enrollment needs the card itself ("有效身份证件" without the e-voucher)
    assert len(_missing(make_ctx("enroll.resident", [mat("a.pdf", "application_form")], e_voucher=True))) == 1
