"""Stable case ids for the sample cases: a committed map from case key to case id.

A case keeps its id (and folder name) forever, whatever its position in the catalogue; a new key gets
the next free number of its region (``XJ-2024-000157`` after ``XJ-2024-000156``). The map is
``samples/case_ids.json``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent / "case_ids.json"
PREFIX = {"xinjiang": "XJ", "jingmen": "JM"}
_ID = re.compile(r"^([A-Z]+)-(\d{4})-(\d{6})$")


class CaseIds:
    def __init__(self, ids: dict[str, str], path: Path = DEFAULT_PATH) -> None:
        self.ids = dict(ids)
        self.path = path
        self.changed = False

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> CaseIds:
        ids = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return cls(ids, path)

    def assign(self, key: str, region: str, submitted: date) -> str:
        """The case id of ``key``; a key seen for the first time gets the next free number of its region."""
        if key in self.ids:
            return self.ids[key]
        prefix = PREFIX[region]
        used = [int(m.group(3)) for v in self.ids.values() if (m := _ID.match(v)) and m.group(1) == prefix]
        case_id = f"{prefix}-{submitted.year}-{max(used, default=100) + 1:06d}"
        self.ids[key] = case_id
        self.changed = True
        return case_id

    def save(self) -> None:
        text = json.dumps(dict(sorted(self.ids.items())), ensure_ascii=False, indent=1) + "\n"
        self.path.write_text(text, encoding="utf-8")
        self.changed = False


def sample_case(key: str, cases: Path | None = None) -> Path:
    """The committed folder of the sample case ``key`` (tests name cases by key, never by position)."""
    return (cases or DEFAULT_PATH.parent / "cases") / CaseIds.load().ids[key]
