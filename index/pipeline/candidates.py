"""Candidate sentences: every sentence of the top `chunks` chunks, and the sentence on either side
of each, with its chunk's rank.

Chunks do not overlap (overlap was 15% of the tokens embedded), so an answer can sit just across a
chunk's edge from the sentence that matches the question ("...logo appeared during a download." |
"The song purchased was Le Freak."); the sentence on each side of a top chunk, in the same article,
is a candidate too, as it was when chunks shared a sentence (docs/BENCHMARKS.md, issue 11).
"""

from __future__ import annotations

from collections.abc import Sequence

from newsbot.index.pipeline.records import Candidate, FusedHit
from newsbot.index.snapshot import Snapshot


class SentenceCandidates:
    def __init__(self, chunks: int = 4, edges: int = 1) -> None:
        if chunks <= 0:
            raise ValueError(f"chunks must be > 0, got {chunks}")
        if edges < 0:
            raise ValueError(f"edges must be >= 0, got {edges}")
        self.chunks = chunks
        self.edges = edges

    def run(self, data: Snapshot, hits: Sequence[FusedHit]) -> tuple[Candidate, ...]:
        found: dict[int, Candidate] = {}
        for rank, hit in enumerate(hits[: self.chunks]):
            chunk = data.chunk(hit.chunk_id)
            first = max(chunk.first_sentence - self.edges, int(data.doc_first_sentence[chunk.doc_index]))
            last = min(chunk.last_sentence + self.edges, int(data.doc_first_sentence[chunk.doc_index + 1]) - 1)
            inside = list(chunk.sentence_range)
            edges = [s for s in range(first, last + 1) if s not in chunk.sentence_range]
            for sentence_id in inside + edges:  # a chunk's own sentences before its neighbours'
                if sentence_id not in found:
                    text = data.sentence(sentence_id).text
                    found[sentence_id] = Candidate(sentence_id, chunk.doc_index, text, rank, hit.score, hit.dense)
        return tuple(found.values())
