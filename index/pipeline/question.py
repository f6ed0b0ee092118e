"""Question: the typed question made into the record every later stage reads.

`PlainQuestion` collapses whitespace and reads the answer type; `newsbot.index.pipeline.normalise`
adds what the way people type needs (numbers, abbreviations, typos, chat noise).
"""

from __future__ import annotations

from newsbot.index.answer_types import is_list_question, question_type
from newsbot.index.lexical import shown_words, terms
from newsbot.index.pipeline.records import Question


def make_question(raw: str, text: str | None = None, rewrites: tuple[str, ...] = (), extra_terms: tuple[str, ...] = ()) -> Question:
    """A Question whose lexical form is `text` (default: `raw`), plus `extra_terms`."""
    raw = " ".join(raw.split())
    text = raw if text is None else " ".join(text.split())
    typed = tuple(dict.fromkeys(terms(text)))
    all_terms = tuple(dict.fromkeys((*typed, *extra_terms)))
    return Question(
        raw=raw,
        text=text,
        terms=all_terms,
        wanted=question_type(text),
        many=is_list_question(text),
        rewrites=rewrites,
        shown=shown_words(raw),
        typed_terms=typed,
    )


class PlainQuestion:
    """The question as typed, whitespace collapsed (the baseline the normaliser is measured against)."""

    def run(self, data: object, raw: str) -> Question:
        return make_question(raw)
