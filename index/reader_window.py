"""What the reader reads: a candidate sentence with its article's title and its neighbours.

One function builds the window for training (bench/train_reader.py) and for answering
(index/pipeline/read.py), so the model sees at answer time exactly the shape it was trained on.
The window is plain text; `parts` maps character ranges of it back to the sentences they came
from, so that an answer span found anywhere in the window names the sentence that states it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TITLE_CHARS = 100
NEIGHBOUR_CHARS = 220  # the sentence before keeps its end, the one after its start
SENTENCE_CHARS = 600
QUESTION_CHARS = 250
MAX_TOKENS = 192  # question + window, in word pieces


@dataclass(frozen=True)
class Window:
    """The reader's passage: `text`, and which sentence each stretch of it came from.

    `parts` holds `(sentence, start, end)`: `sentence` is the caller's id of the sentence, and
    `text[start:end]` the part of it the window kept. The title is no part (id None is never used).
    """

    text: str
    parts: tuple[tuple[int, int, int], ...]
    centre: int  # the id of the candidate sentence the window was built around

    def sentence_at(self, start: int, end: int) -> int | None:
        """The sentence holding most of `text[start:end]`, or None when the span is in the title."""
        best, overlap = None, 0
        for sentence, s, e in self.parts:
            shared = min(end, e) - max(start, s)
            if shared > overlap:
                best, overlap = sentence, shared
        return best


def _head(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def _tail(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.find(" ", len(text) - limit)
    return text[cut + 1 if 0 <= cut < len(text) - limit // 2 else len(text) - limit :]


def build_window(title: str, sentences: Sequence[tuple[int, str]], centre: int) -> Window:
    """The window around `sentences[centre]`: the title, the sentence before, it, the one after.

    `sentences` are `(id, text)` of one article in reading order; `centre` indexes it.
    """
    pieces: list[tuple[int | None, str]] = []
    title = " ".join(title.split())
    if title:
        pieces.append((None, _head(title, TITLE_CHARS).rstrip(".") + "."))
    if centre > 0:
        pieces.append((sentences[centre - 1][0], _tail(" ".join(sentences[centre - 1][1].split()), NEIGHBOUR_CHARS)))
    pieces.append((sentences[centre][0], _head(" ".join(sentences[centre][1].split()), SENTENCE_CHARS)))
    if centre + 1 < len(sentences):
        pieces.append((sentences[centre + 1][0], _head(" ".join(sentences[centre + 1][1].split()), NEIGHBOUR_CHARS)))
    text, parts = "", []
    for sentence, piece in pieces:
        if not piece:
            continue
        if text:
            text += " "
        if sentence is not None:
            parts.append((sentence, len(text), len(text) + len(piece)))
        text += piece
    return Window(text=text, parts=tuple(parts), centre=sentences[centre][0])


def question_text(question: str) -> str:
    """The question as the reader takes it: one line, bounded."""
    return _head(" ".join(question.split()), QUESTION_CHARS)
