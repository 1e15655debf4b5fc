"""Progress of a batch: a bar on a terminal; elsewhere (a log file, a Prefect worker) a line every
``every_cases`` cases or ``every_seconds`` seconds with the rate and an estimate of the time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any


def _hms(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class BatchProgress:
    def __init__(
        self,
        total: int,
        *,
        emit: Callable[[str], None],
        tty: bool | None = None,
        every_cases: int = 10,
        every_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.done = 0
        self.emit = emit
        self.every_cases = max(1, every_cases)
        self.every_seconds = every_seconds
        self.clock = clock
        self.t0 = clock()
        self._last_t = self.t0
        self._last_n = 0
        self.tty = sys.stderr.isatty() if tty is None else tty
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> BatchProgress:
        if self.tty and self.total:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]cases"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._bar.start()
            self._task = self._bar.add_task("", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.done != self._last_n:
            self.emit(self.line())

    def line(self) -> str:
        elapsed = self.clock() - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = _hms(left / rate) if rate > 0 else "?"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return (
            f"progress: {self.done}/{self.total} cases ({pct:.0f}%) in {_hms(elapsed)}, "
            f"{rate * 3600:.0f} cases/h, about {eta} left"
        )

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n)
            return
        now = self.clock()
        if self.done - self._last_n >= self.every_cases or now - self._last_t >= self.every_seconds:
            self._last_n, self._last_t = self.done, now
            self.emit(self.line())
