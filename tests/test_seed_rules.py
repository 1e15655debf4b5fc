"""One row per seed rule: the seed, its item and the sentence, a synthetic case (no OCR) and what the checks
must say. A reader can hold each row against ../shared/seeds/ (000 = 新疆办事指南, 001 = 荆医保发〔2023〕18号,
002 = 门特备案失败6大原因). Rows marked ``decision`` follow a recorded choice where the seed is ambiguous
(SEED_AUDIT A1–A6); the reason is written beside the rule in the data file named in ``where``.

The second table replays the synthetic scenarios of SEED_AUDIT.md's appendix on the new tree: each now
matches its seed or carries a recorded decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from pipeline.models import MaterialResult
from pipeline.stores.enrollment import EnrollmentRecord
from tests.test_rules_support import make_ctx, mat
from validators import consistency, destination, filing_type, identity, policy, requirements
from validators.enrollment_status import eligibility_flags, status_flags
from validators.support.rules import rules_for_case

ID = "id_card_front"
FORM = "remote_care_form"
APP = "application_form"


def _m(spec: str | tuple[str, dict[str, str]], i: int) -> MaterialResult:
    if isinstance(spec, tuple):
        t, fields = spec
        return mat(f"m{i}.jpg", t, fields=fields)
    if spec.startswith("text:"):  # a paper without a document type, known by its text
        return mat(f"m{i}.jpg", None, declared=None, text=spec[5:])
    return mat(f"m{i}.jpg", spec)


def run_case(
    service: str,
    materials: list[Any],
    region: str = "xinjiang",
    submitted_on: date = date(2024, 3, 5),
    **filing: Any,
) -> set[str]:
    """The findings of the case checks that need no OCR or enrollment: ``code[:requirement]/severity``."""
    ms = [_m(s, i) for i, s in enumerate(materials)]
    ctx = make_ctx(service, ms, region=region, submitted_on=submitted_on, **filing)
    checks = (
        requirements.required_materials,
        *policy.CASE_CHECKS,
        *destination.CASE_CHECKS,
        *filing_type.CASE_CHECKS,
        *consistency.CASE_CHECKS,
    )
    out: set[str] = set()
    for chk in checks:
        for f in chk(ctx):
            req = getattr(f, "requirement", None)
            out.add(f"{f.code}{':' + req if req else ''}/{f.severity.value}")
    rule = identity.service_rule(ctx.case.service)
    for f in identity.document_flags(ctx, rule):
        out.add(f"{f.code}/{f.severity.value}")
    return out


@dataclass
class SeedRule:
    seed: str  # "000 (十二)" = seed file, item or measure
    sentence: str  # quoted from the seed
    service: str
    materials: list[Any]
    expect: set[str]
    region: str = "xinjiang"
    filing: dict[str, Any] = field(default_factory=dict)
    decision: str | None = None  # where the recorded choice is (data file), when the seed is ambiguous


MISSING = "material.missing:{}/blocker".format

SEED_RULES: list[SeedRule] = [
    # ------------------------------------------------------------------ seed 000, 新疆办事指南
    SeedRule("000 (一)", "《基本医疗保险单位参保信息登记表》（加盖单位公章）", "enroll.employer", [], {MISSING("application_form")}),
    SeedRule("000 (二) 灵活就业", "（1）有效身份证件；（2）《职工基本医疗保险参保登记表》", "enroll.employee",
             ["ssc_card", APP], {MISSING("identity")}, decision="services.yaml _lists.id_doc"),
    SeedRule("000 (三)", "1.有效身份证件；2.《城乡居民基本医疗保险参保登记表》", "enroll.resident", [ID, APP], set()),
    SeedRule("000 (三) + 注①", "有效身份证件包括身份证、居住证、户口簿…（不含社会保障卡）", "enroll.resident",
             ["ssc_card", APP], {MISSING("identity")}),
    SeedRule("000 (五)", "有效身份证件或医保电子凭证或社会保障卡", "change.employee", ["ssc_card", APP], set()),
    SeedRule("000 (五)", "有效身份证件或医保电子凭证或社会保障卡", "change.employee", [APP], set(),
             filing={"e_voucher": True}),
    SeedRule("000 (八)", "有效身份证件或医保电子凭证或社会保障卡", "query.person", ["ssc_card"], set()),
    SeedRule("000 (八) 注①", "有效身份证件包括身份证… (国徽面 carries no name or number)", "query.person",
             ["id_card_back"], {MISSING("identity")}, decision="services.yaml _lists.id_any"),
    SeedRule("000 (九) 注②", "主动放弃参加职工基本医疗保险的，需提供主动放弃基本医疗保险的情况说明", "account.withdrawal",
             [ID, APP], {MISSING("quit_statement")}, filing={"withdrawal_reason": "voluntary_quit"}),
    SeedRule("000 (九) 注①", "因死亡支取的提供继承人身份证", "account.withdrawal",
             [(ID, {"name": "李继承"}), APP], {"identity.name_mismatch/warning"},
             filing={"withdrawal_reason": "death"}, decision="pipeline/data/messages.yaml identity.name_mismatch#heir"),
    SeedRule("000 (十)", "办理材料：有效身份证件或医保电子凭证或社会保障卡。", "transfer", [ID], set(),
             filing={"transfer_scope": "cross_province"}),
    SeedRule("000 (十一)", "异地安置认定材料：居民户口簿…或个人承诺书", "remote.retiree_relocation",
             [ID, FORM, "commitment_letter"], set()),
    SeedRule("000 (十一)", "异地安置认定材料：居民户口簿…或个人承诺书", "remote.retiree_relocation",
             [ID, FORM], {MISSING("relocation_proof")}),
    SeedRule("000 (十二)", "长期居住认定材料：居住证、居民户口簿任选其一，或个人承诺书 (no minimum stay)",
             "remote.long_term_residence", [ID, FORM, ("residence_permit", {"valid_from": "2024-01-10"})], set(),
             decision="services.yaml policy.min_residence_months"),
    SeedRule("000 (十二) 注②", "可提交有关部门出具的受理凭证", "remote.long_term_residence",
             [ID, FORM, "text:居住证受理凭证 受理编号2024001"], set()),
    SeedRule("000 (十三)", "参保地工作单位派出凭证、异地工作劳动合同任选其一，或个人承诺书", "remote.posted_worker",
             [ID, FORM, "labor_contract"], set()),
    SeedRule("000 (十四)", "参保地规定的定点医疗机构开具的转诊转院单", "remote.referral", [ID, FORM], {MISSING("referral_slip")}),
    SeedRule("000 (十四)", "经具有转诊资质的定点医疗机构批准 (no level named)", "remote.referral",
             [ID, FORM, ("referral_slip", {"from_hospital": "乌鲁木齐市米东区人民医院"})], set(),
             decision="services.yaml policy.referral_min_level"),
    SeedRule("000 (十五)", "1.有效身份证件…；2.《异地就医登记备案表》。", "remote.temporary", [ID, FORM], set(),
             filing={"emergency": True}, decision="services.yaml remote.temporary emergency_proof"),
    SeedRule("000 (十六)", "病历资料或检查资料", "chronic.qualification", [ID, APP, "diagnosis_certificate"],
             {MISSING("medical_evidence")}, decision="services.yaml chronic.qualification medical_evidence"),
    SeedRule("000 (十六)", "病历资料或检查资料", "chronic.qualification", [ID, APP, "medical_record"], set()),
    SeedRule("000 (十七) 注①", "急诊可要求提供急诊诊断证明", "reimburse.outpatient",
             [ID, "medical_invoice", "expense_list", "prescription"], set(), filing={"emergency": True},
             decision="services.yaml _emergency_proof (A4)"),
    SeedRule("000 (十七) 注②", "意外伤害…应提供交警事故认定书或法院判决书或调解协议书…无法提供的应填写个人承诺书",
             "reimburse.outpatient", [ID, "medical_invoice", "expense_list", "prescription"],
             {MISSING("accident_proof")}, filing={"accident": True}),
    SeedRule("000 (十七) 注②", "交警事故认定书", "reimburse.outpatient",
             [ID, "medical_invoice", "expense_list", "prescription", "text:道路交通事故认定书 第2024001号"], set(),
             filing={"accident": True}),
    SeedRule("000 (十八)", "1.有效身份证件…；2.医院收费票据；3.住院费用清单；4.出院记录 (no late filing)",
             "reimburse.inpatient", [ID, "medical_invoice", "expense_list", "discharge_record"], set(),
             filing={"remote": True, "remote_filed": False}, decision="services.yaml remote_unfiled"),
    SeedRule("000 (十九)", "医院收费票据；费用清单；诊断证明", "maternity.prenatal",
             [ID, "medical_invoice", "expense_list"], {MISSING("diagnosis_certificate")}),
    SeedRule("000 (二十四) 注②", "符合救助条件但未经认定的应提供《个人家庭经济状况核查委托授权书》",
             "assistance.reimbursement", [ID, "settlement_statement", APP, APP], {MISSING("means_test_authorization")},
             filing={"unverified_assistance": True}, decision="services.yaml means_test_authorization"),
    SeedRule("000 (二十六)", "执业药师资格证书…及其劳动合同复印件；医保专（兼）职管理人员的劳动合同复印件",
             "designation.pharmacy", [APP, "labor_contract"], set(), decision="services.yaml manager_contract"),
    SeedRule("000 总注②", "委托办理业务的，应提供…委托人授权委托书", "query.person", [ID], {MISSING("agent_authorization")},
             filing={"agent": True}),
    # ------------------------------------------------------------------ seed 001, 荆门 27 项便民措施
    SeedRule("001 措施1", "取消基本医保跨省转移接续中出具《参保凭证》和《联系函》材料的要求", "transfer", [ID], set(),
             region="jingmen", filing={"transfer_scope": "cross_province"}),
    SeedRule("001 措施8", "发生急诊抢救时，参保人员未办理异地就医备案的视同已备案", "reimburse.inpatient",
             [ID, "medical_invoice", "expense_list", "discharge_record"], set(), region="jingmen",
             filing={"remote": True, "remote_filed": False, "emergency": True}),
    SeedRule("001 措施9", "出院自费结算后按规定补办备案手续的，可以按参保地规定申请医保手工报销", "reimburse.inpatient",
             [ID, "medical_invoice", "expense_list", "discharge_record"], {MISSING("remote_unfiled")}, region="jingmen",
             filing={"remote": True, "remote_filed": False}),
    SeedRule("001 措施13", "免去提交身份证照片信息，自动生成备案登记表及承诺书", "remote.temporary", [], set(),
             region="jingmen", filing={"channel": "self_service_terminal"}),
    SeedRule("001 措施13", "自动生成备案登记表及承诺书", "remote.long_term_residence", [], set(), region="jingmen",
             filing={"channel": "self_service_terminal"}),
    # ------------------------------------------------------------------ seed 002, 门特备案失败 6 大原因
    SeedRule("002 二.2", "实际就医地为“浙江舟山普陀区”，却误选“浙江宁波”", "remote.referral",
             [ID, (FORM, {"destination": "浙江省舟山市普陀区"}), ("referral_slip", {"to_hospital": "舟山市普陀医院",
              "from_hospital": "新疆医科大学第一附属医院"})],
             {"filing.destination_mismatch/blocker", "consistency.hospital_mismatch/blocker",
              "policy.hospital_not_networked/warning"},  # 宁波市第一医院 is not in the sample catalogue
             filing={"destination": "浙江宁波", "hospital": "宁波市第一医院"}),
    SeedRule("002 二.2", "误选“浙江宁波”", "remote.temporary", [ID, FORM], {"filing.destination_mismatch/blocker"},
             filing={"destination": "浙江省宁波市海曙区", "hospital": "舟山市普陀医院"}),
    SeedRule("002 二.2 / 五", "属于“异地长期居住”人员，错选为“临时出差就医”，导致材料与备案类型不匹配", "remote.temporary",
             [ID, (FORM, {"filing_type": "☑异地长期居住人员"})], set(),
             decision="services.yaml policy.compare_ticked_filing_type (off: tick reading unreliable)"),
    SeedRule("002 四.2", "确认就医医院已接入国家异地就医结算系统 (unknown: review)", "remote.temporary", [ID, FORM],
             {"policy.hospital_not_networked/warning"}, filing={"hospital": "宁波市某某专科医院"}),
    SeedRule("002 一.2", "转诊医院无资质", "remote.referral",
             [ID, FORM, ("referral_slip", {"from_hospital": "乌鲁木齐市天山区东门社区卫生服务站"})],
             {"policy.referral_unqualified/blocker"}),
    SeedRule("002 三.2", "长期居住证明未满规定时限（如要求居住满6个月）: an example, no rule in 000/001",
             "remote.long_term_residence", [ID, FORM, "commitment_letter"], set(), filing={"residence_months": 2},
             decision="services.yaml policy.min_residence_months"),
]  # fmt: skip


@pytest.mark.parametrize("rule", SEED_RULES, ids=[f"{r.seed} {r.service}" for r in SEED_RULES])
def test_seed_rule(rule: SeedRule) -> None:
    got = run_case(rule.service, rule.materials, rule.region, **rule.filing)
    assert got == rule.expect, f"seed {rule.seed}: 「{rule.sentence}」"


def test_every_decision_names_its_place() -> None:
    for r in SEED_RULES:
        if r.decision:
            assert r.decision.split()[0].endswith((".yaml",)) or "messages.yaml" in r.decision, r.seed


@pytest.mark.parametrize(
    ("service", "region", "days"),
    [
        ("transfer", "jingmen", 15),  # 001 措施2: 由原来45个工作日压缩为15个工作日
        ("transfer", "xinjiang", 15),  # 000 (十) 办理时限：15个工作日
        ("chronic.qualification", "jingmen", 10),  # 001 措施26: 由原来20个工作日压缩为10个工作日
        ("chronic.qualification", "xinjiang", 20),  # 000 (十六) 20个工作日
        ("reimburse.inpatient", "xinjiang", 30),  # 000 (十八) 30个工作日
        ("maternity.allowance", "xinjiang", 10),  # 000 (二十二) 10个工作日
    ],
)
def test_time_limits(service: str, region: str, days: int) -> None:
    assert rules_for_case(region).service(service).time_limits[0].days == days


def test_expiry_window_follows_the_processing_time() -> None:
    """The expiring warning uses the service's 办理时限 (000: 即时办结, N 个工作日, 90 个自然日)."""
    from validators.expiry import service_processing_days as days

    assert days("xinjiang", "remote.referral", 30) == 0  # 即时办结
    assert days("xinjiang", "reimburse.inpatient", 30) == 42  # 30 个工作日
    assert days("xinjiang", "designation.pharmacy", 30) == 90  # 90 个自然日
    assert days("jingmen", "chronic.qualification", 30) == 14  # 措施26: 10 个工作日


# --------------------------------------------------------------------------- the audit's appendix, replayed


def _rec(**kw: Any) -> EnrollmentRecord:
    base: dict[str, Any] = {
        "id_number": "11010519491231002X",
        "name": "张伟明",
        "insurance_type": "employee",
        "status": "active",
        "card_activated": True,
        "region": "xinjiang",
        "retired": False,
    }
    return EnrollmentRecord(**(base | kw))


def _codes(flags: Any) -> set[str]:
    return {f"{f.code}/{f.severity.value}" for f in flags}


NONE: set[str] = set()

APPENDIX: list[tuple[str, Any, set[str], str]] = [
    # (audit heading, scenario, findings now, "seed" = matches its seed / "decision: where")
    ("transfer cross_province xinjiang (ID only)",
     lambda: run_case("transfer", [ID], transfer_scope="cross_province"), NONE, "seed 000 (十)"),
    ("transfer cross_province jingmen (ID only)",
     lambda: run_case("transfer", [ID], "jingmen", transfer_scope="cross_province"), NONE, "seed 001 措施1"),
    ("reimburse.inpatient remote unfiled emergency xinjiang",
     lambda: run_case("reimburse.inpatient", [ID, "medical_invoice", "expense_list", "discharge_record"],
                      remote=True, remote_filed=False, emergency=True), NONE, "decision: services.yaml (A4)"),
    ("reimburse.inpatient remote unfiled non-emergency xinjiang",
     lambda: run_case("reimburse.inpatient", [ID, "medical_invoice", "expense_list", "discharge_record"],
                      remote=True, remote_filed=False), NONE, "seed 000 (十八)"),
    ("reimburse.inpatient remote unfiled emergency jingmen",
     lambda: run_case("reimburse.inpatient", [ID, "medical_invoice", "expense_list", "discharge_record"], "jingmen",
                      remote=True, remote_filed=False, emergency=True), NONE, "seed 001 措施8"),
    ("reimburse.inpatient remote unfiled non-emergency jingmen",
     lambda: run_case("reimburse.inpatient", [ID, "medical_invoice", "expense_list", "discharge_record"], "jingmen",
                      remote=True, remote_filed=False), {MISSING("remote_unfiled")}, "seed 001 措施9"),
    ("reimburse.outpatient emergency (no 急诊 proof)",
     lambda: run_case("reimburse.outpatient", [ID, "medical_invoice", "expense_list", "prescription"], emergency=True),
     NONE, "decision: services.yaml (A4)"),
    ("long_term_residence permit valid_from 2024-01-10 xinjiang",
     lambda: run_case("remote.long_term_residence", [ID, FORM, ("residence_permit", {"valid_from": "2024-01-10"})]),
     NONE, "decision: services.yaml policy.min_residence_months"),
    ("long_term_residence permit valid_from 2024-01-10 jingmen",
     lambda: run_case("remote.long_term_residence", [ID, FORM, ("residence_permit", {"valid_from": "2024-01-10"})],
                      "jingmen"), NONE, "decision: services.yaml policy.min_residence_months"),
    ("referral unknown hospitals: referral_unqualified",
     lambda: run_case("remote.referral", [ID, FORM, ("referral_slip", {"from_hospital": "某某乡卫生院"})]),
     {"policy.referral_unqualified/warning"}, "issue 14: unknown is review"),
    ("referral unknown hospitals: hospital_not_networked",
     lambda: run_case("remote.referral", [ID, FORM, "referral_slip"], hospital="宁波市某某专科医院"),
     {"policy.hospital_not_networked/warning"}, "issue 14: unknown is review"),
    ("referral to Putuo: offline_confirmation",
     lambda: run_case("remote.referral", [ID, FORM, "referral_slip"], destination="浙江省舟山市普陀区",
                      hospital="舟山市普陀医院"),
     {"process.offline_confirmation/warning"}, "decision: offline_confirmation.yaml (A2)"),
    ("jingmen case, referral issued by a Xinjiang hospital",
     lambda: run_case("remote.referral", [ID, FORM, ("referral_slip", {"from_hospital": "新疆医科大学第一附属医院"})],
                      "jingmen"),
     {"policy.referral_unqualified/blocker"}, "seed 000 (十四) 参保地规定的定点医疗机构"),
    ("remote.temporary with residence permit (address not read) as ID",
     lambda: run_case("remote.temporary", ["residence_permit", FORM], destination="浙江省杭州市"), NONE, "audit §4.4"),
    ("remote.temporary with residence permit, no destination",
     lambda: run_case("remote.temporary", [("residence_permit", {"address": "浙江省杭州市上城区"}), FORM]), NONE,
     "audit §4.4"),
    ("account.withdrawal death, heir's ID uploaded",
     lambda: run_case("account.withdrawal", [(ID, {"name": "李继承", "id_number": "110105194912310021"}), APP],
                      withdrawal_reason="death"),
     {"identity.name_mismatch/warning"}, "seed 000 (九) 注①; decision: messages.yaml #heir"),
    ("retiree relocation, nothing",
     lambda: run_case("remote.retiree_relocation", []),
     {MISSING("identity"), MISSING("remote_care_form"), MISSING("relocation_proof")}, "seed 000 (十一)"),
    ("withdrawal voluntary quit, nothing but ID+form",
     lambda: run_case("account.withdrawal", [ID, APP], withdrawal_reason="voluntary_quit"),
     {MISSING("quit_statement")}, "seed 000 (九) 注②"),
    ("assistance.reimbursement unverified",
     lambda: run_case("assistance.reimbursement", [ID, "settlement_statement", APP], unverified_assistance=True),
     {MISSING("means_test_authorization")}, "seed 000 (二十四) 注②"),
    ("designation.pharmacy one contract",
     lambda: run_case("designation.pharmacy", [APP, "labor_contract"]), NONE, "decision: services.yaml manager_contract"),
    ("jingmen self-service terminal temporary filing, no uploads",
     lambda: run_case("remote.temporary", [], "jingmen", channel="self_service_terminal"), NONE, "seed 001 措施13"),
    ("enroll.resident with only ssc card",
     lambda: run_case("enroll.resident", ["ssc_card", APP]), {MISSING("identity")}, "seed 000 (三), 注①"),
    ("retiree, only id back + form + commitment",
     lambda: run_case("remote.retiree_relocation", ["id_card_back", FORM, "commitment_letter"]),
     {MISSING("identity")}, "decision: services.yaml _lists.id_any"),
    ("transfer xinjiang cross-province, ID + two unrelated application forms",
     lambda: run_case("transfer", [ID, APP, APP], transfer_scope="cross_province"), NONE, "seed 000 (十)"),
    ("maternity.allowance resident-insured",
     lambda: _codes(eligibility_flags(_rec(insurance_type="resident"), "maternity.allowance", "xinjiang")),
     {"enrollment.ineligible/blocker"}, "decision: eligibility.yaml maternity.allowance (A5)"),
    ("remote.posted_worker resident-insured",
     lambda: _codes(eligibility_flags(_rec(insurance_type="resident"), "remote.posted_worker", "xinjiang")),
     {"enrollment.ineligible/blocker"}, "seed 000 (十三) 用人单位派驻"),
    ("query.person card inactive",
     lambda: _codes(status_flags(_rec(card_activated=False), "query.person")), NONE, "seed 000 (八)"),
    ("chronic.qualification card inactive",
     lambda: _codes(status_flags(_rec(card_activated=False), "chronic.qualification")),
     {"enrollment.card_inactive/blocker"}, "seed 002 三.1 社保卡未激活"),
    ("remote.retiree_relocation non-retired",
     lambda: _codes(eligibility_flags(_rec(), "remote.retiree_relocation", "xinjiang")),
     {"enrollment.ineligible/blocker"}, "seed 000 (十一) 退休后"),
    ("referral: destination 宁波 but hospital/slip/form say 舟山; form ticks 异地长期居住",
     lambda: run_case("remote.referral",
                      [ID, (FORM, {"destination": "浙江省舟山市普陀区", "filing_type": "☑异地长期居住人员"}),
                       ("referral_slip", {"to_hospital": "舟山市普陀医院", "from_hospital": "新疆医科大学第一附属医院"})],
                      destination="浙江省宁波市", hospital="舟山市普陀医院"),
     {"filing.destination_mismatch/blocker"}, "seed 002 二.2; ticked type: decision services.yaml"),
    ("temporary filing whose form says 异地长期居住",
     lambda: run_case("remote.temporary", [ID, (FORM, {"filing_type": "☑异地长期居住人员"})]),
     NONE, "decision: services.yaml policy.compare_ticked_filing_type"),
]  # fmt: skip


@pytest.mark.parametrize(("heading", "scenario", "expect", "basis"), APPENDIX, ids=[a[0] for a in APPENDIX])
def test_audit_appendix_scenario(heading: str, scenario: Any, expect: set[str], basis: str) -> None:
    assert basis  # every row names its seed sentence or its recorded decision
    assert scenario() == expect, heading


def test_referral_after_admission_is_review_in_jingmen() -> None:
    """001 措施7: 出院结算前完成登记备案的 … 应提供跨省异地就医直接结算服务 (decision A6: review, not return)."""

    def stay_and_slip(region: str) -> set[str]:
        rec = mat(
            "dr.pdf",
            "discharge_record",
            fields={"admission_date": "2024-03-01", "discharge_date": "2024-03-10"},
        )
        slip = mat("slip.jpg", "referral_slip", fields={"issue_date": "2024-03-05"})
        ctx = make_ctx("reimburse.inpatient", [rec, slip], region=region)
        return {f"{f.code}/{f.severity.value}" for f in consistency.date_consistency(ctx)}

    assert stay_and_slip("xinjiang") == {"consistency.date_mismatch/blocker"}
    assert stay_and_slip("jingmen") == {"consistency.date_mismatch/warning"}


def test_ticked_filing_type_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """002 二.2/五: with the switch on, the form's ticked type is compared with the service."""
    real = destination.rules_for_case

    def on(region: str) -> Any:
        rs = real(region)
        return rs.model_copy(
            update={"policy": rs.policy.model_copy(update={"compare_ticked_filing_type": True})}
        )

    monkeypatch.setattr(destination, "rules_for_case", on)
    assert run_case("remote.temporary", [ID, (FORM, {"filing_type": "☑异地长期居住人员"})]) == {
        "filing.type_mismatch/blocker"
    }
    assert run_case("remote.temporary", [ID, (FORM, {"filing_type": "☑其他临时外出就医人员"})]) == set()
    # several options read together: the tick is not known
    assert run_case("remote.temporary", [ID, (FORM, {"filing_type": "异地长期居住 异地转诊"})]) == set()


def test_destination_reads_only_confident_fields_as_fact() -> None:
    form = mat("f.pdf", FORM, fields={"destination": "浙江省舟山市"}, conf=0.5)
    ctx = make_ctx("remote.temporary", [form], destination="浙江省宁波市")
    assert [f.severity.value for f in destination.destination_mismatch(ctx)] == ["warning"]
    same = mat("f.pdf", FORM, fields={"destination": "舟山市普陀区"})
    assert (
        list(
            destination.destination_mismatch(make_ctx("remote.temporary", [same], destination="浙江省舟山市"))
        )
        == []
    )
