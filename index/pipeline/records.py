"""The frozen records passed between the answer pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from newsbot.index.answer_types import AnswerType


@dataclass(frozen=True)
class Question:
    """A question as typed (`raw`) and as the lexical stages read it (`text`, `terms`)."""

    raw: str
    text: str
    terms: tuple[str, ...]
    wanted: AnswerType = AnswerType.OTHER
    many: bool = False  # asks for several items ("who attended", "which chains")
    # What normalisation changed, shown in logs: ("KL -> kuala lumpur", "2 -> two", …).
    rewrites: tuple[str, ...] = ()
    # Surface forms of terms, for the "don't mention: X" hint: stemmed term -> the user's word.
    shown: tuple[tuple[str, str], ...] = ()
    # Terms the user wrote verbatim (not added by normalisation): only these may be "missing".
    typed_terms: tuple[str, ...] = ()
    # term -> other ways of writing it ("two" for "2", ("kuala", "lumpur") for "kl"): a term is
    # present in a text when it or all the terms of one of its equivalents are.
    equivalents: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()
    # Typed terms that are names (capitalised in the question, or always in the articles) or numbers.
    named_terms: tuple[str, ...] = ()

    def present(self, term: str, found: frozenset[str] | set[str]) -> bool:
        """Whether `term`, or one of its equivalents, is among `found`."""
        if term in found:
            return True
        for key, options in self.equivalents:
            if key == term:
                return any(option and all(t in found for t in option) for option in options)
        return False


@dataclass(frozen=True)
class Retrieved:
    """Chunk ids found by one retriever, best first."""

    chunk_ids: np.ndarray


@dataclass(frozen=True)
class FusedHit:
    """A chunk after fusion: its fused score and the parts it came from."""

    chunk_id: int
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Candidate:
    """A sentence of a top chunk: where it is and how well its chunk ranked."""

    sentence_id: int
    document: int
    text: str
    rank: int  # of the best chunk holding it
    chunk_score: float
    chunk_dense: float


@dataclass(frozen=True)
class Scored:
    """A candidate with its evidence features and its selection score."""

    candidate: Candidate
    cosine: float
    coverage: float
    context: float
    focus: float
    typed: bool
    score: float
    read: float | None = None  # the reader's margin for this sentence (None: not read)


@dataclass(frozen=True)
class Check:
    """What the answer check found around the best sentence."""

    type_found: bool  # an answer of the asked type the question doesn't hold (True when no type is asked)
    constraints: float  # share of the question's names, years and numbers stated in the best sentence's window
    missing: tuple[str, ...] = ()  # constraint terms the window lacks
    rarest_missing: float = 0.0  # share of the question's weight held by its rarest term the window lacks
    numbers_missing: tuple[str, ...] = ()  # years and numbers of the question absent around the best few sentences
    count_missing: bool = False  # "how many X": no number in the window counts X
    words_missing: int = 0  # the question's own words (not names or numbers) that the window lacks


@dataclass(frozen=True)
class Decision:
    """Answer or decline, with the evidence features that decided it."""

    answer: bool
    confidence: float
    features: tuple[tuple[str, float], ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Choice:
    """The sentence ids to cite, in reading order, with the score of each."""

    sentence_ids: tuple[int, ...]
    scores: tuple[float, ...] = field(default=())


@dataclass(frozen=True)
class Span:
    """The reader's answer: words of one sentence (character offsets of its text) and its margin."""

    sentence_id: int
    start: int
    end: int
    margin: float  # the span's logits above "not stated": > 0, the reader says it is stated


@dataclass(frozen=True)
class Reading:
    """What the reader made of the best candidates' windows."""

    margins: tuple[tuple[int, float], ...]  # sentence id -> its best margin (read sentences only)
    best: Span | None  # the best span over the windows read (None: nothing read)
    spans: tuple[Span, ...] = ()  # every span the reader says states (part of) the answer, by sentence
