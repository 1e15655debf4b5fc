"""Cause 5 of seed 002 (filing type): the applicant chose the wrong kind of remote-care filing."""

from __future__ import annotations

from datetime import date

from pipeline.codes import DocType
from samples.generator.spec import JM, XJ, CaseSpec, MaterialSpec, add, chain, without

CASES: list[CaseSpec] = [
    CaseSpec(
        "retiree_chose_referral",
        "remote.referral",
        JM,
        date(2024, 6, 26),
        must=["filing.type_mismatch"],
        allow=["material.missing"],
        person={"age": (61, 70)},
        enroll={"retired": "true"},
        story={"dest": "舟山医院", "form_label": "异地安置退休人员", "hukou_at_dest": True},
        edit=chain(without(DocType.REFERRAL_SLIP), add(MaterialSpec(DocType.HUKOU_BOOKLET))),
        note="seed 002: 退休后在舟山长期居住的人员，误选“异地转诊”而非“异地安置退休”",
    ),
    CaseSpec(
        "long_term_chose_temporary",
        "remote.temporary",
        XJ,
        date(2025, 8, 19),
        must=["filing.type_mismatch"],
        story={"dest": "浙江大学医学院附属第一医院", "form_label": "异地长期居住人员"},
        edit=add(MaterialSpec(DocType.RESIDENCE_PERMIT)),
    ),
]
