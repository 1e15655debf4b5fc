"""Enrollment status and eligibility flags (validators.enrollment_status + eligibility.yaml)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.codes import ServiceCode, Severity
from pipeline.config import Settings
from pipeline.models import Applicant, Case
from pipeline.plugins import CaseContext
from pipeline.stores.enrollment import EnrollmentRecord, open_store
from validators.enrollment_status import (
    ELIGIBILITY_PATH,
    Eligibility,
    eligibility_flags,
    enrollment_status,
    load_eligibility,
    status_flags,
)

W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, W, strict=True)) % 11]


ID = make_id("65010219850312123")


def rec(**kw: object) -> EnrollmentRecord:
    base: dict[str, object] = {
        "id_number": ID,
        "name": "张伟明",
        "insurance_type": "employee",
        "status": "active",
        "card_activated": True,
        "region": "xinjiang",
        "retired": False,
    }
    base.update(kw)
    return EnrollmentRecord.model_validate(base)


def codes(flags: object) -> list[str]:
    return sorted(f.code for f in flags)  # type: ignore[attr-defined]


def test_every_service_has_a_rule() -> None:
    elig = load_eligibility()
    for s in ServiceCode:
        elig.rule(s)
        assert elig.service_name(s)


def test_bad_rule_data_is_refused(tmp_path: Path) -> None:
    import yaml

    raw = yaml.safe_load(ELIGIBILITY_PATH.read_text(encoding="utf-8"))
    raw["services"]["remote.referral"] = {"status_checks": ["overdue"]}
    with pytest.raises(ValueError, match=r"remote\.referral"):
        Eligibility.model_validate(raw)
    raw = yaml.safe_load(ELIGIBILITY_PATH.read_text(encoding="utf-8"))
    del raw["services"]["transfer"]
    with pytest.raises(ValueError, match="transfer"):
        Eligibility.model_validate(raw)


@pytest.mark.parametrize(
    "kw,code,words",
    [
        ({"status": "arrears"}, "enrollment.arrears", "补缴"),
        ({"status": "suspended"}, "enrollment.suspended", "恢复参保"),
        ({"status": "terminated"}, "enrollment.suspended", "终止"),
        ({"status": "transferring"}, "enrollment.transfer_pending", "待转移接续完成后再办理"),
        ({"card_activated": False}, "enrollment.card_inactive", "激活社保卡医保功能与金融功能"),
    ],
)
def test_status_blockers(kw: dict[str, object], code: str, words: str) -> None:
    flags = list(status_flags(rec(**kw), "remote.referral"))
    assert [f.code for f in flags] == [code]
    f = flags[0]
    assert f.severity is Severity.BLOCKER and f.material is None and f.category == "status"
    assert words in f.message and " " not in f.message and "异地转诊人员备案" in f.message


def test_active_is_clean() -> None:
    assert list(status_flags(rec(), "chronic.qualification")) == []
    assert list(eligibility_flags(rec(), "chronic.qualification", "xinjiang")) == []


def test_status_checks_follow_the_service() -> None:
    # a transfer is filed while the old enrollment is suspended / transferring
    assert list(status_flags(rec(status="transferring"), "transfer")) == []
    assert list(status_flags(rec(status="suspended"), "transfer")) == []
    # the personal-account withdrawal follows a terminated enrollment
    assert list(status_flags(rec(status="terminated"), "account.withdrawal")) == []


def test_employee_only_item_for_resident() -> None:
    flags = list(eligibility_flags(rec(insurance_type="resident"), "change.employee", "xinjiang"))
    assert codes(flags) == ["enrollment.ineligible"]
    assert flags[0].suggested_service == "change.resident" and "城乡居民参保信息变更登记" in flags[0].message
    assert codes(eligibility_flags(rec(insurance_type="resident"), "maternity.allowance", "xinjiang")) == [
        "enrollment.ineligible"
    ]
    assert list(eligibility_flags(rec(insurance_type="resident"), "maternity.medical", "xinjiang")) == []


def test_retiree_only_filing() -> None:
    flags = list(eligibility_flags(rec(retired=False), "remote.retiree_relocation", "xinjiang"))
    assert codes(flags) == ["enrollment.ineligible"] and "退休" in flags[0].message
    assert list(eligibility_flags(rec(retired=True), "remote.retiree_relocation", "xinjiang")) == []


def test_region_mismatch() -> None:
    flags = list(eligibility_flags(rec(region="jingmen"), "remote.referral", "xinjiang"))
    assert codes(flags) == ["enrollment.ineligible"]
    assert "湖北省荆门市" in flags[0].message and "新疆维吾尔自治区" in flags[0].message
    assert list(eligibility_flags(rec(region="jingmen"), "transfer", "xinjiang")) == []


def test_case_check_with_a_store(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text(
        "id_number,name,ssc_number,insurance_type,status,card_activated,region,retired,chronic_diseases\n"
        f"{ID},张伟明,,resident,arrears,false,xinjiang,false,\n",
        encoding="utf-8",
    )
    store = open_store(str(p), Settings(home=tmp_path))

    def run(service: str, region: str = "xinjiang", id_number: str = ID) -> list[str]:
        case = Case(
            case_id="S",
            service=ServiceCode(service),
            region=region,
            submitted_on=date(2024, 3, 5),
            applicant=Applicant(name="张伟明", id_number=id_number),
        )
        return codes(
            enrollment_status(CaseContext(case=case, settings=Settings(), materials=[], enrollment=store))
        )

    assert run("remote.posted_worker") == [
        "enrollment.arrears",
        "enrollment.card_inactive",
        "enrollment.ineligible",
    ]
    assert run("remote.referral", region="jingmen") == [
        "enrollment.arrears",
        "enrollment.card_inactive",
        "enrollment.ineligible",
    ]
    assert run("enroll.employer") == []  # a unit's filing
    assert run("remote.referral", id_number=make_id("65010219991231999")) == []  # not found: identity's flag
