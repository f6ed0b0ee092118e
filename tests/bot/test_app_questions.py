"""Questions in private chats, over real HTTP against the fake Bot API server."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot_harness import OTHER_USER_ID, USER_ID, has_feedback_buttons, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import MESSAGE_LIMIT, FakeTelegram, parse_html, utf16_length


class TestPrivateQuestions:
    async def test_question_is_answered_with_quoted_sentences_and_a_source(self, telegram: FakeTelegram, running_bot):
        user = telegram.user(USER_ID)
        question = telegram.send_text(telegram.private_chat(user), user, "Who attended the Kuala Lumpur talks?")
        parts = await wait_answer(telegram, question)
        assert len(parts) == 1
        answer = parts[0]
        assert answer.parse_mode == "HTML"
        assert "<blockquote>Trade ministers from six countries attended the Kuala Lumpur talks on Tuesday. <b>[1]</b>" in answer.text
        assert "[1] Leaders meet in Kuala Lumpur — Test Wire, 2024-05-02. https://example.com/talks" in answer.plain
        assert [b["text"] for b in answer.buttons()] == ["👍 Helpful", "👎 Not helpful"]
        actions = telegram.calls_to("sendChatAction")
        assert actions and actions[0].params == {"chat_id": USER_ID, "action": "typing"}
        assert actions[0].at < telegram.calls_to("sendMessage")[-1].at

    async def test_not_found_is_said_plainly_with_a_hint(self, telegram: FakeTelegram, running_bot):
        user = telegram.user(USER_ID)
        question = telegram.send_text(telegram.private_chat(user), user, "Quantum chromodynamics lattice?")
        (answer,) = await wait_answer(telegram, question)
        assert answer.plain.startswith("Not found in my articles.")
        assert "Try other words" in answer.plain

    async def test_article_with_angle_brackets_and_ampersands_renders_without_parse_error(
        self, telegram: FakeTelegram, running_bot, engine: FakeEngine, corpus_dir: Path
    ):
        (corpus_dir / "markup.txt").write_text(
            "Q&A: <script> & the <b>bold</b> tags\n"
            "Engineers said the filter treats a < b && c > d as plain text & nothing else. "
            "Use &amp; and &lt;tag&gt; literally.",
            encoding="utf-8",
        )
        await asyncio.to_thread(engine.reindex)
        user = telegram.user(USER_ID)
        question = telegram.send_text(telegram.private_chat(user), user, "What does the filter treat as plain text?")
        (answer,) = await wait_answer(telegram, question)
        assert all(call.ok for call in telegram.calls_to("sendMessage"))
        assert "a &lt; b &amp;&amp; c &gt; d as plain text &amp; nothing else." in answer.text
        assert "a < b && c > d as plain text & nothing else." in answer.plain
        assert "Q&A: <script> & the <b>bold</b> tags" in answer.plain  # the title, shown literally

    async def test_long_answer_is_split_between_sentences_under_the_limit(
        self, telegram: FakeTelegram, running_bot, engine: FakeEngine, corpus_dir: Path
    ):
        sentences = [f"Glacier survey {n} measured {'ice & snow <deep> ' * 6}retreat of {n} metres." for n in range(60)]
        (corpus_dir / "glacier.txt").write_text("Glacier report\n" + " ".join(sentences), encoding="utf-8")
        await asyncio.to_thread(engine.reindex)
        user = telegram.user(USER_ID)
        question = telegram.send_text(telegram.private_chat(user), user, "glacier survey retreat metres")
        parts = await wait_answer(telegram, question)
        assert len(parts) >= 2
        assert all(call.ok for call in telegram.calls_to("sendMessage"))
        for part in parts:
            assert utf16_length(part.plain) <= MESSAGE_LIMIT
            assert parse_html(part.text) == part.plain  # each part is complete HTML on its own
        shown = "\n".join(part.plain for part in parts)
        positions = [shown.index(sentence) for sentence in sentences]  # every sentence whole, in order
        assert positions == sorted(positions)
        assert parts[-1].plain.rstrip().endswith("https://example.com/glacier")
        assert [has_feedback_buttons(p) for p in parts] == [False] * (len(parts) - 1) + [True]
        assert parts[0].reply_to == question["message_id"]

    async def test_ask_command_and_usage(self, telegram: FakeTelegram, running_bot):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        usage = await wait_reply(telegram, telegram.send_text(chat, user, "/ask"))
        assert "Ask like this" in usage.plain
        (answer,) = await wait_answer(telegram, telegram.send_text(chat, user, "/ask when did the harbour reopen?"))
        assert "The city harbour reopened on Friday" in answer.plain

    async def test_start_explains_what_the_bot_knows(self, telegram: FakeTelegram, running_bot):
        user = telegram.user(USER_ID)
        reply = await wait_reply(telegram, telegram.send_text(telegram.private_chat(user), user, "/start"))
        assert "2 news articles, from 2024-05-01 to 2024-05-02" in reply.plain
        assert "/reindex" not in reply.plain  # admin commands are shown to admins only
        assert [c["command"] for c in telegram.commands] == ["ask", "follow", "following", "unfollow", "help"]
        assert "/follow harbour tunnel" in reply.plain

    async def test_over_long_question_and_stickers_get_a_short_refusal(self, telegram: FakeTelegram, running_bot, engine):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        long_reply = await wait_reply(telegram, telegram.send_text(chat, user, "why " * 300))
        assert "too long" in long_reply.plain
        sticker = telegram.message(chat, user, sticker={"file_id": "s1", "file_unique_id": "u", "type": "regular",
                                                        "width": 512, "height": 512, "is_animated": False, "is_video": False})
        telegram.push({"message": sticker})
        hint = await wait_reply(telegram, sticker)
        assert "only answer questions sent as text" in hint.plain
        assert engine.questions == []

    async def test_engine_error_is_reported_briefly_and_the_bot_keeps_answering(self, telegram: FakeTelegram, running_bot, caplog):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        sorry = await wait_reply(telegram, telegram.send_text(chat, user, "please explode now"))
        assert sorry.plain.startswith("Sorry, something went wrong")
        assert "explode" not in sorry.plain  # no internals shown to the user
        assert "the fake engine was asked to explode" in caplog.text  # but the log has them
        (answer,) = await wait_answer(telegram, telegram.send_text(chat, user, "When did the harbour reopen?"))
        assert "harbour reopened" in answer.plain

    async def test_a_slow_answer_does_not_hold_up_other_chats(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        engine.slow["harbour"] = threading.Event()
        slow_user, quick_user = telegram.user(USER_ID), telegram.user(OTHER_USER_ID, "Bob")
        slow = telegram.send_text(telegram.private_chat(slow_user), slow_user, "When did the harbour reopen?")
        await telegram.wait_for(lambda: "When did the harbour reopen?" in engine.questions)
        quick = telegram.send_text(telegram.private_chat(quick_user), quick_user, "Who attended the talks?")
        await wait_answer(telegram, quick)
        assert telegram.replies_to(slow) == []  # still thinking
        engine.slow["harbour"].set()
        await wait_answer(telegram, slow)


class TestCooldown:
    async def test_a_flooding_user_is_warned_once_and_not_answered(self, telegram: FakeTelegram, settings, engine):
        from dataclasses import replace

        from bot_harness import RunningBot

        from newsbot.bot.app import build_application

        bot = RunningBot(build_application(replace(settings, cooldown_seconds=60), engine))
        await bot.start_polling()
        try:
            user = telegram.user(USER_ID)
            chat = telegram.private_chat(user)
            first = telegram.send_text(chat, user, "Who attended the talks?")
            await wait_answer(telegram, first)
            second = telegram.send_text(chat, user, "When did the harbour reopen?")
            warning = await wait_reply(telegram, second)
            assert "One question at a time" in warning.plain
            third = telegram.send_text(chat, user, "And the boats?")
            other = telegram.user(OTHER_USER_ID)
            await wait_answer(telegram, telegram.send_text(telegram.private_chat(other), other, "Who attended the talks?"))
            assert telegram.replies_to(third) == []
            assert engine.questions == ["Who attended the talks?", "Who attended the talks?"]
        finally:
            await bot.stop()
