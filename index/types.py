"""The frozen records that flow between the engine's stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One article, cleaned: `text` is what sentences and offsets refer to."""

    doc_id: str
    title: str
    text: str
    source: str = ""
    url: str = ""
    date: str = ""  # ISO YYYY-MM-DD, or "" when unknown


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article, with its character span in `Document.text`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article; `sentence_ids` index into the article's sentences."""

    chunk_id: int
    doc_index: int
    first_sentence: int
    last_sentence: int  # inclusive

    @property
    def sentence_range(self) -> range:
        return range(self.first_sentence, self.last_sentence + 1)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the parts it came from."""

    chunk_id: int
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class SourceRef:
    """An article cited by an answer; `number` is the [n] marker."""

    number: int
    doc_id: str
    title: str
    source: str
    url: str
    date: str


@dataclass(frozen=True)
class CitedSentence:
    """A verbatim sentence of an article, cited as [source_number]."""

    text: str
    doc_id: str
    source_number: int
    start: int
    end: int
    score: float
    # Character spans of `text` that answer the question (names for who, dates for when…), for bold.
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Answer:
    """What the engine says to a question: cited sentences, or that the articles don't say."""

    question: str
    answered: bool
    sentences: tuple[CitedSentence, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    latency_ms: float = 0.0
    reason: str = ""  # why it declined, for logs and the "not found" hint
    confidence: float = 0.0  # the answer/decline model's margin: below zero it declines
    generation: str = ""  # the index generation that answered
    evidence: tuple[float, ...] = field(default=(), compare=False, repr=False)
    hits: tuple[Hit, ...] = field(default=(), compare=False, repr=False)
    # A decline on topic: the sentence closest to an answer, shown as "the closest the articles
    # say" (its article is in `sources`); empty when answered or off topic.
    closest: tuple[CitedSentence, ...] = ()
    reader: str = ""  # the fingerprint of the reader model that read it ("" without one)

    @property
    def text(self) -> str:
        """The cited sentences joined, each followed by its [n] marker."""
        return " ".join(f"{s.text} [{s.source_number}]" for s in self.sentences)
