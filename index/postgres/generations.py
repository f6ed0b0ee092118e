"""Generations of the index in PostgreSQL: written beside the current one, switched in one commit.

A generation N is four tables, `newsbot_g<N>_documents`, `_sentences`, `_chunks` (with the HNSW
and GIN indexes) and `_terms`, plus a row of `newsbot_generations` holding its manifest. A build
creates and fills them, records N as `current_generation` in `newsbot_meta`, and commits: until
the commit nobody sees N, after it every new snapshot reads N. A snapshot (`PgIndexData`) reads
only the tables of its own generation, so an answer never mixes two. The generation just replaced
stays for replicas still answering from it; older ones are dropped after the switch.

One writer at a time: a build holds a session advisory lock (`WRITER_LOCK`) from reading the old
generation (for its vectors) until the switch. A failed build rolls back: nothing half-written.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from newsbot.index import store
from newsbot.index.postgres.database import WRITER_LOCK, Database, DatabaseError, GenerationGone, _configure
from newsbot.index.postgres.stores import PgIndexData, PgLexicalStore, PgVectorStore, table
from newsbot.index.types import Document

log = logging.getLogger(__name__)
KEEP_PREVIOUS = 1  # generations kept besides the current one, for replicas still reading them
# FAISS's HNSW uses M 32 too. At 200k synthetic chunks, pgvector's default (m 16, ef_construction
# 64) found 0.57 of the exact top 100 at ef_search 200, m 32 / 128 found 0.84 (FAISS HNSW: 0.85)
# for 3x the build time and 4% more index (docs/BENCHMARKS.md, section 7).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 128


class PostgresIndex:
    """The index in the database at `url`: read, load, and (as a build target) lock and write."""

    uses_faiss = False  # the database searches; a build makes no FAISS index

    def __init__(self, url: str, max_connections: int = 8) -> None:
        self.database = Database(url, max_connections)
        self._writer: Any = None  # the connection holding the writer lock during a build

    @property
    def display(self) -> str:
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

    def load(self, model_fingerprint: str | None = None, dimension: int | None = None) -> PgIndexData:
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

    def _load(self, generation: int, model_fingerprint: str | None, dimension: int | None) -> PgIndexData:
        with self.database.connection() as conn, conn.transaction():
            row = conn.execute("SELECT manifest, vocabulary, lexicon FROM newsbot_generations WHERE id = %s", (generation,)).fetchone()
            if row is None:
                raise self._missing()
            manifest = store.Manifest(**row[0])
            _check_model(manifest, model_fingerprint, dimension, self.display)
            documents, hashes = _documents(conn, generation)
            sentences = _int_rows(conn, generation, "sentences", "doc, start_char, end_char")
            chunks = _int_rows(conn, generation, "chunks", "doc, first_sentence, last_sentence")
            vocabulary = {term: (int(i), int(df)) for term, i, df in conn.execute(_select(generation, "terms", "term, id, df"))}
            size = conn.execute(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c WHERE c.relkind = 'r' AND c.relname ~ %s",
                (f"^newsbot_g{generation}_",),
            ).fetchone()[0]
        if (len(documents), len(sentences), len(chunks)) != (manifest.documents, manifest.sentences, manifest.chunks):
            raise store.IndexCorrupt(
                f"the index in the database at {self.display} (generation {generation}) does not match its manifest; rebuild it with newsbot index"
            )
        first = np.searchsorted(sentences[:, 0], np.arange(len(documents) + 1)) if len(sentences) else np.zeros(len(documents) + 1, dtype=np.int64)
        empty = np.zeros((0, manifest.dimension), dtype=np.float32)
        data = PgIndexData(
            manifest=manifest,
            documents=documents,
            doc_hashes=hashes,
            sentences=sentences,
            doc_first_sentence=np.asarray(first, dtype=np.int64),
            chunks=chunks,
            chunk_vectors=empty,
            sentence_vectors=empty,
            faiss=None,
            lexical=PgLexicalStore(self.database, generation, vocabulary, len(chunks), int(row[1])),  # type: ignore[arg-type]
            database_generation=generation,
            size_bytes=int(size),
            store=PgVectorStore(self.database, generation, manifest.dimension),
        )
        if row[2]:  # learned once at build time, not again by every replica at every load
            data.cache["lexicon"] = _lexicon_from_text(row[2])
        return data

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

    def share_progress(self, progress: Any) -> Any:
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

    def previous(self) -> store.IndexData | None:
        """The current generation with its vectors, for reusing those of unchanged articles."""
        try:
            data = self.load()
        except store.IndexError_:
            return None
        generation = data.database_generation
        with self.database.connection() as conn:
            data.chunk_vectors = _vectors(conn, generation, "chunks", data.manifest.dimension)
            data.sentence_vectors = _vectors(conn, generation, "sentences", data.manifest.dimension)
        return data

    def write(self, data: store.IndexData) -> str:
        """Write `data` as a new generation and switch to it in one transaction; drop old ones."""
        import psycopg

        conn = self._writer
        assert conn is not None, "write() runs inside lock()"
        manifest = store.Manifest(**{**asdict(data.manifest), "created": time.time(), "file_sizes": {}})
        try:
            with conn.transaction():
                generation = int(conn.execute("SELECT nextval('newsbot_generation_seq')").fetchone()[0])
                vocabulary_size = _write_tables(conn, generation, data)
                conn.execute(
                    "INSERT INTO newsbot_generations (id, manifest, vocabulary, lexicon) VALUES (%s, %s, %s, %s)",
                    (generation, json.dumps(asdict(manifest)), vocabulary_size, _lexicon_text(data)),
                )
                conn.execute(
                    "INSERT INTO newsbot_meta (key, value) VALUES ('current_generation', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(generation),),
                )
        except psycopg.Error as error:
            reason = " ".join(str(error).split())[:300]
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


def _lexicon_text(data: store.IndexData) -> str:
    """The build's lexicon as `Lexicon.save` writes it (its format stays the lexicon's own)."""
    from newsbot.index.lexicon import FILE_NAME

    with tempfile.TemporaryDirectory() as directory:
        data.lexicon.save(Path(directory))
        return (Path(directory) / FILE_NAME).read_text(encoding="utf-8").replace("\x00", "")


def _lexicon_from_text(text: str) -> Any:
    from newsbot.index.lexicon import FILE_NAME, Lexicon

    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / FILE_NAME).write_text(text, encoding="utf-8")
        return Lexicon.load(Path(directory))


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


def _select(generation: int, kind: str, columns: str) -> Any:
    from psycopg import sql

    return sql.SQL("SELECT " + columns + " FROM {} ORDER BY id").format(table(generation, kind))


def _documents(conn: Any, generation: int) -> tuple[list[Document], list[str]]:
    documents: list[Document] = []
    hashes: list[str] = []
    for doc_id, title, text, source, url, date, digest in conn.execute(
        _select(generation, "documents", "doc_id, title, text, source, url, date, hash")
    ):
        documents.append(Document(doc_id, title, text, source, url, date))
        hashes.append(digest)
    return documents, hashes


def _int_rows(conn: Any, generation: int, kind: str, columns: str) -> np.ndarray:
    """Integer columns of every row, as an (n, k) int64 array, through COPY (fast at millions)."""
    from psycopg import sql

    query = sql.SQL("COPY (SELECT " + columns + " FROM {} ORDER BY id) TO STDOUT").format(table(generation, kind))
    parts: list[bytes] = []
    with conn.cursor().copy(query) as copy:
        for block in copy:
            parts.append(bytes(block))
    width = columns.count(",") + 1
    raw = b"".join(parts).split()
    return np.array(raw, dtype=np.int64).reshape(-1, width) if raw else np.zeros((0, width), dtype=np.int64)


def _vectors(conn: Any, generation: int, kind: str, dimension: int) -> np.ndarray:
    rows = conn.execute(_select(generation, kind, "embedding"), binary=True).fetchall()
    if not rows:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.stack([np.asarray(r[0].to_numpy(), dtype=np.float32) for r in rows])


def _write_tables(conn: Any, generation: int, data: store.IndexData) -> int:
    """Create and fill generation `generation`'s tables; returns the vocabulary size."""
    from pgvector import SparseVector
    from psycopg import sql

    dimension = int(np.asarray(data.chunk_vectors).shape[1]) if len(data.chunk_vectors) else data.manifest.dimension
    documents, sentences, chunks, terms = (table(generation, k) for k in ("documents", "sentences", "chunks", "terms"))
    vocabulary, weights = data.lexical.chunk_weights()
    size = max(1, weights.shape[1])
    conn.execute(sql.SQL(
        "CREATE TABLE {} (id integer PRIMARY KEY, doc_id text NOT NULL, title text NOT NULL, text text NOT NULL, "
        "source text NOT NULL, url text NOT NULL, date text NOT NULL, hash text NOT NULL)"
    ).format(documents))
    conn.execute(sql.SQL(
        "CREATE TABLE {} (id integer PRIMARY KEY, doc integer NOT NULL, start_char integer NOT NULL, "
        "end_char integer NOT NULL, embedding vector({}) NOT NULL)"
    ).format(sentences, sql.Literal(dimension)))
    conn.execute(sql.SQL(
        "CREATE TABLE {} (id integer PRIMARY KEY, doc integer NOT NULL, first_sentence integer NOT NULL, "
        "last_sentence integer NOT NULL, embedding vector({}) NOT NULL, lexical sparsevec({}) NOT NULL, term_ids integer[] NOT NULL)"
    ).format(chunks, sql.Literal(dimension), sql.Literal(size)))
    conn.execute(sql.SQL("CREATE TABLE {} (term text PRIMARY KEY, id integer NOT NULL, df integer NOT NULL)").format(terms))

    cursor = conn.cursor()
    with cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(documents)) as copy:
        copy.set_types(["int4", "text", "text", "text", "text", "text", "text", "text"])
        for i, (d, digest) in enumerate(zip(data.documents, data.doc_hashes, strict=True)):
            copy.write_row((i, d.doc_id, d.title, d.text, d.source, d.url, d.date, digest))
    sentence_vectors = np.asarray(data.sentence_vectors, dtype=np.float32)
    with cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(sentences)) as copy:
        copy.set_types(["int4", "int4", "int4", "int4", "vector"])
        for i, (doc, start, end) in enumerate(np.asarray(data.sentences).tolist()):
            copy.write_row((i, doc, start, end, sentence_vectors[i]))
    chunk_vectors = np.asarray(data.chunk_vectors, dtype=np.float32)
    with cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(chunks)) as copy:
        copy.set_types(["int4", "int4", "int4", "int4", "vector", "sparsevec", "int4[]"])
        indptr, indices, values = weights.indptr, weights.indices, weights.data
        for i, (doc, first, last) in enumerate(np.asarray(data.chunks).tolist()):
            cols = indices[indptr[i] : indptr[i + 1]].tolist()
            row_weights = values[indptr[i] : indptr[i + 1]].tolist()
            copy.write_row((i, doc, first, last, chunk_vectors[i], SparseVector(dict(zip(cols, row_weights, strict=True)), size), cols))
    with cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(terms)) as copy:
        copy.set_types(["text", "int4", "int4"])
        for term, df in data.lexical.doc_freq.items():
            if term in vocabulary and "\x00" not in term:  # bm25s's marker of an empty chunk: never asked
                copy.write_row((term, vocabulary[term], int(df)))
    # Built in this transaction, before the switch: a replica's first query on N finds it ready.
    conn.execute(sql.SQL("CREATE INDEX ON {} USING hnsw (embedding vector_cosine_ops) WITH (m = {}, ef_construction = {})").format(
        chunks, sql.Literal(HNSW_M), sql.Literal(HNSW_EF_CONSTRUCTION)))
    conn.execute(sql.SQL("CREATE INDEX ON {} USING gin (term_ids)").format(chunks))
    conn.execute(sql.SQL("ANALYZE {}").format(chunks))
    return size
