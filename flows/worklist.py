"""The night's work for auditors: the case ids to review and to return, with their flag codes.

Built from the state markers written beside each case (``.intake-state.json``: case id, decision, flag
codes), so it needs neither Prefect nor the reports; it never holds names or ID numbers.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date as date_cls
from typing import Any

from flows.storage import CaseStorage, StorageError, check_key
from pipeline.errors import UsageError

WORK_DECISIONS = ("return", "review")  # in the order an auditor works them
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str | None, option: str = "--date") -> str | None:
    """``YYYY-MM-DD`` (a real calendar date) or None; :class:`UsageError` otherwise, one line."""
    if value is None:
        return None
    v = value.strip()
    if not _DATE_RE.match(v):
        raise UsageError(f"{option} must be a date like 2026-11-25 (YYYY-MM-DD); got {value!r}")
    try:
        return date_cls.fromisoformat(v).isoformat()
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a calendar date") from None


def date_prefix(base: str, day: str | None) -> str:
    return f"{base.rstrip('/')}/{day}/" if day else base


def check_prefix(prefix: str | None) -> str | None:
    """A prefix is a case-key prefix: relative, no ``..``; :class:`UsageError` otherwise."""
    if prefix is None or prefix == "":
        return prefix
    try:
        check_key(prefix)
    except StorageError:
        raise UsageError(f"--prefix {prefix!r} is not a usable key prefix (relative, no '..')") from None
    return prefix


@dataclass
class WorkItem:
    decision: str  # review | return
    case_id: str
    key: str
    flags: list[str] = field(default_factory=list)  # distinct flag codes, sorted

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def work_item(key: str, case_id: str | None, decision: str | None, codes: list[str]) -> WorkItem | None:
    if decision not in WORK_DECISIONS:
        return None
    return WorkItem(
        decision=decision, case_id=case_id or key.rsplit("/", 1)[-1], key=key, flags=sorted(set(codes))
    )


def sort_items(items: list[WorkItem]) -> list[WorkItem]:
    return sorted(items, key=lambda w: (WORK_DECISIONS.index(w.decision), w.case_id, w.key))


def worklist(storage: CaseStorage, prefix: str) -> list[WorkItem]:
    """Every case under ``prefix`` whose last processing sent it to review or return."""
    items = []
    for key in storage.list_cases(prefix):
        st = storage.read_state(key) or {}
        item = work_item(key, st.get("case_id"), st.get("decision"), list(st.get("flags") or []))
        if item:
            items.append(item)
    return sort_items(items)


def worklist_markdown(items: list[WorkItem]) -> list[str]:
    """Markdown lines: one section per decision, one row per case (case id, flag codes)."""
    lines: list[str] = []
    for decision, title in (("return", "To return"), ("review", "To review")):
        rows = [w for w in items if w.decision == decision]
        lines += ["", f"{title} ({len(rows)}):", ""]
        if not rows:
            lines.append("- none")
            continue
        lines += ["| case id | flag codes | case key |", "|---|---|---|"]
        lines += [
            f"| {w.case_id} | {', '.join(f'`{c}`' for c in w.flags) or '-'} | `{w.key}` |" for w in rows
        ]
    return lines
