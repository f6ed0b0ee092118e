"""The answer pipeline, assembled from its stages in one place.

    question -> normalise -> retrieve (dense, lexical) -> fuse -> candidate sentences -> score
             -> read (the trained reader) -> check -> decide (answer or decline) -> choose -> cite

Each stage is a small class in a module of its own: constructed with validated parameters, run
with the index snapshot (`Snapshot`, newsbot.index.snapshot) and the previous stage's frozen output. docs/ARCHITECTURE.md
says where to change what.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from newsbot.index.highlight import answer_spans
from newsbot.index.pipeline.candidates import SentenceCandidates
from newsbot.index.pipeline.check import AnswerCheck
from newsbot.index.pipeline.choose import ChoiceParams, SentenceChooser
from newsbot.index.pipeline.cite import Citer
from newsbot.index.pipeline.decide import Decider, DecisionModel
from newsbot.index.pipeline.fuse import FusionWeights, ZScoreFusion
from newsbot.index.pipeline.normalise import QuestionNormaliser, only_chat
from newsbot.index.pipeline.read import AnswerReader, ReaderModel, ReadParams
from newsbot.index.pipeline.records import Check, Choice, Decision, FusedHit, Question, Reading, Scored
from newsbot.index.pipeline.retrieve import DenseRetriever, LexicalRetriever
from newsbot.index.pipeline.score import ScoreWeights, SentenceScorer
from newsbot.index.snapshot import Snapshot
from newsbot.index.types import Answer, CitedSentence, Hit, SourceRef

__all__ = ["AnswerPipeline", "ChoiceParams", "FusionWeights", "PipelineConfig", "ScoreWeights", "Trace"]


@dataclass(frozen=True)
class PipelineConfig:
    """Every tunable of the answer path, recorded in the index manifest of the engine's builds."""

    k: int = 4  # chunks that sentences are drawn from
    fusion: FusionWeights = FusionWeights()
    scoring: ScoreWeights = ScoreWeights()
    choice: ChoiceParams = ChoiceParams()
    reading: ReadParams = ReadParams()

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
    reading: Reading | None = None


class AnswerPipeline:
    """Stages wired together; every one can be swapped through the constructor."""

    def __init__(
        self,
        config: PipelineConfig = PipelineConfig(),
        normaliser: Callable[[Snapshot | None, str], Question] | None = None,
        decider: Decider | None = None,
        decision_model: DecisionModel | None = None,
        reader: ReaderModel | None = None,
    ) -> None:
        """`reader`: the trained reader (None: the pipeline reads with its scores alone)."""
        self.config = config
        self.normalise = normaliser or QuestionNormaliser().run
        self.dense = DenseRetriever(config.fusion.candidates)
        self.lexical = LexicalRetriever(config.fusion.candidates)
        self.fusion = ZScoreFusion(config.fusion)
        self.scorer = SentenceScorer(config.scoring)
        self.reader = AnswerReader(reader, config.reading) if reader is not None else None
        self.checker = AnswerCheck()
        self.decider = decider or Decider(decision_model)
        self.chooser = SentenceChooser(config.choice)
        self.citer = Citer()

    def retrieve(
        self, data: Snapshot, question: Question, vector: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> tuple[FusedHit, ...]:
        """Retrieve with both retrievers and fuse: the `k` best chunks."""
        if len(data.chunks) == 0:
            return ()
        lexical_scores = self.lexical.scores(data, question.terms, allowed)
        dense = self.dense.run(data, vector, allowed)
        lexical = self.lexical.top(lexical_scores)
        return self.fusion.run(data, vector, dense, lexical, lexical_scores, k)

    def trace(
        self,
        data: Snapshot,
        question: Question,
        vector: np.ndarray,
        k: int | None = None,
        allowed: np.ndarray | None = None,
    ) -> Trace:
        k = k or self.config.k
        hits = self.retrieve(data, question, vector, max(k, self.decider.model.retrieval_depth), allowed)
        candidates = SentenceCandidates(k).run(data, hits)
        idf = self.scorer.idf(data, question)  # read by scoring, the check and the decision alike
        scored = self.scorer.run(data, question, vector, candidates, idf)
        reading = None
        if self.reader is not None:
            reading = self.reader.run(data, question, scored)
            scored = self.reader.rescore(scored, reading)
        check = self.checker.run(data, question, idf, scored)
        decision = self.decider.run(data, question, idf, scored, hits, check)
        return Trace(question, hits[:k], scored, decision, idf, check, reading)

    def run(
        self,
        data: Snapshot,
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
        common: dict[str, Any] = {
            "question": question.raw,
            "generation": data.generation,
            "confidence": decision.confidence,
            "evidence": tuple(v for _, v in decision.features),
            "hits": hits,
            "reader": self.reader.model.fingerprint if self.reader is not None else "",
        }
        if not decision.answer:
            closest, sources = self._closest(data, decision, trace.scored)
            return Answer(
                answered=False,
                reason=decision.reason,
                latency_ms=_ms(started),
                closest=closest,
                sources=sources,
                **common,
            )
        choice = self.chooser.run(data, question, trace.scored)
        sentences, sources = self.citer.run(data, choice)
        sentences = _highlights(sentences, choice.sentence_ids, trace.reading, question.text)
        return Answer(answered=True, sentences=sentences, sources=sources, latency_ms=_ms(started), **common)

    def _closest(
        self, data: Snapshot, decision: Decision, scored: tuple[Scored, ...]
    ) -> tuple[tuple[CitedSentence, ...], tuple[SourceRef, ...]]:
        """For a decline on topic (nothing the question names is missing), the best sentence."""
        if not scored or decision.missing or scored[0].context < self.config.choice.closest_context:
            return (), ()
        best = scored[0]
        return self.citer.run(data, Choice((best.candidate.sentence_id,), (best.score,)))


def _highlights(
    sentences: tuple[CitedSentence, ...], ids: tuple[int, ...], reading: Reading | None, asked: str
) -> tuple[CitedSentence, ...]:
    """The answer's words, bold: the reader's spans where it says a cited sentence states the answer
    (each item of a list in its sentence), then the answer-type patterns' spans that don't overlap
    them, read from the normalised question ("wen did it end" asks for a date). Together they bold
    the gold answer more often than either alone (SQuAD dev, docs/BENCHMARKS.md section 9)."""
    out = []
    for sentence, sid in zip(sentences, ids, strict=True):
        read = [(span.start, span.end) for span in (reading.spans if reading is not None else ()) if span.sentence_id == sid]
        spans: list[tuple[int, int]] = []
        for start, end in (*read, *answer_spans(asked, sentence.text)):  # the reader's first
            if all(end <= a or start >= b for a, b in spans):
                spans.append((start, end))
        out.append(replace(sentence, highlights=tuple(sorted(spans))) if spans else sentence)
    return tuple(out)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
