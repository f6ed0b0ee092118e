"""Candidate sentences: every sentence of the top `chunks` chunks, with its chunk's rank."""

from __future__ import annotations

from collections.abc import Sequence

from newsbot.index.pipeline.records import Candidate, FusedHit
from newsbot.index.store import IndexData


class SentenceCandidates:
    def __init__(self, chunks: int = 4) -> None:
        if chunks <= 0:
            raise ValueError(f"chunks must be > 0, got {chunks}")
        self.chunks = chunks

    def run(self, data: IndexData, hits: Sequence[FusedHit]) -> tuple[Candidate, ...]:
        found: dict[int, Candidate] = {}
        for rank, hit in enumerate(hits[: self.chunks]):
            chunk = data.chunk(hit.chunk_id)
            for sentence_id in chunk.sentence_range:
                if sentence_id not in found:
                    text = data.sentence(sentence_id).text
                    found[sentence_id] = Candidate(sentence_id, chunk.doc_index, text, rank, hit.score, hit.dense)
        return tuple(found.values())
