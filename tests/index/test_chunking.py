import pytest

from newsbot.index.chunking import ChunkSpec, chunk_sentences
from newsbot.index.types import Sentence


def _sentences(word_counts: list[int]) -> list[Sentence]:
    out, pos = [], 0
    for n in word_counts:
        text = " ".join(["w"] * n)
        out.append(Sentence(text, pos, pos + len(text)))
        pos += len(text) + 1
    return out


class TestChunkSentences:
    def test_whole_sentences_under_the_word_limit(self):
        ranges = chunk_sentences(_sentences([10, 10, 10, 10, 10]), ChunkSpec(max_words=25, overlap=0))
        assert ranges == [(0, 1), (2, 3), (4, 4)]

    def test_overlap_repeats_whole_sentences(self):
        ranges = chunk_sentences(_sentences([10, 10, 10, 10, 10]), ChunkSpec(max_words=25, overlap=1))
        assert ranges == [(0, 1), (1, 2), (2, 3), (3, 4)]

    def test_long_sentence_is_a_chunk_of_its_own(self):
        ranges = chunk_sentences(_sentences([5, 200, 5]), ChunkSpec(max_words=50, overlap=1))
        assert ranges == [(0, 0), (1, 1), (2, 2)]

    def test_by_default_no_sentence_is_in_two_chunks(self):
        # Overlap was 15% of the tokens embedded on Wikinews (issue 11).
        ranges = chunk_sentences(_sentences([60, 60, 60, 60]))
        assert ranges == [(0, 1), (2, 3)]

    def test_every_sentence_is_covered(self):
        sentences = _sentences([7, 30, 3, 12, 40, 2, 9])
        ranges = chunk_sentences(sentences, ChunkSpec(max_words=40, overlap=1))
        covered = {i for first, last in ranges for i in range(first, last + 1)}
        assert covered == set(range(len(sentences)))

    def test_empty(self):
        assert chunk_sentences([]) == []

    @pytest.mark.parametrize("kwargs", [{"max_words": 0}, {"overlap": -1}])
    def test_bad_spec_names_the_value(self, kwargs):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            ChunkSpec(**kwargs)
