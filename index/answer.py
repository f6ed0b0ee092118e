"""Choose the sentences that answer a question from the top chunks, or decline.

Each candidate sentence gets features (cosine to the question in context, weighted coverage of
the question's terms by the sentence and by its neighbourhood, the answer type, the rank of its
chunk); a linear score ranks them. The answer is the best sentence plus the few close to it
(more for list questions, adjacent sentences that continue it), in reading order. It declines
when the best evidence is weak or when a specific term of the question (a name, a number, a rare
word) appears nowhere in the article the evidence comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.answer_types import AnswerType, has_type, is_list_question, question_type
from index.lexical import terms
from index.store import IndexData
from index.types import CitedSentence, Hit, SourceRef


@dataclass(frozen=True)
class SelectionParams:
    """Weights and thresholds of sentence selection, tuned on the dev splits (docs/BENCHMARKS.md)."""

    w_cosine: float = 1.0
    w_coverage: float = 0.8
    w_context: float = 0.25
    w_type: float = 0.12
    w_rank: float = 0.04
    w_chunk: float = 0.05
    chunks: int = 4
    margin: float = 0.12  # extra sentences must score within this of the best
    list_margin: float = 0.3
    max_sentences: int = 2
    max_list_sentences: int = 5
    min_score: float = 0.35  # decline below this best score
    specific_idf: float = 4.0  # terms at least this rare must appear in the cited article
    max_missing: float = 0.0  # share of specific IDF mass allowed to be missing from the article
    duplicate_jaccard: float = 0.8


@dataclass(frozen=True)
class Selection:
    answered: bool
    sentences: tuple[CitedSentence, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    reason: str = ""
    best_score: float = 0.0
    missing_terms: tuple[str, ...] = field(default=())


@lru_cache(maxsize=50_000)
def _sentence_terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))


_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][\w'’\-]*|\d[\d,.]*)")


def specific_terms(question: str, idf: dict[str, float], threshold: float) -> list[str]:
    """The question's terms that pin down what it is about: names, numbers and rare words."""
    named = set()
    for match in _CAPITALISED.finditer(question.strip()):
        named.update(terms(match.group()))
    return [t for t in dict.fromkeys(terms(question)) if t in named or idf.get(t, threshold) >= threshold]


def select(
    data: IndexData,
    question: str,
    query_vector: np.ndarray,
    hits: list[Hit],
    params: SelectionParams = SelectionParams(),
) -> Selection:
    """Pick the cited sentences for `question` from `hits`, or decline with a reason."""
    q_terms = list(dict.fromkeys(terms(question)))
    idf = {t: data.lexical.idf(t) for t in q_terms}
    total_idf = sum(idf.values()) or 1.0
    if not hits:
        return Selection(False, reason="no matching articles")

    # Candidates: sentences of the top chunks, with the best rank of a chunk holding them.
    rank_of: dict[int, int] = {}
    chunk_score: dict[int, float] = {}
    for rank, hit in enumerate(hits[: params.chunks]):
        _, first, last = (int(x) for x in data.chunks[hit.chunk_id])
        for sid in range(first, last + 1):
            if sid not in rank_of:
                rank_of[sid] = rank
                chunk_score[sid] = hit.score
    ids = np.fromiter(rank_of, dtype=np.int64)
    texts = [data.sentence(int(s)).text for s in ids]
    cosine = np.asarray(data.sentence_vectors[ids]) @ query_vector
    coverage = np.array([_coverage(_sentence_terms(t), idf, total_idf) for t in texts])
    context = np.array([_context_coverage(data, int(s), idf, total_idf) for s in ids])
    wanted = question_type(question)
    typed = np.array([has_type(t, wanted, question) for t in texts], dtype=np.float64)
    ranks = np.array([rank_of[int(s)] for s in ids], dtype=np.float64)
    fused = np.array([chunk_score[int(s)] for s in ids])
    score = (
        params.w_cosine * cosine
        + params.w_coverage * coverage
        + params.w_context * context
        + params.w_type * typed
        - params.w_rank * ranks
        + params.w_chunk * fused
    )
    order = np.argsort(-score)
    best = int(order[0])
    best_score = float(score[best])
    best_doc = int(data.sentences[ids[best], 0])

    specific = specific_terms(question, idf, params.specific_idf)
    article_terms = _article_terms(data, best_doc)
    missing = tuple(t for t in specific if t not in article_terms)
    missing_mass = sum(idf[t] for t in missing) / (sum(idf[t] for t in specific) or 1.0)
    if missing and missing_mass > params.max_missing:
        return Selection(False, reason="the articles don't mention: " + ", ".join(missing), best_score=best_score, missing_terms=missing)
    if best_score < params.min_score:
        return Selection(False, reason="no sentence matches the question closely enough", best_score=best_score)

    many = is_list_question(question)
    limit = params.max_list_sentences if many else params.max_sentences
    margin = params.list_margin if many else params.margin
    chosen: list[int] = [best]
    for i in order[1:]:
        if len(chosen) >= limit:
            break
        i = int(i)
        if score[i] < best_score - margin:
            break
        if _near_duplicate(texts[i], [texts[c] for c in chosen], params.duplicate_jaccard):
            continue
        chosen.append(i)
    if many:
        chosen = _extend_adjacent(data, ids, score, typed, chosen, best_score - params.list_margin * 2, limit, wanted)

    sentence_ids = sorted((int(ids[i]) for i in chosen), key=lambda s: (_doc_order(data, ids, score, s), s))
    return _cite(data, sentence_ids, {int(ids[i]): float(score[i]) for i in range(len(ids))}, best_score)


def _coverage(sentence_terms: frozenset[str], idf: dict[str, float], total: float) -> float:
    return sum(w for t, w in idf.items() if t in sentence_terms) / total


def _context_coverage(data: IndexData, sid: int, idf: dict[str, float], total: float) -> float:
    """Coverage by the sentence, the one before it and the article title together."""
    doc = int(data.sentences[sid, 0])
    pool = set(_sentence_terms(data.sentence(sid).text)) | _sentence_terms(data.documents[doc].title)
    if sid > 0 and int(data.sentences[sid - 1, 0]) == doc:
        pool |= _sentence_terms(data.sentence(sid - 1).text)
    return _coverage(frozenset(pool), idf, total)


def _article_terms(data: IndexData, doc: int) -> frozenset[str]:
    document = data.documents[doc]
    return _sentence_terms(document.title + "\n" + document.text)


def _near_duplicate(text: str, others: list[str], threshold: float) -> bool:
    mine = set(text.lower().split())
    for other in others:
        theirs = set(other.lower().split())
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= threshold:
            return True
    return False


def _extend_adjacent(
    data: IndexData,
    ids: np.ndarray,
    score: np.ndarray,
    typed: np.ndarray,
    chosen: list[int],
    floor: float,
    limit: int,
    wanted: AnswerType,
) -> list[int]:
    """For list questions, add neighbours of chosen sentences that continue the list."""
    position = {int(s): i for i, s in enumerate(ids)}
    grown = list(chosen)
    changed = True
    while changed and len(grown) < limit:
        changed = False
        for i in sorted(grown, key=lambda j: -score[j]):
            sid = int(ids[i])
            for neighbour in (sid - 1, sid + 1):
                j = position.get(neighbour)
                if j is None or j in grown or len(grown) >= limit:
                    continue
                same_doc = int(data.sentences[neighbour, 0]) == int(data.sentences[sid, 0])
                continues = typed[j] > 0 or wanted is AnswerType.OTHER
                if same_doc and continues and score[j] >= floor:
                    grown.append(j)
                    changed = True
    return grown


def _doc_order(data: IndexData, ids: np.ndarray, score: np.ndarray, sid: int) -> float:
    """Articles ordered by their best sentence's score (best first)."""
    doc = int(data.sentences[sid, 0])
    return -max(float(score[i]) for i, s in enumerate(ids) if int(data.sentences[int(s), 0]) == doc)


def _cite(data: IndexData, sentence_ids: list[int], scores: dict[int, float], best: float) -> Selection:
    numbers: dict[int, int] = {}
    sources: list[SourceRef] = []
    cited: list[CitedSentence] = []
    for sid in sentence_ids:
        doc = int(data.sentences[sid, 0])
        if doc not in numbers:
            numbers[doc] = len(numbers) + 1
            d = data.documents[doc]
            sources.append(SourceRef(numbers[doc], d.doc_id, d.title, d.source, d.url, d.date))
        sentence = data.sentence(sid)
        cited.append(
            CitedSentence(sentence.text, data.documents[doc].doc_id, numbers[doc], sentence.start, sentence.end, round(scores[sid], 4))
        )
    return Selection(True, tuple(cited), tuple(sources), best_score=best)
