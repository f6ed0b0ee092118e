"""Hybrid retrieval: FAISS (dense) and BM25 (lexical) fused by per-query z-scores.

z-score fusion of 0.4 BM25 + 0.6 cosine found the gold SQuAD paragraph in the top 5 more often
than reciprocal rank fusion (0.961 vs 0.941, measured before this project); the weights are
tuned on the dev splits by `newsbot eval` (see docs/BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from newsbot.index.store import IndexData
from newsbot.index.types import Hit


@dataclass(frozen=True)
class FusionWeights:
    lexical: float = 0.4
    dense: float = 0.6
    sentence: float = 0.3  # the best single sentence's cosine: a claim often paraphrases one sentence
    candidates: int = 100

    def __post_init__(self) -> None:
        if self.candidates <= 0:
            raise ValueError(f"candidates must be > 0, got {self.candidates}")


def search(
    data: IndexData,
    query_vector: np.ndarray,
    query_terms: list[str],
    k: int,
    allowed: np.ndarray | None = None,
    weights: FusionWeights = FusionWeights(),
) -> list[Hit]:
    """The `k` best chunks for the query; `allowed` is an optional boolean mask over chunks."""
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    total = len(data.chunks)
    if total == 0:
        return []
    lexical = data.lexical.scores(query_terms)
    if allowed is not None:
        lexical = np.where(allowed, lexical, -np.inf)
        candidates_dense = np.flatnonzero(allowed)
        if len(candidates_dense) == 0:
            return []
        dense_all = np.asarray(data.chunk_vectors[candidates_dense]) @ query_vector
        top = np.argsort(-dense_all)[: weights.candidates]
        dense_ids = candidates_dense[top]
    else:
        n = min(weights.candidates, total)
        _, ids = data.faiss.search(query_vector.reshape(1, -1).astype(np.float32), n)
        dense_ids = ids[0][ids[0] >= 0]
    n_lex = min(weights.candidates, int(np.isfinite(lexical).sum()))
    lex_ids = np.argpartition(-lexical, n_lex - 1)[:n_lex] if n_lex else np.array([], dtype=np.int64)
    lex_ids = lex_ids[lexical[lex_ids] > 0] if len(lex_ids) else lex_ids
    pool = np.unique(np.concatenate([dense_ids, lex_ids]).astype(np.int64))
    dense = np.asarray(data.chunk_vectors[pool]) @ query_vector
    lex = lexical[pool]
    fused = weights.dense * _z(dense) + weights.lexical * _z(lex)
    if weights.sentence:
        fused += weights.sentence * _z(best_sentence_cosine(data, pool, query_vector))
    order = np.argsort(-fused)[:k]
    return [Hit(int(pool[i]), float(fused[i]), float(dense[i]), float(lex[i])) for i in order]


def best_sentence_cosine(data: IndexData, chunk_ids: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """For each chunk, the cosine of its sentence closest to the query."""
    rows = data.chunks[chunk_ids]
    lengths = rows[:, 2] - rows[:, 1] + 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    # first sentence of each chunk, repeated, plus the position inside the chunk
    sentence_ids = np.repeat(rows[:, 1], lengths) + np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    cosines = np.asarray(data.sentence_vectors[sentence_ids]) @ query_vector
    return np.maximum.reduceat(cosines, starts)


def _z(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    if std < 1e-9:
        return np.zeros_like(values, dtype=np.float64)
    return (values - values.mean()) / std
