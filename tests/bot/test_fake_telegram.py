"""The fake Bot API server itself: as strict as Telegram, and its fault injection works."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from fake_telegram import TOKEN, ApiError, FakeTelegram, parse_html


async def call(telegram: FakeTelegram, method: str, token: str = TOKEN, **params: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(f"{telegram.base_url}{token}/{method}", json=params) as response:
        return response.status, await response.json()


class TestParseHtml:
    @pytest.mark.parametrize(("html", "shown"), [
        ("<b>bold</b> &amp; <i>it</i>", "bold & it"),
        ("<blockquote>q</blockquote>\n<a href=\"https://x.org/?a=1&amp;b=2\">link</a>", "q\nlink"),
        ("&lt;tag&gt; &quot;q&quot; &#128512; &#x41;", "<tag> \"q\" 😀 A"),
    ])
    def test_accepts_what_telegram_accepts(self, html: str, shown: str):
        assert parse_html(html) == shown

    @pytest.mark.parametrize(("html", "reason"), [
        ("<br>", 'Unsupported start tag "br"'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("</b>", "Unmatched end tag"),
        ("<b><i>crossed</b></i>", "Unmatched end tag"),
        ("a < b", "Unexpected character '<'"),
        ("a & b", "Unexpected character '&'"),
        ("a > b", "Unexpected character '>'"),
        ("&nbsp;", "Unexpected character '&'"),
    ])
    def test_refuses_what_telegram_refuses(self, html: str, reason: str):
        with pytest.raises(ApiError, match="can't parse entities: " + reason.replace("(", r"\(")):
            parse_html(html)


class TestApi:
    async def test_unknown_method_is_400_and_a_wrong_token_is_401(self, telegram: FakeTelegram):
        assert (await call(telegram, "sendTelepathy"))[0] == 400
        status, body = await call(telegram, "getMe", token="1:wrong")
        assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})

    async def test_send_and_edit_are_checked_like_telegram(self, telegram: FakeTelegram):
        user = telegram.user(5)
        chat = telegram.private_chat(user)
        assert (await call(telegram, "sendMessage", chat_id=99, text="hi"))[1]["description"] == "Bad Request: chat not found"
        too_long = "🧊" * 2049  # 4,098 UTF-16 units
        assert (await call(telegram, "sendMessage", chat_id=chat["id"], text=too_long))[1]["description"] == \
            "Bad Request: message is too long"
        status, body = await call(telegram, "sendMessage", chat_id=chat["id"], text="<b>x", parse_mode="HTML")
        assert status == 400 and "can't parse entities" in body["description"]
        status, body = await call(telegram, "sendMessage", chat_id=chat["id"], text="<b>x</b>", parse_mode="HTML")
        assert status == 200 and body["result"]["text"] == "x"
        message_id = body["result"]["message_id"]
        assert (await call(telegram, "editMessageText", chat_id=chat["id"], message_id=message_id, text="<b>x</b>",
                           parse_mode="HTML"))[1]["description"].startswith("Bad Request: message is not modified")
        assert (await call(telegram, "editMessageText", chat_id=chat["id"], message_id=message_id, text="y"))[0] == 200
        assert telegram.messages_in(chat["id"])[0].history == ["<b>x</b>", "y"]

    async def test_long_poll_waits_for_an_update_and_offsets_confirm(self, telegram: FakeTelegram):
        user = telegram.user(5)
        poll = asyncio.create_task(call(telegram, "getUpdates", timeout=5))
        await asyncio.sleep(0.1)
        assert not poll.done()
        pushed = telegram.send_text(telegram.private_chat(user), user, "hello")
        status, body = await poll
        assert status == 200 and [u["message"]["text"] for u in body["result"]] == ["hello"]
        update_id = body["result"][0]["update_id"]
        assert (await call(telegram, "getUpdates", offset=update_id + 1))[1]["result"] == []
        assert telegram.confirmed_offset == update_id + 1 and pushed["text"] == "hello"

    async def test_get_updates_conflicts_with_a_webhook(self, telegram: FakeTelegram):
        assert (await call(telegram, "setWebhook", url="https://bot.example.com/hook", secret_token="s"))[0] == 200
        assert (await call(telegram, "getUpdates"))[0] == 409
        assert (await call(telegram, "deleteWebhook"))[0] == 200
        assert (await call(telegram, "getUpdates"))[0] == 200


class TestFaults:
    async def test_status_faults_carry_retry_after_and_run_out(self, telegram: FakeTelegram):
        telegram.inject("getMe", status=429, retry_after=3, times=2)
        telegram.inject("*", status=502)
        assert (await call(telegram, "getMe"))[1]["parameters"] == {"retry_after": 3}
        assert (await call(telegram, "getMe"))[0] == 429
        assert (await call(telegram, "deleteWebhook"))[0] == 502
        assert (await call(telegram, "getMe"))[0] == 200
        assert [method for method, _ in telegram.fault_log] == ["getMe", "getMe", "deleteWebhook"]

    async def test_reset_drops_the_connection_before_or_after_the_method_takes_effect(self, telegram: FakeTelegram):
        user = telegram.user(5)
        chat = telegram.private_chat(user)
        telegram.inject("sendMessage", reset=True)
        with pytest.raises(aiohttp.ClientError):
            await call(telegram, "sendMessage", chat_id=chat["id"], text="lost")
        assert telegram.messages_in(chat["id"]) == []
        telegram.inject("sendMessage", reset=True, after=True)
        with pytest.raises(aiohttp.ClientError):
            await call(telegram, "sendMessage", chat_id=chat["id"], text="sent, but the bot never heard")
        assert [m.text for m in telegram.messages_in(chat["id"])] == ["sent, but the bot never heard"]

    async def test_delay_answers_late(self, telegram: FakeTelegram):
        telegram.inject("getMe", delay=0.3)
        started = time.monotonic()
        assert (await call(telegram, "getMe"))[0] == 200
        assert time.monotonic() - started >= 0.3
