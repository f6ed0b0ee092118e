import pytest

from newsbot.index.sentences import split_sentences


class TestSplitSentences:
    def test_offsets_slice_the_sentence(self):
        text = "Mr. Smith arrived at 5 p.m. on Jan. 5. The U.S. Army agreed.\n\nA new paragraph starts here."
        sentences = split_sentences(text)
        assert [s.text for s in sentences] == [
            "Mr. Smith arrived at 5 p.m. on Jan. 5.",
            "The U.S. Army agreed.",
            "A new paragraph starts here.",
        ]
        for s in sentences:
            assert text[s.start : s.end] == s.text

    def test_quotation_stays_with_its_sentence(self):
        text = "“We will not back down,” the minister said. He then left the room."
        assert [s.text for s in split_sentences(text)] == [
            "“We will not back down,” the minister said.",
            "He then left the room.",
        ]

    def test_run_on_text_is_cut_at_line_breaks(self):
        line = "word " * 30
        text = "\n".join([line.strip()] * 10)  # 300 words, no sentence punctuation
        sentences = split_sentences(text)
        assert len(sentences) > 1
        assert all(text[s.start : s.end] == s.text for s in sentences)

    def test_empty_text(self):
        assert split_sentences("") == []


class TestHostileLengths:
    """One paragraph without a line break (issue 11): pysbd alone took 46 s on 280 KB."""

    PROSE = (
        "Mr. Smith met the U.S. delegation on Jan. 5 in Kuala Lumpur. “We will not back down,” "
        "the minister said. Talks resumed at 5 p.m. and lasted three hours! Did they agree? "
    )

    def test_a_300_kb_paragraph_splits_in_seconds_into_many_sentences(self):
        import time

        text = self.PROSE * (300_000 // len(self.PROSE))
        started = time.perf_counter()
        sentences = split_sentences(text)
        assert time.perf_counter() - started < 20  # about 2.5 s on a quiet core
        assert len(sentences) > 2000
        assert all(text[s.start : s.end] == s.text for s in sentences)
        assert all(len(s.text) <= 2000 for s in sentences)
        assert "Mr. Smith met the U.S. delegation on Jan. 5 in Kuala Lumpur." in {s.text for s in sentences[:10]}

    def test_the_budget_bounds_the_time_and_the_rest_is_still_split(self):
        text = self.PROSE * 400
        sentences = split_sentences(text, budget_s=0.0)  # no time for pysbd at all
        assert len(sentences) > 400
        assert all(text[s.start : s.end] == s.text for s in sentences)
        assert not any(s.text.endswith(("Mr.", "U.S.")) for s in sentences)

    def test_text_without_punctuation_is_cut_between_words(self):
        text = "word " * 60_000
        sentences = split_sentences(text)
        assert len(sentences) >= 100
        assert all(len(s.text) <= 2000 and s.text.startswith("word") and s.text.endswith("word") for s in sentences)


class TestEveryPieceIsBounded:
    """Issue 20: one piece that no safe point cuts went to pysbd whole (40 s for 300 KB after an
    unclosed quotation mark, 36 s for abbreviations alone)."""

    UNCLOSED_QUOTE = '"' + " ".join(
        f"The council of town {i} met on Monday and approved a new budget for roads." for i in range(4000)
    )
    ABBREVIATIONS = "Mr. Dr. U.S. " * 8000

    @pytest.fixture
    def pysbd_inputs(self, monkeypatch: pytest.MonkeyPatch) -> list[int]:
        """The length of each text pysbd is given."""
        from newsbot.index import sentences

        lengths: list[int] = []
        real = sentences._pysbd_spans

        def recording(body: str) -> list[tuple[int, int]]:
            lengths.append(len(body))
            return real(body)

        monkeypatch.setattr(sentences, "_pysbd_spans", recording)
        return lengths

    @pytest.mark.parametrize("name", ["UNCLOSED_QUOTE", "ABBREVIATIONS"])
    def test_pysbd_never_gets_more_than_a_few_thousand_characters(self, name: str, pysbd_inputs: list[int]):
        text = getattr(self, name)
        sentences = split_sentences(text, budget_s=None)
        assert pysbd_inputs and max(pysbd_inputs) <= 3000
        assert all(text[s.start : s.end] == s.text and len(s.text) <= 2000 for s in sentences)

    def test_an_unclosed_quotation_still_splits_at_sentence_ends(self):
        sentences = split_sentences(self.UNCLOSED_QUOTE)
        assert len(sentences) == 4000
        assert sentences[1].text == "The council of town 1 met on Monday and approved a new budget for roads."

    @pytest.mark.parametrize("name", ["UNCLOSED_QUOTE", "ABBREVIATIONS"])
    def test_the_inputs_of_the_issue_split_in_seconds(self, name: str):
        import time

        started = time.perf_counter()
        split_sentences(getattr(self, name))
        assert time.perf_counter() - started < 20  # about 1.2 s each on a quiet core (40 s and 36 s before)

    def test_the_checkpoint_is_called_within_a_long_paragraph(self):
        calls = 0

        def checkpoint() -> None:
            nonlocal calls
            calls += 1

        split_sentences(self.ABBREVIATIONS, checkpoint=checkpoint)
        assert calls >= len(self.ABBREVIATIONS) // 3000
