"""Group chats: the bot answers only what is addressed to it, as a reply to the asking message."""

from __future__ import annotations

from bot_harness import OTHER_USER_ID, USER_ID, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import BOT_USERNAME, FakeTelegram


class TestGroupGating:
    async def test_chatter_is_ignored_and_a_mention_is_answered(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        group, user = telegram.group_chat(), telegram.user(USER_ID)
        chatter = [
            telegram.send_text(group, user, "Who attended the Kuala Lumpur talks?"),  # a question, but not for the bot
            telegram.send_text(group, user, "@someone_else when did the harbour reopen?"),
            telegram.send_text(group, user, "/ask@other_news_bot who attended the talks?"),
            telegram.send_text(group, user, "/stats@other_news_bot"),
        ]
        mention = telegram.send_text(group, user, f"@{BOT_USERNAME} when did the harbour reopen?")
        (answer,) = await wait_answer(telegram, mention)
        assert answer.reply_to == mention["message_id"]
        assert "The city harbour reopened on Friday" in answer.plain
        assert all(telegram.replies_to(message) == [] for message in chatter)
        assert engine.questions == ["when did the harbour reopen?"]  # the mention is not part of the question
        assert len(telegram.messages_in(group["id"])) == 1
        assert len(telegram.calls_to("sendChatAction")) >= 1

    async def test_a_reply_to_the_bot_is_a_question(self, telegram: FakeTelegram, running_bot):
        group, user, other = telegram.group_chat(), telegram.user(USER_ID), telegram.user(OTHER_USER_ID, "Bob")
        first = telegram.send_text(group, user, f"@{BOT_USERNAME} who attended the talks?")
        (bot_answer,) = await wait_answer(telegram, first)
        follow_up = telegram.send_text(group, other, "When did the harbour reopen?", reply_to=bot_answer)
        (answer,) = await wait_answer(telegram, follow_up)
        assert answer.reply_to == follow_up["message_id"]
        assert "harbour reopened" in answer.plain
        # A reply to someone else's message is chatter.
        chatter = telegram.send_text(group, user, "Thanks Bob!", reply_to=follow_up)
        sentinel = telegram.send_text(group, user, "/ask what happened at the talks?")
        await wait_answer(telegram, sentinel)
        assert telegram.replies_to(chatter) == []

    async def test_ask_command_with_and_without_the_bots_name(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        group, user = telegram.group_chat(-1001234567890, "Big newsroom"), telegram.user(USER_ID)
        plain = telegram.send_text(group, user, "/ask who attended the talks?")
        named = telegram.send_text(group, user, f"/ask@{BOT_USERNAME} when did the harbour reopen?")
        assert "Trade ministers" in (await wait_answer(telegram, plain))[0].plain
        assert "harbour reopened" in (await wait_answer(telegram, named))[0].plain
        empty = telegram.send_text(group, user, f"@{BOT_USERNAME}")
        assert "Ask me a question" in (await wait_reply(telegram, empty)).plain
        assert sorted(engine.questions) == ["when did the harbour reopen?", "who attended the talks?"]

    async def test_help_in_a_group_explains_how_to_address_the_bot(self, telegram: FakeTelegram, running_bot):
        group, user = telegram.group_chat(), telegram.user(USER_ID)
        reply = await wait_reply(telegram, telegram.send_text(group, user, f"/help@{BOT_USERNAME}"))
        assert f"mention me (@{BOT_USERNAME} your question)" in reply.plain
