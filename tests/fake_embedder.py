"""An embedder without a model run, for engine tests in any folder: the real tokenizer and pooling
around a lookup-table transformer (deterministic, instant, no torch)."""

from __future__ import annotations

from functools import cache, cached_property

import numpy as np

from newsbot.index.embed import Embedder

DIMENSION = 384  # all-MiniLM-L6-v2, whose tokenizer the fake embedder keeps


@cache
def _token_table() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((30522, DIMENSION)).astype(np.float32)


class _LookupTransformer:
    """Token vectors from a fixed random table."""

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return _token_table()[input_ids]


class FakeEmbedder(Embedder):
    """The real tokenizer and pooling around a lookup-table transformer, for tests without the model."""

    @cached_property
    def transformer(self) -> _LookupTransformer:  # type: ignore[override]
        return _LookupTransformer()
