"""A generation's tables: created and filled by binary COPY in the build's transaction, read back.

Rows are numbered as the in-memory index numbers them (documents, sentences and chunks by their
position), so a loaded generation's arrays index the tables directly.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.index import store
from newsbot.index.postgres.stores import table
from newsbot.index.types import Document

# FAISS's HNSW uses M 32 too. At 200k synthetic chunks, pgvector's default (m 16, ef_construction
# 64) found 0.57 of the exact top 100 at ef_search 200, m 32 / 128 found 0.84 (FAISS HNSW: 0.85)
# for 3x the build time and 4% more index (docs/BENCHMARKS.md, section 7).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 128


def lexicon_text(data: store.IndexData) -> str:
    """The build's lexicon as `Lexicon.save` writes it (its format stays the lexicon's own)."""
    from newsbot.index.lexicon import FILE_NAME

    with tempfile.TemporaryDirectory() as directory:
        data.lexicon.save(Path(directory))
        return (Path(directory) / FILE_NAME).read_text(encoding="utf-8").replace("\x00", "")


def lexicon_from_text(text: str) -> Any:
    from newsbot.index.lexicon import FILE_NAME, Lexicon

    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / FILE_NAME).write_text(text, encoding="utf-8")
        return Lexicon.load(Path(directory))


def select_rows(generation: int, kind: str, columns: str) -> Any:
    from psycopg import sql

    return sql.SQL("SELECT " + columns + " FROM {} ORDER BY id").format(table(generation, kind))


def read_documents(conn: Any, generation: int) -> tuple[list[Document], list[str]]:
    documents: list[Document] = []
    hashes: list[str] = []
    for doc_id, title, text, source, url, date, digest in conn.execute(
        select_rows(generation, "documents", "doc_id, title, text, source, url, date, hash")
    ):
        documents.append(Document(doc_id, title, text, source, url, date))
        hashes.append(digest)
    return documents, hashes


def read_int_rows(conn: Any, generation: int, kind: str, columns: str) -> np.ndarray:
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


def read_vectors(conn: Any, generation: int, kind: str, dimension: int) -> np.ndarray:
    rows = conn.execute(select_rows(generation, kind, "embedding"), binary=True).fetchall()
    if not rows:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.stack([np.asarray(r[0].to_numpy(), dtype=np.float32) for r in rows])


def write_tables(conn: Any, generation: int, data: store.IndexData) -> int:
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
