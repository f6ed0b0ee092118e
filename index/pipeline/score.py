"""Score: evidence features of each candidate sentence and a linear selection score.

Features: cosine to the question in context, weighted coverage of the question's terms by the
sentence, by its window and title (context), by its window for the terms the title does not
already explain (focus), the answer type, a name for the noun a "which X" question asks for
("Madrid District Hospital" for "which hospital"), coverage of the terms of what is asked when
the question first sets it in context ("After Paris left the ship in 2007, where was she sent?"),
and its chunk's rank and fused score. Weights tuned on
the dev splits (bench/tune_selection.py, docs/BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsbot.index.answer_types import asked_noun, has_type, main_clause, names_asked_noun
from newsbot.index.lexical import terms
from newsbot.index.pipeline import evidence
from newsbot.index.pipeline.records import Candidate, Question, Scored
from newsbot.index.snapshot import Snapshot


@dataclass(frozen=True)
class ScoreWeights:
    cosine: float = 1.0
    coverage: float = 0.5
    context: float = 0.25
    focus: float = 0.6
    type: float = 0.3
    rank: float = 0.04
    chunk: float = 0.05
    noun: float = 0.15
    main: float = 0.2
    idf_prior_chunks: float = 300.0  # below about this many chunks, IDF is shrunk to its mean

    def __post_init__(self) -> None:
        if self.idf_prior_chunks < 0:
            raise ValueError(f"idf_prior_chunks must be >= 0, got {self.idf_prior_chunks}")


class SentenceScorer:
    def __init__(self, weights: ScoreWeights = ScoreWeights()) -> None:
        self.weights = weights

    def idf(self, data: Snapshot, question: Question) -> dict[str, float]:
        return evidence.term_weights(data, question.typed_terms or question.terms, self.weights.idf_prior_chunks, question)

    def run(
        self,
        data: Snapshot,
        question: Question,
        vector: np.ndarray,
        candidates: Sequence[Candidate],
        idf: dict[str, float] | None = None,
    ) -> tuple[Scored, ...]:
        """The candidates with their features, best first; `idf`: the question's term weights
        (`self.idf`), when the caller has them already."""
        if not candidates:
            return ()
        w = self.weights
        if idf is None:
            idf = self.idf(data, question)
        total = sum(idf.values()) or 1.0
        noun = asked_noun(question.text) if w.noun else ""
        # The terms of what is asked, when the question first sets it in context ("After Paris left
        # the ship in 2007, where was she sent?": "sent")
        main_terms = set(terms(main_clause(question.text))) if w.main else set()
        main_idf = {t: v for t, v in idf.items() if t in main_terms} if main_terms and main_terms != set(terms(question.text)) else {}
        ids = np.fromiter((c.sentence_id for c in candidates), dtype=np.int64, count=len(candidates))
        cosines = data.vectors.sentence_cosines(ids, vector)
        scored: list[Scored] = []
        for candidate, cosine in zip(candidates, cosines, strict=True):
            window = evidence.window_terms(data, candidate.sentence_id)
            title = evidence.title_terms(data, candidate.document)
            focus_idf = {t: v for t, v in idf.items() if not question.present(t, title)} or idf
            own = evidence.sentence_terms(candidate.text)
            cover = evidence.coverage(own, idf, total, question)
            main = evidence.coverage(own, main_idf, sum(main_idf.values()), question) if main_idf else 0.0
            context = evidence.coverage(window | title, idf, total, question)
            focus = evidence.coverage(window, focus_idf, sum(focus_idf.values()), question)
            typed = has_type(candidate.text, question.wanted, question.text)
            named = bool(noun) and names_asked_noun(candidate.text, noun, question.text)
            score = (
                w.cosine * float(cosine)
                + w.coverage * cover
                + w.context * context
                + w.focus * focus
                + w.type * float(typed)
                - w.rank * candidate.rank
                + w.chunk * candidate.chunk_score
                + w.noun * float(named)
                + w.main * main
            )
            scored.append(Scored(candidate, float(cosine), cover, context, focus, typed, score))
        # Stable on ties: candidates come in chunk order, as the selection always read them.
        return tuple(sorted(scored, key=lambda s: -s.score))
