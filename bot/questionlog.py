"""One structured log line per question: what became of it and how long it took.

    INFO newsbot.questions: question chat=private outcome=answered latency_ms=182 engine_ms=35 queued=3 parts=1 chars=34 id=17 index=gen-1718000000

`key=value` pairs (logfmt), the same fields in `record.question` for a JSON formatter. The
question's text is not logged by default: it is the user's, and the feedback database already
keeps it under `id` for whoever may read that. NEWSBOT_LOG_QUESTIONS=1 adds it (`text="…"`).
No user or chat id is logged either. The token never reaches any log line (bot/logsafe.py).

Outcomes: answered, not_found (the articles do not say), too_long, no_words (emoji or
punctuation only), no_question (chat alone: "hi", "thanks!"), cooldown (a flooding user), error (the engine failed), undelivered (answered,
but Telegram could not be reached to deliver it).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

log = logging.getLogger("newsbot.questions")


@dataclass
class QuestionLog:
    """What is known about one question so far; `emit` writes its line."""

    chat: str
    question: str
    started: float  # time.perf_counter() when the bot took the question
    outcome: str = "error"
    engine_ms: float | None = None
    queued: int | None = None  # questions waiting for or in the worker pool when this one was asked
    parts: int = 0
    question_id: int | None = None
    generation: str = ""

    def fields(self, with_text: bool = False) -> dict[str, object]:
        found: dict[str, object] = {
            "chat": self.chat,
            "outcome": self.outcome,
            "latency_ms": round((time.perf_counter() - self.started) * 1000),
        }
        if self.engine_ms is not None:
            found["engine_ms"] = round(self.engine_ms)
        if self.queued is not None:
            found["queued"] = self.queued
        found["parts"] = self.parts
        found["chars"] = len(self.question)
        if self.question_id is not None:
            found["id"] = self.question_id
        if self.generation:
            found["index"] = self.generation
        if with_text:
            found["text"] = self.question
        return found

    def emit(self, with_text: bool = False) -> None:
        fields = self.fields(with_text)
        line = " ".join(f"{key}={_value(value)}" for key, value in fields.items())
        log.info("question %s", line, extra={"question": fields})


def _value(value: object) -> str:
    text = str(value)
    if text and all(c.isalnum() or c in "-_.:" for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)  # quoted, with quotes and newlines escaped
