"""Progress bars on stderr for long engine work (tqdm), one bar per stage."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

Progress = Callable[[str, int, int], None]  # stage, done, total


class TerminalProgress:
    """A `Progress` callback that draws a tqdm bar on stderr for each stage it is told about."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.close()
            self._stage = stage
            if stage == "done":
                return
            if not self.enabled or total <= 1:
                print(f"newsbot: {stage}…", file=sys.stderr, flush=True)
                return
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=stage, unit="", file=sys.stderr, leave=False, dynamic_ncols=True)
        if self._bar is not None:
            self._bar.total = max(total, self._bar.total or 0)
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
