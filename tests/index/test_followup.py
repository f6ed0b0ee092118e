"""Follow-up questions made self-contained from the thread they reply in."""

from __future__ import annotations

import pytest
from newsbot.index.followup import MAX_TOPIC_WORDS, Thread, content_words, leans_on_context, resolve, start_thread

TALKS = start_thread("Who attended the Kuala Lumpur talks?")


class TestResolve:
    def test_a_first_question_starts_a_thread_with_its_content_words(self):
        assert (TALKS.question, TALKS.topic) == ("Who attended the Kuala Lumpur talks?", "attended Kuala Lumpur talks")
        assert resolve("  Who attended   the talks? ", None) == Thread("Who attended the talks?", "attended talks")

    @pytest.mark.parametrize(
        ("follow_up", "resolved"),
        [
            ("how long did they last?", "how long did they last? (attended Kuala Lumpur talks)"),
            ("and where was it held?", "where was it held? (attended Kuala Lumpur talks)"),
            ("And where?", "where? (attended Kuala Lumpur talks)"),
            ("who else?", "who else? (attended Kuala Lumpur talks)"),
            ("When did that happen?", "When did that happen? (attended Kuala Lumpur talks)"),
        ],
    )
    def test_pronouns_and_ellipses_take_the_threads_topic(self, follow_up: str, resolved: str):
        assert resolve(follow_up, TALKS) == Thread(resolved, TALKS.topic)

    def test_the_topic_carries_down_a_chain(self):
        second = resolve("how long did they last?", TALKS)
        assert resolve("and when?", second) == Thread("when? (attended Kuala Lumpur talks)", TALKS.topic)

    def test_what_about_asks_the_previous_question_of_something_else(self):
        when = start_thread("When were the talks held?")
        assert resolve("what about the missile test?", when) == Thread("When the missile test?", "missile test")
        assert resolve("And how about Sigal?", TALKS) == Thread("Who Sigal?", "Sigal")

    def test_a_question_of_its_own_starts_its_own_topic(self):
        assert resolve("When did the harbour reopen?", TALKS) == Thread("When did the harbour reopen?", "harbour reopen")
        # "that" here is a conjunction, in a question with words enough of its own
        question = "Who said that the North wants a peace treaty?"
        assert resolve(question, TALKS) == Thread(question, "said North wants peace treaty")

    def test_a_pronoun_in_a_longer_question_keeps_the_words_and_the_topic(self):
        question = "What did he say about the peace treaty?"
        assert resolve(question, TALKS) == Thread(question, TALKS.topic)

    def test_a_topic_is_a_handful_of_words(self):
        long = start_thread("Who " + " ".join(f"word{n}" for n in range(20)) + "?")
        assert len(long.topic.split()) == MAX_TOPIC_WORDS


class TestHelpers:
    def test_content_words_skip_wh_words_pronouns_and_repeats(self):
        assert content_words("How many officials did they send, and how many officials came?") == ["officials", "send", "came"]

    @pytest.mark.parametrize(
        ("question", "leans"),
        [("where?", True), ("how long did they last?", True), ("who else went?", True),
         ("Where is that?", True), ("When did the harbour reopen?", False),
         ("Is there a record of the harbour repairs?", False)],
    )
    def test_leans_on_context(self, question: str, leans: bool):
        assert leans_on_context(question) is leans
