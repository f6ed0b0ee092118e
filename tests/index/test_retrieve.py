"""Hybrid retrieval on a tiny corpus, with the lookup-table embedder (no model run)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from newsbot.index import store
from newsbot.index.build import build_index
from newsbot.index.lexical import terms
from newsbot.index.retrieve import FusionWeights, best_sentence_cosine, search


@pytest.fixture
def data(corpus_dir: Path, tmp_path: Path, fake_embedder) -> store.IndexData:  # type: ignore[no-untyped-def]
    build_index([corpus_dir], tmp_path / "index", fake_embedder)
    return store.load(tmp_path / "index")


def _doc_of(data: store.IndexData, chunk_id: int) -> str:
    return data.documents[int(data.chunks[chunk_id, 0])].doc_id


class TestSearch:
    def test_lexical_match_ranks_its_article_first(self, data: store.IndexData, fake_embedder):  # type: ignore[no-untyped-def]
        question = "How many tonnes of apples did the Teme valley growers pick?"
        vector = fake_embedder.encode_queries([question])[0]
        hits = search(data, vector, terms(question), k=3, weights=FusionWeights(lexical=1.0, dense=0.0, sentence=0.0))
        assert _doc_of(data, hits[0].chunk_id) == "harvest.txt"
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    def test_mask_keeps_only_allowed_chunks(self, data: store.IndexData, fake_embedder):  # type: ignore[no-untyped-def]
        question = "Teme valley apples"
        allowed = np.array([_doc_of(data, i) == "bridge.txt" for i in range(len(data.chunks))])
        hits = search(data, fake_embedder.encode_queries([question])[0], terms(question), k=5, allowed=allowed)
        assert hits and {_doc_of(data, h.chunk_id) for h in hits} == {"bridge.txt"}

    def test_empty_mask_finds_nothing(self, data: store.IndexData, fake_embedder):  # type: ignore[no-untyped-def]
        allowed = np.zeros(len(data.chunks), dtype=bool)
        assert search(data, fake_embedder.encode_queries(["x"])[0], ["x"], k=3, allowed=allowed) == []

    def test_k_must_be_positive(self, data: store.IndexData, fake_embedder):  # type: ignore[no-untyped-def]
        with pytest.raises(ValueError, match="k must be > 0, got 0"):
            search(data, fake_embedder.encode_queries(["x"])[0], ["x"], k=0)

    def test_candidates_must_be_positive(self):
        with pytest.raises(ValueError, match="candidates"):
            FusionWeights(candidates=0)


def test_best_sentence_cosine_is_the_max_over_each_chunks_sentences(data: store.IndexData):
    query = np.random.default_rng(0).standard_normal(data.sentence_vectors.shape[1]).astype(np.float32)
    chunk_ids = np.arange(len(data.chunks))[::-1]
    expected = [float((np.asarray(data.sentence_vectors[first : last + 1]) @ query).max()) for _, first, last in data.chunks[chunk_ids]]
    assert np.allclose(best_sentence_cosine(data, chunk_ids, query), expected, atol=1e-6)
