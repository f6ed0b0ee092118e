"""What the answer pipeline reads: one loaded generation of the index, whichever store holds it.

`Snapshot` is the protocol the stages take. Documents and the spans of sentences and chunks are
in memory in every store (small next to the vectors); the vectors and BM25 come through the
store seam's `VectorStore` and `LexicalStore` (`newsbot.index.stores`), so a stage never knows
whether FAISS or PostgreSQL answers. `Spans` implements the named access to the spans once for
every store; `Caches` holds what stages derive once per snapshot, each lookup a typed field.

The stores that load snapshots are in `newsbot.index.storage` (the factory) and its modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from newsbot.index.types import Chunk, Document, Sentence

if TYPE_CHECKING:
    from newsbot.index.lexicon import Lexicon
    from newsbot.index.store import Manifest
    from newsbot.index.stores import LexicalStore, VectorStore


@dataclass
class Caches:
    """Lookups derived once per snapshot by whoever needs them first; empty when loaded."""

    article_terms: dict[int, frozenset[str]] = field(default_factory=dict)  # pipeline.evidence.article_terms
    title_groups: dict[str, list[int]] | None = None  # title -> documents holding it (pipeline.evidence)
    doc_positions: dict[str, int] | None = None  # doc_id -> position in `documents` (topics.match_article)
    lexicon: Lexicon | None = None  # what the corpus teaches about its words (`Snapshot.lexicon`)


class Snapshot(Protocol):
    """One generation of the index, as the answer pipeline reads it; immutable once loaded."""

    manifest: Manifest
    documents: list[Document]
    sentences: np.ndarray  # (n, 3) int64: doc index, start, end
    doc_first_sentence: np.ndarray  # (docs + 1,) offsets into `sentences`
    chunks: np.ndarray  # (m, 3) int64: doc index, first, last global sentence index (inclusive)
    caches: Caches

    @property
    def generation(self) -> str:
        """A name for this generation, different for each one a store switches to."""
        ...

    @property
    def model_path(self) -> str: ...

    @property
    def size_bytes(self) -> int:
        """What the generation takes where it is stored."""
        ...

    @property
    def vectors(self) -> VectorStore: ...

    @property
    def lexical(self) -> LexicalStore: ...

    @property
    def lexicon(self) -> Lexicon: ...

    @property
    def sentence_count(self) -> int: ...

    def sentence(self, index: int) -> Sentence: ...

    def document_of(self, sentence_id: int) -> int: ...

    def document(self, index: int) -> Document: ...

    def chunk(self, chunk_id: int) -> Chunk: ...

    def chunk_documents(self, chunk_ids: np.ndarray | None = None) -> np.ndarray: ...

    def chunk_sentence_ranges(self, chunk_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def chunk_text(self, chunk_id: int) -> str: ...


@dataclass
class Spans:
    """Documents and the spans of their sentences and chunks, with the named access stages use
    (the arrays are the storage format); the base of every store's snapshot."""

    manifest: Manifest
    documents: list[Document]
    doc_hashes: list[str]
    sentences: np.ndarray
    doc_first_sentence: np.ndarray
    chunks: np.ndarray
    caches: Caches = field(default_factory=Caches, repr=False, kw_only=True)

    @property
    def model_path(self) -> str:
        """The model the vectors were made with (the manifest's; the engine refuses any other)."""
        return self.manifest.model_path

    @property
    def sentence_count(self) -> int:
        return len(self.sentences)

    def sentence(self, index: int) -> Sentence:
        doc, start, end = (int(x) for x in self.sentences[index])
        return Sentence(self.documents[doc].text[start:end], start, end)

    def document_of(self, sentence_id: int) -> int:
        """The index (in `documents`) of the article a sentence belongs to."""
        return int(self.sentences[sentence_id, 0])

    def document(self, index: int) -> Document:
        return self.documents[index]

    def chunk(self, chunk_id: int) -> Chunk:
        doc, first, last = (int(x) for x in self.chunks[chunk_id])
        return Chunk(chunk_id, doc, first, last)

    def chunk_documents(self, chunk_ids: np.ndarray | None = None) -> np.ndarray:
        """The article index of each chunk (of all chunks when `chunk_ids` is None)."""
        return self.chunks[:, 0] if chunk_ids is None else self.chunks[chunk_ids, 0]

    def chunk_sentence_ranges(self, chunk_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first, last) global sentence ids of each chunk, inclusive."""
        rows = self.chunks[chunk_ids]
        return rows[:, 1], rows[:, 2]

    def chunk_text(self, chunk_id: int) -> str:
        doc, first, last = (int(x) for x in self.chunks[chunk_id])
        text = self.documents[doc].text
        return text[int(self.sentences[first, 1]) : int(self.sentences[last, 2])]


def first_sentences(documents: int, sentences: np.ndarray) -> np.ndarray:
    """Offsets into `sentences` (rows sorted by document) where each document starts, plus the end."""
    if not len(sentences):
        return np.zeros(documents + 1, dtype=np.int64)
    return np.asarray(np.searchsorted(sentences[:, 0], np.arange(documents + 1)), dtype=np.int64)


@dataclass
class Embedded(Spans):
    """Spans with every chunk's and sentence's vector in memory: what a build writes, and what it
    reuses of the index it replaces (vectors of unchanged articles)."""

    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
