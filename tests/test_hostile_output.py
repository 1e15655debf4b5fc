"""Issue 16: control characters neutralised in every human-readable output (summary, logs)."""

from __future__ import annotations

import logging

from pipeline.codes import Decision, Severity
from pipeline.models import MaterialResult, Report, flag
from pipeline.pii import RedactingFilter
from pipeline.safety import printable

EVIL = "a\x1b[31mred\x07\x08\u202egpj.exe[bold]x[/bold].jpg"


def test_printable() -> None:
    out = printable(EVIL)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[31m" in out and "\\u202e" in out
    assert printable("scan\udcff.jpg") == "scan\\xff.jpg"  # undecodable file-name byte
    assert printable("张三 id_front.jpg") == "张三 id_front.jpg"


def test_summary_has_no_raw_escapes(capsys: object) -> None:
    from pipeline.app import cli

    rep = Report(
        case_id="T\x1b]0;owned\x07",
        decision=Decision.RETURN,
        flags=[flag("material.unreadable", Severity.BLOCKER, f"材料“{EVIL}”无法打开", material=EVIL)],
        materials=[MaterialResult(file=EVIL)],
        service="query.person",
        region="xinjiang",
        engine="x",
        seconds=0.1,
    )
    cli.out.begin_capture()
    cli._print_summary(rep)
    text = cli.out.end_capture()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b" in text and "\\u202e" in text.replace("\n", "").replace(" ", "").replace("│", "")


def test_log_lines_are_neutralised() -> None:
    rec = logging.LogRecord("x", logging.ERROR, __file__, 1, "bad file %s", (EVIL,), None)
    RedactingFilter().filter(rec)
    msg = rec.getMessage()
    assert "\x1b" not in msg and "\u202e" not in msg and "\\x1b" in msg
