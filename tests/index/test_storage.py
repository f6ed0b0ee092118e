"""The store seam: the factory picks one store from the config, and the engine answers from any
store that keeps the `IndexStore` interface, without knowing which it has."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from newsbot.index import engine as engine_module
from newsbot.index import storage, store
from newsbot.index.config import EngineConfig
from newsbot.index.engine import Engine
from newsbot.index.postgres.generations import PostgresIndex
from newsbot.index.snapshot import Caches, Snapshot, Spans

QUESTIONS = ("How much did the Kelso footbridge cost?", "Who conducts the Ashby Singers?", "What is the capital of Australia?")


def _members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")} | set(getattr(protocol, "__annotations__", {}))


class TestOpenStore:
    def test_no_database_url_is_the_index_directory(self, tmp_path: Path):
        found = storage.open_store(EngineConfig(), tmp_path / "index")
        assert isinstance(found, store.DirectoryStore)
        assert found.location == str(tmp_path / "index") and not found.shared and found.uses_faiss

    def test_a_database_url_is_postgresql(self, database_url: str, tmp_path: Path):
        found = storage.open_store(EngineConfig(database_url=database_url), tmp_path / "index")
        try:
            assert isinstance(found, PostgresIndex) and found.shared and not found.uses_faiss
            assert "password" not in found.location
        finally:
            found.close()

    @pytest.mark.parametrize("implementation", [store.DirectoryStore, PostgresIndex])
    def test_each_store_has_every_member_of_the_interface(self, implementation: type):
        missing = _members(storage.IndexStore) - set(dir(implementation)) - {"shared", "uses_faiss"}
        assert not missing
        assert {"shared", "uses_faiss"} <= set(vars(implementation))

    def test_each_snapshot_has_every_member_of_the_protocol(self):
        from newsbot.index.postgres.stores import PgSnapshot

        for implementation in (store.IndexData, PgSnapshot):
            fields = set(inspect.signature(implementation).parameters)
            assert not _members(Snapshot) - set(dir(implementation)) - fields, implementation


class CountingStore:
    """A third store, as a new module would add one: here it keeps its generations in an index
    directory, and counts what the engine asks of it."""

    uses_faiss = True
    shared = True  # asked about other processes' generations, as a hosted store would be

    def __init__(self, directory: Path) -> None:
        self.inner = store.DirectoryStore(directory)
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.inner, name)


class TestAThirdStore:
    def test_the_engine_answers_from_it_as_from_the_index_directory(self, corpus_dir: Path, fake_embedder: Any,
                                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        plain = Engine(embedder=fake_embedder, config=EngineConfig(index_dir=tmp_path / "plain", corpus_paths=(corpus_dir,)))
        plain.ensure_index()
        third = CountingStore(tmp_path / "third")
        monkeypatch.setattr(engine_module, "open_store", lambda config, index_dir: third)
        engine = Engine(embedder=fake_embedder, config=EngineConfig(index_dir=tmp_path / "unused", corpus_paths=(corpus_dir,)))
        engine.ensure_index()
        for question in QUESTIONS:
            ours, theirs = engine.answer(question), plain.answer(question)
            assert (ours.answered, ours.text, ours.reason) == (theirs.answered, theirs.text, theirs.reason), question
        assert {"read_manifest", "lock", "previous", "write", "load", "share_progress"} <= set(third.calls)
        assert engine.location == str(tmp_path / "third") and not (tmp_path / "unused").exists()
        assert engine.stats().documents == 3 and not engine.reindexing and engine.reindex_progress() is None
        engine.close()


class TestCaches:
    def test_a_snapshot_starts_with_empty_typed_caches_that_stages_fill(self, corpus_dir: Path, fake_embedder: Any, tmp_path: Path):
        engine = Engine(embedder=fake_embedder, config=EngineConfig(index_dir=tmp_path / "index", corpus_paths=(corpus_dir,)))
        engine.ensure_index()
        data = engine.data
        assert isinstance(data, Spans) and data.caches.title_groups is None
        engine.answer("Who conducts the Ashby Singers?")
        assert data.caches.title_groups is not None and data.caches.article_terms
        engine.load()
        assert engine.data is not data and engine.data.caches == Caches()  # a new snapshot, new caches
