"""What every ``intake`` command shares: one line and a documented exit code for an expected error
(a traceback only with ``-v``), and ``-v`` / ``-q`` accepted anywhere on the command line.

Exit codes are those of :mod:`pipeline.errors` (README, "Exit codes").
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from typing import Any

import typer

from pipeline.errors import ExitCode, IntakeError

VERBOSE_FLAGS = frozenset({"-v", "--verbose"})
QUIET_FLAGS = frozenset({"-q", "--quiet"})


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move ``-v``/``--verbose``/``-q``/``--quiet`` to the front (they belong to the top command), so
    that ``intake check CASE -v`` works like ``intake -v check CASE``. Nothing after ``--`` moves."""
    flags: list[str] = []
    rest: list[str] = []
    for i, a in enumerate(argv):
        if a == "--":
            rest.extend(argv[i:])
            break
        (flags if a in VERBOSE_FLAGS or a in QUIET_FLAGS else rest).append(a)
    return flags + rest


def is_verbose(argv: list[str]) -> bool:
    head = argv[: argv.index("--")] if "--" in argv else argv
    return any(a in VERBOSE_FLAGS for a in head) or os.environ.get("INTAKE_VERBOSE") == "1"


def one_line(e: BaseException) -> str:
    from pipeline.pii import redact

    text = " ".join(str(e).split()) or type(e).__name__
    return redact(text)


def _is_usage_error(e: BaseException) -> bool:
    """A click/typer parser error (ClickException and its subclasses: UsageError, BadParameter,
    NoSuchOption, MissingParameter ...), whichever copy of click raised it."""
    mod = type(e).__module__
    return (
        hasattr(e, "format_message")
        and hasattr(e, "exit_code")
        and (mod.startswith("click") or mod.startswith("typer"))
        and any(c.__name__ == "ClickException" for c in type(e).__mro__)
    )


def _unexpected_one_line(e: BaseException) -> tuple[str, int] | None:
    """Expected errors that are not ours: a settings error, a database or network refusal."""
    from pydantic import ValidationError

    if isinstance(e, ValidationError):
        from pipeline.config import settings_error

        return str(settings_error(e)), ExitCode.BAD_CONFIG
    from sqlalchemy.exc import OperationalError

    if isinstance(e, OperationalError):
        return f"database unavailable: {type(e.orig).__name__ if e.orig else 'OperationalError'}", 4
    if isinstance(e, ConnectionError):
        return f"service unavailable: {type(e).__name__}", ExitCode.UNAVAILABLE
    return None


class IntakeTyper(typer.Typer):
    """A Typer app whose entry point turns an :class:`IntakeError` into one line and its exit code."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = list(kwargs.pop("args", None) or sys.argv[1:])
        verbose = is_verbose(argv)
        if not verbose:  # urllib3 warns on every retry of an unreachable endpoint: -v shows them
            logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
        kwargs["args"] = hoist_global_flags(argv)
        standalone = kwargs.pop("standalone_mode", True)
        try:
            rv = super().__call__(*args, standalone_mode=False, **kwargs)
        except IntakeError as e:
            self._fail(one_line(e), e.exit_code, e, verbose)
        except Exception as e:
            if _is_usage_error(e):  # the parser's own (typer vendors click): one line too, not a box
                ctx = getattr(e, "ctx", None)
                hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
                self._fail(f"{e.format_message()}{hint}", int(getattr(e, "exit_code", 2)), e, verbose)  # type: ignore[attr-defined]
            if type(e).__name__ == "Abort":
                self._fail("aborted", ExitCode.FAILURE, e, verbose)
            mapped = _unexpected_one_line(e)
            if mapped is None:
                raise
            self._fail(mapped[0], mapped[1], e, verbose)
        if not standalone:
            return rv
        raise SystemExit(rv if isinstance(rv, int) else 0)

    @staticmethod
    def _fail(message: str, code: int, exc: BaseException, verbose: bool) -> None:
        if verbose:
            traceback.print_exception(exc, file=sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        sys.stderr.flush()
        raise SystemExit(int(code))
