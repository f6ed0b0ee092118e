"""DenseRetriever, LexicalRetriever and ZScoreFusion on the tiny index."""

from __future__ import annotations

import numpy as np
import pytest

from newsbot.index.pipeline.fuse import FusionWeights, ZScoreFusion, best_sentence_cosine
from newsbot.index.pipeline.question import make_question
from newsbot.index.pipeline.retrieve import DenseRetriever, LexicalRetriever


def doc_of(data, chunk_id: int) -> str:  # type: ignore[no-untyped-def]
    return data.document(data.chunk(chunk_id).doc_index).doc_id


DEFAULT = FusionWeights()


def _fused(data, embedder, text, k=3, weights=DEFAULT, allowed=None):  # type: ignore[no-untyped-def]
    question = make_question(text)
    vector = embedder.encode_queries([question.text])[0]
    lexical = LexicalRetriever()
    scores = lexical.scores(data, question.terms, allowed)
    dense = DenseRetriever().run(data, vector, allowed)
    return ZScoreFusion(weights).run(data, vector, dense, lexical.top(scores), scores, k)


class TestLexicalRetriever:
    def test_finds_the_article_with_the_terms(self, data):  # type: ignore[no-untyped-def]
        found = LexicalRetriever().run(data, make_question("Teme valley apples").terms)
        assert doc_of(data, int(found.chunk_ids[0])) == "harvest.txt"

    def test_unknown_terms_find_nothing(self, data):  # type: ignore[no-untyped-def]
        assert len(LexicalRetriever().run(data, ["zzzqqq"]).chunk_ids) == 0

    def test_depth_must_be_positive(self):
        with pytest.raises(ValueError, match="depth must be > 0, got 0"):
            LexicalRetriever(0)


class TestDenseRetriever:
    def test_mask_keeps_only_allowed_chunks(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        allowed = np.array([doc_of(data, i) == "bridge.txt" for i in range(len(data.chunks))])
        found = DenseRetriever().run(data, fake_embedder.encode_queries(["apples"])[0], allowed)
        assert {doc_of(data, int(i)) for i in found.chunk_ids} == {"bridge.txt"}

    def test_depth_must_be_positive(self):
        with pytest.raises(ValueError, match="depth must be > 0, got -3"):
            DenseRetriever(-3)


class TestZScoreFusion:
    def test_lexical_only_ranks_the_matching_article_first(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        hits = _fused(data, fake_embedder, "How many tonnes of apples did the Teme valley growers pick?",
                      weights=FusionWeights(lexical=1.0, dense=0.0, sentence=0.0))
        assert doc_of(data, hits[0].chunk_id) == "harvest.txt"
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    def test_empty_mask_finds_nothing(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        assert _fused(data, fake_embedder, "apples", allowed=np.zeros(len(data.chunks), dtype=bool)) == ()

    def test_k_must_be_positive(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        with pytest.raises(ValueError, match="k must be > 0, got 0"):
            _fused(data, fake_embedder, "apples", k=0)

    @pytest.mark.parametrize("bad", [{"candidates": 0}, {"lexical": -1.0}])
    def test_weights_are_checked(self, bad):  # type: ignore[no-untyped-def]
        with pytest.raises(ValueError):
            FusionWeights(**bad)

    def test_best_sentence_cosine_is_the_max_over_each_chunks_sentences(self, data):  # type: ignore[no-untyped-def]
        query = np.random.default_rng(0).standard_normal(data.vectors.dimension).astype(np.float32)
        chunk_ids = np.arange(len(data.chunks))[::-1]
        expected = []
        for cid in chunk_ids:
            chunk = data.chunk(int(cid))
            expected.append(float(data.vectors.sentence_cosines(np.array(list(chunk.sentence_range)), query).max()))
        assert np.allclose(best_sentence_cosine(data, chunk_ids, query), expected, atol=1e-6)
