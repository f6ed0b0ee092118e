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
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from newsbot.index.answer_types import AnswerType, has_type, is_list_question, question_type
from newsbot.index.lexical import terms
from newsbot.index.store import IndexData
from newsbot.index.types import CitedSentence, Hit, SourceRef


@dataclass(frozen=True)
class SelectionParams:
    """Weights and thresholds of sentence selection, tuned on the dev splits (docs/BENCHMARKS.md)."""

    w_cosine: float = 1.0
    w_coverage: float = 0.5
    w_context: float = 0.25
    w_focus: float = 0.6
    w_type: float = 0.12
    w_rank: float = 0.04
    w_chunk: float = 0.05
    chunks: int = 4
    margin: float = 0.3  # extra sentences must score within this of the best
    list_margin: float = 0.3
    list_cosine_ratio: float = 0.75  # a neighbour continues a list when this close to the best cosine
    max_sentences: int = 3
    max_list_sentences: int = 5
    idf_prior_chunks: float = 300.0  # below about this many chunks, IDF is shrunk to its mean
    specific_idf: float = 99.0  # terms at least this rare must appear in the cited article
    # A linear model over `evidence_features` decides whether to answer (fit on dev splits by
    # bench/train_decline.py); it declines when the weighted sum is below zero.
    decline_weights: tuple[float, ...] = (5.58, -0.659, 0.529, 2.26, -8.74, 7.346, -1.044)
    decline_bias: float = -6.661
    duplicate_jaccard: float = 0.8
    follow_continuation: bool = True  # cite the next sentence too when it carries on the best one


@dataclass(frozen=True)
class Selection:
    answered: bool
    sentences: tuple[CitedSentence, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    reason: str = ""
    best_score: float = 0.0
    missing_terms: tuple[str, ...] = field(default=())
    features: tuple[float, ...] = field(default=())
    confidence: float = 0.0


@lru_cache(maxsize=50_000)
def _sentence_terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))


_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][\w'’\-]*|\d[\d,.]*)")


def surface_words(question: str, wanted: tuple[str, ...]) -> list[str]:
    """The question's own words for the stemmed `wanted` terms, to show to a reader."""
    shown: dict[str, str] = {}
    for match in re.finditer(r"[^\W_]+(?:[-'’][^\W_]+)*", question):
        for term in terms(match.group()):
            shown.setdefault(term, match.group())
    return [shown.get(t, t) for t in wanted]


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
    idf = term_weights(data, q_terms, params.idf_prior_chunks)
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
    focus = np.array([_focus_coverage(data, int(s), idf) for s in ids])
    wanted = question_type(question)
    typed = np.array([has_type(t, wanted, question) for t in texts], dtype=np.float64)
    ranks = np.array([rank_of[int(s)] for s in ids], dtype=np.float64)
    fused = np.array([chunk_score[int(s)] for s in ids])
    score = (
        params.w_cosine * cosine
        + params.w_coverage * coverage
        + params.w_context * context
        + params.w_focus * focus
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
    features = evidence_features(
        cosine=float(cosine[best]),
        coverage=float(coverage[best]),
        context=float(context[best]),
        article=_coverage(article_terms, idf, total_idf),
        named_missing=sum(idf[t] for t in missing) / total_idf,
        top_dense=max(h.dense for h in hits[: params.chunks]),
        rarest_missing=max((idf[t] for t in q_terms if t not in article_terms), default=0.0) / total_idf,
    )
    confidence = float(np.dot(params.decline_weights, features) + params.decline_bias)
    if confidence < 0:
        reason = "the articles don't mention: " + ", ".join(surface_words(question, missing)) if missing else "no sentence answers it closely enough"
        return Selection(False, reason=reason, best_score=best_score, missing_terms=missing, features=features, confidence=confidence)

    many = is_list_question(question)
    chosen = _choose(data, ids, texts, score, cosine, typed, order, many, wanted, params)
    scores = {int(ids[i]): float(score[i]) for i in range(len(ids))}
    sentence_ids = [int(ids[i]) for i in chosen]
    limit = params.max_list_sentences if many else params.max_sentences
    follower = _continuation(data, int(ids[best])) if params.follow_continuation else None
    if follower is not None and follower not in sentence_ids:
        if len(sentence_ids) >= max(limit, 2):
            sentence_ids.pop()  # the weakest extra gives way to the best sentence's continuation
        sentence_ids.append(follower)
        scores.setdefault(follower, best_score - params.margin)
    sentence_ids = _reading_order(data, sentence_ids, scores)
    cited = _cite(data, sentence_ids, scores, best_score)
    return replace(cited, features=features, confidence=confidence)


def _choose(
    data: IndexData,
    ids: np.ndarray,
    texts: list[str],
    score: np.ndarray,
    cosine: np.ndarray,
    typed: np.ndarray,
    order: np.ndarray,
    many: bool,
    wanted: AnswerType,
    params: SelectionParams,
) -> list[int]:
    """Candidate positions to cite: the best, those close to it, and (for lists) its continuation."""
    limit = params.max_list_sentences if many else params.max_sentences
    margin = params.list_margin if many else params.margin
    best = int(order[0])
    chosen: list[int] = [best]
    for i in (int(j) for j in order[1:]):
        if len(chosen) >= limit or score[i] < score[best] - margin:
            break
        if not _near_duplicate(texts[i], [texts[c] for c in chosen], params.duplicate_jaccard):
            chosen.append(i)
    if many:
        close = (score >= score[best] - params.list_margin * 2) | (cosine >= params.list_cosine_ratio * float(cosine.max()))
        chosen = _extend_adjacent(data, ids, close, typed, chosen, limit, wanted, score)
    return chosen


def _reading_order(data: IndexData, sentence_ids: list[int], scores: dict[int, float]) -> list[int]:
    """Articles by their best cited sentence (best first); sentences in reading order within each."""
    best_of_doc: dict[int, float] = {}
    for sid in sentence_ids:
        doc = int(data.sentences[sid, 0])
        best_of_doc[doc] = max(best_of_doc.get(doc, -np.inf), scores[sid])
    return sorted(sentence_ids, key=lambda sid: (-best_of_doc[int(data.sentences[sid, 0])], sid))


def term_weights(data: IndexData, q_terms: list[str], prior_chunks: float) -> dict[str, float]:
    """IDF of the question terms, shrunk towards their mean when the corpus is small.

    IDF from a handful of chunks is noise: in a one-article corpus every word the article lacks
    looks maximally rare. With n chunks, the corpus IDF gets weight n / (n + prior_chunks).
    """
    raw = {t: data.lexical.idf(t) for t in q_terms}
    if not raw:
        return raw
    trust = data.lexical.n_docs / (data.lexical.n_docs + prior_chunks)
    mean = sum(raw.values()) / len(raw)
    return {t: trust * w + (1 - trust) * mean for t, w in raw.items()}


FEATURES = ("cosine", "coverage", "context", "article", "named_missing", "top_dense", "rarest_missing")


def evidence_features(**values: float) -> tuple[float, ...]:
    """The evidence for the best sentence, in the order of FEATURES."""
    return tuple(float(values[name]) for name in FEATURES)


def _coverage(sentence_terms: frozenset[str], idf: dict[str, float], total: float) -> float:
    return sum(w for t, w in idf.items() if t in sentence_terms) / total


def _context_coverage(data: IndexData, sid: int, idf: dict[str, float], total: float) -> float:
    """Coverage by the sentence, the one before it and the article title together."""
    title = _sentence_terms(data.documents[int(data.sentences[sid, 0])].title)
    return _coverage(_window_terms(data, sid) | title, idf, total)


def _window_terms(data: IndexData, sid: int) -> frozenset[str]:
    """Terms of the sentence and of the one before it in the same article ("he", "the company")."""
    pool = _sentence_terms(data.sentence(sid).text)
    if sid > 0 and int(data.sentences[sid - 1, 0]) == int(data.sentences[sid, 0]):
        pool |= _sentence_terms(data.sentence(sid - 1).text)
    return pool


def _topic_terms(data: IndexData, doc: int) -> frozenset[str]:
    """What the whole article is about: the terms of its title."""
    return _sentence_terms(data.documents[doc].title)


def _focus_coverage(data: IndexData, sid: int, idf: dict[str, float]) -> float:
    """Coverage of the question terms the article's topic does not already explain.

    Every sentence of an article about "Eddie Van Halen" is about him; what tells the answer
    sentence apart is the rest of the question ("known for", "personality"). The sentence and
    the one before it (which resolves "he", "the company") are searched for those terms.
    """
    doc = int(data.sentences[sid, 0])
    topic = _topic_terms(data, doc)
    focus = {t: w for t, w in idf.items() if t not in topic}
    if not focus:
        focus = idf
    return _coverage(_window_terms(data, sid), focus, sum(focus.values()) or 1.0)


def _article_terms(data: IndexData, doc: int) -> frozenset[str]:
    """Terms of the article: the document, and the other parts of it (same title) in corpora
    that hold an article as several documents (paragraphs). Computed once per index."""
    cache: dict[int, frozenset[str]] = data.cache.setdefault("article_terms", {})
    found = cache.get(doc)
    if found is None:
        title = data.documents[doc].title
        parts = _title_groups(data).get(title, [doc]) if title else [doc]
        terms_found: set[str] = set()
        for part in parts:
            document = data.documents[part]
            terms_found |= _sentence_terms(document.title + "\n" + document.text)
        found = frozenset(terms_found)
        for part in parts:
            cache[part] = found
    return found


def _title_groups(data: IndexData) -> dict[str, list[int]]:
    groups: dict[str, list[int]] | None = data.cache.get("title_groups")
    if groups is None:
        groups = {}
        for index, document in enumerate(data.documents):
            groups.setdefault(document.title, []).append(index)
        data.cache["title_groups"] = groups
    return groups


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
    close: np.ndarray,
    typed: np.ndarray,
    chosen: list[int],
    limit: int,
    wanted: AnswerType,
    score: np.ndarray,
) -> list[int]:
    """For list questions, add neighbours of chosen sentences that continue the list: same
    article, holding an item of the asked type, and close to the question."""
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
                if same_doc and continues and close[j]:
                    grown.append(j)
                    changed = True
    return grown


_CONTINUES = re.compile(
    r"^[\"“‘']?(he|she|it|they|this|these|those|his|her|its|their|instead|since then|later|then|afterwards|there)\b",
    re.IGNORECASE,
)


def _continuation(data: IndexData, sid: int) -> int | None:
    """The next sentence when it carries on from `sid` ("It is to be held at…", "Instead, …")."""
    following = sid + 1
    if following >= len(data.sentences) or int(data.sentences[following, 0]) != int(data.sentences[sid, 0]):
        return None
    return following if _CONTINUES.match(data.sentence(following).text) else None


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
