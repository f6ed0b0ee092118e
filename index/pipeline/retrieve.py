"""Retrieve: the dense and the lexical retriever, each over its store of the index."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsbot.index.pipeline.records import Retrieved
from newsbot.index.snapshot import Snapshot


class DenseRetriever:
    """The `depth` chunks closest to the question vector."""

    def __init__(self, depth: int = 100) -> None:
        if depth <= 0:
            raise ValueError(f"depth must be > 0, got {depth}")
        self.depth = depth

    def run(self, data: Snapshot, vector: np.ndarray, allowed: np.ndarray | None = None) -> Retrieved:
        return Retrieved(data.vectors.search(vector, self.depth, allowed))


class LexicalRetriever:
    """The `depth` chunks with the highest BM25 score (above zero) for the question's terms."""

    def __init__(self, depth: int = 100) -> None:
        if depth <= 0:
            raise ValueError(f"depth must be > 0, got {depth}")
        self.depth = depth

    def scores(self, data: Snapshot, terms: Sequence[str], allowed: np.ndarray | None = None) -> np.ndarray:
        """BM25 of every chunk; -inf outside `allowed`."""
        lexical = data.lexical.scores(list(terms))
        return np.where(allowed, lexical, -np.inf) if allowed is not None else lexical

    def run(self, data: Snapshot, terms: Sequence[str], allowed: np.ndarray | None = None) -> Retrieved:
        return self.top(self.scores(data, terms, allowed))

    def top(self, lexical: np.ndarray) -> Retrieved:
        n = min(self.depth, int(np.isfinite(lexical).sum()))
        if not n:
            return Retrieved(np.array([], dtype=np.int64))
        ids = np.argpartition(-lexical, n - 1)[:n]
        ids = ids[lexical[ids] > 0]
        return Retrieved(ids[np.argsort(-lexical[ids])].astype(np.int64))
