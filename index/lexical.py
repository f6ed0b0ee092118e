"""Lexical matching: one tokenizer for BM25 over chunks and for scoring sentences.

BM25 is bm25s (sparse-matrix BM25, milliseconds per query); terms are lowercased words,
English stopwords removed, Snowball-stemmed with PyStemmer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.index.language import WORD

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves s t also""".split()  # noqa: SIM905
)


@lru_cache(maxsize=1)
def _bm25s() -> Any:
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
    return bm25s


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lowercased words of `text`, hyphenated words split into their parts too."""
    out: list[str] = []
    for match in WORD.finditer(text.lower()):
        word = match.group().replace("’", "'")
        out.append(word)
        if "-" in word:
            out.extend(part for part in word.split("-") if part)
    return out


def terms(text: str) -> list[str]:
    """BM25 terms of `text`: words without stopwords, stemmed."""
    kept = [w for w in words(text) if w not in STOPWORDS]
    return stems(kept)


def shown_words(text: str) -> tuple[tuple[str, str], ...]:
    """Stemmed term -> the word of `text` it came from (for the "don't mention: X" hint)."""
    shown: dict[str, str] = {}
    for match in WORD.finditer(text):
        for term in terms(match.group()):
            shown.setdefault(term, match.group())
    return tuple(shown.items())


def stems(lowercased: list[str]) -> list[str]:
    """The Snowball stem of each (lowercased) word, in order: the form BM25 terms take."""
    return list(_stemmer().stemWords(lowercased)) if lowercased else []


class LexicalIndex:
    """BM25 over chunk texts plus the corpus document frequency of every term."""

    def __init__(self, retriever: Any, doc_freq: dict[str, int], n_docs: int) -> None:
        self._retriever = retriever
        self.doc_freq = doc_freq
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: Sequence[str], k1: float = 0.9, b: float = 0.4) -> LexicalIndex:
        bm25s = _bm25s()
        tokenised = [terms(t) or ["\x00empty"] for t in texts]
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.index(tokenised, show_progress=False)
        doc_freq: dict[str, int] = {}
        for doc in tokenised:
            for term in set(doc):
                doc_freq[term] = doc_freq.get(term, 0) + 1
        return cls(retriever, doc_freq, len(texts))

    def save(self, directory: Path) -> None:
        import json

        self._retriever.save(str(directory / "bm25"))
        (directory / "doc_freq.json").write_text(json.dumps({"n": self.n_docs, "df": self.doc_freq}))

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import json

        bm25s = _bm25s()
        retriever = bm25s.BM25.load(str(directory / "bm25"), load_corpus=False)
        stats = json.loads((directory / "doc_freq.json").read_text())
        return cls(retriever, stats["df"], int(stats["n"]))

    def chunk_weights(self) -> tuple[dict[str, int], Any]:
        """The vocabulary (term -> column) and each chunk's BM25 weight of each term (idf included)
        as a (chunks, terms) scipy CSR matrix: a chunk's score is its row times the query's term
        counts, what `scores` computes (another store, PostgreSQL, scores with these)."""
        import scipy.sparse as sparse

        weights = self._retriever.scores
        columns = len(weights["indptr"]) - 1
        matrix = sparse.csc_matrix(
            (weights["data"], weights["indices"], weights["indptr"]), shape=(int(weights["num_docs"]), columns)
        ).tocsr()
        vocabulary = {term: int(i) for term, i in self._retriever.vocab_dict.items() if int(i) < columns}
        return vocabulary, matrix

    def idf(self, term: str) -> float:
        """Robertson-Sparck Jones IDF (never negative); unseen terms get the largest value."""
        df = self.doc_freq.get(term, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the query terms (zeros when none is known)."""
        known = [t for t in query_terms if t in self.doc_freq]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        ids = self._retriever.get_tokens_ids(known)
        return np.asarray(self._retriever.get_scores(ids), dtype=np.float32)
