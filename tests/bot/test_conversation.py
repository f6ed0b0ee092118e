"""The bot's memory of its answers: per chat and message, bounded in size and age."""

from __future__ import annotations

import pytest

from newsbot.bot.conversation import Conversations
from newsbot.index.followup import start_thread

TALKS = start_thread("Who attended the Kuala Lumpur talks?")
HARBOUR = start_thread("When did the harbour reopen?")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestConversations:
    def test_every_part_of_an_answer_recalls_its_thread_and_articles(self):
        conversations = Conversations()
        conversations.remember(-100, [7, 8], TALKS, ["talks", "talks", "profile"])
        for message_id in (7, 8):
            context = conversations.recall(-100, message_id)
            assert context is not None
            assert context.thread == TALKS
            assert context.doc_ids == ("talks", "profile")  # once each, in citation order

    def test_contexts_are_per_chat_and_message(self):
        conversations = Conversations()
        conversations.remember(1, [5], TALKS, ["talks"])
        conversations.remember(2, [5], HARBOUR, ["harbour"])
        assert conversations.recall(1, 5).thread == TALKS  # type: ignore[union-attr]
        assert conversations.recall(2, 5).thread == HARBOUR  # type: ignore[union-attr]
        assert conversations.recall(1, 6) is None
        assert conversations.recall(3, 5) is None

    def test_each_chats_latest_answer_while_it_is_recent(self):
        clock = Clock()
        conversations = Conversations(clock=clock)
        conversations.remember(1, [5], TALKS, ["talks"])
        conversations.remember(1, [9], HARBOUR, ["harbour"])
        conversations.remember(2, [5], TALKS, ["talks"])
        assert conversations.latest(1).thread == HARBOUR  # type: ignore[union-attr]
        assert conversations.latest(3) is None
        clock.now += 60
        assert conversations.latest(1, within=30) is None and conversations.latest(1, within=90) is not None
        clock.now += 2 * 24 * 3600  # past the age bound: forgotten, whatever the window asked for
        conversations.remember(3, [1], TALKS, ["talks"])
        assert conversations.latest(1, within=1e9) is None and conversations.latest(3) is not None

    def test_the_oldest_answers_are_forgotten_beyond_the_size_bound(self):
        conversations = Conversations(max_entries=3)
        for message_id in range(5):
            conversations.remember(1, [message_id], TALKS, ["talks"])
        assert len(conversations) == 3
        assert [conversations.recall(1, m) is not None for m in range(5)] == [False, False, True, True, True]

    def test_answers_older_than_max_age_are_forgotten(self):
        clock = Clock()
        conversations = Conversations(max_age=60, clock=clock)
        conversations.remember(1, [1], TALKS, ["talks"])
        clock.now += 30
        conversations.remember(1, [2], HARBOUR, ["harbour"])
        clock.now += 31
        assert conversations.recall(1, 1) is None
        assert conversations.recall(1, 2) is not None
        assert len(conversations) == 1

    @pytest.mark.parametrize(("arguments", "message"), [({"max_entries": 0}, "max_entries must be > 0, got 0"),
                                                         ({"max_age": -1}, "max_age must be > 0 seconds, got -1")])
    def test_bad_bounds_are_named(self, arguments, message):
        with pytest.raises(ValueError, match=message):
            Conversations(**arguments)
