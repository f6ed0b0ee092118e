"""Conversation: follow-ups in reply threads, and the answer itself in bold, through the fake Bot API."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from bot_harness import OTHER_USER_ID, USER_ID, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import BOT_USERNAME, MESSAGE_LIMIT, FakeTelegram, parse_html, utf16_length

BRIDGE = ("Kelso footbridge opens\n"
          "The footbridge was designed by Mara Quill. "
          "The footbridge opened on 4 March 2021 in Melrose after two years of work. "
          "On the first day 1,200 walkers crossed the footbridge.")


def bold_texts(html: str) -> list[str]:
    """What the answer shows in bold, besides the [n] markers and the "Sources" heading."""
    found = [parse_html(inner) for inner in re.findall(r"<b>(.*?)</b>", html)]
    return [text for text in found if not re.fullmatch(r"\[\d+\]|Sources", text)]


@pytest.fixture
async def bridge(engine: FakeEngine, corpus_dir: Path) -> None:
    """A third article, with a name, a date, a place and a count."""
    (corpus_dir / "bridge.txt").write_text(BRIDGE, encoding="utf-8")
    await asyncio.to_thread(engine.reindex)


class TestFollowUps:
    async def test_a_reply_in_a_private_chat_is_answered_from_the_same_article(self, telegram: FakeTelegram, running_bot,
                                                                                engine: FakeEngine):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        (first,) = await wait_answer(telegram, telegram.send_text(chat, user, "Who attended the Kuala Lumpur talks?"))
        follow_up = telegram.send_text(chat, user, "and when was that?", reply_to=first)
        (answer,) = await wait_answer(telegram, follow_up)
        assert answer.reply_to == follow_up["message_id"]
        assert engine.questions[-1] == "when was the talks?"
        assert engine.within[-1] == ("talks",)
        assert "https://example.com/talks" in answer.plain
        assert bold_texts(answer.text) == ["Tuesday"]

    async def test_in_a_private_chat_the_next_question_follows_on_without_the_reply(self, telegram: FakeTelegram, running_bot,
                                                                                     engine: FakeEngine):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        await wait_answer(telegram, telegram.send_text(chat, user, "Who attended the Kuala Lumpur talks?"))
        (answer,) = await wait_answer(telegram, telegram.send_text(chat, user, "and when was that?"))
        assert engine.questions[-1] == "when was the talks?" and engine.within[-1] == ("talks",)
        assert bold_texts(answer.text) == ["Tuesday"]
        # A question of its own is not read against the answer before it.
        (own,) = await wait_answer(telegram, telegram.send_text(chat, user, "When did the harbour reopen?"))
        assert engine.within[-1] is None and "The city harbour reopened on Friday" in own.plain

    async def test_in_a_group_only_a_reply_follows_on(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        group, user = telegram.group_chat(), telegram.user(USER_ID)
        await wait_answer(telegram, telegram.send_text(group, user, f"@{BOT_USERNAME} who attended the talks?"))
        (answer,) = await wait_answer(telegram, telegram.send_text(group, user, f"@{BOT_USERNAME} and when was that?"))
        assert answer.plain.startswith("Not found in my articles.")
        assert engine.within == [None, None]

    async def test_a_reply_in_a_group_is_answered_from_the_same_article_and_the_thread_goes_on(
        self, telegram: FakeTelegram, running_bot, engine: FakeEngine, bridge: None
    ):
        group, user, other = telegram.group_chat(), telegram.user(USER_ID), telegram.user(OTHER_USER_ID, "Bob")
        (first,) = await wait_answer(telegram, telegram.send_text(group, user, f"@{BOT_USERNAME} who designed the footbridge?"))
        assert bold_texts(first.text) == ["Mara Quill"]
        follow_up = telegram.send_text(group, other, "And where was it opened?", reply_to=first)
        (second,) = await wait_answer(telegram, follow_up)
        assert second.reply_to == follow_up["message_id"]
        assert engine.within[-1] == ("bridge",)
        assert bold_texts(second.text) == ["Melrose"]
        (third,) = await wait_answer(telegram, telegram.send_text(group, user, "when was it opened?", reply_to=second))
        assert engine.within[-1] == ("bridge",)
        assert engine.questions[-1] == "when was the footbridge opened?"
        assert bold_texts(third.text) == ["4 March 2021"]
        assert "https://example.com/bridge" in third.plain

    async def test_a_new_question_sent_as_a_reply_gets_its_own_answer(self, telegram: FakeTelegram, running_bot,
                                                                     engine: FakeEngine):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        (first,) = await wait_answer(telegram, telegram.send_text(chat, user, "Who attended the Kuala Lumpur talks?"))
        (answer,) = await wait_answer(telegram, telegram.send_text(chat, user, "When did the harbour reopen?", reply_to=first))
        assert "The city harbour reopened on Friday" in answer.plain
        assert engine.within[-2:] == [("talks",), None]  # the cited article first, then all of them
        assert engine.questions[-2:] == ["When did the harbour reopen?"] * 2

    async def test_a_reply_to_a_message_that_is_no_remembered_answer_is_a_plain_question(
        self, telegram: FakeTelegram, running_bot, engine: FakeEngine
    ):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        help_message = await wait_reply(telegram, telegram.send_text(chat, user, "/help"))
        (answer,) = await wait_answer(telegram, telegram.send_text(chat, user, "who attended the talks?", reply_to=help_message))
        assert engine.within == [None]
        assert "Trade ministers" in answer.plain

    async def test_contexts_are_per_chat(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        user, other = telegram.user(USER_ID), telegram.user(OTHER_USER_ID, "Bob")
        (first,) = await wait_answer(telegram, telegram.send_text(telegram.group_chat(), user, "/ask who attended the talks?"))
        elsewhere = telegram.group_chat(-100_300, "Elsewhere")
        # The same message id in another chat is another message: no context there.
        await wait_answer(telegram, telegram.send_text(elsewhere, other, f"@{BOT_USERNAME} who attended the talks?"))
        (answer,) = await wait_answer(telegram, telegram.send_text(telegram.group_chat(), other, "and when?", reply_to=first))
        assert engine.within[-1] == ("talks",)
        assert bold_texts(answer.text) == ["Tuesday"]


class TestAnswerInBold:
    @pytest.mark.parametrize(
        ("question", "bold"),
        [
            ("Who designed the footbridge?", ["Mara Quill"]),
            ("How many walkers crossed the footbridge?", ["1,200"]),
            ("When was the footbridge opened?", ["4 March 2021"]),
            ("Where was the footbridge opened?", ["Melrose"]),
        ],
    )
    async def test_the_words_that_answer_are_bold(self, telegram: FakeTelegram, running_bot, bridge: None,
                                                  question: str, bold: list[str]):
        user = telegram.user(USER_ID)
        (answer,) = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, question))
        assert bold_texts(answer.text) == bold
        assert "https://example.com/bridge" in answer.plain
        assert BRIDGE.split("\n", 1)[1].count(answer.plain.split(" [1]")[0]) == 1  # the quote itself verbatim

    async def test_a_long_answer_is_split_with_balanced_tags(self, telegram: FakeTelegram, running_bot, engine: FakeEngine,
                                                             corpus_dir: Path):
        sentences = [f"Glacier survey {n} measured {'ice & snow <deep> ' * 6}a retreat of {n + 100} metres." for n in range(60)]
        (corpus_dir / "glacier.txt").write_text("Glacier report\n" + " ".join(sentences), encoding="utf-8")
        await asyncio.to_thread(engine.reindex)
        user = telegram.user(USER_ID)
        question = telegram.send_text(telegram.private_chat(user), user, "How many metres did the glacier survey retreat?")
        parts = await wait_answer(telegram, question)
        assert len(parts) >= 2
        assert all(call.ok for call in telegram.calls_to("sendMessage"))
        for part in parts:
            assert utf16_length(part.plain) <= MESSAGE_LIMIT
            assert parse_html(part.text) == part.plain  # each part balanced HTML on its own
        assert [text for part in parts for text in bold_texts(part.text)] == [str(n + 100) for n in range(60)]
