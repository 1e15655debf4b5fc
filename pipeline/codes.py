"""The contract's vocabularies: service codes, document types, flag codes and their categories.

These names are stable (see ../shared/spec/CONTRACT.md): add, never rename.
"""

from __future__ import annotations

from enum import StrEnum


class DocType(StrEnum):
    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    RESIDENCE_PERMIT = "residence_permit"
    HUKOU_BOOKLET = "hukou_booklet"
    SSC_CARD = "ssc_card"
    MEDICAL_INVOICE = "medical_invoice"
    EXPENSE_LIST = "expense_list"
    DISCHARGE_RECORD = "discharge_record"
    REFERRAL_SLIP = "referral_slip"
    DIAGNOSIS_CERTIFICATE = "diagnosis_certificate"
    MEDICAL_RECORD = "medical_record"
    PRESCRIPTION = "prescription"
    REMOTE_CARE_FORM = "remote_care_form"
    APPLICATION_FORM = "application_form"
    COMMITMENT_LETTER = "commitment_letter"
    WORK_DISPATCH_PROOF = "work_dispatch_proof"
    LABOR_CONTRACT = "labor_contract"
    SETTLEMENT_STATEMENT = "settlement_statement"
    POWER_OF_ATTORNEY = "power_of_attorney"
    # Added by the project (issue 14): 有效身份证件 of seed 000 note ① and the accident papers of (十七)(十八) 注②.
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
    ACCIDENT_CERTIFICATE = "accident_certificate"
    UNKNOWN = "unknown"


#: Field names per document type, exactly as the contract lists them.
DOC_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.ID_CARD_FRONT: ("name", "sex", "ethnicity", "birth_date", "address", "id_number"),
    DocType.ID_CARD_BACK: ("issuer", "valid_from", "valid_until"),
    DocType.RESIDENCE_PERMIT: ("name", "id_number", "address", "valid_from", "valid_until"),
    DocType.HUKOU_BOOKLET: ("name", "id_number", "address"),
    DocType.SSC_CARD: ("name", "id_number", "ssc_number"),
    DocType.MEDICAL_INVOICE: (
        "invoice_code",
        "invoice_number",
        "check_code",
        "payer_name",
        "payee",
        "issue_date",
        "total_amount",
        "total_amount_upper",
    ),
    DocType.EXPENSE_LIST: ("patient_name", "hospital", "total_amount", "start_date", "end_date"),
    DocType.DISCHARGE_RECORD: ("patient_name", "hospital", "admission_date", "discharge_date", "diagnosis"),
    DocType.REFERRAL_SLIP: (
        "patient_name",
        "id_number",
        "from_hospital",
        "to_hospital",
        "diagnosis",
        "issue_date",
    ),
    DocType.DIAGNOSIS_CERTIFICATE: ("patient_name", "hospital", "diagnosis", "issue_date", "emergency"),
    DocType.MEDICAL_RECORD: ("patient_name", "hospital", "visit_date", "diagnosis", "emergency"),
    DocType.PRESCRIPTION: ("patient_name", "hospital", "issue_date"),
    DocType.REMOTE_CARE_FORM: ("name", "id_number", "filing_type", "destination"),
    DocType.APPLICATION_FORM: ("name", "id_number", "form_title"),
    DocType.COMMITMENT_LETTER: ("name", "id_number", "signed_date"),
    DocType.WORK_DISPATCH_PROOF: ("name", "employer", "destination", "issue_date"),
    DocType.LABOR_CONTRACT: ("name", "employer", "valid_from", "valid_until"),
    DocType.SETTLEMENT_STATEMENT: ("patient_name", "hospital", "total_amount"),
    DocType.POWER_OF_ATTORNEY: ("principal_name", "agent_name"),
    DocType.PASSPORT: ("name", "passport_number", "birth_date", "valid_until"),
    DocType.HK_MACAO_PERMIT: ("name", "permit_number", "birth_date", "valid_until"),
    DocType.HMT_RESIDENCE_PERMIT: ("name", "id_number", "address", "valid_from", "valid_until"),
    DocType.FOREIGN_PERMANENT_RESIDENCE: ("name", "card_number", "nationality", "valid_until"),
    DocType.ACCIDENT_CERTIFICATE: ("party_name", "issuer", "issue_date"),
    DocType.UNKNOWN: (),
}

#: Chinese display names, for messages.
DOC_NAMES: dict[DocType, str] = {
    DocType.ID_CARD_FRONT: "居民身份证人像面",
    DocType.ID_CARD_BACK: "居民身份证国徽面",
    DocType.RESIDENCE_PERMIT: "居住证",
    DocType.HUKOU_BOOKLET: "居民户口簿",
    DocType.SSC_CARD: "社会保障卡",
    DocType.MEDICAL_INVOICE: "医疗收费票据",
    DocType.EXPENSE_LIST: "费用清单",
    DocType.DISCHARGE_RECORD: "出院记录",
    DocType.REFERRAL_SLIP: "转诊转院单",
    DocType.DIAGNOSIS_CERTIFICATE: "诊断证明",
    DocType.MEDICAL_RECORD: "病历资料",
    DocType.PRESCRIPTION: "处方底方",
    DocType.REMOTE_CARE_FORM: "异地就医登记备案表",
    DocType.APPLICATION_FORM: "申请表",
    DocType.COMMITMENT_LETTER: "个人承诺书",
    DocType.WORK_DISPATCH_PROOF: "工作单位派出凭证",
    DocType.LABOR_CONTRACT: "劳动合同",
    DocType.SETTLEMENT_STATEMENT: "报销结算单",
    DocType.POWER_OF_ATTORNEY: "授权委托书",
    DocType.PASSPORT: "护照",
    DocType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    DocType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
    DocType.FOREIGN_PERMANENT_RESIDENCE: "外国人永久居留身份证",
    DocType.ACCIDENT_CERTIFICATE: "事故认定书、判决书或调解协议书",
    DocType.UNKNOWN: "未知材料",
}


class ServiceCode(StrEnum):
    ENROLL_EMPLOYER = "enroll.employer"
    ENROLL_EMPLOYEE = "enroll.employee"
    ENROLL_RESIDENT = "enroll.resident"
    CHANGE_EMPLOYER = "change.employer"
    CHANGE_EMPLOYEE = "change.employee"
    CHANGE_RESIDENT = "change.resident"
    QUERY_EMPLOYER = "query.employer"
    QUERY_PERSON = "query.person"
    ACCOUNT_WITHDRAWAL = "account.withdrawal"
    TRANSFER = "transfer"
    REMOTE_RETIREE_RELOCATION = "remote.retiree_relocation"
    REMOTE_LONG_TERM_RESIDENCE = "remote.long_term_residence"
    REMOTE_POSTED_WORKER = "remote.posted_worker"
    REMOTE_REFERRAL = "remote.referral"
    REMOTE_TEMPORARY = "remote.temporary"
    CHRONIC_QUALIFICATION = "chronic.qualification"
    REIMBURSE_OUTPATIENT = "reimburse.outpatient"
    REIMBURSE_INPATIENT = "reimburse.inpatient"
    MATERNITY_PRENATAL = "maternity.prenatal"
    MATERNITY_MEDICAL = "maternity.medical"
    MATERNITY_FAMILY_PLANNING = "maternity.family_planning"
    MATERNITY_ALLOWANCE = "maternity.allowance"
    ASSISTANCE_PREMIUM_SUBSIDY = "assistance.premium_subsidy"
    ASSISTANCE_REIMBURSEMENT = "assistance.reimbursement"
    DESIGNATION_MEDICAL_INSTITUTION = "designation.medical_institution"
    DESIGNATION_PHARMACY = "designation.pharmacy"
    SETTLEMENT_MEDICAL_INSTITUTION = "settlement.medical_institution"
    SETTLEMENT_PHARMACY = "settlement.pharmacy"


class Severity(StrEnum):
    BLOCKER = "blocker"
    WARNING = "warning"
    INFO = "info"


class Decision(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    RETURN = "return"


#: Every flag code of the contract and its category.
FLAG_CATEGORIES: dict[str, str] = {
    "material.missing": "material",
    "material.unreadable": "material",
    "material.unrecognized": "material",
    "material.type_mismatch": "material",
    "material.not_uploaded": "material",
    "image.blurry": "material",
    "image.low_resolution": "material",
    "image.glare": "material",
    "image.incomplete": "material",
    "document.fields_missing": "material",
    "document.expired": "material",
    "seal.missing": "material",
    "record.emergency_unmarked": "material",
    "identity.id_number_invalid": "identity",
    "identity.card_inconsistent": "identity",
    "identity.name_mismatch": "identity",
    "identity.id_number_mismatch": "identity",
    "enrollment.not_found": "identity",
    "enrollment.name_mismatch": "identity",
    "enrollment.ssc_mismatch": "identity",
    "enrollment.arrears": "status",
    "enrollment.suspended": "status",
    "enrollment.transfer_pending": "status",
    "enrollment.card_inactive": "status",
    "enrollment.ineligible": "status",
    "policy.disease_not_covered": "policy",
    "policy.residence_too_short": "policy",
    "policy.hospital_not_networked": "policy",
    "policy.referral_unqualified": "policy",
    "filing.type_mismatch": "filing_type",
    "consistency.amount_mismatch": "consistency",
    "consistency.date_mismatch": "consistency",
    "consistency.hospital_mismatch": "consistency",
    "invoice.duplicate": "consistency",
    "process.offline_confirmation": "process",
    "system.processing_failed": "system",
    # Added by the project (the contract allows adding codes): material was present but not listed.
    "material.unlisted": "material",
    # Added by the project: a grayscale photocopy where an original is required (advisory).
    "image.photocopy": "material",
    # Added by the project: the e-bill's printed code/number/check code differ from its QR code.
    "invoice.qr_mismatch": "consistency",
    # Added by the project (issue 14): the filing's destination (就医地) names another city than the hospital,
    # the 备案表 or the referral's receiving hospital (seed 002, 二.2 就医地选择错误).
    "filing.destination_mismatch": "filing_type",
}
