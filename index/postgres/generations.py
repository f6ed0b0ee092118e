"""Generations of the index in PostgreSQL: written beside the current one, switched in one commit.

A generation N is four tables, `newsbot_g<N>_documents`, `_sentences`, `_chunks` (with the HNSW
and GIN indexes) and `_terms`, plus a row of `newsbot_generations` holding its manifest. A build
creates and fills them, records N as `current_generation` in `newsbot_meta`, and commits: until
the commit nobody sees N, after it every new snapshot reads N. A snapshot (`PgSnapshot`) reads
only the tables of its own generation, so an answer never mixes two. The generation just replaced
stays for replicas still answering from it; older ones are dropped after the switch.

One writer at a time: a build holds a session advisory lock (`WRITER_LOCK`) from reading the old
generation (for its vectors) until the switch. A failed build rolls back: nothing half-written.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from newsbot.index import store
from newsbot.index.postgres.database import WRITER_LOCK, Database, DatabaseError, _configure
from newsbot.index.postgres.stores import PgLexicalStore, PgSnapshot, PgVectorStore, table
from newsbot.index.postgres.tables import (
    lexicon_from_text,
    lexicon_text,
    read_documents,
    read_int_rows,
    read_vectors,
    select_rows,
    write_tables,
)
from newsbot.index.progress import Progress
from newsbot.index.snapshot import Caches, Embedded, Snapshot
from newsbot.index.store import GenerationGone

log = logging.getLogger(__name__)
KEEP_PREVIOUS = 1  # generations kept besides the current one, for replicas still reading them


class PostgresIndex:
    """The index in the database at `url` as the engine's store (newsbot.index.storage.IndexStore):
    read, load, and (as a build target) lock and write."""

    uses_faiss = False  # the database searches; a build makes no FAISS index
    shared = True  # replicas answer from it and see each other's reindexes

    def __init__(self, url: str, max_connections: int = 8) -> None:
        self.database = Database(url, max_connections)
        self._writer: Any = None  # the connection holding the writer lock during a build

    @property
    def display(self) -> str:
        return self.database.display

    @property
    def location(self) -> str:
        return self.database.display

    def _missing(self) -> store.IndexMissing:
        return store.IndexMissing(
            f"no index in the database at {self.display}; build it with: newsbot index PATH... "
            "(with NEWSBOT_DATABASE_URL or --database-url set to that database)"
        )

    # -- reading ---------------------------------------------------------------------------

    def current_generation(self) -> int | None:
        with self.database.connection() as conn:
            row = conn.execute("SELECT value FROM newsbot_meta WHERE key = 'current_generation'").fetchone()
        return int(row[0]) if row else None

    def read_manifest(self) -> store.Manifest:
        with self.database.connection() as conn:
            row = conn.execute(
                "SELECT g.manifest FROM newsbot_generations g JOIN newsbot_meta m "
                "ON m.key = 'current_generation' AND g.id = m.value::bigint"
            ).fetchone()
        if row is None:
            raise self._missing()
        return store.Manifest(**row[0])

    def changed(self, snapshot: Snapshot) -> bool:
        return not isinstance(snapshot, PgSnapshot) or self.current_generation() != snapshot.database_generation

    def load(self, model_fingerprint: str | None = None, dimension: int | None = None) -> PgSnapshot:
        """The current generation as a snapshot; raises IndexMissing / IndexMismatch."""
        for _ in range(3):  # a reindex may drop the generation between reading its number and its rows
            generation = self.current_generation()
            if generation is None:
                raise self._missing()
            try:
                return self._load(generation, model_fingerprint, dimension)
            except GenerationGone:
                continue
        raise DatabaseError(f"the index in the database at {self.display} keeps changing under the load; retry")

    def _load(self, generation: int, model_fingerprint: str | None, dimension: int | None) -> PgSnapshot:
        with self.database.connection() as conn, conn.transaction():
            row = conn.execute("SELECT manifest, vocabulary, lexicon FROM newsbot_generations WHERE id = %s", (generation,)).fetchone()
            if row is None:
                raise self._missing()
            manifest = store.Manifest(**row[0])
            _check_model(manifest, model_fingerprint, dimension, self.display)
            documents, hashes = read_documents(conn, generation)
            sentences = read_int_rows(conn, generation, "sentences", "doc, start_char, end_char")
            chunks = read_int_rows(conn, generation, "chunks", "doc, first_sentence, last_sentence")
            vocabulary = {term: (int(i), int(df)) for term, i, df in conn.execute(select_rows(generation, "terms", "term, id, df"))}
            size = conn.execute(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c WHERE c.relkind = 'r' AND c.relname ~ %s",
                (f"^newsbot_g{generation}_",),
            ).fetchone()[0]
        if (len(documents), len(sentences), len(chunks)) != (manifest.documents, manifest.sentences, manifest.chunks):
            raise store.IndexCorrupt(
                f"the index in the database at {self.display} (generation {generation}) does not match its manifest; rebuild it with newsbot index"
            )
        # The lexicon was learned once at build time, not again by every replica at every load.
        return PgSnapshot(
            manifest=manifest,
            documents=documents,
            doc_hashes=hashes,
            sentences=sentences,
            doc_first_sentence=store.first_sentences(len(documents), sentences),
            chunks=chunks,
            vectors=PgVectorStore(self.database, generation, manifest.dimension),
            lexical=PgLexicalStore(self.database, generation, vocabulary, len(chunks), int(row[1])),
            database_generation=generation,
            size_bytes=int(size),
            caches=Caches(lexicon=lexicon_from_text(row[2]) if row[2] else None),
        )

    # -- a build target (newsbot.index.build) ------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Be the one writer: a session advisory lock on a connection of its own."""
        with self.database.dedicated() as conn:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK,)).fetchone()[0]:
                raise store.ReindexRunning(f"another newsbot is rebuilding the index in the database at {self.display}; wait for it to finish")
            _configure(conn)
            self._writer = conn
            try:
                yield
            finally:
                self._writer = None
                conn.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK,))

    def writer_busy(self) -> bool:
        """Whether some process holds the writer lock (is rebuilding) now."""
        if self._writer is not None:
            return True
        with self.database.connection() as conn:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK,)).fetchone()[0]:
                return True
            conn.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK,))
        return False

    def share_progress(self, progress: Progress | None) -> Progress | None:
        """`progress` (stage, done, total), also written to the database for /stats on every replica:
        at each new stage and at most once a second within one."""
        last: dict[str, Any] = {"stage": None, "at": 0.0}

        def report(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if stage != last["stage"] or now - last["at"] >= 1.0:
                last.update(stage=stage, at=now)
                try:
                    with self.database.connection() as conn:
                        conn.execute(
                            "INSERT INTO newsbot_meta (key, value) VALUES ('reindex_progress', %s) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            (json.dumps([stage, done, total]),),
                        )
                except store.IndexError_ as error:  # progress is a courtesy; the build goes on
                    log.debug("reindex progress not shared: %s", error)
            if progress is not None:
                progress(stage, done, total)

        return report

    def reindex_progress(self) -> tuple[str, int, int] | None:
        """The stage of the rebuild running in any process, or None when none is."""
        if not self.writer_busy():
            return None
        with self.database.connection() as conn:
            row = conn.execute("SELECT value FROM newsbot_meta WHERE key = 'reindex_progress'").fetchone()
        if row is None:
            return ("starting", 0, 0)
        stage, done, total = json.loads(row[0])
        return str(stage), int(done), int(total)

    def previous(self) -> Embedded | None:
        """The current generation with its vectors, for reusing those of unchanged articles."""
        try:
            data = self.load()
        except store.IndexError_:
            return None
        generation, dimension = data.database_generation, data.manifest.dimension
        with self.database.connection() as conn:
            chunk_vectors = read_vectors(conn, generation, "chunks", dimension)
            sentence_vectors = read_vectors(conn, generation, "sentences", dimension)
        return Embedded(
            manifest=data.manifest,
            documents=data.documents,
            doc_hashes=data.doc_hashes,
            sentences=data.sentences,
            doc_first_sentence=data.doc_first_sentence,
            chunks=data.chunks,
            chunk_vectors=chunk_vectors,
            sentence_vectors=sentence_vectors,
        )

    def write(self, data: store.IndexData) -> str:
        """Write `data` as a new generation and switch to it in one transaction; drop old ones."""
        import psycopg

        conn = self._writer
        assert conn is not None, "write() runs inside lock()"
        manifest = store.Manifest(**{**asdict(data.manifest), "created": time.time(), "file_sizes": {}})
        try:
            with conn.transaction():
                generation = int(conn.execute("SELECT nextval('newsbot_generation_seq')").fetchone()[0])
                vocabulary_size = write_tables(conn, generation, data)
                conn.execute(
                    "INSERT INTO newsbot_generations (id, manifest, vocabulary, lexicon) VALUES (%s, %s, %s, %s)",
                    (generation, json.dumps(asdict(manifest)), vocabulary_size, lexicon_text(data)),
                )
                conn.execute(
                    "INSERT INTO newsbot_meta (key, value) VALUES ('current_generation', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(generation),),
                )
        except psycopg.Error as error:
            reason = self.database.clean(str(error))
            raise DatabaseError(f"cannot write the index to the database at {self.display} ({reason}); the old index is kept") from None
        data.manifest = manifest
        self._drop_old(conn, generation)
        return f"{self.display} (generation {generation})"

    def _drop_old(self, conn: Any, current: int) -> None:
        import psycopg
        from psycopg import sql

        ids = [r[0] for r in conn.execute("SELECT id FROM newsbot_generations WHERE id < %s ORDER BY id DESC", (current,))]
        for old in ids[KEEP_PREVIOUS:]:
            try:
                with conn.transaction():
                    # A replica still reading an old generation holds its tables; wait briefly, else keep them.
                    conn.execute("SET LOCAL lock_timeout = '5s'")
                    for kind in ("chunks", "sentences", "documents", "terms"):
                        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table(old, kind)))
                    conn.execute("DELETE FROM newsbot_generations WHERE id = %s", (old,))
            except psycopg.errors.LockNotAvailable:
                log.info("generation %s is still being read; dropped by a later reindex", old)

    def close(self) -> None:
        self.database.close()


def _check_model(manifest: store.Manifest, fingerprint: str | None, dimension: int | None, display: str) -> None:
    hint = "rebuild it with: newsbot index PATH... (same NEWSBOT_DATABASE_URL)"
    if dimension is not None and manifest.dimension and manifest.dimension != dimension:
        raise store.IndexMismatch(
            f"the index in the database at {display} holds {manifest.dimension}-dimensional vectors ({manifest.model}); "
            f"this newsbot's model makes {dimension}; {hint}"
        )
    if fingerprint is not None and manifest.model_fingerprint != fingerprint:
        raise store.IndexMismatch(
            f"the index in the database at {display} was built with another model ({manifest.model}, fingerprint "
            f"{manifest.model_fingerprint}; this newsbot's is {fingerprint}); {hint}"
        )
