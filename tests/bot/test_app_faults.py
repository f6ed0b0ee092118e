"""Telegram's faults during getUpdates and sendMessage: the bot keeps running and answers each question once.

(A single 429 on sendMessage is in test_app_reliability.py.) What "exactly once" means is in bot/delivery.py: a request Telegram refused (429, 500, 502) or
never got is sent again; a sendMessage that got no answer (a reset connection, a timeout) may
have arrived and is not sent again: the user gets the answer at most once, plus a short note
(`NETWORK_NOTE`) that says to ask again if it did not arrive.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from bot_harness import (
    ADMIN_ID,
    OTHER_USER_ID,
    USER_ID,
    RunningBot,
    StartBot,
    has_feedback_buttons,
    wait_answer,
    wait_reply,
)
from fake_engine import FakeEngine
from fake_telegram import FakeTelegram
from telegram.error import BadRequest, NetworkError, TimedOut

from newsbot.bot.app import NETWORK_NOTE
from newsbot.bot.delivery import Failure, RetryingRateLimiter, failure_of, may_retry

READ_TIMEOUT = 1.0  # the bot's wait for Telegram's answer, short so that a timeout test is quick
POLL_TIMEOUT = 1.0  # the long poll; getUpdates times out after POLL_TIMEOUT + READ_TIMEOUT
FAST = {"poll_timeout": POLL_TIMEOUT, "read_timeout": READ_TIMEOUT, "send_backoff": 0.05}


def ask(telegram: FakeTelegram, user_id: int, text: str) -> dict[str, Any]:
    user = telegram.user(user_id, f"User{user_id}")
    return telegram.send_text(telegram.private_chat(user), user, text)


def assert_offsets_advanced(telegram: FakeTelegram) -> None:
    offsets = [int(c.params.get("offset") or 0) for c in telegram.calls_to("getUpdates")]
    assert offsets == sorted(offsets), f"getUpdates offsets went backwards: {offsets}"


async def wait_confirmed(telegram: FakeTelegram, update_id: int) -> None:
    """The bot has told Telegram (with the next offset) that it has `update_id`: it will not come again."""
    await telegram.wait_for(lambda: telegram.confirmed_offset > update_id, within=10)


def latest_update_id(telegram: FakeTelegram) -> int:
    """The update_id of the update just pushed (still queued: the bot cannot have confirmed it yet)."""
    return int(telegram._updates[-1]["update_id"])


async def still_answering(telegram: FakeTelegram, running: RunningBot) -> None:
    app = running.application
    assert app.running and app.updater is not None and app.updater.running
    (answer,) = await wait_answer(telegram, ask(telegram, 4444, "When did the harbour reopen?"), within=10)
    assert "harbour reopened" in answer.plain


class TestGetUpdatesFaults:
    @pytest.mark.parametrize("fault", [
        pytest.param({"status": 429, "retry_after": 1}, id="429-retry-after"),
        pytest.param({"status": 500}, id="500"),
        pytest.param({"status": 502}, id="502"),
        pytest.param({"reset": True}, id="reset"),
        pytest.param({"reset": True, "after": True}, id="reset-after-taking-updates"),
        pytest.param({"delay": POLL_TIMEOUT + READ_TIMEOUT + 0.5}, id="timeout"),
    ])
    async def test_each_question_is_answered_once_and_offsets_advance(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, fault: dict[str, Any], caplog
    ):
        running = await start_bot(**FAST)
        first = ask(telegram, USER_ID, "Who attended the talks?")  # ends the poll in flight, so that
        injected = telegram.inject("getUpdates", **fault)  # the next poll, at once, takes the fault
        await wait_answer(telegram, first)
        await telegram.wait_for(lambda: injected.times == 0, within=5)
        # A reset "after" now waits for updates, returns them, and drops the connection.
        questions = [ask(telegram, 5000 + n, f"When did the harbour reopen? q{n}") for n in range(3)]
        last = latest_update_id(telegram)

        for question in questions:
            (answer,) = await wait_answer(telegram, question, within=10)
            assert "harbour reopened" in answer.plain
        await wait_confirmed(telegram, last)
        for question in [first, *questions]:
            assert len(telegram.replies_to(question)) == 1, "answered twice"
            assert engine.questions.count(question["text"]) == 1
        assert_offsets_advanced(telegram)
        if fault.get("after"):  # Telegram handed the questions out twice; the bot answered them once
            fetched = [u["update_id"] for call in telegram.calls_to("getUpdates") if call.ok for u in call.result or []]
            assert len(fetched) > len(set(fetched))
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # warnings only
        await still_answering(telegram, running)


class TestSendMessageFaults:
    @pytest.mark.parametrize("status", [500, 502])
    async def test_an_error_answer_is_sent_again_and_arrives_once(self, telegram: FakeTelegram, start_bot: StartBot,
                                                                 engine: FakeEngine, status: int):
        running = await start_bot(**FAST)
        telegram.inject("sendMessage", status=status, times=2)
        question = ask(telegram, USER_ID, "Who attended the talks?")
        (answer,) = await wait_answer(telegram, question)
        assert "Trade ministers" in answer.plain
        sends = telegram.calls_to("sendMessage")
        assert [call.ok for call in sends] == [False, False, True]
        assert len(telegram.messages_in(USER_ID)) == 1 and engine.questions == ["Who attended the talks?"]
        await still_answering(telegram, running)

    @pytest.mark.parametrize(("fault", "delivered"), [
        pytest.param({"reset": True}, False, id="reset-before-telegram-took-it"),
        pytest.param({"reset": True, "after": True}, True, id="reset-after-telegram-took-it"),
        pytest.param({"delay": READ_TIMEOUT + 0.5}, True, id="timeout"),
    ])
    async def test_a_send_in_doubt_is_not_repeated_and_the_user_is_told(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, fault: dict[str, Any], delivered: bool, caplog
    ):
        running = await start_bot(**FAST)
        telegram.inject("sendMessage", **fault)
        question = ask(telegram, USER_ID, "Who attended the talks?")
        note = (await telegram.wait_for(
            lambda: [m for m in telegram.replies_to(question) if m.plain == NETWORK_NOTE], within=10))[0]
        if delivered:  # a late answer arrives after the note; give it time to
            await telegram.wait_for(lambda: any(has_feedback_buttons(m) for m in telegram.messages_in(USER_ID)), within=5)
        answers = [m for m in telegram.messages_in(USER_ID) if has_feedback_buttons(m)]
        assert len(answers) == (1 if delivered else 0), "the answer was sent twice"
        assert [m.message_id for m in telegram.messages_in(USER_ID) if m is not note and m not in answers] == []
        assert engine.questions == ["Who attended the talks?"]  # the question is not answered twice either
        assert "could not reach Telegram while handling an update" in caplog.text
        await still_answering(telegram, running)

    async def test_an_edit_in_doubt_is_sent_again(self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine):
        """editMessageText is idempotent: a /reindex status edit lost to a reset is resent, and its "not
        modified" answer (the first one did arrive) counts as done."""
        await start_bot(**FAST, progress_interval=0.05)
        engine.rebuild_step_seconds = 0.1
        telegram.inject("editMessageText", reset=True, after=True)
        admin = telegram.user(ADMIN_ID, "Ada")
        status = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/reindex"))
        await telegram.wait_for(lambda: status.plain.startswith("✅"), within=10)
        first, again = telegram.calls_to("editMessageText")[:2]
        assert first.ok  # Telegram made the edit, then dropped the connection before answering
        assert not again.ok and "not modified" in again.error  # the resend, taken as done
        assert len(telegram.messages_in(ADMIN_ID)) == 1


    async def test_a_failing_typing_indicator_is_not_resent_and_does_not_hold_up_the_answer(
        self, telegram: FakeTelegram, start_bot: StartBot
    ):
        await start_bot(**FAST)
        telegram.inject("sendChatAction", status=502, times=5)
        question = ask(telegram, USER_ID, "Who attended the talks?")
        await wait_answer(telegram, question, within=0.5)
        assert len(telegram.calls_to("sendChatAction")) == 1


class TestOtherChatsDuringFaults:
    async def test_a_stalled_send_in_one_chat_does_not_stall_another(self, telegram: FakeTelegram, start_bot: StartBot):
        await start_bot(**FAST)
        telegram.inject("sendMessage", delay=READ_TIMEOUT + 0.5)
        stalled = ask(telegram, USER_ID, "Who attended the talks?")
        await telegram.wait_for(lambda: telegram.fault_log, within=5)
        other = ask(telegram, OTHER_USER_ID, "When did the harbour reopen?")
        await wait_answer(telegram, other, within=READ_TIMEOUT)  # answered while the first send hangs
        await telegram.wait_for(lambda: telegram.replies_to(stalled), within=5)


def network_error(cause: Exception | None, kind: type[NetworkError] = NetworkError) -> NetworkError:
    error = kind("boom")
    error.__cause__ = cause
    return error


REQUEST = httpx.Request("POST", "http://127.0.0.1/bot/sendMessage")


class TestRetryPolicy:
    @pytest.mark.parametrize(("error", "failure"), [
        (network_error(None), Failure.REFUSED),  # Telegram answered 5xx
        (network_error(httpx.ConnectError("refused", request=REQUEST)), Failure.NOT_SENT),
        (network_error(httpx.PoolTimeout("pool full", request=REQUEST), TimedOut), Failure.NOT_SENT),
        (network_error(httpx.WriteError("broken pipe", request=REQUEST)), Failure.NOT_SENT),
        (network_error(httpx.ReadError("reset", request=REQUEST)), Failure.UNKNOWN),
        (network_error(httpx.RemoteProtocolError("disconnected", request=REQUEST)), Failure.UNKNOWN),
        (network_error(httpx.ReadTimeout("slow", request=REQUEST), TimedOut), Failure.UNKNOWN),
        (network_error(None, TimedOut), Failure.UNKNOWN),
        (network_error(RuntimeError("odd")), Failure.UNKNOWN),
    ])
    def test_failures_are_classified_by_what_reached_telegram(self, error: NetworkError, failure: Failure):
        assert failure_of(error) is failure

    def test_only_what_cannot_happen_twice_is_retried(self):
        reset = network_error(httpx.ReadError("reset", request=REQUEST))
        assert not may_retry("sendMessage", reset)
        assert may_retry("editMessageText", reset) and may_retry("getFile", reset)
        assert may_retry("sendMessage", network_error(None))
        assert not may_retry("sendChatAction", network_error(None))  # "typing…" comes again anyway
        assert not may_retry("sendMessage", BadRequest("Bad Request: message is too long"))

    async def test_the_limiter_resends_until_it_works_and_gives_up_after_the_attempts(self, caplog):
        caplog.set_level(logging.WARNING)
        limiter = RetryingRateLimiter(attempts=3, backoff=0.01, overall_max_rate=0, group_max_rate=0)
        calls = []

        def flaky(failures: int, cause: Exception | None):
            async def callback() -> Any:
                calls.append(1)
                if len(calls) <= failures:
                    raise network_error(cause)
                return {"ok": True}
            return callback

        assert await limiter.process_request(flaky(2, None), (), {}, "sendMessage", {"chat_id": 1}, None) == {"ok": True}
        assert len(calls) == 3 and "sending it again" in caplog.text
        calls.clear()
        with pytest.raises(NetworkError):
            await limiter.process_request(flaky(5, None), (), {}, "sendMessage", {"chat_id": 1}, None)
        assert len(calls) == 3
        calls.clear()
        with pytest.raises(NetworkError):
            await limiter.process_request(flaky(1, httpx.ReadError("reset", request=REQUEST)), (), {}, "sendMessage", {}, None)
        assert len(calls) == 1  # in doubt: not sent twice

    async def test_typing_indicators_are_not_counted_against_the_flood_limit(self):
        limiter = RetryingRateLimiter(overall_max_rate=2, overall_time_period=1, group_max_rate=0)
        sent: list[str] = []

        def send(method: str):
            async def callback() -> Any:
                sent.append(method)
                return True
            return limiter.process_request(callback, (), {}, method, {"chat_id": 5}, None)

        messages = [asyncio.ensure_future(send("sendMessage")) for _ in range(4)]
        await asyncio.gather(*(send("sendChatAction") for _ in range(10)))
        assert sent.count("sendChatAction") == 10 and sent.count("sendMessage") <= 2  # the messages wait their turn
        await asyncio.gather(*messages)

    def test_bad_arguments_are_named(self):
        with pytest.raises(ValueError, match="attempts must be >= 1, got 0"):
            RetryingRateLimiter(attempts=0)

