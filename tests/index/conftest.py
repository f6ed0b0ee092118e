"""Fixtures for engine tests: tiny corpora written to tmp_path, and an embedder without a model run."""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pytest

from newsbot.index.embed import Embedder

DIMENSION = 384  # all-MiniLM-L6-v2, whose tokenizer the fake embedder keeps

ARTICLES = {
    "bridge.txt": (
        "---\ntitle: Kelso bridge opens\nsource: Border Times\ndate: 2021-03-04\n---\n"
        "The new Kelso footbridge opened to walkers on Tuesday after two years of work.\n\n"
        "Engineer Mara Quill said the span cost 4 million pounds and used recycled steel.\n"
    ),
    "harvest.txt": (
        "Orchard harvest breaks record\n\n"
        "Growers in the Teme valley picked 9,000 tonnes of apples this autumn, a record.\n\n"
        "The cooperative's chair, Ivo Brandt, credited a warm spring and few late frosts.\n"
    ),
    "choir.md": (
        "# Village choir wins national prize\n\n"
        "The **Ashby Singers** won the national amateur choir prize in [Cardiff](https://example.org) on Saturday.\n\n"
        "Their conductor, Lena Ostrova, has led the choir for eleven years.\n"
    ),
}


def _write_corpus(directory: Path, articles: dict[str, str | bytes] = ARTICLES) -> Path:
    """Write `articles` (name -> text or bytes) under `directory`, which is returned."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in articles.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


@cache
def _token_table() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((30522, DIMENSION)).astype(np.float32)


class _LookupTransformer:
    """Token vectors from a fixed random table: deterministic, instant, no torch."""

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return _token_table()[input_ids]


class FakeEmbedder(Embedder):
    """The real tokenizer and pooling around a lookup-table transformer, for index tests without the model."""

    @cached_property
    def transformer(self) -> _LookupTransformer:  # type: ignore[override]
        return _LookupTransformer()


@pytest.fixture
def good_articles() -> dict[str, str]:
    """Three good articles (name -> text): a .txt with front matter, a .txt without, a .md."""
    return dict(ARTICLES)


@pytest.fixture
def write_corpus():  # type: ignore[no-untyped-def]
    """write_corpus(directory, articles=the good ones) -> directory, with the files written."""
    return _write_corpus


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """The good articles in tmp_path/corpus."""
    return _write_corpus(tmp_path / "corpus")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()
