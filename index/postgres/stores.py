"""The store seam over one generation's tables: pgvector for vectors, sparsevec BM25 for terms.

Dense search is pgvector's HNSW index (cosine); cosines of given chunks and sentences are inner
products computed in the database (the vectors are unit length, as in FAISS). Lexical search is
BM25 with bm25s's own weights: each chunk's row holds a `sparsevec` of its terms' BM25 weights
(idf included), so a query's score is one inner product with the vector of its term counts, the
number bm25s computes; a GIN index over the chunk's term ids keeps the scan to chunks that hold
a query term. Full-text search (ts_rank) in its place lost 2.4 points of recall@1 on SQuAD dev;
this store gives bm25s's answers exactly (docs/BENCHMARKS.md, section 7).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsbot.index.lexicon import Lexicon
from newsbot.index.snapshot import Spans

# HNSW returns at most ef_search rows; twice the depth asked for (100 by default) returns the exact
# top 100 at the sizes of the dev sets (3k chunks) for 2.2 ms at 1M chunks; on near-duplicate
# synthetic chunks recall falls at 1M, and ef_search 1000 costs 10 ms (docs/BENCHMARKS.md, section 7).
EF_SEARCH_FACTOR = 2
EF_SEARCH_MAX = 1000  # pgvector's limit


def table(generation: int, kind: str) -> Any:
    """The identifier of a generation's table (`documents`, `sentences`, `chunks`, `terms`)."""
    from psycopg import sql

    return sql.Identifier(f"newsbot_g{generation}_{kind}")


def _vector(query: np.ndarray) -> Any:
    from pgvector import Vector

    return Vector(np.asarray(query, dtype=np.float32))


def _by_id(ids: np.ndarray, found_ids: np.ndarray, found_values: np.ndarray) -> np.ndarray:
    """`found_values` (for `found_ids`) in the order of `ids`, which may repeat."""
    order = np.argsort(found_ids)
    positions = np.searchsorted(found_ids[order], ids)
    return found_values[order][positions]


class PgVectorStore:
    """Chunk search and cosines over `newsbot_g<N>_chunks` and `newsbot_g<N>_sentences`."""

    def __init__(self, database: Any, generation: int, dimension: int) -> None:
        self.database = database
        self.generation = generation
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> np.ndarray:
        from psycopg import sql

        if n <= 0:
            raise ValueError(f"n must be > 0, got {n}")
        chunks = table(self.generation, "chunks")
        with self.database.connection() as conn, conn.transaction():
            if allowed is None:
                ef = min(EF_SEARCH_MAX, max(40, EF_SEARCH_FACTOR * n))
                conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef),))
                rows = conn.execute(
                    sql.SQL("SELECT id FROM {} ORDER BY embedding <=> %s LIMIT %s").format(chunks), (_vector(query), n)
                ).fetchall()
            else:
                # A filtered search (dates, a thread's articles) is exact over the allowed chunks,
                # as in FAISS: the CTE keeps the planner off the HNSW index, which would filter
                # after an approximate scan and could return fewer chunks.
                ids = np.flatnonzero(allowed).astype(np.int32)
                if len(ids) == 0:
                    return ids.astype(np.int64)
                rows = conn.execute(
                    sql.SQL(
                        "WITH c AS MATERIALIZED (SELECT id, embedding FROM {} WHERE id = ANY(%s)) "
                        "SELECT id FROM c ORDER BY embedding <#> %s LIMIT %s"
                    ).format(chunks),
                    (ids.tolist(), _vector(query), n),
                ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def _cosines(self, kind: str, ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        from psycopg import sql

        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return np.zeros(0, dtype=np.float32)
        unique = np.unique(ids)
        with self.database.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT id, -(embedding <#> %s) FROM {} WHERE id = ANY(%s)").format(table(self.generation, kind)),
                (_vector(query), unique.tolist()),
            ).fetchall()
        found = np.array([r[0] for r in rows], dtype=np.int64)
        values = np.array([r[1] for r in rows], dtype=np.float32)
        if len(found) != len(unique):
            raise KeyError(f"{kind} ids not in generation {self.generation}: {sorted(set(unique.tolist()) - set(found.tolist()))[:5]}")
        return _by_id(ids, found, values)

    def chunk_cosines(self, chunk_ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        return self._cosines("chunks", chunk_ids, query)

    def sentence_cosines(self, sentence_ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        return self._cosines("sentences", sentence_ids, query)


class PgLexicalStore:
    """BM25 over a generation's chunks; the vocabulary (term -> id, document frequency) in memory."""

    def __init__(self, database: Any, generation: int, vocabulary: dict[str, tuple[int, int]], n_docs: int, dimensions: int) -> None:
        self.database = database
        self.generation = generation
        self.vocabulary = vocabulary
        self.n_docs = n_docs
        self.dimensions = dimensions  # of the sparsevec column: the vocabulary's size

    def idf(self, term: str) -> float:
        """Robertson-Sparck Jones IDF, as `LexicalIndex.idf`."""
        df = self.vocabulary[term][1] if term in self.vocabulary else 0
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        from pgvector import SparseVector
        from psycopg import sql

        out = np.zeros(self.n_docs, dtype=np.float32)
        counts = Counter(self.vocabulary[t][0] for t in query_terms if t in self.vocabulary)
        if not counts:
            return out
        # bm25s counts a repeated query term once per occurrence: the same inner product.
        weights = SparseVector(dict(counts.items()), self.dimensions)
        with self.database.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT id, -(lexical <#> %s) FROM {} WHERE term_ids && %s::integer[]").format(table(self.generation, "chunks")),
                (weights, list(counts)),
            ).fetchall()
        if rows:
            found = np.array(rows, dtype=np.float64)
            out[found[:, 0].astype(np.int64)] = found[:, 1]
        return out


@dataclass
class PgSnapshot(Spans):
    """A generation in the database: documents, sentence and chunk spans in memory (small next to
    the vectors), vectors and BM25 in the database."""

    vectors: PgVectorStore
    lexical: PgLexicalStore
    database_generation: int
    size_bytes: int = 0

    @property
    def generation(self) -> str:
        return f"pg-{self.database_generation}"

    @property
    def lexicon(self) -> Lexicon:
        """What the corpus teaches about its words: learned at build time and loaded with the
        generation (`caches.lexicon`); learned here only for a generation stored without it."""
        found = self.caches.lexicon
        if found is None:
            found = self.caches.lexicon = Lexicon.learn(self.documents)
        return found
