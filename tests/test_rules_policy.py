"""Policy checks: diseases, residence, networked hospitals, referral, emergency marks, offline confirmation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pipeline.models import MaterialResult
from tests.test_rules_support import make_ctx, mat
from validators import policy

DEST = "浙江省舟山市普陀区"


def _run(check: object, ctx: object) -> list[dict[str, object]]:
    return [f.to_json() for f in check(ctx)]  # type: ignore[operator]


# --------------------------------------------------------------------------- diseases


def test_disease_from_filing() -> None:
    chk = policy.disease_not_covered
    assert _run(chk, make_ctx("chronic.qualification", [], disease="慢性肾病")) == []
    assert _run(chk, make_ctx("chronic.qualification", [], disease="冠心病")) == []
    flags = _run(chk, make_ctx("chronic.qualification", [], disease="慢性胃炎"))
    assert [(f["code"], f["severity"]) for f in flags] == [("policy.disease_not_covered", "blocker")]
    assert "慢性胃炎" in str(flags[0]["message"]) and "新疆" in str(flags[0]["message"])
    # other services do not ask
    assert _run(chk, make_ctx("reimburse.outpatient", [], disease="慢性胃炎")) == []


def test_disease_catalogue_is_per_region() -> None:
    chk = policy.disease_not_covered
    # Xinjiang-specific endemic disease, not in the Jingmen list
    assert _run(chk, make_ctx("chronic.qualification", [], disease="包虫病")) == []
    assert len(_run(chk, make_ctx("chronic.qualification", [], region="jingmen", disease="包虫病"))) == 1
    for d in ("高血压", "糖尿病", "恶性肿瘤门诊放化疗", "尿毒症透析", "器官移植术后抗排异治疗"):
        assert _run(chk, make_ctx("chronic.qualification", [], region="jingmen", disease=d)) == [], d


def test_disease_from_documents() -> None:
    chk = policy.disease_not_covered
    rec = mat("rec.jpg", "medical_record", fields={"diagnosis": "慢性浅表性胃炎"})
    flags = _run(chk, make_ctx("chronic.qualification", [rec]))
    assert len(flags) == 1 and flags[0]["material"] == "rec.jpg" and flags[0]["severity"] == "blocker"
    assert flags[0]["evidence"] == [{"page": 0, "box": [1.0, 2.0, 3.0, 4.0]}]
    good = mat("dc.jpg", "diagnosis_certificate", fields={"diagnosis": "2型糖尿病"})
    assert _run(chk, make_ctx("chronic.qualification", [rec, good])) == []
    doubtful = mat("rec.jpg", "medical_record", fields={"diagnosis": "慢性胄炎"}, conf=0.5)
    flags = _run(chk, make_ctx("chronic.qualification", [doubtful]))
    assert [f["severity"] for f in flags] == ["warning"]
    assert _run(chk, make_ctx("chronic.qualification", [mat("rec.jpg", "medical_record")])) == []


# --------------------------------------------------------------------------- residence


@pytest.fixture
def six_months(monkeypatch: pytest.MonkeyPatch) -> None:
    """A region that sets a 6-month minimum (seed 002's example); the two seeded regions set none."""
    real = policy.rules_for_case

    def patched(region: str) -> Any:
        rs = real(region)
        return rs.model_copy(update={"policy": rs.policy.model_copy(update={"min_residence_months": 6})})

    monkeypatch.setattr(policy, "rules_for_case", patched)


def test_no_residence_minimum_in_the_seeded_regions() -> None:
    """Seeds 000 (十二) and 001 set no minimum; a young permit is no reason to return (issue 14)."""
    young = mat("rp.jpg", "residence_permit", fields={"valid_from": "2024-01-10"})
    for region in ("xinjiang", "jingmen"):
        ctx = make_ctx("remote.long_term_residence", [young], region=region, submitted_on=date(2024, 3, 5))
        assert _run(policy.residence_too_short, ctx) == []


@pytest.mark.usefixtures("six_months")
def test_residence_permit_too_young() -> None:
    chk = policy.residence_too_short
    young = mat("rp.jpg", "residence_permit", fields={"valid_from": "2023-11-20"})
    flags = _run(chk, make_ctx("remote.long_term_residence", [young], submitted_on=date(2024, 3, 5)))
    assert len(flags) == 1
    f = flags[0]
    assert (
        f["code"] == "policy.residence_too_short" and f["severity"] == "blocker" and f["material"] == "rp.jpg"
    )
    assert "3个月" in str(f["message"]) and "6个月" in str(f["message"])
    old = mat("rp.jpg", "residence_permit", fields={"valid_from": "2023-09-05"})
    assert _run(chk, make_ctx("remote.long_term_residence", [old], submitted_on=date(2024, 3, 5))) == []
    edge = mat("rp.jpg", "residence_permit", fields={"valid_from": "2023-09-06"})
    assert len(_run(chk, make_ctx("remote.long_term_residence", [edge], submitted_on=date(2024, 3, 5)))) == 1
    # not this service
    assert _run(chk, make_ctx("remote.temporary", [young], submitted_on=date(2024, 3, 5))) == []
    # seed 000 (十二): 或个人承诺书 — a promise stands in for the proof
    promise = mat("cl.jpg", "commitment_letter")
    assert (
        _run(chk, make_ctx("remote.long_term_residence", [young, promise], submitted_on=date(2024, 3, 5)))
        == []
    )


@pytest.mark.usefixtures("six_months")
def test_residence_months_declared() -> None:
    chk = policy.residence_too_short
    assert len(_run(chk, make_ctx("remote.long_term_residence", [], residence_months=3))) == 1
    assert _run(chk, make_ctx("remote.long_term_residence", [], residence_months=8)) == []
    assert _run(chk, make_ctx("remote.long_term_residence", [])) == []


def test_months_between() -> None:
    assert policy.months_between(date(2023, 9, 5), date(2024, 3, 5)) == 6
    assert policy.months_between(date(2023, 9, 6), date(2024, 3, 5)) == 5
    assert policy.months_between(date(2024, 4, 1), date(2024, 3, 5)) < 0


# --------------------------------------------------------------------------- hospitals


def test_hospital_not_networked() -> None:
    chk = policy.hospital_not_networked
    assert _run(chk, make_ctx("remote.referral", [], destination=DEST, hospital="舟山医院")) == []
    flags = _run(chk, make_ctx("remote.referral", [], destination=DEST, hospital="舟山普陀安康私立医院"))
    assert [(f["code"], f["severity"]) for f in flags] == [("policy.hospital_not_networked", "blocker")]
    assert flags[0]["material"] is None
    slip = mat("ref.pdf", "referral_slip", fields={"to_hospital": "杭州西湖康泰门诊部"})
    flags = _run(chk, make_ctx("remote.referral", [slip], destination="浙江省杭州市"))
    assert len(flags) == 1 and flags[0]["material"] == "ref.pdf" and flags[0]["field"] == "to_hospital"
    # same hospital named twice: one flag
    slip2 = mat("ref.pdf", "referral_slip", fields={"to_hospital": "舟山普陀安康私立医院"})
    assert len(_run(chk, make_ctx("remote.referral", [slip2], hospital="舟山普陀安康私立医院"))) == 1
    # not a remote filing
    assert _run(chk, make_ctx("reimburse.outpatient", [], hospital="舟山普陀安康私立医院")) == []


def test_unknown_hospital_is_review_never_a_silent_pass() -> None:
    """Issue 14: a hospital not in the catalogue is doubt (warning -> review), with a message to the applicant."""
    flags = _run(policy.hospital_not_networked, make_ctx("remote.temporary", [], hospital="火星第一医院"))
    assert [(f["code"], f["severity"]) for f in flags] == [("policy.hospital_not_networked", "warning")]
    assert "工作人员确认" not in str(flags[0]["message"]) and "国家医保服务平台" in str(flags[0]["message"])


def test_referral_unqualified() -> None:
    chk = policy.referral_unqualified

    def slip(frm: str, conf: float = 0.95) -> MaterialResult:
        return mat(
            "ref.pdf", "referral_slip", fields={"from_hospital": frm, "to_hospital": "舟山医院"}, conf=conf
        )

    assert _run(chk, make_ctx("remote.referral", [slip("新疆医科大学第一附属医院")])) == []
    assert _run(chk, make_ctx("remote.referral", [slip("京山市人民医院")], region="jingmen")) == []
    flags = _run(chk, make_ctx("remote.referral", [slip("乌鲁木齐市天山区东门社区卫生服务站")]))
    assert [(f["code"], f["severity"]) for f in flags] == [("policy.referral_unqualified", "blocker")]
    assert "转诊资质" in str(flags[0]["message"]) and flags[0]["material"] == "ref.pdf"
    assert "二级及以上" not in str(flags[0]["message"])  # no seed names a level (issue 14)
    # a qualified hospital, but not of the insurance region
    flags = _run(chk, make_ctx("remote.referral", [slip("荆门市第一人民医院")]))
    assert len(flags) == 1 and "参保地" in str(flags[0]["message"])
    # private clinic, low confidence -> warning
    flags = _run(chk, make_ctx("remote.referral", [slip("乌鲁木齐仁和门诊部", conf=0.5)]))
    assert [f["severity"] for f in flags] == ["warning"]
    assert _run(chk, make_ctx("remote.temporary", [slip("乌鲁木齐仁和门诊部")])) == []
    # not in the catalogue: its qualification is unknown -> review, never a silent pass (issue 14)
    flags = _run(chk, make_ctx("remote.referral", [slip("某某不知名医院")]))
    assert [(f["code"], f["severity"]) for f in flags] == [("policy.referral_unqualified", "warning")]


# --------------------------------------------------------------------------- emergency


def test_emergency_unmarked() -> None:
    chk = policy.emergency_unmarked
    plain = mat("rec.jpg", "medical_record", fields={"emergency": "false"})
    flags = _run(chk, make_ctx("remote.temporary", [plain], emergency=True))
    assert [(f["code"], f["severity"], f["material"]) for f in flags] == [
        ("record.emergency_unmarked", "blocker", "rec.jpg")
    ]
    assert "急诊" in str(flags[0]["message"])
    marked = mat("er.jpg", "diagnosis_certificate", fields={"emergency": "true"})
    assert _run(chk, make_ctx("remote.temporary", [plain, marked], emergency=True)) == []
    assert _run(chk, make_ctx("remote.temporary", [plain], emergency=False)) == []
    assert _run(chk, make_ctx("remote.temporary", [plain])) == []
    unread = mat("rec.jpg", "medical_record")
    assert _run(chk, make_ctx("reimburse.outpatient", [unread], emergency=True)) == []
    assert len(_run(chk, make_ctx("reimburse.inpatient", [plain], emergency=True))) == 1


# --------------------------------------------------------------------------- offline confirmation


def test_offline_confirmation() -> None:
    chk = policy.offline_confirmation
    flags = _run(chk, make_ctx("remote.referral", [], destination=DEST))
    assert [(f["code"], f["severity"]) for f in flags] == [("process.offline_confirmation", "warning")]
    assert "普陀" in str(flags[0]["message"]) and "转诊" in str(flags[0]["message"])
    assert _run(chk, make_ctx("remote.referral", [], destination="浙江省舟山市定海区")) == []
    assert _run(chk, make_ctx("remote.temporary", [], destination=DEST)) == []
    # destination from the hospital when not given
    assert len(_run(chk, make_ctx("remote.referral", [], hospital="舟山市普陀医院"))) == 1
