"""QuestionNormaliser: chat noise, numbers, abbreviations learned from the corpus, typos, names."""

from __future__ import annotations

import pytest

from newsbot.index.lexicon import Lexicon, initials
from newsbot.index.pipeline.normalise import NormaliseParams, QuestionNormaliser, only_chat, strip_noise
from newsbot.index.types import Document

ARTICLES = [
    Document("kl", "Talks in Kuala Lumpur", "North Korean officials met former U.S. officials in Kuala Lumpur. "
             "The two sides wanted to begin a dialogue. The talks in Kuala Lumpur lasted two days."),
    Document("ag", "Holder in contempt", "The House voted to hold Attorney General Eric Holder in contempt. "
             "Attorney General Eric Holder called the vote political. The Attorney General had refused to hand over documents."),
    Document("who", "Health body warns", "The World Health Organization (WHO) warned of measles. Officials of the organization spoke."),
]


class _Data:
    """Just what the normaliser reads from an index: its lexicon, and the model it was built with."""

    model_path = ""  # the shipped model's words

    def __init__(self, documents: list[Document]) -> None:
        self.lexicon = Lexicon.learn(documents)


@pytest.fixture(scope="module")
def data() -> _Data:
    return _Data(ARTICLES)


def _run(data: _Data, text: str):  # type: ignore[no-untyped-def]
    return QuestionNormaliser().run(data, text)  # type: ignore[arg-type]


class TestNoise:
    @pytest.mark.parametrize(
        ("typed", "clean"),
        [
            ("What did the North Korean team demand? <b>&</b> <3", "What did the North Korean team demand?"),
            ("omg that boat fire 😢 who owned the boat??", "that boat fire who owned the boat?"),
            ("hey bot pls who won", "who won"),
            ("who won?? thanks", "who won?"),
            ("👍", ""),
            ("quick q: who won the race", "who won the race"),
            ("Question: who won?", "who won?"),
            ("any idea who won", "who won"),
            ("what question did he ask", "what question did he ask"),
        ],
    )
    def test_noise_goes(self, typed: str, clean: str):
        assert strip_noise(typed) == clean

    def test_a_question_of_filler_words_keeps_them(self):
        assert strip_noise("hello") == "hello"


class TestNumbers:
    def test_digits_match_the_word_the_article_uses(self, data):  # type: ignore[no-untyped-def]
        question = _run(data, "What did the 2 sides want to begin?")
        assert question.present("2", frozenset({"two", "side"}))
        assert "two" in question.terms

    def test_spoken_years_become_digits(self, data):  # type: ignore[no-untyped-def]
        question = _run(data, "What was built in nineteen seventy-seven and sold in two thousand and five?")
        assert "1977" in question.text and "2005" in question.text

    def test_ordinals(self, data):  # type: ignore[no-untyped-def]
        question = _run(data, "who won the 4th round")
        assert question.present("4th", frozenset({"fourth"}))


    @pytest.mark.parametrize(
        ("typed", "read"),
        [
            ("did they pay 5k", "did they pay 5000"),
            ("did they pay $2m", "did they pay $2 million"),
            ("a 1.5bn debt", "a 1.5 billion debt"),
            ("it cost £40mn", "it cost £40 million"),
            ("2.5K fans", "2500 fans"),
            ("the 2m tall statue", "the 2m tall statue"),  # metres, maybe: no currency sign
            ("the B-52 bomber", "the B-52 bomber"),
        ],
    )
    def test_amounts_as_chat_writes_them(self, data, typed, read):  # type: ignore[no-untyped-def]
        assert QuestionNormaliser().run(data, typed).text == read

    def test_the_typed_amount_stays_present_as_typed(self, data):  # type: ignore[no-untyped-def]
        question = QuestionNormaliser().run(data, "who won the 10k race")
        assert question.present("10000", frozenset({"10k"})) and question.present("10000", frozenset({"10", "000"}))
        assert "10k -> 10000" in question.rewrites


class TestAbbreviations:
    def test_initials_learned_from_the_corpus(self, data):  # type: ignore[no-untyped-def]
        assert data.lexicon.abbreviations["KL"][0] == "Kuala Lumpur"
        assert data.lexicon.abbreviations["AG"][0] == "Attorney General"
        assert data.lexicon.abbreviations["WHO"][0] == "World Health Organization"

    def test_kl_expands_and_counts_as_present(self, data):  # type: ignore[no-untyped-def]
        question = _run(data, "who attended the KL talks")
        assert "Kuala Lumpur" in question.text
        assert question.present("kl", frozenset({"kuala", "lumpur", "talk"}))
        assert "KL -> Kuala Lumpur" in question.rewrites

    def test_lowercase_initials_unknown_to_the_corpus_expand_too(self, data):  # type: ignore[no-untyped-def]
        assert "Attorney General" in _run(data, "which ag was held in contempt").text

    def test_common_abbreviations_without_corpus_evidence(self, data):  # type: ignore[no-untyped-def]
        assert "United Nations" in _run(data, "what did the UN say").text

    def test_initials_helper(self):
        assert initials("Bank of America") == "BA" and initials("Kuala Lumpur") == "KL" and initials("Paris") == ""


class TestTyposAndNames:
    def test_a_typo_is_corrected_to_a_corpus_word(self, data):  # type: ignore[no-untyped-def]
        question = _run(data, "what did the attorny general refuse")
        assert "attorney" in question.text
        assert question.present("attorni", frozenset({"attorney"}))

    def test_an_english_spelling_variant_counts_as_present_without_rewriting(self):
        data = _Data([Document("h", "Harbour reopens", "The harbour reopened on Friday. The harbour master spoke.")])
        question = QuestionNormaliser().run(data, "when did the harbor reopen")  # type: ignore[arg-type]
        assert question.text == "when did the harbor reopen"
        assert question.present("harbor", frozenset({"harbour"}))

    def test_two_swapped_letters_are_one_typo(self, data):  # type: ignore[no-untyped-def]
        # "cotnempt" is two edits for Levenshtein, one for optimal string alignment
        question = _run(data, "who was held in cotnempt")
        assert "contempt" in question.text and "cotnempt -> contempt" in question.rewrites

    def test_a_name_the_articles_use_once_is_a_correction_target(self):
        data = _Data([Document("b", "Bauhaus typeface", "The Bauhaus typeface was designed in 1925. Designers liked it.")])
        question = QuestionNormaliser().run(data, "who designed the bauhuas typeface")  # type: ignore[arg-type]
        assert "bauhaus" in question.text
        # a short word is never corrected towards a word seen once; a word seen once is never corrected
        assert QuestionNormaliser().run(data, "who liekd it").text == "who liekd it"  # type: ignore[arg-type]
        assert QuestionNormaliser().run(data, "when was bauhaus designed").rewrites == ()  # type: ignore[arg-type]

    def test_a_hyphenated_word_is_present_where_its_parts_are(self, data):  # type: ignore[no-untyped-def]
        question = _run(data, "Which Halloween-themed special aired?")
        assert question.present("halloween-them", frozenset({"halloween", "theme", "special"}))
        assert not question.present("halloween-them", frozenset({"halloween"}))

    def test_known_words_are_never_corrected(self, data):  # type: ignore[no-untyped-def]
        assert _run(data, "who voted").rewrites == ()

    def test_lowercase_names_are_names(self, data):  # type: ignore[no-untyped-def]
        question = _run(data, "what did eric holder call the vote")
        assert {"eric", "holder"} <= set(question.named_terms)

    def test_params_are_checked(self):
        with pytest.raises(ValueError, match="max_typo_distance"):
            NormaliseParams(max_typo_distance=-1)


def test_without_an_index_it_still_cleans(self=None):  # type: ignore[no-untyped-def]
    question = QuestionNormaliser().run(None, "hey bot who won?? 🎉")
    assert question.text == "who won?" and question.raw == "hey bot who won?? 🎉"


def test_a_two_digit_year_is_the_year_the_articles_write():
    data = _Data([Document("a", "Talks", "A deal was reached in 1994 and again in 2007.")])
    question = QuestionNormaliser().run(data, "what did gallucci do in 94")  # type: ignore[arg-type]
    assert question.present("94", frozenset({"1994"})) and not question.present("94", frozenset({"2094"}))
    assert QuestionNormaliser().run(data, "who signed it back in '07").present("07", frozenset({"2007"}))  # type: ignore[arg-type]
    assert not QuestionNormaliser().run(data, "who ordered 94 jets").present("94", frozenset({"1994"}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "read", "wanted"),
    [
        ("wheere was the chef found dead", "where was the chef found dead", "place"),
        ("wich company owned the boat", "which company owned the boat", "person"),
        ("hw mnay people died in the fire", "how many people died in the fire", "number"),
    ],
)
def test_a_typo_in_the_question_word(data, typed: str, read: str, wanted: str):  # type: ignore[no-untyped-def]
    question = QuestionNormaliser().run(data, typed)
    assert (question.text, question.wanted.value) == (read, wanted)
    assert not {"wheer", "wich", "mnay"} & set(question.terms)


@pytest.mark.parametrize(
    "typed",
    ["What show was Mary on?", "what did the whole crew eat?", "how much wheat does the farm grow?",
     "who sold the farm on a whim?", "what did John Howe say", "Manny Pacquiao fight", "whose farm was sold?"],
)
def test_words_near_a_question_word_are_left_alone(typed: str):
    data = _Data([Document("a", "Farm", "The farm grew wheat. The boat was sold. Many people came.")])
    assert QuestionNormaliser().run(data, typed).text == typed  # type: ignore[arg-type]


def test_an_acronym_typed_in_lower_case():
    data = _Data([Document("a", "AG rules", "The Attorney General (AG) ruled on Monday. The AG spoke to reporters.")])
    question = QuestionNormaliser().run(data, "what did the ag rule")  # type: ignore[arg-type]
    assert question.present("ag", frozenset({"attorney", "general"}))
    assert not QuestionNormaliser().run(data, "what did it rule").equivalents  # type: ignore[arg-type]
    assert QuestionNormaliser().run(data, "what did the ag rule").text == "what did the ag rule"  # never rewritten


def test_typo_lookups_are_bounded_per_question(data):  # type: ignore[no-untyped-def]
    """A pasted wall of unknown words costs at most `max_typo_lookups` vocabulary searches."""
    junk = " ".join(["attorny", "generl", "contemt", "hodler", "voet"] * 20)
    question = QuestionNormaliser(NormaliseParams(max_typo_lookups=3)).run(data, junk)
    assert 1 <= len(question.rewrites) <= 3


class TestChatSpellings:
    @pytest.mark.parametrize(
        ("typed", "read"),
        [
            ("whos the ceo of gm", "who is the ceo"),
            ("how many ppl died", "how many people died"),
            ("why didnt the govt act", "why did not the government act"),
            ("wat did nk want", "what did"),
            ("wen did the talks end", "when did the talks end"),
        ],
    )
    def test_chat_spellings_read_as_words(self, typed: str, read: str):
        assert QuestionNormaliser().run(None, typed).text.startswith(read)

    def test_verbs_that_only_say_it_happened_are_not_terms(self):
        question = QuestionNormaliser().run(None, "when did the talks happen")
        assert question.terms == ("talk",) and question.typed_terms == ("talk",)
        assert QuestionNormaliser().run(None, "where did the crash occur?").terms == ("crash",)
        question = QuestionNormaliser().run(None, "where did the talks take place")
        assert question.terms == ("talk",) and question.text == "where did the talks happen"
        assert QuestionNormaliser().run(None, "where did the talks take place").terms == ("talk",)
        assert "place" in QuestionNormaliser().run(None, "which place did she take").terms

    def test_how_many_asks_and_is_not_a_term(self):
        assert QuestionNormaliser().run(None, "how many ppl died").terms == ("peopl", "die")
        assert "mani" in QuestionNormaliser().run(None, "the many faces of Janus").terms

    def test_a_question_of_light_words_alone_keeps_them(self):
        assert QuestionNormaliser().run(None, "what happened").terms == ("happen",)

    @pytest.mark.parametrize(("text", "chat"), [("hi", True), ("thanks! 🙏", True), ("hey bot 👋", True), ("??", True),
                                                ("hi there", True), ("great, thanks a lot!", True), ("thank u", True),
                                                ("good morning", True), ("hi, who led the talks?", False), ("talks", False),
                                                ("who is he?", False), ("Great Barrier Reef", False), ("cheers to whom?", False)])
    def test_chat_alone_has_nothing_to_look_up(self, text: str, chat: bool):
        assert only_chat(text) is chat

    @pytest.mark.parametrize("typed", ["what did Wen Jiabao say", "when did Wat Arun reopen", "Mil Mi-17 crash", "mil-spec radios"])
    def test_names_and_compounds_are_no_chat_spellings(self, typed: str):
        assert QuestionNormaliser().run(None, typed).text == typed

    def test_capitals_are_left_alone(self):
        assert QuestionNormaliser().run(None, "what did UR say").text.startswith("what did UR")

    def test_quarters(self):
        assert "third quarter" in QuestionNormaliser().run(None, "Q3 results of the bank").text


def test_initials_with_connectors_whole():
    lexicon = Lexicon.learn([Document("b", "Bank of America profits", "Bank of America said profits rose. Bank of America hired.")])
    assert "Bank of America" in lexicon.abbreviations["BOFA"] and "Bank of America" in lexicon.abbreviations["BA"]
