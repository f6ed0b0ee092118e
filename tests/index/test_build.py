"""Building an index: a build told to stop does so within a fraction of a second, whatever it is splitting."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newsbot.index.build import build_index


class Stopped(Exception):
    pass


class TestStoppingABuild:
    def test_a_build_stops_in_the_middle_of_a_long_article(self, tmp_path: Path, write_corpus, fake_embedder):
        """Issue 20: SIGTERM waited for a whole article's sentence budget (5 s and more) to run out."""
        corpus = write_corpus(tmp_path / "corpus", {"long.txt": "Abbreviations\n" + "Mr. Dr. U.S. " * 200_000})
        asked_at: list[float] = []

        def progress(stage: str, done: int, total: int) -> None:
            if stage != "splitting sentences":
                return
            if not asked_at:  # the first report of the split: the bot is told to stop now
                asked_at.append(time.monotonic())
                return
            raise Stopped

        with pytest.raises(Stopped):
            build_index([corpus], tmp_path / "index", fake_embedder, progress=progress)
        assert time.monotonic() - asked_at[0] < 2  # the next report comes within 0.25 s of splitting
        assert not (tmp_path / "index" / "current").exists()
