"""Decide: answer or decline, by a linear model over the evidence for the best sentence.

The model's weights live in a data file with their feature names (decision.json beside this
module), written by `python bench/train_decline.py` (dev splits only) and checked against
`FEATURES` when loaded, so a weight can never be matched to the wrong feature.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsbot.index.answer_types import AnswerType, counted_thing
from newsbot.index.lexical import terms
from newsbot.index.pipeline import evidence
from newsbot.index.pipeline.records import Check, Decision, FusedHit, Question, Scored
from newsbot.index.snapshot import Snapshot

# Evidence for the best sentence (scoring), its article, its retrieval, and the answer check.
FEATURES = (
    "cosine", "coverage", "context", "article", "named_missing", "top_dense", "rarest_missing",
    "focus", "type_found", "constraints", "typed", "window_rarest_missing", "number_missing",
    "count_missing", "words_missing", "reader",
)
READER_CLIP = 10.0  # the reader's margin, in logits, is read within +-10
DEFAULT_MODEL = Path(__file__).with_name("decision.json")


class DecisionModelError(ValueError):
    """The decision model file is unreadable or does not match FEATURES."""


@dataclass(frozen=True)
class DecisionModel:
    weights: tuple[tuple[str, float], ...]
    bias: float
    retrieval_depth: int = 4  # top_dense is read over this many fused chunks, whatever --k is
    # The small-corpus rule's two parameters (`Decider.small_corpus_rule`).
    small_corpus_chunks: int = 300
    small_corpus_context: float = 0.5

    def __post_init__(self) -> None:
        names = tuple(name for name, _ in self.weights)
        if names != FEATURES:
            raise DecisionModelError(f"decision model features {list(names)} do not match {list(FEATURES)}")
        if not all(math.isfinite(w) for _, w in self.weights) or not math.isfinite(self.bias):
            raise DecisionModelError("decision model weights must be finite numbers")
        if self.retrieval_depth <= 0:
            raise DecisionModelError(f"retrieval_depth must be > 0, got {self.retrieval_depth}")

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> DecisionModel:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            weights = raw["weights"]
            return cls(
                weights=tuple((str(name), float(weights[name])) for name in raw["features"]),
                bias=float(raw["bias"]),
                retrieval_depth=int(raw.get("retrieval_depth", 4)),
                small_corpus_chunks=int(raw.get("small_corpus_chunks", 300)),
                small_corpus_context=float(raw.get("small_corpus_context", 0.5)),
            )
        except DecisionModelError as error:
            raise DecisionModelError(f"{path}: {error}") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DecisionModelError(f"cannot read the decision model {path} ({type(error).__name__}: {error})") from None

    def save(self, path: Path, **extra: object) -> None:
        record = {
            "features": list(FEATURES),
            "weights": dict(self.weights),
            "bias": self.bias,
            "retrieval_depth": self.retrieval_depth,
            "small_corpus_chunks": self.small_corpus_chunks,
            "small_corpus_context": self.small_corpus_context,
            **extra,
        }
        Path(path).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")

    def margin(self, features: dict[str, float]) -> float:
        return sum(w * features[name] for name, w in self.weights) + self.bias


_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][\w'’\-]*|\d[\d,.]*)")


def specific_terms(question: Question, idf: dict[str, float]) -> list[str]:
    """The question's own terms that pin down what it is about: its names and numbers (those the index knows)."""
    named: set[str] = set(question.named_terms)
    if not question.named_terms:
        for match in _CAPITALISED.finditer(question.raw.strip()):
            named.update(terms(match.group()))
    typed = question.typed_terms or question.terms
    return [t for t in dict.fromkeys(typed) if t in idf and t in named]


class Decider:
    def __init__(self, model: DecisionModel | None = None) -> None:
        self.model = model or DecisionModel.load()

    def features(
        self, data: Snapshot, question: Question, idf: dict[str, float], best: Scored, hits: Sequence[FusedHit], check: Check
    ) -> tuple[dict[str, float], tuple[str, ...]]:
        total = sum(idf.values()) or 1.0
        article = evidence.article_terms(data, best.candidate.document)
        typed = set(question.typed_terms or question.terms)
        missing = tuple(t for t in specific_terms(question, idf) if not question.present(t, article))
        values = {
            "cosine": best.cosine,
            "coverage": best.coverage,
            "context": best.context,
            "article": evidence.coverage(article, idf, total, question),
            "named_missing": sum(idf[t] for t in missing) / total,
            "top_dense": max((h.dense for h in hits[: self.model.retrieval_depth]), default=0.0),
            "rarest_missing": max((idf[t] for t in idf if t in typed and not question.present(t, article)), default=0.0) / total,
            "focus": best.focus,
            "type_found": float(check.type_found),
            "constraints": check.constraints,
            "typed": float(question.wanted is not AnswerType.OTHER),
            "window_rarest_missing": check.rarest_missing,
            # A year or number of the question that the cited window doesn't state: missing in 0-5% of
            # answerable dev questions, 20% of the news near misses.
            "number_missing": float(bool(check.numbers_missing)),
            "count_missing": float(check.count_missing),
            "words_missing": float(min(check.words_missing, 4)),
            # The trained reader's margin for the best sentence (0 when no reader reads).
            "reader": max(-READER_CLIP, min(READER_CLIP, best.read)) if best.read is not None else 0.0,
        }
        return values, missing

    def run(
        self, data: Snapshot, question: Question, idf: dict[str, float], scored: Sequence[Scored], hits: Sequence[FusedHit], check: Check
    ) -> Decision:
        if not scored:
            return Decision(False, 0.0, reason="no matching articles")
        values, missing = self.features(data, question, idf, scored[0], hits, check)
        confidence = self.model.margin(values)
        features = tuple((name, values[name]) for name in FEATURES)
        if confidence >= 0:
            return Decision(True, confidence, features)
        if self.small_corpus_rule(data, values, missing, check):
            return Decision(True, 0.0, features)
        shown = dict(question.shown)
        if missing:
            reason = "the articles don't mention: " + ", ".join(shown.get(t, t) for t in missing)
        elif check.missing:
            reason = "the closest passage doesn't say: " + ", ".join(shown.get(t, t) for t in check.missing)
        elif check.count_missing:
            reason = f"the closest passage gives no count of {counted_thing(question.raw)}"
        elif not check.type_found:
            reason = f"no {question.wanted.value} that answers it is given"
        else:
            reason = "no sentence answers it closely enough"
        return Decision(False, confidence, features, missing, reason)

    def small_corpus_rule(self, data: Snapshot, values: dict[str, float], missing: Sequence[str], check: Check) -> bool:
        """The small-corpus rule, which answers what the model declined: in an index of fewer than
        `small_corpus_chunks` chunks there is no neighbouring article to confuse an answer with, and
        the similarity features, fitted on corpora of thousands of chunks, read low for short
        questions; there a question is answered when the best sentence's window covers its terms
        (`context`) at least `small_corpus_context` and nothing it names, asks for or counts is missing."""
        return (
            data.lexical.n_docs < self.model.small_corpus_chunks
            and not missing
            and not check.missing
            and not check.count_missing
            and values["context"] >= self.model.small_corpus_context
        )
