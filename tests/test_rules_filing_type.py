"""``filing.type_mismatch``: retiree with hukou at the destination, long-term resident, posted worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from tests.test_rules_support import APPLICANT_ID, make_ctx, mat
from validators.filing_type import FACTS, filing_type

DEST = "浙江省舟山市普陀区"
HEADER = "id_number,name,ssc_number,insurance_type,status,card_activated,region,retired,chronic_diseases\n"


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from pipeline.stores.enrollment import open_store

    out: dict[str, object] = {}
    for label, retired in (("retired", "true"), ("working", "false")):
        d = tmp_path_factory.mktemp(label)
        csv = Path(d) / "enrollment.csv"
        csv.write_text(
            HEADER + f"{APPLICANT_ID},张伟明,,employee,active,true,xinjiang,{retired},\n", encoding="utf-8"
        )
        out[label] = open_store(str(csv), Settings(home=Path(d)))
    return out


def _flags(ctx: object) -> list[dict[str, object]]:
    return [f.to_json() for f in filing_type(ctx)]  # type: ignore[arg-type]


def _base() -> list:
    return [mat("id.jpg", "id_card_front"), mat("form.pdf", "remote_care_form")]


def test_retiree_with_hukou_at_destination_filing_referral(stores: dict[str, object]) -> None:
    hukou = mat("hk.jpg", "hukou_booklet", fields={"address": "浙江省舟山市普陀区沈家门街道东河路12号"})
    ms = [*_base(), mat("ref.pdf", "referral_slip"), hukou]
    flags = _flags(make_ctx("remote.referral", ms, enrollment=stores["retired"], destination=DEST))
    assert len(flags) == 1
    f = flags[0]
    assert f["code"] == "filing.type_mismatch" and f["severity"] == "blocker"
    assert f["suggested_service"] == "remote.retiree_relocation"
    assert "异地安置退休人员备案" in str(f["message"]) and f["material"] is None


def test_retiree_facts_must_all_hold(stores: dict[str, object]) -> None:
    hukou_here = mat("hk.jpg", "hukou_booklet", fields={"address": "浙江省舟山市普陀区沈家门街道"})
    hukou_home = mat("hk.jpg", "hukou_booklet", fields={"address": "新疆维吾尔自治区乌鲁木齐市天山区"})
    assert (
        _flags(
            make_ctx(
                "remote.referral", [*_base(), hukou_here], enrollment=stores["working"], destination=DEST
            )
        )
        == []
    )
    assert (
        _flags(
            make_ctx(
                "remote.referral", [*_base(), hukou_home], enrollment=stores["retired"], destination=DEST
            )
        )
        == []
    )
    assert (
        _flags(make_ctx("remote.referral", [*_base(), hukou_here], enrollment=None, destination=DEST)) == []
    )
    # the filing key says so, without a hukou page
    ctx = make_ctx(
        "remote.temporary", _base(), enrollment=stores["retired"], destination=DEST, hukou_at_destination=True
    )
    assert [f["suggested_service"] for f in _flags(ctx)] == ["remote.retiree_relocation"]
    # a retiree relocation filed as such is fine
    ms = [*_base(), hukou_here]
    assert (
        _flags(make_ctx("remote.retiree_relocation", ms, enrollment=stores["retired"], destination=DEST))
        == []
    )


def test_long_term_resident_filing_temporary() -> None:
    permit = mat("rp.jpg", "residence_permit", fields={"address": "浙江省舟山市普陀区东港街道"})
    flags = _flags(make_ctx("remote.temporary", [*_base(), permit], destination=DEST))
    assert [f["suggested_service"] for f in flags] == ["remote.long_term_residence"]
    assert _flags(make_ctx("remote.temporary", _base(), destination=DEST, residence_months=14))
    assert _flags(make_ctx("remote.temporary", _base(), destination=DEST, residence_months=2)) == []
    elsewhere = mat("rp.jpg", "residence_permit", fields={"address": "江苏省南京市鼓楼区"})
    assert _flags(make_ctx("remote.temporary", [*_base(), elsewhere], destination=DEST)) == []
    assert _flags(make_ctx("remote.temporary", _base(), destination=DEST)) == []


def test_posted_worker() -> None:
    proof = mat("wp.jpg", "work_dispatch_proof", fields={"destination": "浙江省舟山市"})
    for svc in ("remote.temporary", "remote.long_term_residence"):
        flags = _flags(make_ctx(svc, [*_base(), proof], destination=DEST))
        assert [f["suggested_service"] for f in flags] == ["remote.posted_worker"], svc
    # a labour contract alone is no evidence of being posted away (issue 14, audit §4.4)
    contract = mat("lc.pdf", "labor_contract")
    assert _flags(make_ctx("remote.temporary", [*_base(), contract], destination=DEST)) == []
    assert _flags(make_ctx("remote.temporary", _base(), destination=DEST, dispatched_by_employer=True))
    other = mat("wp.jpg", "work_dispatch_proof", fields={"destination": "广东省深圳市"})
    assert _flags(make_ctx("remote.temporary", [*_base(), other], destination=DEST)) == []
    assert _flags(make_ctx("remote.posted_worker", [*_base(), proof], destination=DEST)) == []


def test_non_remote_services_are_left_alone() -> None:
    proof = mat("wp.jpg", "work_dispatch_proof")
    assert _flags(make_ctx("reimburse.outpatient", [proof], destination=DEST)) == []


def test_rules_only_name_known_facts() -> None:
    from validators.support.rules import filing_type_rules

    for r in filing_type_rules().rules:
        assert set(r.all) | set(r.any) <= set(FACTS)
