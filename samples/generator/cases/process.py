"""Cause 6 of seed 002 (process): the destination requires an offline confirmation."""

from __future__ import annotations

from datetime import date

from samples.generator.spec import XJ, CaseSpec

CASES: list[CaseSpec] = [
    CaseSpec(
        "zhoushan_offline_confirmation",
        "remote.referral",
        XJ,
        date(2024, 11, 19),
        must=["process.offline_confirmation"],
        decision="review",
        story={"dest": "舟山市普陀医院", "disease": "恶性肿瘤门诊放化疗"},
        note="seed 002: 舟山部分区县要求异地转诊人员携带转诊单到医保窗口现场确认",
    ),
]
