"""Render an `Answer` for the terminal (plain text) and for other tools (JSON lines)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import TextIO

from newsbot.index.types import Answer, CitedSentence, SourceRef

NOT_FOUND = "Not found in my articles."
CLOSEST = "The articles don't say exactly. The closest:"
BOLD, NORMAL = "\033[1m", "\033[22m"  # ANSI SGR: bold on, normal intensity


def terminal_bold(stream: TextIO) -> bool:
    """Whether to show answer spans in bold on `stream`: a terminal that is not "dumb", and no NO_COLOR."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
    return tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def sentence_text(sentence: CitedSentence, bold: bool = False) -> str:
    """The sentence verbatim; with `bold`, its answer spans between ANSI bold codes."""
    if not bold or not sentence.highlights:
        return sentence.text
    pieces, position = [], 0
    for start, end in sentence.highlights:
        pieces += [sentence.text[position:start], BOLD, sentence.text[start:end], NORMAL]
        position = end
    return "".join(pieces) + sentence.text[position:]


def source_line(source: SourceRef) -> str:
    """'[n] Title — Outlet, date. url' with the parts the article has."""
    meta = ", ".join(part for part in (source.source, source.date) if part)
    line = f"[{source.number}] {source.title}"
    if meta:
        line += f" — {meta}"
    if source.url:
        line += f". {source.url}"
    return line


def render_text(answer: Answer, bold: bool = False) -> str:
    """Readable text: the cited sentences with [n] markers (answer spans bold with `bold`), then the numbered sources."""
    if not answer.answered and answer.closest:
        closest = " ".join(f"{sentence_text(s, bold)} [{s.source_number}]" for s in answer.closest)
        lines = [CLOSEST, closest, "", "Sources:"]
        lines.extend(source_line(s) for s in answer.sources)
        return "\n".join(lines)
    if not answer.answered:
        hint = f" ({answer.reason})" if answer.reason else ""
        return f"{NOT_FOUND}{hint}\nTry other words, or ask about something the articles cover."
    cited = " ".join(f"{sentence_text(s, bold)} [{s.source_number}]" for s in answer.sentences)
    lines = [cited, "", "Sources:"]
    lines.extend(source_line(s) for s in answer.sources)
    return "\n".join(lines)


def answer_record(answer: Answer) -> dict[str, object]:
    """The JSON contract of `newsbot ask --json` (one object per question)."""
    sources = {s.number: s for s in answer.sources}
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text if answer.answered else "",
        "sentences": [_sentence_record(s, sources) for s in answer.sentences],
        "sources": [asdict(s) for s in answer.sources],
        "latency_ms": round(answer.latency_ms, 3),
        # A decline on topic: the closest sentence, never an answer (`answered` stays false).
        "closest": [_sentence_record(s, sources) for s in answer.closest],
        "reader": answer.reader,  # the reader model's fingerprint ("" when it is off)
    }


def _sentence_record(s: CitedSentence, sources: dict[int, SourceRef]) -> dict[str, object]:
    return {
        "text": s.text,
        "doc_id": s.doc_id,
        "title": sources[s.source_number].title,
        "source": sources[s.source_number].source,
        "url": sources[s.source_number].url,
        "date": sources[s.source_number].date,
        "score": s.score,
        "highlights": [[start, end] for start, end in s.highlights],
    }


def render_json(answer: Answer) -> str:
    return json.dumps(answer_record(answer), ensure_ascii=False)
