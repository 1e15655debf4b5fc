"""Every committed YAML file reads the same with the fast loader as with ``yaml.safe_load``."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.config import read_yaml

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_and_spec_file_reads_the_same() -> None:
    files = [
        p
        for d in ("pipeline", "validators", "extractors", "samples")
        for p in (ROOT / d).rglob("*.y*ml")
        if "cases" not in p.parts
    ]
    assert len(files) >= 10
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert read_yaml(text) == yaml.safe_load(text), p
