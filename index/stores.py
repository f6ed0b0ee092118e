"""The search half of the store seam: what a snapshot's vector store and lexical store answer.

The index directory's are FAISS + in-memory vectors (`FaissVectorStore`) and bm25s
(`newsbot.index.lexical.LexicalIndex`); PostgreSQL + pgvector implements the same two protocols
(newsbot.index.postgres.stores). Stages reach them through `Snapshot.vectors` and
`Snapshot.lexical` (newsbot.index.snapshot); which store loaded the snapshot is chosen once, in
newsbot.index.storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorStore(Protocol):
    """Dense vectors of chunks and of sentences (unit length, cosine = dot product)."""

    @property
    def dimension(self) -> int: ...

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Ids of the `n` chunks closest to `query` (among `allowed`, a boolean mask, when given)."""
        ...

    def chunk_cosines(self, chunk_ids: np.ndarray, query: np.ndarray) -> np.ndarray: ...

    def sentence_cosines(self, sentence_ids: np.ndarray, query: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class LexicalStore(Protocol):
    """BM25 over chunks, and the document frequency of terms."""

    n_docs: int

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk (zeros when no term is known)."""
        ...

    def idf(self, term: str) -> float: ...


class FaissVectorStore:
    """FAISS for the search, the vector arrays (in memory or memory-mapped) for cosines."""

    def __init__(self, index: Any, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> None:
        self.index = index
        self.chunk_vectors = chunk_vectors
        self.sentence_vectors = sentence_vectors

    @property
    def dimension(self) -> int:
        return int(self.chunk_vectors.shape[1]) if self.chunk_vectors.ndim == 2 else 0

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> np.ndarray:
        if n <= 0:
            raise ValueError(f"n must be > 0, got {n}")
        if allowed is not None:
            # A filtered search (dates, a thread's articles) is exact over the allowed chunks.
            ids = np.flatnonzero(allowed)
            if len(ids) == 0:
                return ids
            cosines = np.asarray(self.chunk_vectors[ids]) @ query
            return ids[np.argsort(-cosines)[:n]]
        total = int(self.index.ntotal)
        if total == 0:
            return np.array([], dtype=np.int64)
        _, found = self.index.search(query.reshape(1, -1).astype(np.float32), min(n, total))
        return found[0][found[0] >= 0].astype(np.int64)

    def chunk_cosines(self, chunk_ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        return np.asarray(self.chunk_vectors[chunk_ids]) @ query

    def sentence_cosines(self, sentence_ids: np.ndarray, query: np.ndarray) -> np.ndarray:
        return np.asarray(self.sentence_vectors[sentence_ids]) @ query
