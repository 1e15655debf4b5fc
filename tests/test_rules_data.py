"""The rule data: loads and validates for all 28 service codes and both regions; overlays; CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from pipeline.app.cli import rules as cli_rules
from pipeline.codes import DocType, ServiceCode
from validators.support.rules import (
    RULES_DIR,
    RulesError,
    available_regions,
    condition_holds,
    disease_catalogue,
    hospital_catalogue,
    load_rules,
    place_matches,
    rules_for_case,
    validate_all,
)

IDS = {
    DocType.ID_CARD_FRONT,
    DocType.SSC_CARD,
    DocType.RESIDENCE_PERMIT,
    DocType.HUKOU_BOOKLET,
    # seed 000 note ①: 护照、港澳居民来往内地通行证、港澳台居民居住证、外国人永久居留证
    DocType.PASSPORT,
    DocType.HK_MACAO_PERMIT,
    DocType.HMT_RESIDENCE_PERMIT,
    DocType.FOREIGN_PERMANENT_RESIDENCE,
}
ID_DOCS = IDS - {DocType.SSC_CARD}


@pytest.mark.parametrize("region", ["xinjiang", "jingmen"])
def test_every_service_code_has_rules(region: str) -> None:
    rs = load_rules(region)
    assert set(rs.services) == set(ServiceCode)
    for code in ServiceCode:
        s = rs.service(code)
        assert s.time_limits and s.channels and s.applicants
        assert s.requirements, code


def test_all_rule_files_validate() -> None:
    assert validate_all() == ["jingmen", "xinjiang"] == available_regions()


def test_person_services_accept_any_valid_identity() -> None:
    rs = load_rules("xinjiang")
    for code in ServiceCode:
        s = rs.service(code)
        ident = s.requirement("identity")
        if ident is not None:
            # seed 000 note ① and (二)(三): 参保登记 takes 有效身份证件 only (no 社会保障卡); the 国徽面 alone never
            want = ID_DOCS if code in (ServiceCode.ENROLL_EMPLOYEE, ServiceCode.ENROLL_RESIDENT) else IDS
            assert set(ident.any_of) == want, code
    assert rs.service("remote.referral").requirement("referral_slip").any_of == [DocType.REFERRAL_SLIP]  # type: ignore[union-attr]


def test_alternatives_follow_the_guide() -> None:
    rs = load_rules("xinjiang")
    retiree = rs.service("remote.retiree_relocation").requirement("relocation_proof")
    assert retiree is not None and set(retiree.any_of) == {DocType.HUKOU_BOOKLET, DocType.COMMITMENT_LETTER}
    lt = rs.service("remote.long_term_residence").requirement("residence_proof")
    assert lt is not None and DocType.COMMITMENT_LETTER in lt.any_of and DocType.RESIDENCE_PERMIT in lt.any_of
    posted = rs.service("remote.posted_worker").requirement("work_proof")
    assert posted is not None and set(posted.any_of) == {
        DocType.WORK_DISPATCH_PROOF,
        DocType.LABOR_CONTRACT,
        DocType.COMMITMENT_LETTER,
    }


def test_conditional_requirements_apply_only_with_their_facts() -> None:
    rs = load_rules("xinjiang")
    plain = {r.id for r in rs.active_requirements("reimburse.inpatient", {})}
    assert plain == {"identity", "invoice", "expense_list", "discharge_record"}
    full = {
        r.id
        for r in rs.active_requirements(
            "reimburse.inpatient",
            {"emergency": True, "accident": True, "agent": True, "remote": True, "remote_filed": False},
        )
    }
    # seed 000 (十八) 注①: 急诊"可要求"; a late filing is not in seed 000: both listed, not demanded (issue 14)
    assert full == plain | {"accident_proof", "agent_authorization"}
    # employer items get no agent authorization (that is for persons)
    assert "agent_authorization" not in {
        r.id for r in rs.active_requirements("enroll.employer", {"agent": True})
    }


def test_family_planning_proof_depends_on_inpatient() -> None:
    rs = load_rules("xinjiang")

    def ids(f: dict[str, object]) -> set[str]:
        return {r.id for r in rs.active_requirements("maternity.family_planning", f)}

    assert "clinical_proof" in ids({}) and "inpatient_proof" not in ids({})
    assert "inpatient_proof" in ids({"inpatient": True}) and "clinical_proof" not in ids({"inpatient": True})
    assert "outpatient_proof" in ids({"inpatient": False})


def test_jingmen_overlay() -> None:
    xj, jm = load_rules("xinjiang"), load_rules("jingmen")
    cross = {"transfer_scope": "cross_province"}
    # seed 000 (十): only 有效身份证件或医保电子凭证或社会保障卡 (issue 14); Jingmen measure 1 agrees
    assert {r.id for r in xj.active_requirements("transfer", cross)} == {"identity"}
    assert {r.id for r in jm.active_requirements("transfer", cross)} == {"identity"}
    assert jm.service("transfer").time_limits[0].days == 15
    assert xj.service("chronic.qualification").time_limits[0].days == 20
    assert jm.service("chronic.qualification").time_limits[0].days == 10
    assert jm.policy.emergency_treated_as_filed and not xj.policy.emergency_treated_as_filed
    assert jm.policy.late_filing_reimbursable and jm.policy.long_term_filing_validity
    unfiled_emergency = {"remote": True, "remote_filed": False, "emergency": True}
    unfiled = {"remote": True, "remote_filed": False}
    assert "remote_unfiled" not in {r.id for r in xj.active_requirements("reimburse.outpatient", unfiled)}
    # Jingmen measure 9 demands the late filing; measure 8 lifts it for emergencies
    assert "remote_unfiled" in {r.id for r in jm.active_requirements("reimburse.outpatient", unfiled)}
    assert "remote_unfiled" not in {
        r.id for r in jm.active_requirements("reimburse.outpatient", unfiled_emergency)
    }
    assert "identity" not in {
        r.id for r in jm.active_requirements("remote.temporary", {"channel": "self_service_terminal"})
    }
    assert "新疆医保服务平台" not in jm.service("reimburse.inpatient").channels
    # measure 13: the terminal generates the 备案表 and 承诺书
    assert "remote_care_form" not in {
        r.id for r in jm.active_requirements("remote.temporary", {"channel": "self_service_terminal"})
    }
    # the base is untouched by the overlay (cached objects are shared)
    assert "remote_care_form" in {
        r.id for r in xj.active_requirements("remote.temporary", {"channel": "self_service_terminal"})
    }


def test_unknown_region_falls_back_to_base_but_load_fails() -> None:
    assert rules_for_case("zhoushan").region == "xinjiang"
    with pytest.raises(RulesError, match="no rules for region"):
        load_rules("zhoushan")


def _copy_rules(tmp_path: Path) -> Path:
    d = tmp_path / "rules"
    shutil.copytree(RULES_DIR, d)
    return d


def _edit(path: Path, fn: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_unknown_doc_type_fails_loudly(tmp_path: Path) -> None:
    d = _copy_rules(tmp_path)
    _edit(
        d / "services.yaml",
        lambda x: x["services"]["query.person"]["requirements"][0]["any_of"].append("no_such_type"),
    )
    with pytest.raises(RulesError, match="services.yaml"):
        load_rules("xinjiang", d)


def test_unknown_service_and_missing_service_fail(tmp_path: Path) -> None:
    d = _copy_rules(tmp_path)
    _edit(
        d / "services.yaml",
        lambda x: x["services"].update({"remote.holiday": x["services"].pop("remote.temporary")}),
    )
    with pytest.raises(RulesError):
        load_rules("xinjiang", d)


def test_unknown_filing_key_fails(tmp_path: Path) -> None:
    d = _copy_rules(tmp_path)
    _edit(
        d / "services.yaml",
        lambda x: x["services"]["query.person"]["requirements"][0].update(when={"moon": True}),
    )
    with pytest.raises(RulesError, match="unknown filing key"):
        load_rules("xinjiang", d)


def test_overlay_patching_a_missing_requirement_fails(tmp_path: Path) -> None:
    d = _copy_rules(tmp_path)
    _edit(
        d / "regions" / "jingmen.yaml",
        lambda x: x["services"]["transfer"].update(remove_requirements=["nope"]),
    )
    with pytest.raises(RulesError, match="nope"):
        load_rules("jingmen", d)


def test_checked_requirement_needs_a_way_to_be_satisfied(tmp_path: Path) -> None:
    d = _copy_rules(tmp_path)
    _edit(d / "services.yaml", lambda x: x["services"]["query.person"]["requirements"][0].update(any_of=[]))
    with pytest.raises(RulesError):
        load_rules("xinjiang", d)


def test_condition_semantics() -> None:
    assert condition_holds({"emergency": True}, {"emergency": "true"})
    assert not condition_holds({"emergency": True}, {})
    assert not condition_holds({"emergency": True}, {"emergency": False})
    assert condition_holds({"inpatient": [True, False]}, {"inpatient": False})
    assert not condition_holds({"transfer_scope": "cross_province"}, {"transfer_scope": "within_region"})


def test_catalogue_matching() -> None:
    xj = disease_catalogue("xinjiang")
    assert xj.match("2型糖尿病伴周围神经病变") is not None
    assert xj.match("慢性肾病").name == "慢性肾脏病"  # type: ignore[union-attr]
    assert xj.match("右肺腺癌").name == "恶性肿瘤门诊放化疗"  # type: ignore[union-attr]
    for not_covered in ("慢性胃炎", "慢性浅表性胃炎", "腰椎间盘突出症", "慢性咽炎"):
        assert xj.match(not_covered) is None, not_covered
    jm = disease_catalogue("jingmen")
    assert {d.name for d in jm.diseases if d.cross_province} == {
        "高血压",
        "糖尿病",
        "恶性肿瘤门诊放化疗",
        "尿毒症透析",
        "器官移植术后抗排异治疗",
    }
    hc = hospital_catalogue()
    assert hc.match("浙大一院").name == "浙江大学医学院附属第一医院"  # type: ignore[union-attr]
    assert hc.match("武汉协和医院").name == "华中科技大学同济医学院附属协和医院"  # type: ignore[union-attr]
    assert hc.match("舟山医院（普陀院区）").name == "舟山医院"  # type: ignore[union-attr]
    assert hc.match("荆门市第三人民医院") is None  # an ordinal differs: not 第一/第二
    assert hc.match(" 荆门市第一人民医院 ").name == "荆门市第一人民医院"  # type: ignore[union-attr]
    # one OCR slip in a long name still matches; two hospitals that differ in two characters do not mix
    assert hc.match("舟山普陀安康私立医阮").name == "舟山普陀安康私立医院"  # type: ignore[union-attr]
    assert hc.match("华中科技大学同济医学院附属协和医阮").name.endswith("协和医院")  # type: ignore[union-attr]
    assert hc.match("华中科技大学同济医学院附属同济医院").name.endswith("同济医院")  # type: ignore[union-attr]
    assert hc.match("舟山医阮") is None  # too short to trust one slip


def test_hospitals_align_with_the_sample_generator() -> None:
    gen = Path(__file__).resolve().parents[1] / "samples" / "generator" / "data" / "hospitals.yaml"
    if not gen.is_file():
        pytest.skip("sample generator data not present")
    hc = hospital_catalogue()
    unlisted = {"宁波市第一医院"}  # issue 14: the case of a hospital the catalogue does not list
    for row in yaml.safe_load(gen.read_text(encoding="utf-8")):
        if row["name"] in unlisted:
            assert hc.match(row["name"]) is None
            continue
        h = hc.match(row["name"])
        assert h is not None, row["name"]
        assert h.networked == row["networked"], row["name"]
        assert h.can_refer == row["referral_qualified"], row["name"]
        assert h.region == row.get("region"), row["name"]


def test_place_matching() -> None:
    assert place_matches("浙江省舟山市普陀区沈家门街道", "浙江省舟山市普陀区")
    assert place_matches("浙江省舟山市定海区", "浙江省舟山市普陀区")  # same city
    assert place_matches("浙江省宁波市海曙区", "浙江省舟山市") is False
    assert place_matches(None, "浙江省舟山市") is None


def test_cli_rules_prints_tables() -> None:
    app = typer.Typer()
    cli_rules.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps typer from collapsing the app into one command
        pass

    r = CliRunner().invoke(app, ["rules"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "remote.retiree_relocation" in r.output and "28" in r.output
    r = CliRunner().invoke(app, ["rules", "transfer", "--region", "jingmen"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "15个工作日" in r.output and "insurance_certificate" not in r.output
    r = CliRunner().invoke(app, ["rules", "transfer"], env={"COLUMNS": "200"})
    assert "identity" in r.output and "insurance_certificate" not in r.output
    r = CliRunner().invoke(app, ["rules", "--keys"], env={"COLUMNS": "200"})
    assert "hukou_at_destination" in r.output
    r = CliRunner().invoke(app, ["rules", "no.such"])
    assert r.exit_code == 2
    r = CliRunner().invoke(app, ["rules", "--region", "mars"])
    assert r.exit_code == 2


def test_diseases_align_with_the_sample_generator() -> None:
    gen = Path(__file__).resolve().parents[1] / "samples" / "generator" / "data" / "diseases.yaml"
    if not gen.is_file():
        pytest.skip("sample generator data not present")
    for row in yaml.safe_load(gen.read_text(encoding="utf-8")):
        if row.get("acute") or row.get("maternity"):
            continue
        for region in ("xinjiang", "jingmen"):
            covered = disease_catalogue(region).match(row["name"]) is not None
            assert covered == row["chronic"], (region, row["name"])


def test_cli_rules_json() -> None:
    import json

    app = typer.Typer()
    cli_rules.register(app)

    @app.command("noop")
    def _noop() -> None:
        pass

    r = CliRunner().invoke(app, ["rules", "chronic.qualification", "--region", "jingmen", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["service"]["time_limits"] == [{"kind": "working_days", "days": 10, "label": None}]
    assert data["policy"]["emergency_treated_as_filed"] is True
