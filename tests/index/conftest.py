"""Fixtures for engine tests: tiny corpora written to tmp_path, and an embedder without a model run."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_embedder import FakeEmbedder

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
