"""A one-line progress bar for long command-line runs, drawn only on a terminal."""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """``bar(done, total)`` redraws ``label [#####.....] done/total`` in place (at most ten
    times a second, and always at the end); ``close()`` ends the line. On a pipe or a file it
    draws nothing, so logs and scripts stay clean."""

    def __init__(self, stream: TextIO, label: str, enabled: bool | None = None) -> None:
        self._stream = stream
        self._label = label
        self._enabled = _isatty(stream) if enabled is None else enabled
        self._drawn = False
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = WIDTH * min(done, total) // total
        bar = "#" * filled + "." * (WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {done}/{total}")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
