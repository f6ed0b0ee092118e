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
