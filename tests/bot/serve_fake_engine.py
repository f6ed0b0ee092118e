"""`newsbot serve` with the fake engine in place of the real one: process-level tests without the model.

    python tests/bot/serve_fake_engine.py [newsbot arguments…]

A question containing "slowly" takes NEWSBOT_TEST_SLOW_SECONDS (default 2) to answer.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from fake_engine import FakeEngine  # noqa: E402

import newsbot.bot.app  # noqa: E402
from newsbot.cli import main as cli  # noqa: E402
from newsbot.index.types import Answer  # noqa: E402


class SlowFakeEngine(FakeEngine):
    def _answer(self, question: str, started: float, within: Collection[str] | None) -> Answer:
        if "slowly" in question.lower():
            time.sleep(float(os.environ.get("NEWSBOT_TEST_SLOW_SECONDS", "2")))
        return super()._answer(question, started, within)


def fake_engine(settings: Any) -> SlowFakeEngine:
    engine = SlowFakeEngine(settings.engine_corpus_paths or [])
    # Seconds per article when building (the start-up build too): a slow build to stop.
    engine.rebuild_step_seconds = float(os.environ.get("NEWSBOT_TEST_REBUILD_STEP_SECONDS", "0"))
    return engine


if __name__ == "__main__":
    newsbot.bot.app.build_engine = fake_engine
    sys.exit(cli.main())
