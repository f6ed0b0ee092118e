"""An index of the three tiny articles (tests/index/conftest.py), built with the lookup embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.index import store
from newsbot.index.build import build_index


@pytest.fixture
def data(corpus_dir: Path, tmp_path: Path, fake_embedder) -> store.IndexData:  # type: ignore[no-untyped-def]
    build_index([corpus_dir], tmp_path / "index", fake_embedder)
    return store.load(tmp_path / "index")

