"""Render an `Answer` for the terminal (plain text) and for other tools (JSON lines)."""

from __future__ import annotations

import json
from dataclasses import asdict

from newsbot.index.types import Answer, SourceRef

NOT_FOUND = "Not found in my articles."


def source_line(source: SourceRef) -> str:
    """'[n] Title — Outlet, date. url' with the parts the article has."""
    meta = ", ".join(part for part in (source.source, source.date) if part)
    line = f"[{source.number}] {source.title}"
    if meta:
        line += f" — {meta}"
    if source.url:
        line += f". {source.url}"
    return line


def render_text(answer: Answer) -> str:
    """Readable text: the cited sentences with [n] markers, then the numbered sources."""
    if not answer.answered:
        hint = f" ({answer.reason})" if answer.reason else ""
        return f"{NOT_FOUND}{hint}\nTry other words, or ask about something the articles cover."
    lines = [answer.text, "", "Sources:"]
    lines.extend(source_line(s) for s in answer.sources)
    return "\n".join(lines)


def answer_record(answer: Answer) -> dict[str, object]:
    """The JSON contract of `newsbot ask --json` (one object per question)."""
    sources = {s.number: s for s in answer.sources}
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text if answer.answered else "",
        "sentences": [
            {
                "text": s.text,
                "doc_id": s.doc_id,
                "title": sources[s.source_number].title,
                "source": sources[s.source_number].source,
                "url": sources[s.source_number].url,
                "date": sources[s.source_number].date,
                "score": s.score,
            }
            for s in answer.sentences
        ],
        "sources": [asdict(s) for s in answer.sources],
        "latency_ms": round(answer.latency_ms, 3),
    }


def render_json(answer: Answer) -> str:
    return json.dumps(answer_record(answer), ensure_ascii=False)
