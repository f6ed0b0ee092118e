"""One structured log line per question, whatever became of it; the question's text only when asked for."""

from __future__ import annotations

import logging

import pytest
from bot_harness import USER_ID, StartBot, wait_answer, wait_reply
from fake_telegram import BOT_USERNAME, FakeTelegram

from newsbot.bot.app import NETWORK_NOTE
from newsbot.bot.questionlog import QuestionLog


def question_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [record.question for record in caplog.records if record.name == "newsbot.questions"]  # type: ignore[attr-defined]


class TestQuestionLog:
    async def test_every_outcome_gets_exactly_one_line_without_the_text(self, telegram: FakeTelegram, start_bot: StartBot,
                                                                         caplog):
        caplog.set_level(logging.INFO)
        await start_bot(cooldown_seconds=60, read_timeout=1.0)
        users = [telegram.user(USER_ID + n, f"U{n}") for n in range(6)]
        chats = [telegram.private_chat(user) for user in users]
        await wait_answer(telegram, telegram.send_text(chats[0], users[0], "Who attended the talks?"))
        await wait_reply(telegram, telegram.send_text(chats[0], users[0], "And when did the harbour reopen?"))  # cooldown
        await wait_answer(telegram, telegram.send_text(chats[1], users[1], "Quarks and gluons?"))
        await wait_reply(telegram, telegram.send_text(chats[2], users[2], "why " * 200))
        await wait_reply(telegram, telegram.send_text(chats[3], users[3], "🤔"))
        await wait_reply(telegram, telegram.send_text(chats[4], users[4], "please explode"))
        telegram.inject("sendMessage", reset=True)
        undelivered = telegram.send_text(chats[5], users[5], "When did the harbour reopen?")
        await telegram.wait_for(lambda: [m for m in telegram.replies_to(undelivered) if m.plain == NETWORK_NOTE])
        group = telegram.group_chat()
        member = telegram.user(USER_ID + 99, "Member")
        await wait_answer(telegram, telegram.send_text(group, member, f"/ask@{BOT_USERNAME} who attended the talks?"))
        telegram.send_text(group, users[2], "chatter, not a question")  # no line: not addressed to the bot

        await telegram.wait_for(lambda: len(question_lines(caplog)) >= 8)
        lines = question_lines(caplog)
        assert [(line["chat"], line["outcome"]) for line in lines] == [
            ("private", "answered"), ("private", "cooldown"), ("private", "not_found"), ("private", "too_long"),
            ("private", "no_words"), ("private", "error"), ("private", "undelivered"), ("group", "answered"),
        ]
        assert all(isinstance(line["latency_ms"], int) and "text" not in line for line in lines)
        assert lines[0]["engine_ms"] is not None and lines[0]["parts"] == 1 and lines[0]["index"] == "gen-1"
        logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "newsbot.questions")
        assert "talks" not in logged and "harbour" not in logged and "explode" not in logged
        assert "question chat=private outcome=answered latency_ms=" in logged

    async def test_the_text_is_logged_only_when_configured(self, telegram: FakeTelegram, start_bot: StartBot, caplog):
        caplog.set_level(logging.INFO)
        await start_bot(log_questions=True)
        user = telegram.user(USER_ID)
        await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, 'Who attended the "talks"?'))
        (line,) = question_lines(caplog)
        assert line["text"] == 'Who attended the "talks"?'
        assert 'text="Who attended the \\"talks\\"?"' in caplog.text  # quoted: one line, whatever the text

    def test_values_with_spaces_or_newlines_stay_on_one_line(self, caplog):
        caplog.set_level(logging.INFO)
        QuestionLog("private", "two\nlines", started=0.0, outcome="answered").emit(with_text=True)
        (record,) = caplog.records
        assert "\n" not in record.getMessage() and 'text="two\\nlines"' in record.getMessage()
