"""Answer spans: the words of a cited sentence that answer the question."""

from __future__ import annotations

import pytest

from newsbot.index.highlight import add_highlights, answer_spans
from newsbot.index.types import Answer, CitedSentence, SourceRef

HAN = ("North Korean foreign vice minister, Han Song-ryol, who previously served as deputy ambassador to the "
       "United Nations, was among the five North Korean officials involved in the meeting with four U.S. former officials.")
JANG = "Jang Il-hun, Pyongyang’s current deputy ambassador to the United Nations, also took part."
MEETING = ("North Korean top-ranking officials held two-day unofficial talks with former U.S. officials in Malaysia "
           "on Friday and Saturday, raising questions over the nature of the meeting.")
GALLUCCI = ("Among the participants, who gathered at a hotel in Kuala Lumpur, was Robert Gallucci, who was part of a "
            "U.S. negotiation team in 1994 that reached a landmark deal with Pyongyang.")
SIGAL = "Sigal told reporters there that the North Korean team demanded the two sides begin talks for a “peace treaty”."


def shown(question: str, sentence: str) -> list[str]:
    return [sentence[start:end] for start, end in answer_spans(question, sentence)]


class TestAnswerSpans:
    @pytest.mark.parametrize(
        ("sentence", "names"),
        [
            (HAN, ["Han Song-ryol"]),  # not "North Korean" (an adjective), "United Nations" or "U.S."
            (JANG, ["Jang Il-hun"]),  # a lone "Pyongyang" gives way to the full name
            (GALLUCCI, ["Robert Gallucci"]),  # "Kuala Lumpur" is in the question; "Among" starts the sentence
        ],
    )
    def test_who_bolds_the_names(self, sentence: str, names: list[str]):
        assert shown("Who attended the Kuala Lumpur talks?", sentence) == names

    def test_who_takes_a_lone_surname_where_no_full_name_is_cited(self):
        assert shown("Who said the North wants a peace treaty?", SIGAL) == ["Sigal"]

    def test_who_leaves_out_the_person_the_question_names(self):
        assert shown("Who met Robert Gallucci?", "Leon Sigal met Robert Gallucci in Kuala Lumpur.") == ["Leon Sigal"]

    def test_who_takes_a_group_named_at_the_start(self):
        sentence = "The Ashby Singers won the national amateur choir prize in Cardiff on Saturday."
        assert shown("Who won the national choir prize?", sentence) == ["Ashby Singers"]

    def test_how_many_bolds_the_number_that_counts_what_is_asked(self):
        assert shown("How many North Korean officials took part?", HAN) == ["five"]
        assert shown("How many North Korean officials took part?", MEETING) == []  # officials, but not counted
        assert shown("How many people died?", "The storm killed 12 and injured dozens.") == ["12", "dozens"]

    def test_how_much_takes_the_amount_with_its_magnitude_and_currency(self):
        sentence = "Engineer Mara Quill said the span cost 4 million pounds and prices rose 4.5% to $1,200 million."
        assert shown("How much did the span cost?", sentence) == ["4 million pounds", "4.5%", "$1,200 million"]

    def test_a_year_is_no_count(self):
        assert shown("How many deals were reached?", GALLUCCI) == []

    def test_how_long_takes_durations(self):
        assert shown("How long did the Kuala Lumpur talks last?", MEETING) == ["two-day"]
        assert shown("How long did the work take?", "It opened on Tuesday after two years of work.") == ["two years"]
        assert shown("How long is the bridge?", "The bridge is 300 metres long and has 4 lanes.") == ["300"]

    def test_when_bolds_dates_joined_where_they_are_one(self):
        assert shown("When were the talks held?", MEETING) == ["Friday and Saturday"]
        assert shown("When was the deal reached?", GALLUCCI) == ["1994"]
        assert shown("When was it signed?", "The deal was signed on March 4, 2021 in Geneva.") == ["March 4, 2021"]
        assert shown("What happened on Friday?", "On Friday the harbour reopened.") == []  # asked, not answered

    def test_where_bolds_the_place_after_its_preposition(self):
        assert shown("Where were the talks held?", MEETING) == ["Malaysia"]
        assert shown("Where were the talks held?", GALLUCCI) == ["Kuala Lumpur"]
        assert shown("Where was it signed?", "It was signed on March 4 in Geneva, Switzerland, by both.") == ["Geneva, Switzerland"]
        assert shown("Where was the meeting?", "The meeting in June was cancelled.") == []  # a month, not a place

    def test_other_questions_have_no_spans(self):
        assert shown("Why did the talks fail?", HAN) == []

    def test_spans_index_the_sentence_verbatim(self):
        sentence = "Émile Zola and José María Aznar met in the Élysée Palace on 3 May 2019."
        for question in ("Who met?", "Where did they meet?", "When did they meet?"):
            spans = answer_spans(question, sentence)
            assert spans and all(0 <= start < end <= len(sentence) for start, end in spans)
            assert list(spans) == sorted(spans)
        assert shown("Who met?", sentence) == ["Émile Zola", "José María Aznar"]
        assert shown("When did they meet?", sentence) == ["3 May 2019"]
        assert shown("Where did they meet?", sentence) == ["Élysée Palace"]


class TestAddHighlights:
    def test_fills_each_cited_sentence(self):
        cited = tuple(CitedSentence(text, "talks", 1, 0, len(text), 1.0) for text in (HAN, JANG))
        answer = Answer("Who attended the Kuala Lumpur talks?", True, cited, (SourceRef(1, "talks", "T", "", "", ""),))
        highlighted = add_highlights(answer)
        assert [[s.text[a:b] for a, b in s.highlights] for s in highlighted.sentences] == [["Han Song-ryol"], ["Jang Il-hun"]]
        assert [s.text for s in highlighted.sentences] == [HAN, JANG]

    def test_a_declined_answer_is_unchanged(self):
        answer = Answer("Who?", False, reason="weak evidence")
        assert add_highlights(answer) is answer


class TestSentenceStart:
    def test_a_capitalized_first_word_is_no_name_unless_it_speaks_or_is_described(self):
        sentence = "Trade ministers from six countries attended the Kuala Lumpur talks on Tuesday."
        assert shown("Who attended the Kuala Lumpur talks?", sentence) == []
        assert shown("Who led the talks?", "Sigal, a veteran negotiator, led the talks.") == ["Sigal"]


class TestFallbacks:
    def test_how_long_without_a_duration_takes_the_dates(self):
        assert shown("How long did Project Apollo run?", "Apollo ran from 1961 to 1972 in three phases.") == ["1961 to 1972"]

    def test_where_takes_places_after_to_and_on(self):
        assert shown("Where did Kublai move the capital to?", "Kublai moved it from Karakorum to Khanbaliq.") == ["Karakorum", "Khanbaliq"]
        assert shown("Where was the transmitter built?", "ABC built a transmitter on Mount Wilson.") == ["Mount Wilson"]

    def test_which_country_takes_a_name_where_no_preposition_leads_to_one(self):
        sentence = "Among the importers, the Netherlands faced a complete embargo."
        assert shown("Which country faced a complete embargo?", sentence) == ["Netherlands"]
