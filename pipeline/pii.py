"""Personal data: masking for logs and messages, and a logging filter that masks ID numbers."""

from __future__ import annotations

import logging
import re

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_LONG_DIGITS = re.compile(r"(?<!\d)(\d{4})\d{6,}(\d{4})(?!\d)")


def mask_id(value: str | None) -> str:
    """``420802198503121234`` -> ``4208**********1234``."""
    if not value:
        return ""
    v = str(value)
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_name(value: str | None) -> str:
    """``张伟明`` -> ``张**``."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def redact(text: str) -> str:
    """Mask every 18-character ID number and long digit run in free text."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _LONG_DIGITS.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 8) + m.group(2), text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from pipeline.safety import printable

        msg = record.getMessage()
        # ID numbers masked; control characters (terminal escapes, bidi overrides) from file
        # names and other input shown as escapes, line breaks of tracebacks kept
        red = "\n".join(printable(part) for part in redact(msg).split("\n"))
        if red != msg:
            record.msg = red
            record.args = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    target = logger or logging.getLogger()
    for h in target.handlers or []:
        if not any(isinstance(f, RedactingFilter) for f in h.filters):
            h.addFilter(RedactingFilter())
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
