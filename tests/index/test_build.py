"""Building an index: a build told to stop does so within a fraction of a second, whatever it is splitting;
a fresh build loads the model while it splits sentences."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from newsbot.index.build import build_index
from newsbot.index.embed import Embedder


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


class LoadRecorder:
    """An embedder's transformer loader that notes the thread it ran in, and can fail."""

    def __init__(self, fail: bool = False) -> None:
        self.threads: list[str] = []
        self.fail = fail

    def __call__(self) -> object:
        import threading

        self.threads.append(threading.current_thread().name)
        if self.fail:
            raise RuntimeError("the model cannot load")
        return _ConstantTransformer()


class _ConstantTransformer:
    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return np.ones((*input_ids.shape, 384), dtype=np.float32)


class TestModelLoad:
    def _embedder(self, loader: Callable[[], object]) -> Embedder:

        embedder = Embedder()
        embedder._load_transformer = loader  # type: ignore[method-assign]
        return embedder

    def test_a_fresh_build_loads_the_model_while_sentences_are_split(
        self, tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import threading

        from newsbot.index import build

        loaded = threading.Event()
        loader = LoadRecorder()

        def load() -> object:
            transformer = loader()
            loaded.set()
            return transformer

        split = build.split_sentences

        def slow_split(text: str, **kwargs: object) -> object:
            loaded.wait(timeout=10)  # splitting waits for the load: it must not need the splitting to end
            return split(text, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(build, "split_sentences", slow_split)
        build_index([corpus_dir], tmp_path / "index", self._embedder(load))
        assert loaded.is_set() and loader.threads == ["newsbot-model-load"]  # once, beside the splitting

    def test_an_update_loads_it_only_when_something_is_embedded(self, tmp_path: Path, corpus_dir: Path) -> None:
        build_index([corpus_dir], tmp_path / "index", self._embedder(LoadRecorder()))
        loader = LoadRecorder()
        build_index([corpus_dir], tmp_path / "index", self._embedder(loader))  # nothing changed
        assert loader.threads == []

    def test_a_failing_load_is_raised_by_the_build(self, tmp_path: Path, corpus_dir: Path) -> None:
        loader = LoadRecorder(fail=True)
        with pytest.raises(RuntimeError, match="the model cannot load"):
            build_index([corpus_dir], tmp_path / "index", self._embedder(loader))
        assert "MainThread" in loader.threads  # the build's own load raised it, not the background one
