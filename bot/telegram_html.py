"""Render an `Answer` as Telegram HTML messages, each under Telegram's 4,096-character limit.

Every piece of text from an article or a user goes through `escape`. A message is a list of
sections (a blockquote of cited sentences, the sources); each line of a section is balanced
HTML on its own, so a message can end after any line, and a section cut in two is closed in
one message and reopened in the next. Splits fall between sentences or sources; only a single
line too long for a message is cut, at a space, from its plain text before escaping, so a cut
never lands inside a tag or an entity. The words of a quoted sentence that answer the question
(`CitedSentence.highlights`) are bold: spans of the plain text, so a cut through one closes the
bold in one part and opens it again in the next.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from newsbot.bot.render import CLOSEST, NOT_FOUND, source_line
from newsbot.index.types import Answer, CitedSentence

MESSAGE_LIMIT = 4096
NOT_FOUND_HINT = "Try other words, or ask about something the articles cover."


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode (<, > and & as entities)."""
    return html.escape(text, quote=False)


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units; an emoji is two."""
    return len(text.encode("utf-16-le")) // 2


Span = tuple[int, int]


@dataclass(frozen=True)
class Line:
    """Plain `text` with `bold` spans of it, optionally in one `tag`, then `suffix` (balanced HTML,
    such as a [n] marker)."""

    text: str
    tag: str = ""
    suffix: str = ""
    bold: tuple[Span, ...] = ()

    def html(self) -> str:
        pieces, position = [], 0
        for start, end in self.bold:
            pieces.append(escape(self.text[position:start]))
            pieces.append(f"<b>{escape(self.text[start:end])}</b>")
            position = end
        body = "".join(pieces) + escape(self.text[position:])
        if self.tag:
            body = f"<{self.tag}>{body}</{self.tag}>"
        return body + self.suffix


@dataclass(frozen=True)
class Section:
    """Lines shown together, optionally wrapped in one tag (for example 'blockquote')."""

    lines: tuple[Line, ...]
    tag: str = ""

    @property
    def open(self) -> str:
        return f"<{self.tag}>" if self.tag else ""

    @property
    def close(self) -> str:
        return f"</{self.tag}>" if self.tag else ""


def answer_sections(answer: Answer) -> list[Section]:
    """The cited sentences (quoted, with [n] markers), then the sources; or 'not found' with a hint."""
    if not answer.answered and answer.closest:
        sources = (Line("Sources", "b"), *(Line(source_line(source)) for source in answer.sources))
        return [Section((Line(CLOSEST, "b"),)), Section(_quotes(answer.closest), "blockquote"), Section(sources)]
    if not answer.answered or not answer.sentences:
        return [Section((Line(NOT_FOUND, "b"), Line(NOT_FOUND_HINT)))]
    sources = (Line("Sources", "b"), *(Line(source_line(source)) for source in answer.sources))
    return [Section(_quotes(answer.sentences), "blockquote"), Section(sources)]


def _quotes(sentences: Sequence[CitedSentence]) -> tuple[Line, ...]:
    return tuple(
        Line(
            sentence.text,
            suffix=f" <b>[{sentence.source_number}]</b>",
            bold=_valid_spans(sentence.highlights, len(sentence.text)),
        )
        for sentence in sentences
    )


def _valid_spans(spans: Iterable[Span], length: int) -> tuple[Span, ...]:
    """Non-empty spans inside the text, in order and not overlapping (a bad span is dropped, never sent)."""
    kept: list[Span] = []
    for start, end in sorted(spans):
        if 0 <= start < end <= length and (not kept or start >= kept[-1][1]):
            kept.append((start, end))
    return tuple(kept)


def render_answer(answer: Answer, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The answer as one or more Telegram HTML messages."""
    return pack(answer_sections(answer), limit)


def render_single(answer: Answer, limit: int = MESSAGE_LIMIT) -> str:
    """The answer in one message (for inline results): the first sentences that fit, with their sources."""
    for keep in range(len(answer.sentences), 0, -1):
        sentences = answer.sentences[:keep]
        cited = {s.source_number for s in sentences}
        shorter = replace(answer, sentences=sentences, sources=tuple(s for s in answer.sources if s.number in cited))
        messages = render_answer(shorter, limit)
        if len(messages) == 1:
            return messages[0]
    return render_answer(answer, limit)[0]


def render_lines(lines: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Plain lines (escaped here) as one or more messages."""
    return pack([Section(tuple(Line(line) for line in lines))], limit)


def pack(sections: Sequence[Section], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join sections into messages of at most `limit` UTF-16 units, splitting only between lines."""
    messages: list[str] = []
    current = ""
    for section_number, section in enumerate(sections):
        separator = "\n\n" if section_number else ""
        opened = False
        for line in _fitting_lines(section, limit):
            piece = line.html()
            if not opened:
                candidate = current + (separator if current else "") + section.open + piece
            else:
                candidate = current + "\n" + piece
            if telegram_length(candidate + section.close) <= limit:
                current, opened = candidate, True
                continue
            if current:
                messages.append(current + (section.close if opened else ""))
            current, opened = section.open + piece, True
        if opened:
            current += section.close
    if current:
        messages.append(current)
    return messages


def _fitting_lines(section: Section, limit: int) -> Iterable[Line]:
    """The section's lines, each cut at spaces where it alone would not fit in a message."""
    overhead = telegram_length(section.open + section.close)
    for line in section.lines:
        if telegram_length(line.html()) + overhead <= limit:
            yield line
            continue
        room = limit - overhead - telegram_length(Line("", line.tag, line.suffix).html())
        parts = list(_cut(line, room))
        for number, part in enumerate(parts):
            yield Line(part.text, line.tag, line.suffix if number == len(parts) - 1 else "", part.bold)


def _cut(line: Line, room: int) -> Iterable[Line]:
    """Pieces of the line (its bold spans cut with it) whose HTML fits in `room`, each cut at the
    last space that allows it."""
    text = line.text
    position = 0  # where the rest of the line starts in `line.text`
    while telegram_length(_piece(line, position, len(text)).html()) > room:
        end = _longest_prefix(line, position, room)
        space = text.rfind(" ", position, end)
        cut = space if space > position else end
        yield _piece(line, position, cut)
        position = cut
        while position < len(text) and text[position] == " ":
            position += 1
    if position < len(text):
        yield _piece(line, position, len(text))


def _piece(line: Line, start: int, end: int) -> Line:
    """line.text[start:end] with the parts of the bold spans that fall in it (no tag, no suffix)."""
    bold = tuple((max(s, start) - start, min(e, end) - start) for s, e in line.bold if s < end and e > start)
    return Line(line.text[start:end], bold=bold)


def _longest_prefix(line: Line, start: int, room: int) -> int:
    """The largest n > start such that the piece line.text[start:n] fits in `room` (at least start + 1)."""
    low, high = start + 1, len(line.text)
    while low < high:
        middle = (low + high + 1) // 2
        if telegram_length(_piece(line, start, middle).html()) <= room:
            low = middle
        else:
            high = middle - 1
    return low
