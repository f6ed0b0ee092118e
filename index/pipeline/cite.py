"""Cite: the chosen sentences as verbatim quotes, each with the [n] of its article."""

from __future__ import annotations

from newsbot.index.pipeline.records import Choice
from newsbot.index.snapshot import Snapshot
from newsbot.index.types import CitedSentence, SourceRef


class Citer:
    def run(self, data: Snapshot, choice: Choice) -> tuple[tuple[CitedSentence, ...], tuple[SourceRef, ...]]:
        numbers: dict[int, int] = {}
        sources: list[SourceRef] = []
        cited: list[CitedSentence] = []
        for sid, score in zip(choice.sentence_ids, choice.scores, strict=True):
            doc = data.document_of(sid)
            document = data.document(doc)
            if doc not in numbers:
                numbers[doc] = len(numbers) + 1
                sources.append(SourceRef(numbers[doc], document.doc_id, document.title, document.source, document.url, document.date))
            sentence = data.sentence(sid)
            cited.append(CitedSentence(sentence.text, document.doc_id, numbers[doc], sentence.start, sentence.end, round(score, 4)))
        return tuple(cited), tuple(sources)
