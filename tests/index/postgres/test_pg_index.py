"""The index in PostgreSQL: the same answers as the index directory, generations switched whole,
one writer at a time, and a one-line error for each database that cannot be used."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest

from newsbot.index import store
from newsbot.index.config import EngineConfig
from newsbot.index.engine import Engine
from newsbot.index.postgres.database import DatabaseError
from newsbot.index.postgres.generations import PostgresIndex

QUESTIONS = (
    "How much did the Kelso footbridge cost?",
    "Who credited a warm spring?",
    "Which choir won the national prize?",
    "Who conducts the Ashby Singers?",
    "How many tonnes of apples were picked?",
    "What is the capital of Australia?",
)


def _engine(corpus: Path, embedder: Any, database_url: str | None = None, index_dir: Path | None = None) -> Engine:
    config = EngineConfig(index_dir=index_dir, corpus_paths=(corpus,), database_url=database_url)
    return Engine(embedder=embedder, config=config)


@pytest.fixture
def pg_engine(corpus_dir: Path, fake_embedder: Any, database_url: str) -> Any:
    engine = _engine(corpus_dir, fake_embedder, database_url)
    engine.reindex()
    yield engine
    engine.close()


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return sorted(r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename ~ '^newsbot_g[0-9]+_'"))


class TestSameAnswers:
    def test_answers_hits_and_bm25_match_the_index_directory(self, pg_engine: Engine, corpus_dir: Path, fake_embedder: Any, tmp_path: Path):
        local = _engine(corpus_dir, fake_embedder, index_dir=tmp_path / "index")
        local.reindex()
        for question in QUESTIONS:
            ours, theirs = pg_engine.answer(question), local.answer(question)
            assert (ours.answered, ours.text, ours.reason) == (theirs.answered, theirs.text, theirs.reason), question
            assert [h.chunk_id for h in ours.hits] == [h.chunk_id for h in theirs.hits], question
            assert np.allclose([h.score for h in ours.hits], [h.score for h in theirs.hits], atol=1e-4), question
        terms = list(local.data.lexical.doc_freq)
        for term in terms:
            assert np.allclose(pg_engine.data.lexical.scores([term, term]), local.data.lexical.scores([term, term]), atol=1e-5), term
            assert pg_engine.data.lexical.idf(term) == pytest.approx(local.data.lexical.idf(term))
        assert pg_engine.data.lexical.idf("unseen") == pytest.approx(local.data.lexical.idf("unseen"))
        since = pg_engine.answer("Who conducts the choir?", since=date(2021, 1, 1))
        assert since.sources == () or all(s.doc_id == "bridge.txt" for s in since.sources)

    def test_stats_name_the_generation_and_size(self, pg_engine: Engine):
        stats = pg_engine.stats()
        assert stats.generation.startswith("pg-") and stats.documents == 3 and stats.index_bytes > 0

    def test_a_load_reads_the_lexicon_the_build_learned(self, pg_engine: Engine):
        pg_engine.load()
        assert pg_engine.data.caches.lexicon is not None and pg_engine.data.lexicon.counts.get("kelso")


class TestGenerations:
    def test_reindex_reuses_vectors_switches_and_keeps_one_previous(self, pg_engine: Engine, corpus_dir: Path, database_url: str):
        first = pg_engine.data.generation
        assert pg_engine.reindex().embedded_chunks == 0  # unchanged articles: vectors reused from the database
        (corpus_dir / "extra.txt").write_text("Ferry service resumes\n\nThe island ferry resumed sailing on Monday after repairs.\n")
        summary = pg_engine.reindex()
        assert 0 < summary.embedded_chunks < summary.chunks
        assert pg_engine.answer("When did the island ferry resume sailing?").generation != first
        generations = {name.split("_")[1] for name in _tables(database_url)}
        assert len(generations) == 2  # the current one and the one just replaced

    def test_a_replica_sees_the_new_generation_and_never_a_mix(self, pg_engine: Engine, corpus_dir: Path, fake_embedder: Any, database_url: str):
        replica = _engine(corpus_dir, fake_embedder, database_url)
        try:
            old = replica.answer(QUESTIONS[0]).generation
            seen: list[tuple[str, tuple[str, ...]]] = []
            stop = threading.Event()

            def ask() -> None:
                while not stop.is_set():
                    answer = replica.answer("When did the island ferry resume sailing?")
                    seen.append((answer.generation, tuple(s.doc_id for s in answer.sources)))

            (corpus_dir / "extra.txt").write_text("Ferry service resumes\n\nThe island ferry resumed sailing on Monday after repairs.\n")
            thread = threading.Thread(target=ask)
            thread.start()
            pg_engine.reindex()
            new = pg_engine.data.generation
            deadline = time.monotonic() + 10
            while not any(g == new for g, _ in seen) and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
            thread.join()
            assert {g for g, _ in seen} <= {old, new} and any(g == new for g, _ in seen)
            assert all("extra.txt" not in docs for g, docs in seen if g == old)  # the old generation has no ferry article
        finally:
            replica.close()

    def test_a_snapshot_whose_generation_was_dropped_reloads(self, pg_engine: Engine, corpus_dir: Path, fake_embedder: Any):
        replica = _engine(corpus_dir, fake_embedder, pg_engine.config.database_url)
        try:
            replica.load()
            stale = replica.data.generation
            for n in range(2):  # two reindexes: the replica's generation is dropped
                (corpus_dir / f"extra{n}.txt").write_text(f"Notice {n}\n\nThe council published notice number {n} today.\n")
                pg_engine.reindex()
            replica._checked_at = float("inf")  # no periodic check: the dropped tables are what it meets
            answer = replica.answer("What did the council publish?")
            assert answer.generation == pg_engine.data.generation != stale
        finally:
            replica.close()

    def test_a_replica_starting_during_a_build_waits_for_it(self, pg_engine: Engine, corpus_dir: Path, fake_embedder: Any):
        (corpus_dir / "extra.txt").write_text("Ferry service resumes\n\nThe island ferry resumed sailing on Monday.\n")
        building = threading.Event()

        def build_slowly() -> None:
            with pg_engine.store.lock():
                building.set()
                time.sleep(1.0)

        thread = threading.Thread(target=build_slowly)
        thread.start()
        building.wait(5)
        other = _engine(corpus_dir, fake_embedder, pg_engine.config.database_url)
        try:
            assert other.ensure_index() is None  # waited for the other writer, then loaded its generation
            assert other.data.generation == pg_engine.data.generation
        finally:
            thread.join()
            other.close()

    def test_the_stage_of_a_rebuild_is_seen_from_another_replica(self, pg_engine: Engine, corpus_dir: Path, fake_embedder: Any):
        other = _engine(corpus_dir, fake_embedder, pg_engine.config.database_url)
        seen: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "writing index":
                seen["during"] = other.reindex_progress()

        try:
            assert other.reindex_progress() is None
            pg_engine.reindex(progress=progress)
            assert seen["during"] == ("writing index", 0, 1)
            assert other.reindex_progress() is None
        finally:
            other.close()

    def test_one_writer_at_a_time(self, pg_engine: Engine, corpus_dir: Path, fake_embedder: Any):
        other = _engine(corpus_dir, fake_embedder, pg_engine.config.database_url)
        try:
            with other.store.lock(), pytest.raises(store.ReindexRunning, match="another newsbot is rebuilding"):
                pg_engine.reindex()
        finally:
            other.close()

    def test_a_failed_write_leaves_the_old_generation_and_no_tables(self, pg_engine: Engine, corpus_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch):
        from newsbot.index.postgres import generations

        before, tables = pg_engine.data.generation, _tables(database_url)
        real = generations.write_tables

        def fail_midway(conn: Any, generation: int, data: Any) -> int:
            real(conn, generation, data)
            conn.execute("SELECT 1/0")  # the disk filled, the server restarted: the transaction fails
            return 0

        monkeypatch.setattr(generations, "write_tables", fail_midway)
        (corpus_dir / "extra.txt").write_text("Ferry service resumes\n\nThe island ferry resumed sailing on Monday.\n")
        with pytest.raises(DatabaseError, match="the old index is kept"):
            pg_engine.reindex()
        assert _tables(database_url) == tables
        pg_engine.load()
        assert pg_engine.data.generation == before


class TestBadDatabases:
    def _ask(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        import os

        return subprocess.run([sys.executable, "-m", "newsbot.cli.main", *args], capture_output=True, text=True, timeout=120,
                              env={**os.environ, **(env or {})})

    def test_unreachable_is_one_line_without_the_password(self):
        result = self._ask("ask", "--database-url", "postgresql://newsbot:hunter2@127.0.0.1:1/newsbot", "Who?")
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot reach the database" in lines[0] and "hunter2" not in result.stderr

    def test_missing_index_says_how_to_build_it(self, database_url: str):
        result = self._ask("ask", "Who?", env={"NEWSBOT_DATABASE_URL": database_url})
        assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
        assert "no index in the database" in result.stderr and "newsbot index" in result.stderr

    def test_pgvector_not_enabled_and_user_may_not(self, postgres_server: Any, database_url: str):
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DROP ROLE IF EXISTS plain_user")
            conn.execute("CREATE ROLE plain_user LOGIN")
        url = database_url.replace("postgres:@", "plain_user:@").replace("//postgres@", "//plain_user@")
        try:
            with pytest.raises(DatabaseError, match=r"CREATE EXTENSION vector.*as a superuser") as error:
                PostgresIndex(url)
            assert "\n" not in str(error.value)
        finally:
            with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
                conn.execute("DROP ROLE plain_user")

    def test_schema_of_another_version(self, database_url: str):
        PostgresIndex(database_url).close()
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("UPDATE newsbot_meta SET value = '2' WHERE key = 'schema_version'")
        with pytest.raises(DatabaseError, match="holds newsbot schema version 2; this newsbot uses 1: upgrade newsbot"):
            PostgresIndex(database_url)

    def test_vector_dimension_that_does_not_match_the_model(self, pg_engine: Engine, corpus_dir: Path, database_url: str):
        class WiderEmbedder(type(pg_engine.embedder)):  # type: ignore[misc]
            @property
            def dimension(self) -> int:
                return 768

        other = _engine(corpus_dir, WiderEmbedder(), database_url)
        try:
            with pytest.raises(store.IndexMismatch, match="holds 384-dimensional vectors.*makes 768; rebuild it"):
                other.load()
        finally:
            other.close()
