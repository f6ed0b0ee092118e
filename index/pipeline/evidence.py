"""Term evidence shared by the scoring and deciding stages: term weights, and the terms of a
sentence, of its window (the sentence before resolves "he", "the company") and of its article."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from newsbot.index.language import MONTH_NAMES
from newsbot.index.lexical import terms
from newsbot.index.pipeline.records import Question
from newsbot.index.snapshot import Snapshot


@lru_cache(maxsize=50_000)
def sentence_terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))


def term_weights(data: Snapshot, q_terms: Sequence[str], prior_chunks: float, question: Question | None = None) -> dict[str, float]:
    """IDF of the question terms, shrunk towards their mean when the corpus is small.

    IDF from a handful of chunks is noise: in a one-article corpus every word the article lacks
    looks maximally rare. With n chunks, the corpus IDF gets weight n / (n + prior_chunks). A term
    typed in another form than the articles use ("2", "KL") weighs what its commonest
    equivalent ("two", "kuala lumpur") weighs, not what an unseen word would.
    """
    raw = {t: data.lexical.idf(t) for t in q_terms}
    if question is not None:
        for term, options in question.equivalents:
            if term in raw:
                weights = [sum(data.lexical.idf(t) for t in option) / len(option) for option in options if option]
                raw[term] = min([raw[term], *weights])
    if not raw:
        return raw
    trust = data.lexical.n_docs / (data.lexical.n_docs + prior_chunks)
    mean = sum(raw.values()) / len(raw)
    return {t: trust * w + (1 - trust) * mean for t, w in raw.items()}


def coverage(found: frozenset[str], idf: dict[str, float], total: float, question: Question | None = None) -> float:
    """The share of the question's term weight that `found` holds (a term, or one of its equivalents)."""
    if question is None or not question.equivalents:
        return sum(w for t, w in idf.items() if t in found) / (total or 1.0)
    return sum(w for t, w in idf.items() if question.present(t, found)) / (total or 1.0)


def window_terms(data: Snapshot, sentence_id: int) -> frozenset[str]:
    """Terms of the sentence and of the one before it in the same article."""
    pool = sentence_terms(data.sentence(sentence_id).text)
    if sentence_id > 0 and data.document_of(sentence_id - 1) == data.document_of(sentence_id):
        pool |= sentence_terms(data.sentence(sentence_id - 1).text)
    return pool


def date_terms(date: str) -> frozenset[str]:
    """An article's date as the words a question would use for it: its year and month."""
    parts = date.split("-")
    found = {parts[0]} if parts and parts[0].isdigit() else set()
    if len(parts) > 1 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        found.update(terms(MONTH_NAMES[int(parts[1]) - 1]))
    return frozenset(found)


def title_terms(data: Snapshot, document: int) -> frozenset[str]:
    """Terms of the article's title and of its date (a question's "in March 2019")."""
    record = data.document(document)
    return sentence_terms(record.title) | date_terms(record.date)


def article_terms(data: Snapshot, document: int) -> frozenset[str]:
    """Terms of the article: the document, and the other parts of it (same title) in corpora
    that hold an article as several documents (paragraphs). Computed once per index."""
    cache = data.caches.article_terms
    found = cache.get(document)
    if found is None:
        title = data.document(document).title
        parts = _title_groups(data).get(title, [document]) if title else [document]
        pool: set[str] = set()
        for part in parts:
            record = data.document(part)
            pool |= sentence_terms(record.title + "\n" + record.text) | date_terms(record.date)
        found = frozenset(pool)
        for part in parts:
            cache[part] = found
    return found


def _title_groups(data: Snapshot) -> dict[str, list[int]]:
    groups = data.caches.title_groups
    if groups is None:
        groups = {}
        for index, document in enumerate(data.documents):
            groups.setdefault(document.title, []).append(index)
        data.caches.title_groups = groups
    return groups
