"""The wording catalogue: every template renders, placeholders are declared, codes exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.codes import FLAG_CATEGORIES
from pipeline.messages import join_alternatives, load_messages, make_flag, render


def test_every_template_renders_with_its_params() -> None:
    cat = load_messages()
    assert cat.templates
    for key, t in cat.templates.items():
        msg, reason = cat.render(key, **{p: f"<{p}>" for p in t.params})
        assert msg and reason and "{" not in msg + reason, key
        assert key.split("#")[0] in FLAG_CATEGORIES
        assert any("\u4e00" <= ch <= "\u9fff" for ch in msg), key  # Chinese for the applicant


def test_missing_parameter_is_an_error() -> None:
    with pytest.raises(KeyError):
        render("policy.residence_too_short", months=3)


def test_make_flag_fills_message_reason_and_category() -> None:
    f = make_flag(
        "policy.residence_too_short",
        "blocker",
        material="rp.jpg",
        params={"months": 3, "required": 6},
        field="valid_from",
    )
    assert f.code == "policy.residence_too_short" and f.category == "policy"
    assert "3个月" in f.message and f.reason and f.material == "rp.jpg" and f.field == "valid_from"
    v = make_flag(
        "policy.hospital_not_networked#unknown", "warning", params={"hospital": "X医院", "catalogue": "目录"}
    )
    assert v.code == "policy.hospital_not_networked" and "X医院" in v.message


def test_bad_catalogue_fails(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text("policy.no_such:\n  message: a\n  reason: b\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_messages(p)
    p.write_text("material.missing:\n  params: []\n  message: 缺少{x}\n  reason: b\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_messages(p)


def test_join_alternatives() -> None:
    assert join_alternatives(["A"]) == "A"
    assert join_alternatives(["A", "B", "C"]) == "A、B或C"
    assert join_alternatives(["A", "A", ""]) == "A"
