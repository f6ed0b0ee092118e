"""Evaluation metrics, pure functions shared by `newsbot eval` and every pipeline in bench/.

Retrieval is scored on ranked document ids (a pipeline's hits mapped to their articles, duplicates
dropped, order kept): recall@k is the share of questions with a gold document in the top k (for
one gold document per question, as in SQuAD, this is BEIR's recall@k), MRR@10 the mean
reciprocal rank of the first gold document, nDCG@10 BEIR's, from graded qrels. Citations are
scored on the cited sentences' text: a hit when a gold answer, SQuAD-normalised, is contained in
them (the dataset README prefers this to matching sentence ids).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalisation: lowercase, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(cited_text: str, answers: Iterable[str]) -> bool:
    """Whether any gold answer (SQuAD-normalised) occurs in the cited text (same normalisation)."""
    haystack = normalize_answer(cited_text)
    # Plain containment, as SQuAD-style "answer in the evidence" checks and bench/tune_selection.py do.
    return any(needle and needle in haystack for needle in map(normalize_answer, answers))


def dedupe(ids: Iterable[str]) -> list[str]:
    """`ids` without repeats, in first-seen order (chunks of one article → one document)."""
    return list(dict.fromkeys(ids))


def first_relevant_rank(ranked: Sequence[str], relevant: Iterable[str]) -> int | None:
    """1-based rank of the first relevant id in `ranked`, or None."""
    wanted = set(relevant)
    for rank, doc in enumerate(ranked, start=1):
        if doc in wanted:
            return rank
    return None


def recall_at(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 when a relevant id is in the top `k`, else 0.0."""
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    rank = first_relevant_rank(ranked, relevant)
    return float(rank is not None and rank <= k)


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    """1 / rank of the first relevant id within the top `k`, else 0.0 (MRR@k averages this)."""
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    rank = first_relevant_rank(ranked, relevant)
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def ndcg_at(ranked: Sequence[str], gains: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k with graded gains (BEIR / pytrec_eval: gain / log2(rank + 1), ideal = sorted gains)."""
    if k <= 0:
        raise ValueError(f"k must be > 0, got {k}")
    dcg = sum(gains.get(doc, 0.0) / math.log2(rank + 1) for rank, doc in enumerate(dedupe(ranked)[:k], start=1))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg > 0 else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100, linear interpolation as numpy's default); NaN when empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else math.nan


def read_qrels(path: Path | str) -> dict[str, dict[str, float]]:
    """BEIR qrels (`query-id<TAB>corpus-id<TAB>score`, optional header) → {query: {doc: gain}}."""
    qrels: dict[str, dict[str, float]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            if not line.strip():
                continue
            if len(parts) != 3:
                raise ValueError(f"{path}:{number}: expected 3 tab-separated fields, got {len(parts)}")
            query, doc, score = parts
            try:
                gain = float(score)
            except ValueError:
                if number == 1:  # header line
                    continue
                raise ValueError(f"{path}:{number}: score must be a number, got {score!r}") from None
            qrels.setdefault(query, {})[doc] = gain
    return qrels


@dataclass(frozen=True)
class Outcome:
    """What one pipeline did with one question, in the terms the metrics need."""

    question_id: str
    answerable: bool
    ranked_doc_ids: tuple[str, ...]  # documents of the retrieved chunks, best first, deduplicated
    gold_doc_ids: tuple[str, ...]
    answers: tuple[str, ...]  # gold answer strings; empty when the dataset has none (SciFact)
    answered: bool
    cited_texts: tuple[str, ...]
    cited_doc_ids: tuple[str, ...]
    latency_ms: float
    group: str = ""  # for unanswerable questions: which file they came from
    style: str = ""  # how the question is typed ("lowercase", "typo", …), when the file says
    kind: str = ""  # what sort of question it is ("near-miss", "off-topic", "list", …), when the file says

    @property
    def hit(self) -> bool:
        return self.answered and contains_answer(" ".join(self.cited_texts), self.answers)

    @property
    def cites_gold(self) -> bool:
        return self.answered and bool(set(self.cited_doc_ids) & set(self.gold_doc_ids))


@dataclass(frozen=True)
class Report:
    """Every metric of `newsbot eval`; None where the data cannot give it (no answers, no qrels)."""

    questions: int
    recall_at_1: float | None
    recall_at_5: float | None
    recall_at_20: float | None
    mrr_at_10: float | None
    ndcg_at_10: float | None
    hit_rate: float | None  # share of answerable questions with a gold answer in the cited sentences
    hit_rate_answered: float | None  # the same among the questions it answered
    gold_doc_citation_rate: float | None
    mean_cited_sentences: float | None  # over answered questions
    answered_share: float | None  # among answerable questions
    unanswerable: int
    declined_share: float | None  # among all --unanswerable questions
    declined_by_group: dict[str, float] = field(default_factory=dict)
    hit_rate_by_style: dict[str, float] = field(default_factory=dict)  # answerable questions with a `style`
    declined_by_kind: dict[str, float] = field(default_factory=dict)  # unanswerable questions with a `kind`
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _share_by(outcomes: Sequence[Outcome], field_name: str, true: Callable[[Outcome], bool]) -> dict[str, float]:
    """The share of `outcomes` for which `true` holds, per value of `field_name` (sorted; none when unset)."""
    groups: dict[str, list[bool]] = {}
    for o in outcomes:
        value = getattr(o, field_name)
        if value:
            groups.setdefault(value, []).append(true(o))
    return {name: float(np.mean(groups[name])) for name in sorted(groups)}


def summarise(outcomes: Sequence[Outcome], qrels: Mapping[str, Mapping[str, float]] | None = None) -> Report:
    """Aggregate per-question outcomes into the report of `newsbot eval`."""
    answerable = [o for o in outcomes if o.answerable]
    others = [o for o in outcomes if not o.answerable]
    with_gold = [o for o in answerable if o.gold_doc_ids]
    with_answers = [o for o in answerable if o.answers]
    answered = [o for o in answerable if o.answered]
    judged = [o for o in answerable if qrels is not None and o.question_id in qrels]
    groups: dict[str, list[Outcome]] = {}
    for o in others:
        groups.setdefault(o.group, []).append(o)
    latencies = [o.latency_ms for o in outcomes]
    return Report(
        questions=len(answerable),
        recall_at_1=_mean([recall_at(o.ranked_doc_ids, o.gold_doc_ids, 1) for o in with_gold]),
        recall_at_5=_mean([recall_at(o.ranked_doc_ids, o.gold_doc_ids, 5) for o in with_gold]),
        recall_at_20=_mean([recall_at(o.ranked_doc_ids, o.gold_doc_ids, 20) for o in with_gold]),
        mrr_at_10=_mean([reciprocal_rank(o.ranked_doc_ids, o.gold_doc_ids, 10) for o in with_gold]),
        ndcg_at_10=_mean([ndcg_at(o.ranked_doc_ids, qrels[o.question_id], 10) for o in judged]) if qrels else None,
        hit_rate=_mean([float(o.hit) for o in with_answers]),
        hit_rate_answered=_mean([float(o.hit) for o in with_answers if o.answered]),
        gold_doc_citation_rate=_mean([float(o.cites_gold) for o in with_gold]),
        mean_cited_sentences=_mean([len(o.cited_texts) for o in answered]),
        answered_share=_mean([float(o.answered) for o in answerable]),
        unanswerable=len(others),
        declined_share=_mean([float(not o.answered) for o in others]),
        declined_by_group={name: float(np.mean([not o.answered for o in rows])) for name, rows in groups.items()},
        hit_rate_by_style=_share_by(with_answers, "style", lambda o: o.hit),
        declined_by_kind=_share_by(others, "kind", lambda o: not o.answered),
        latency_p50_ms=percentile(latencies, 50) if latencies else None,
        latency_p95_ms=percentile(latencies, 95) if latencies else None,
    )
