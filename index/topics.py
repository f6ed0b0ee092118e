"""Does an article cover a followed topic? Its words together in a sentence, not a passing mention.

A topic is a few words ("harbour tunnel"). A sentence (or the title) *holds* it when every word of
the topic appears in it, by stem ("tunnels" is "tunnel"), within a span of at most the topic's
length plus `slack` words: "the tunnel under the harbour" holds "harbour tunnel"; "ferry fares
across the harbour" does not, and neither does a sentence that names the harbour at its start and
a railway tunnel twenty words later. An article matches when its title holds the topic, or when
sentences do: one for a topic of several words (the words together are the signal), two for a
single word, since one passing mention of a word is no match.

The sentences that hold the topic are cited, as an answer's are, with the topic's words as the
answer spans (bold in chat). A question followed ("who will build the bridge?") is not matched here:
the answer path decides it, as for a question asked now (`Engine.answer(..., within=)`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsbot.index.lexical import STOPWORDS, stems
from newsbot.index.types import Answer, CitedSentence, Document, Sentence, SourceRef

if TYPE_CHECKING:
    from newsbot.index.snapshot import Snapshot

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
Span = tuple[int, int]
MAX_CITED = 3  # a notification quotes the article, it does not reprint it


class TopicError(ValueError):
    """A topic with nothing to follow (only stopwords or punctuation); the message says so."""


@dataclass(frozen=True)
class Topic:
    """What a follower typed, and the stems that must appear together."""

    text: str
    terms: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Topic:
        words = [w.lower() for w in _WORD.findall(text)]
        kept = [w for w in words if w not in STOPWORDS]
        terms = tuple(dict.fromkeys(stems(kept)))
        if not terms:
            raise TopicError(f"no words to follow in {text!r}: give a name or a subject, for example 'harbour tunnel'")
        return cls(" ".join(text.split()), terms)


@dataclass(frozen=True)
class Holding:
    """A sentence that holds the topic, with the character spans of the topic's words in it."""

    sentence: Sentence
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class TopicMatch:
    """Why an article matches: the title holds the topic, and/or these sentences (reading order)."""

    in_title: bool
    cited: tuple[Holding, ...]


class TopicMatcher:
    """Decides whether an article covers a topic; see the module docstring for the rule."""

    def __init__(self, slack: int = 3, single_word_mentions: int = 2, max_cited: int = MAX_CITED) -> None:
        if slack < 0:
            raise ValueError(f"slack must be >= 0, got {slack}")
        if single_word_mentions < 1:
            raise ValueError(f"single_word_mentions must be >= 1, got {single_word_mentions}")
        if max_cited < 1:
            raise ValueError(f"max_cited must be >= 1, got {max_cited}")
        self.slack = slack
        self.single_word_mentions = single_word_mentions
        self.max_cited = max_cited

    def run(self, topic: Topic, document: Document, sentences: Sequence[Sentence]) -> TopicMatch | None:
        """The match, or None when the article does not cover the topic."""
        in_title = self.holds(topic, document.title) is not None
        holding = []
        for sentence in sentences:
            spans = self.holds(topic, sentence.text)
            if spans is not None:
                holding.append(Holding(sentence, spans))
        needed = self.single_word_mentions if len(topic.terms) == 1 else 1
        if not in_title and len(holding) < needed:
            return None
        if not holding:  # the title alone: quote the sentence that says most of the topic, or the lead
            lead = max(sentences, key=lambda s: len(set(topic.terms) & set(_stems_of(s.text))), default=None)
            holding = [Holding(lead, self._term_spans(topic, lead.text))] if lead is not None else []
        return TopicMatch(in_title, tuple(holding[: self.max_cited]))

    def holds(self, topic: Topic, text: str) -> tuple[Span, ...] | None:
        """The spans of the topic's words in `text` when they all appear close together, else None."""
        tokens = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        token_stems = stems([text[a:b].lower() for a, b in tokens])
        wanted = {term: number for number, term in enumerate(topic.terms)}
        hits = [(position, wanted[stem]) for position, stem in enumerate(token_stems) if stem in wanted]
        window = _smallest_window(hits, len(topic.terms))
        if window is None or window[1] - window[0] + 1 > len(topic.terms) + self.slack:
            return None
        first, last = window
        return _joined(text, [tokens[position] for position, _ in hits if first <= position <= last])

    @staticmethod
    def _term_spans(topic: Topic, text: str) -> tuple[Span, ...]:
        tokens = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        token_stems = stems([text[a:b].lower() for a, b in tokens])
        return _joined(text, [span for span, stem in zip(tokens, token_stems, strict=True) if stem in topic.terms])


def _joined(text: str, spans: Sequence[Span]) -> tuple[Span, ...]:
    """Spans with only spaces between them made one ("harbour tunnel" bold as one phrase)."""
    joined: list[Span] = []
    for start, end in spans:
        if joined and not text[joined[-1][1] : start].strip():
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return tuple(joined)


def _stems_of(text: str) -> list[str]:
    return stems([w.lower() for w in _WORD.findall(text)])


def _smallest_window(hits: Sequence[tuple[int, int]], needed: int) -> tuple[int, int] | None:
    """The shortest (first, last) token positions covering every one of `needed` terms, or None."""
    counts: dict[int, int] = {}
    best: tuple[int, int] | None = None
    left = 0
    for position, term in hits:
        counts[term] = counts.get(term, 0) + 1
        while len(counts) == needed:
            start = hits[left][0]
            if best is None or position - start < best[1] - best[0]:
                best = (start, position)
            left_term = hits[left][1]
            counts[left_term] -= 1
            if not counts[left_term]:
                del counts[left_term]
            left += 1
    return best


def topic_answer(topic: Topic, document: Document, match: TopicMatch | None) -> Answer:
    """The match as an `Answer` (one source, the article) so it is rendered as answers are."""
    if match is None:
        return Answer(topic.text, False, reason="the article does not cover the topic")
    source = SourceRef(1, document.doc_id, document.title, document.source, document.url, document.date)
    cited = tuple(
        CitedSentence(h.sentence.text, document.doc_id, 1, h.sentence.start, h.sentence.end, 1.0, highlights=h.spans)
        for h in match.cited
    )
    return Answer(topic.text, True, cited, (source,))


def match_article(data: Snapshot, topic_text: str, doc_id: str, matcher: TopicMatcher | None = None) -> Answer:
    """`topic_answer` for the article `doc_id` of a loaded index (a directory's or the database's).

    Raises TopicError for a topic without words; an article not in the index is no match."""
    topic = Topic.parse(topic_text)
    positions = data.caches.doc_positions
    if positions is None:
        positions = {document.doc_id: number for number, document in enumerate(data.documents)}
        data.caches.doc_positions = positions
    number = positions.get(doc_id)
    if number is None:
        return Answer(topic.text, False, reason="the article is not in the index")
    first, last = (int(x) for x in data.doc_first_sentence[number : number + 2])
    sentences = [data.sentence(i) for i in range(first, last)]
    document = data.document(number)
    return topic_answer(topic, document, (matcher or TopicMatcher()).run(topic, document, sentences))
