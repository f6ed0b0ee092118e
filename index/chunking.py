"""Sentence-aware chunks: whole sentences, side by side (or overlapping by whole sentences)."""

from __future__ import annotations

from dataclasses import dataclass

from newsbot.index.types import Sentence


@dataclass(frozen=True)
class ChunkSpec:
    """How chunks are cut: at most `max_words` words, sharing `overlap` sentences with the last.

    No overlap by default: a shared sentence was 15% of the tokens embedded on Wikinews. The
    context it gave at a chunk's edge comes from the answer pipeline instead (its candidates
    include the sentence on each side of a top chunk); docs/BENCHMARKS.md, issue 11.
    """

    max_words: int = 120
    overlap: int = 0

    def __post_init__(self) -> None:
        if self.max_words <= 0:
            raise ValueError(f"max_words must be > 0, got {self.max_words}")
        if self.overlap < 0:
            raise ValueError(f"overlap must be >= 0, got {self.overlap}")


def chunk_sentences(sentences: list[Sentence], spec: ChunkSpec = ChunkSpec()) -> list[tuple[int, int]]:
    """Group sentence indices into chunks; returns (first, last) inclusive ranges.

    A chunk takes whole sentences until `max_words` would be passed (a single longer sentence is
    a chunk of its own); the next chunk starts `overlap` sentences before the end of the last.
    """
    if not sentences:
        return []
    words = [len(s.text.split()) for s in sentences]
    ranges: list[tuple[int, int]] = []
    first = 0
    while first < len(sentences):
        last, total = first, words[first]
        while last + 1 < len(sentences) and total + words[last + 1] <= spec.max_words:
            last += 1
            total += words[last]
        ranges.append((first, last))
        if last + 1 >= len(sentences):
            break
        first = max(first + 1, last + 1 - spec.overlap)
    return ranges
