"""Where a material's seconds go: stage timers collected per material (in the process that does the
work) and carried back on ``MaterialResult.timing`` (not part of the report JSON).

    with timing.collect() as t:          # around one material
        with timing.stage("ingest"):
            ...
    result.timing = t

Stages nest freely; each name accumulates its own wall-clock seconds. Counters (``count``) record how
often something happened (e.g. orientation retries). Outside ``collect`` everything is a no-op.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[dict[str, float] | None] = ContextVar("intake_timing", default=None)


@contextmanager
def collect() -> Iterator[dict[str, float]]:
    acc: dict[str, float] = {}
    token = _current.set(acc)
    try:
        yield acc
    finally:
        _current.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    acc = _current.get()
    if acc is None:
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        acc[name] = acc.get(name, 0.0) + time.perf_counter() - t0


def count(name: str, n: float = 1) -> None:
    acc = _current.get()
    if acc is not None:
        acc[f"n_{name}"] = acc.get(f"n_{name}", 0.0) + n
