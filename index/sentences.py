"""Sentence segmentation with character offsets.

pysbd is used (measured against blingfire and syntok on the Wikinews corpus): it keeps
abbreviations such as "Mr." and "U.S." and closing quotation marks inside their sentence, which
blingfire split, and syntok splits multi-sentence quotations (16% more, shorter sentences on
Wikinews, which would move chunks and answers). Text is segmented paragraph by paragraph.

pysbd is slow (about 150 KB/s) and quadratic in the length of what it is given: a 280 KB
paragraph took 46 s and came back as one "sentence". So a paragraph longer than
`_LONG_PARAGRAPH` is first cut at safe points (a sentence end outside quotation marks, after a
word that is not an abbreviation pysbd knows), and pysbd segments the pieces; paragraphs of
ordinary length are segmented exactly as before. A piece still longer than `_MAX_PIECE` (a
quotation mark that is never closed hides every safe point after it; a run of abbreviations has
none) is cut again at plain sentence ends, quotes or not, and else between words, so pysbd never
gets more than a few thousand characters at once. A document gets `budget_s` seconds of pysbd;
the rest of it is cut at those safe points only, so that no file holds up start-up or shutdown,
and `checkpoint` is called before each piece, so a build can stop in the middle of a document.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from newsbot.index.types import Sentence

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?![ \t]*\n)[^\n]+)*")
# A segment this long is almost surely several sentences glued by odd punctuation.
_MAX_SENTENCE_CHARS = 600
# Beyond this a "sentence" has no punctuation or line break to cut at; it is cut between words.
_HARD_MAX_CHARS = 2000
# Paragraphs up to this length go to pysbd whole (on Wikinews 99% of them; pysbd is linear there).
_LONG_PARAGRAPH = 2000
_PIECE_CHARS = 1000  # a long paragraph is cut into pieces of about this length
# The most pysbd gets at once. Measured on hostile text ("Mr. Dr. U.S. " repeated): 2,000
# characters in 18 ms, 4,000 in 56 ms, 8,000 in 207 ms; on prose 4,000 take 20 ms.
_MAX_PIECE = 3000
# Seconds of pysbd per document: at 150 KB/s, about 750 KB of text; a larger file's remainder is
# cut at safe points only (measured: 20 MB in about 2 s).
DOCUMENT_BUDGET_S = 5.0
# A sentence end: a word, end punctuation, closing quotes or brackets, whitespace, then a capital
# or an opening quote. Group 1 is the word before the punctuation, group 2 what closes it.
_END = re.compile(r"""(\w+)([.!?…]+["'”’)\]]*)\s+(?=["“‘(\[]?[A-Z])""")
_QUOTES = re.compile(r"""["“”]""")


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    from pysbd.lang.english import English

    known = English.Abbreviation
    return frozenset(known.ABBREVIATIONS) | frozenset(known.PREPOSITIVE_ABBREVIATIONS) | frozenset(known.NUMBER_ABBREVIATIONS)


def split_sentences(
    text: str, budget_s: float | None = DOCUMENT_BUDGET_S, checkpoint: Callable[[], None] | None = None
) -> list[Sentence]:
    """Split `text` into sentences whose `start:end` slice of `text` is the sentence itself.

    `budget_s` bounds the seconds spent in pysbd on this text (None: no bound). `checkpoint` is
    called before each piece (a paragraph, or at most `_MAX_PIECE` characters of a long one); a
    build's progress report, which raises to stop the build.
    """
    sentences: list[Sentence] = []
    deadline = None if budget_s is None else time.monotonic() + budget_s
    for paragraph in _PARAGRAPH.finditer(text):
        base = paragraph.start()
        body = paragraph.group()
        if len(body) <= _LONG_PARAGRAPH:
            pieces: Iterator[tuple[int, int]] = iter([(0, len(body))])
        else:
            pieces = _bounded_pieces(body)
        for piece_start, piece_end in pieces:
            if checkpoint is not None:
                checkpoint()
            if deadline is not None and time.monotonic() > deadline:
                spans = list(safe_pieces(body[piece_start:piece_end], 0))
            else:
                spans = _pysbd_spans(body[piece_start:piece_end])
            for start, end in spans:
                for s, e in _split_overlong(body, piece_start + start, piece_start + end):
                    sentences.append(Sentence(text=body[s:e], start=base + s, end=base + e))
    return sentences


def _pysbd_spans(body: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _segmenter().segment(body):
        stripped = piece.strip()
        if not stripped:
            continue
        found = body.find(stripped, cursor)
        if found < 0:  # pysbd altered the text; fall back to the raw remainder
            continue
        cursor = found + len(stripped)
        spans.append((found, cursor))
    return spans


def _bounded_pieces(body: str) -> Iterator[tuple[int, int]]:
    """`body` in pieces of at most `_MAX_PIECE` characters: cut at safe points, then at plain
    sentence ends (inside quotation marks too), then between words."""
    for start, end in safe_pieces(body, _PIECE_CHARS):
        if end - start <= _MAX_PIECE:
            yield start, end
            continue
        for plain_start, plain_end in safe_pieces(body[start:end], _PIECE_CHARS, in_quotes=True):
            plain_start, plain_end = start + plain_start, start + plain_end
            if plain_end - plain_start <= _MAX_PIECE:
                yield plain_start, plain_end
            else:
                yield from _cut_between_words(body, plain_start, plain_end, _HARD_MAX_CHARS)


def safe_pieces(body: str, min_chars: int, in_quotes: bool = False) -> Iterator[tuple[int, int]]:
    """Cut `body` at sentence ends that pysbd would cut too, into pieces of `min_chars` or more.

    A safe end is outside quotation marks (`in_quotes`: inside them too) and after a word that is
    not a known abbreviation. In one pass over the text, so linear in its length; the pieces are
    stripped of outer whitespace.
    """
    abbreviations = _abbreviations()
    start = 0
    quotes = 0  # quotation marks seen since `start`: odd means inside a quotation
    scanned = 0
    for match in _END.finditer(body):
        quotes += len(_QUOTES.findall(body, scanned, match.end(2)))
        scanned = match.end(2)
        cut = match.end(2)
        if cut - start < min_chars or (quotes % 2 and not in_quotes):
            continue
        word = match.group(1).lower()
        if word in abbreviations or (len(word) == 1 and word.isalpha()):
            continue
        if cut > start:
            yield _strip(body, start, cut)
        start = match.end()
        quotes = 0
        scanned = start
    if start < len(body):
        yield _strip(body, start, len(body))


def _strip(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start].isspace():
        start += 1
    return start, _rstrip(body, start, end)


def _split_overlong(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a run-on segment at line breaks or semicolons so that a citation stays readable;
    one that still runs past `_HARD_MAX_CHARS` is cut between words."""
    if end - start <= _MAX_SENTENCE_CHARS:
        return [(start, end)] if end > start else []
    spans: list[tuple[int, int]] = []
    piece_start = start
    for match in re.finditer(r"\n|;\s", body[start:end]):
        cut = start + match.start() + (1 if match.group() != "\n" else 0)
        if cut - piece_start >= 80:
            spans.append((piece_start, cut))
            piece_start = start + match.end()
    spans.append((piece_start, end))
    cut_spans = [piece for s, e in spans for piece in _cut_between_words(body, s, e, _HARD_MAX_CHARS)]
    return [(s, e) for s, e in ((s, _rstrip(body, s, e)) for s, e in cut_spans) if e > s]


def _cut_between_words(body: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """`start:end` in pieces of at most `limit` characters, cut at a space where there is one."""
    while end - start > limit:
        cut = body.rfind(" ", start + limit // 2, start + limit)
        cut = cut if cut > start else start + limit
        yield start, _rstrip(body, start, cut)
        start = cut
        while start < end and body[start].isspace():
            start += 1
    yield start, end


def _rstrip(body: str, start: int, end: int) -> int:
    while end > start and body[end - 1].isspace():
        end -= 1
    return end
