"""Wording of flags in one place (``pipeline/data/messages.yaml``).

Each entry, keyed by flag code (optionally ``code#variant``), holds the Chinese ``message`` for the
applicant and the short ``reason`` for the auditor, as templates with declared parameters.
``make_flag(key, severity, ...)`` renders them into a :class:`pipeline.models.Flag`.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from pipeline.codes import FLAG_CATEGORIES, Severity
from pipeline.config import read_yaml
from pipeline.models import Flag, flag

MESSAGES_FILE = Path(__file__).resolve().parent / "data" / "messages.yaml"


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class MessageTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: list[str] = []
    message: str
    reason: str

    @model_validator(mode="after")
    def _declared(self) -> MessageTemplate:
        used = _placeholders(self.message) | _placeholders(self.reason)
        undeclared = used - set(self.params)
        if undeclared:
            raise ValueError(f"placeholders not declared in params: {sorted(undeclared)}")
        return self


class MessageCatalog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    templates: dict[str, MessageTemplate]

    @model_validator(mode="after")
    def _known_codes(self) -> MessageCatalog:
        for key in self.templates:
            code = key.split("#", 1)[0]
            if code not in FLAG_CATEGORIES:
                raise ValueError(f"{key}: unknown flag code {code!r}")
        return self

    def render(self, key: str, /, **params: Any) -> tuple[str, str]:
        """(message, reason) for ``key``; every declared parameter must be given."""
        t = self.templates[key]
        missing = [p for p in t.params if p not in params]
        if missing:
            raise KeyError(f"{key}: missing message parameters {missing}")
        values = {p: "" if params[p] is None else str(params[p]) for p in t.params}
        return t.message.format(**values), t.reason.format(**values)


@lru_cache(maxsize=4)
def load_messages(path: Path = MESSAGES_FILE) -> MessageCatalog:
    raw = read_yaml(path.read_text(encoding="utf-8")) or {}
    return MessageCatalog.model_validate({"templates": raw})


def render(key: str, /, **params: Any) -> tuple[str, str]:
    return load_messages().render(key, **params)


def make_flag(
    key: str,
    severity: Severity | str,
    *,
    material: str | None = None,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> Flag:
    """A flag whose message and reason come from the catalogue entry ``key`` (``code`` or ``code#variant``)."""
    message, reason = render(key, **(params or {}))
    return flag(key.split("#", 1)[0], severity, message, material=material, reason=reason, **extra)


def join_alternatives(names: list[str]) -> str:
    """["A", "B", "C"] -> "A、B或C" (Chinese enumeration of alternatives)."""
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return "、".join(names[:-1]) + "或" + names[-1]
