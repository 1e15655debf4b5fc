"""One error hierarchy for the whole project; every error carries its exit code.

The CLI turns an :class:`IntakeError` into one line on stderr and its ``exit_code`` (a traceback only
with ``-v``); the flows retry a :class:`TransientError` and nothing else that is ours.

| exit | meaning |
|---|---|
| 0 | done (whatever the verdicts) |
| 1 | an unexpected failure (a bug: the traceback is logged) |
| 2 | usage error, or a case folder / case.json that cannot be used (contract section 3) |
| 3 | bad configuration (settings, rule data, an enrollment source or OCR engine that cannot be used) |
| 4 | a store or service is unavailable (database, object storage): try again later |
| 5 | a batch finished, but some cases could not be processed |
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    BAD_CASE = 2
    BAD_CONFIG = 3
    UNAVAILABLE = 4
    PARTIAL = 5


class IntakeError(Exception):
    """Base of the project's errors: a message fit for one line, never an input value."""

    exit_code: int = ExitCode.FAILURE


class UsageError(IntakeError):
    """A bad argument on the command line (a date, a URL, a prefix)."""

    exit_code = ExitCode.USAGE


class CaseError(IntakeError):
    """The case folder itself cannot be used."""

    exit_code = ExitCode.BAD_CASE


class ConfigError(IntakeError):
    """The configuration or data the product stands on cannot be used."""

    exit_code = ExitCode.BAD_CONFIG


class TransientError(IntakeError):
    """Something outside may recover (a database connection, object storage, a busy service):
    worth a retry, and a case it hits goes to review, never to pass."""

    exit_code = ExitCode.UNAVAILABLE
