"""Flood control, secrets and the webhook: the bot survives Telegram's 429s, never logs its token,
and accepts webhook updates only with Telegram's secret header."""

from __future__ import annotations

import logging

from bot_harness import ADMIN_ID, USER_ID, RunningBot, free_port, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import TOKEN, FakeTelegram

from newsbot.bot.app import build_application
from newsbot.bot.logsafe import REDACTED
from newsbot.bot.settings import Settings


class TestFloodControl:
    async def test_a_429_with_retry_after_is_waited_out_and_retried(self, telegram: FakeTelegram, running_bot):
        telegram.inject("sendMessage", status=429, retry_after=1)
        user = telegram.user(USER_ID)
        question = telegram.send_text(telegram.private_chat(user), user, "Who attended the talks?")
        (answer,) = await wait_answer(telegram, question)
        first, second = telegram.calls_to("sendMessage")
        assert not first.ok and first.error.startswith("429 Too Many Requests")
        assert second.ok and second.at - first.at >= 1.0  # retry_after honoured (AIORateLimiter adds 0.1 s)
        assert len(telegram.messages_in(user["id"])) == 1  # one answer, no duplicate
        assert "Trade ministers" in answer.plain


class TestSecrets:
    async def test_the_token_never_reaches_a_log_line(self, telegram: FakeTelegram, running_bot, settings: Settings, caplog):
        caplog.set_level(logging.DEBUG)
        admin, user = telegram.user(ADMIN_ID, "Ada"), telegram.user(USER_ID)
        chat = telegram.private_chat(admin)
        await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "Who attended the talks?"))
        await wait_reply(telegram, telegram.send_text(telegram.private_chat(user), user, "explode, please"))
        status = await wait_reply(telegram, telegram.send_document(chat, admin, "bridge.txt", b"Bridge\nThe bridge opened."))
        await telegram.wait_for(lambda: status.plain.startswith("✅"))
        telegram.inject("sendMessage", status=429, retry_after=1)
        await wait_reply(telegram, telegram.send_text(chat, admin, "/stats"))
        logging.getLogger("newsbot.test").error("settings are %r", settings)

        assert telegram.calls_to("getFile")  # the file download URL holds the token too
        text = caplog.text
        secret_part = TOKEN.split(":")[1]  # in any encoding of the token (a URL has ':' as %3A)
        assert secret_part not in text
        for record in caplog.records:
            assert secret_part not in record.getMessage() and secret_part not in (record.exc_text or "")
        assert f"/bot{REDACTED}/getUpdates" in text  # httpx did log the URLs: redacted, not silenced
        assert f"/file/bot{REDACTED}/documents/" in text
        assert "Secret('**********')" in text and "the fake engine was asked to explode" in text


class TestWebhook:
    async def test_updates_are_accepted_only_with_the_secret_header(self, telegram: FakeTelegram, bot_env: dict[str, str],
                                                                     engine: FakeEngine):
        port = free_port()
        env = {**bot_env, "NEWSBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/newsbot/hook", "NEWSBOT_WEBHOOK_SECRET": "s3cret-Token_1"}
        settings = Settings.from_env(env, listen="127.0.0.1", port=port)
        bot = RunningBot(build_application(settings, engine))
        await bot.start_webhook(settings)
        try:
            assert telegram.webhook == {"url": f"http://127.0.0.1:{port}/newsbot/hook", "secret_token": "s3cret-Token_1",
                                        "allowed_updates": ["message", "callback_query", "inline_query"]}
            user = telegram.user(USER_ID)
            chat = telegram.private_chat(user)
            forged = telegram.message(chat, user, "Who attended the talks?")
            assert await telegram.post_to_webhook({"message": forged}, secret=None) == 403
            assert await telegram.post_to_webhook({"message": forged}, secret="guess") == 403
            genuine = telegram.message(chat, user, "When did the harbour reopen?")
            assert await telegram.post_to_webhook({"message": genuine}, secret="s3cret-Token_1") == 200
            (answer,) = await wait_answer(telegram, genuine)
            assert "harbour reopened" in answer.plain
            assert telegram.replies_to(forged) == []
            assert engine.questions == ["When did the harbour reopen?"]
            assert telegram.calls_to("getUpdates") == []
        finally:
            await bot.stop()
