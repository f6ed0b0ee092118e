"""Follow-up questions made self-contained from the thread they reply in."""

from __future__ import annotations

import pytest

from newsbot.index.followup import MAX_TOPIC_WORDS, Thread, content_words, leans_on_context, resolve, start_thread

TALKS = start_thread("Who attended the Kuala Lumpur talks?")


class TestStartThread:
    @pytest.mark.parametrize(
        ("question", "topic"),
        [
            ("Who attended the Kuala Lumpur talks?", "Kuala Lumpur talks"),  # the asked verb is no topic
            ("What did the North Korean team demand?", "North Korean team"),  # nor the verb after "did"
            ("When did the harbour reopen?", "harbour"),
            ("Who is Koh Yoo-hwan?", "Koh Yoo-hwan"),
            ("  Who attended   the talks? ", "talks"),
        ],
    )
    def test_the_topic_is_what_the_question_asks_about(self, question: str, topic: str):
        thread = start_thread(question)
        assert thread.topic == topic
        assert thread.question == " ".join(question.split()) == thread.question_for_all

    def test_a_topic_is_a_handful_of_words(self):
        long = start_thread("Who " + " ".join(f"word{n}" for n in range(20)) + "?")
        assert len(long.topic.split()) == MAX_TOPIC_WORDS

    def test_resolve_without_a_thread_starts_one(self):
        assert resolve("Who attended the talks?", None) == start_thread("Who attended the talks?")


class TestResolve:
    @pytest.mark.parametrize(
        ("follow_up", "in_thread", "for_all"),
        [
            ("how long did they last?", "how long did the talks last?", "how long did the Kuala Lumpur talks last?"),
            ("and where was it held?", "where was the talks held?", "where was the Kuala Lumpur talks held?"),
            ("And where?", "where the talks?", "where the Kuala Lumpur talks?"),
            ("who else?", "who else the talks?", "who else the Kuala Lumpur talks?"),
            ("When did that happen?", "When did the talks happen?", "When did the Kuala Lumpur talks happen?"),
            ("thanks! how long did they last?", "how long did the talks last?", "how long did the Kuala Lumpur talks last?"),
        ],
    )
    def test_pronouns_and_ellipses_take_the_threads_topic(self, follow_up: str, in_thread: str, for_all: str):
        resolved = resolve(follow_up, TALKS)
        assert (resolved.question, resolved.question_for_all, resolved.topic) == (in_thread, for_all, TALKS.topic)

    def test_a_name_stands_whole_and_takes_a_possessive(self):
        koh = start_thread("Who is Koh Yoo-hwan?")
        assert resolve("what was his job?", koh) == Thread("what was Koh Yoo-hwan's job?", "Koh Yoo-hwan")
        assert resolve("what are their demands?", TALKS).question == "what are the talks' demands?"

    def test_the_topic_carries_down_a_chain(self):
        second = resolve("how long did they last?", TALKS)
        assert resolve("and when?", second).question == "when the talks?"

    def test_what_about_asks_the_previous_question_of_something_else(self):
        when = start_thread("When were the talks held?")
        assert resolve("what about the missile test?", when) == Thread("When the missile test?", "missile test")
        assert resolve("And how about Sigal?", TALKS) == Thread("Who Sigal?", "Sigal")

    def test_a_question_of_its_own_starts_its_own_topic(self):
        assert resolve("When did the harbour reopen?", TALKS) == Thread("When did the harbour reopen?", "harbour")
        # "that" here is a conjunction, in a question with words enough of its own
        question = "Who said that the North wants a peace treaty?"
        assert resolve(question, TALKS) == start_thread(question)

    def test_a_pronoun_in_a_longer_question_keeps_the_words_and_the_topic(self):
        question = "What did he say about the peace treaty?"
        assert resolve(question, TALKS) == Thread(question, TALKS.topic)


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
