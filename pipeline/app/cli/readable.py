"""``intake check`` for a person: per material its type, the fields read with their confidence, and
each flag with its auditor reason and where its evidence is (page, box)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.models import Evidence, Flag, Report
from pipeline.pii import redact
from pipeline.safety import printable

SEVERITY_STYLE = {"blocker": "red", "warning": "yellow", "info": "cyan"}


def where(evidence: list[Evidence] | None) -> str:
    """``p1 (x0,y0)-(x1,y1)`` per piece of evidence (pages counted from 1); ``-`` when none."""
    if not evidence:
        return "-"
    parts = []
    for ev in evidence:
        if ev.box:
            x0, y0, x1, y1 = (round(v) for v in ev.box)
            parts.append(f"p{ev.page + 1} ({x0},{y0})-({x1},{y1})")
        else:
            parts.append(f"p{ev.page + 1}")
    return "; ".join(parts)


def _safe(text: str) -> str:
    """For a terminal: control characters shown as escapes, ID numbers masked, markup escaped."""
    return escape(redact(printable(text)))


def _flag_row(f: Flag) -> tuple[str, str, str, str]:
    sev = f.severity.value
    reason = f.reason or f.message
    return (
        f"[{SEVERITY_STYLE.get(sev, 'white')}]{sev}[/]",
        _safe(f.code),
        _safe(reason),
        _safe(where(f.evidence)),
    )


def print_details(report: Report, console: Console) -> None:
    """One block per material (type, fields, flags), then the case-level flags."""
    for m in report.materials:
        declared = m.declared_type.value if m.declared_type else "-"
        console.print(
            f"\n[bold]{_safe(m.file)}[/]  declared {_safe(declared)}, "
            f"read as {_safe(m.detected_type.value)} ({m.type_confidence:.2f})",
            highlight=False,
        )
        fields = m.document.fields if m.document else {}
        if fields:
            ft = Table(show_header=True, box=None, pad_edge=False)
            for col in ("field", "value", "confidence", "where"):
                ft.add_column(col, overflow="fold")
            for name, fv in fields.items():
                ev = [Evidence(page=fv.page, box=fv.box)] if fv.page is not None else None
                ft.add_row(_safe(name), _safe(fv.value), f"{fv.confidence:.2f}", _safe(where(ev)))
            console.print(ft)
        else:
            console.print("  no fields read", highlight=False)
        flags = [f for f in report.flags if f.material == m.file]
        if flags:
            t = Table(show_header=True, box=None, pad_edge=False)
            for col in ("severity", "code", "auditor reason", "evidence"):
                t.add_column(col, overflow="fold")
            for f in flags:
                t.add_row(*_flag_row(f))
            console.print(t)
    case_flags = [f for f in report.flags if not f.material]
    if case_flags:
        console.print("\n[bold]Case[/]")
        t = Table(show_header=True, box=None, pad_edge=False)
        for col in ("severity", "code", "auditor reason", "evidence"):
            t.add_column(col, overflow="fold")
        for f in case_flags:
            t.add_row(*_flag_row(f))
        console.print(t)
