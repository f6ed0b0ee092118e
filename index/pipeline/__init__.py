"""The answer pipeline, assembled from its stages in one place.

    question -> normalise -> retrieve (dense, lexical) -> fuse -> candidate sentences -> score
             -> check -> decide (answer or decline) -> choose -> cite

Each stage is a small class in a module of its own: constructed with validated parameters, run
with the index snapshot (`IndexData`) and the previous stage's frozen output. docs/ARCHITECTURE.md
says where to change what.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from newsbot.index.pipeline.candidates import SentenceCandidates
from newsbot.index.pipeline.check import AnswerCheck
from newsbot.index.pipeline.choose import ChoiceParams, SentenceChooser
from newsbot.index.pipeline.cite import Citer
from newsbot.index.pipeline.decide import Decider, DecisionModel
from newsbot.index.pipeline.fuse import FusionWeights, ZScoreFusion
from newsbot.index.pipeline.normalise import QuestionNormaliser, only_chat
from newsbot.index.pipeline.records import Check, Decision, FusedHit, Question, Scored
from newsbot.index.pipeline.retrieve import DenseRetriever, LexicalRetriever
from newsbot.index.pipeline.score import ScoreWeights, SentenceScorer
from newsbot.index.store import IndexData
from newsbot.index.types import Answer, Hit

__all__ = ["AnswerPipeline", "ChoiceParams", "FusionWeights", "PipelineConfig", "ScoreWeights", "Trace"]


@dataclass(frozen=True)
class PipelineConfig:
    """Every tunable of the answer path, recorded in the index manifest of the engine's builds."""

    k: int = 4  # chunks that sentences are drawn from
    fusion: FusionWeights = FusionWeights()
    scoring: ScoreWeights = ScoreWeights()
    choice: ChoiceParams = ChoiceParams()

    def __post_init__(self) -> None:
        if self.k <= 0:
            raise ValueError(f"k must be > 0, got {self.k}")


@dataclass(frozen=True)
class Trace:
    """What each stage produced, for benchmarks, training scripts and debugging."""

    question: Question
    hits: tuple[FusedHit, ...] = ()
    scored: tuple[Scored, ...] = ()
    decision: Decision | None = None
    idf: dict[str, float] = field(default_factory=dict)
    check: Check | None = None


class AnswerPipeline:
    """Stages wired together; every one can be swapped through the constructor."""

    def __init__(
        self,
        config: PipelineConfig = PipelineConfig(),
        normaliser: Callable[[IndexData | None, str], Question] | None = None,
        decider: Decider | None = None,
        decision_model: DecisionModel | None = None,
    ) -> None:
        self.config = config
        self.normalise = normaliser or QuestionNormaliser().run
        self.dense = DenseRetriever(config.fusion.candidates)
        self.lexical = LexicalRetriever(config.fusion.candidates)
        self.fusion = ZScoreFusion(config.fusion)
        self.scorer = SentenceScorer(config.scoring)
        self.checker = AnswerCheck()
        self.decider = decider or Decider(decision_model)
        self.chooser = SentenceChooser(config.choice)
        self.citer = Citer()

    def retrieve(self, data: IndexData, question: Question, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[FusedHit, ...]:
        """Retrieve with both retrievers and fuse: the `k` best chunks."""
        if len(data.chunks) == 0:
            return ()
        lexical_scores = self.lexical.scores(data, question.terms, allowed)
        dense = self.dense.run(data, vector, allowed)
        lexical = self.lexical.top(lexical_scores)
        return self.fusion.run(data, vector, dense, lexical, lexical_scores, k)

    def trace(self, data: IndexData, question: Question, vector: np.ndarray, k: int | None = None, allowed: np.ndarray | None = None) -> Trace:
        k = k or self.config.k
        hits = self.retrieve(data, question, vector, max(k, self.decider.model.retrieval_depth), allowed)
        candidates = SentenceCandidates(k).run(data, hits)
        idf = self.scorer.idf(data, question)  # read by scoring, the check and the decision alike
        scored = self.scorer.run(data, question, vector, candidates, idf)
        check = self.checker.run(data, question, idf, scored)
        decision = self.decider.run(data, question, idf, scored, hits, check)
        return Trace(question, hits[:k], scored, decision, idf, check)

    def run(
        self,
        data: IndexData,
        raw_question: str,
        encode: Callable[[str], np.ndarray],
        k: int | None = None,
        allowed: np.ndarray | None = None,
    ) -> Answer:
        started = time.perf_counter()
        question = self.normalise(data, raw_question)
        if not question.raw:
            return Answer(raw_question.strip(), False, reason="empty question")
        if only_chat(question.raw):
            return Answer(question.raw, False, reason="nothing to look up in it")
        vector = encode(question.text)
        trace = self.trace(data, question, vector, k, allowed)
        decision = trace.decision
        assert decision is not None
        hits = tuple(Hit(h.chunk_id, h.score, h.dense, h.lexical) for h in trace.hits)
        common = {
            "question": question.raw,
            "generation": data.generation,
            "confidence": decision.confidence,
            "evidence": tuple(v for _, v in decision.features),
            "hits": hits,
        }
        if not decision.answer:
            return Answer(answered=False, reason=decision.reason, latency_ms=_ms(started), **common)  # type: ignore[arg-type]
        choice = self.chooser.run(data, question, trace.scored)
        sentences, sources = self.citer.run(data, choice)
        return Answer(answered=True, sentences=sentences, sources=sources, latency_ms=_ms(started), **common)  # type: ignore[arg-type]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
