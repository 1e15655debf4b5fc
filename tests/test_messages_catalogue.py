"""One home for wording: every flag code has an applicant message and an auditor reason in
``pipeline/data/messages.yaml``, every entry is used, and no check writes Chinese wording inline."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.codes import FLAG_CATEGORIES
from pipeline.messages import load_messages
from validators.seals import load_rules as load_seal_rules

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "validators").rglob("*.py")), *sorted((ROOT / "pipeline").rglob("*.py"))]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _source_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)


def test_every_flag_code_has_a_message_and_a_reason() -> None:
    cat = load_messages()
    codes = {k.split("#", 1)[0] for k in cat.templates}
    assert sorted(set(FLAG_CATEGORIES) - codes) == []
    for key, t in cat.templates.items():
        assert t.message.strip() and t.reason.strip(), key
        assert CJK.search(t.message) and CJK.search(t.reason), f"{key}: message and reason are in Chinese"


def _dynamic_keys() -> set[str]:
    """Keys built at run time: seal.missing#<document type> from seal_required.yaml."""
    return {f"seal.missing#{t.value}" for t in load_seal_rules().required}


def test_every_template_is_used() -> None:
    src = _source_text()
    dynamic = _dynamic_keys()
    unused = [k for k in load_messages().templates if k not in dynamic and f'"{k}"' not in src]
    assert unused == []


def test_every_dynamic_key_has_a_template() -> None:
    assert sorted(_dynamic_keys() - set(load_messages().templates)) == []


def test_no_inline_flag_wording() -> None:
    """Flags are made with make_flag(key, ...) only; the old flag(code, severity, message) is not called."""
    offenders = []
    for p in SOURCES:
        if p.name == "messages.py":
            continue
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(?<![\w.])flag\(", line) and "def " not in line:
                offenders.append(f"{p.relative_to(ROOT)}:{n}")
    assert offenders == []
