"""Feedback buttons (stored, counted in /stats) and inline mode."""

from __future__ import annotations

from bot_harness import ADMIN_ID, OTHER_USER_ID, USER_ID, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import FakeTelegram, parse_html

from newsbot.bot.feedback import Counts, FeedbackStore


def stored_counts(path) -> Counts:
    store = FeedbackStore(path)
    try:
        return store.counts()
    finally:
        store.close()


class TestFeedback:
    async def test_votes_are_recorded_and_counted_in_stats(self, telegram: FakeTelegram, running_bot, settings):
        user, other = telegram.user(USER_ID), telegram.user(OTHER_USER_ID, "Bob")
        group = telegram.group_chat()
        (answer,) = await wait_answer(telegram, telegram.send_text(group, user, "/ask who attended the talks?"))
        (not_found,) = await wait_answer(telegram, telegram.send_text(group, user, "/ask what about quarks?"))
        helpful, not_helpful = (b["callback_data"] for b in answer.buttons())
        presses = [
            telegram.press_button(user, answer, not_helpful),
            telegram.press_button(user, answer, helpful),  # a second press changes the vote
            telegram.press_button(other, answer, helpful),
            telegram.press_button(other, not_found, not_found.buttons()[1]["callback_data"]),
        ]
        await telegram.wait_for(lambda: all(p in telegram.callback_answers for p in presses))
        assert {telegram.callback_answers[p]["text"] for p in presses} == {"Thanks for your feedback!"}
        counts = stored_counts(settings.feedback_db)
        assert (counts.questions, counts.answered, counts.not_found, counts.helpful, counts.not_helpful) == (2, 1, 1, 2, 1)

        admin = telegram.user(ADMIN_ID, "Ada")
        stats = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/stats"))
        assert "Articles: 2 (2024-05-01 to 2024-05-02)" in stats.plain
        assert "Asked: 2 · answered: 1 · not found: 1" in stats.plain
        assert "Feedback: 👍 2 helpful · 👎 1 not helpful" in stats.plain

    async def test_a_forged_vote_for_an_unknown_answer_is_not_stored(self, telegram: FakeTelegram, running_bot, settings):
        user = telegram.user(USER_ID)
        (answer,) = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "who attended the talks?"))
        query = telegram.press_button(user, answer, "fb:99999:+")
        await telegram.wait_for(lambda: query in telegram.callback_answers)
        assert telegram.callback_answers[query]["text"] == "That answer is too old to rate."
        assert stored_counts(settings.feedback_db).helpful == 0


class TestInline:
    async def test_inline_query_is_answered_with_one_article_result(self, telegram: FakeTelegram, running_bot, engine: FakeEngine):
        user = telegram.user(USER_ID)
        query = telegram.inline_query(user, "who attended the Kuala Lumpur talks?")
        (result,) = await telegram.wait_for(lambda: telegram.inline_answers.get(query))
        assert result["type"] == "article"
        assert result["title"] == "Answer from the articles"
        assert result["description"].startswith("Trade ministers from six countries")
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        shown = parse_html(content["message_text"])
        assert "Trade ministers from six countries attended the Kuala Lumpur talks on Tuesday. [1]" in shown
        assert "[1] Leaders meet in Kuala Lumpur" in shown

    async def test_too_short_inline_query_gets_no_results_and_no_engine_call(self, telegram: FakeTelegram, running_bot,
                                                                             engine: FakeEngine):
        query = telegram.inline_query(telegram.user(USER_ID), "wh")
        assert await telegram.wait_for(lambda: query in telegram.inline_answers)
        assert telegram.inline_answers[query] == [] and engine.questions == []


class TestHostileButtons:
    """Issue 11: every callback query is answered; forged data gets a notice and no traceback."""

    async def test_forged_and_unknown_data_get_a_short_notice(self, telegram: FakeTelegram, running_bot, settings, caplog):
        from newsbot.bot.handlers.feedback import UNKNOWN_BUTTON

        user = telegram.user(USER_ID)
        (answer,) = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "who attended the talks?"))
        forged = {
            "fb:" + "9" * 30 + ":-": UNKNOWN_BUTTON,
            "fb:18446744073709551616:+": "That answer is too old to rate.",
            "fb:abc": UNKNOWN_BUTTON,
            "fb:-1:+": UNKNOWN_BUTTON,
            "fb:" + "1" * 5000 + ":+": UNKNOWN_BUTTON,
            "x" * 64: UNKNOWN_BUTTON,
            "src:" + "9" * 40: UNKNOWN_BUTTON,
        }
        presses = {telegram.press_button(user, answer, data): notice for data, notice in forged.items()}
        await telegram.wait_for(lambda: all(p in telegram.callback_answers for p in presses))
        assert {p: telegram.callback_answers[p]["text"] for p in presses} == presses
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
        assert stored_counts(settings.feedback_db).helpful == 0

    async def test_a_press_without_data_gets_the_notice_from_an_admin_or_anyone(
        self, telegram: FakeTelegram, running_bot, caplog
    ):
        """Issue 20: an admin's press without data reached /sources' handler and logged a traceback."""
        from newsbot.bot.handlers.feedback import UNKNOWN_BUTTON

        admin, user = telegram.user(ADMIN_ID, "Ada"), telegram.user(USER_ID)
        question = telegram.send_text(telegram.private_chat(admin), admin, "who attended the talks?")
        (answer,) = await wait_answer(telegram, question)
        presses = []
        for presser in (admin, user):
            presses.append(telegram.press_button(presser, answer, "unused"))
            del telegram._updates[-1]["callback_query"]["data"]  # what a forged press without data looks like
        await telegram.wait_for(lambda: all(p in telegram.callback_answers for p in presses))
        assert [telegram.callback_answers[p]["text"] for p in presses] == [UNKNOWN_BUTTON, UNKNOWN_BUTTON]
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info], caplog.text

    async def test_sources_next_pressed_twice_is_harmless(self, telegram: FakeTelegram, running_bot, engine: FakeEngine,
                                                          corpus_dir, caplog):
        import asyncio

        for number in range(13):
            (corpus_dir / f"extra{number:02d}.txt").write_text(f"Extra article {number}\nSentence {number}.", encoding="utf-8")
        await asyncio.to_thread(engine.reindex)
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        telegram.send_text(chat, admin, "/sources")
        page = (await telegram.wait_for(lambda: telegram.messages_in(chat["id"])))[0]
        data = page.buttons()[0]["callback_data"]
        first, second = telegram.press_button(admin, page, data), telegram.press_button(admin, page, data)
        await telegram.wait_for(lambda: first in telegram.callback_answers and second in telegram.callback_answers)
        await asyncio.sleep(0.2)
        assert page.plain.startswith("Articles 11–15 of 15")
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


class TestAFullFeedbackDatabase:
    async def test_questions_are_answered_and_stats_count_what_was_not_stored(self, telegram: FakeTelegram, running_bot,
                                                                               caplog):
        from test_feedback import fill_up

        shared = running_bot.application.bot_data.services
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        await wait_answer(telegram, telegram.send_text(chat, user, "who attended the talks?"))
        fill_up(shared.feedback)
        for question in ("who attended the talks?", "what about quarks?", "who attended the talks again?"):
            (answer,) = await wait_answer(telegram, telegram.send_text(chat, user, question))
            assert "Sorry" not in answer.plain
        press = telegram.press_button(user, answer, answer.buttons()[0]["callback_data"])
        await telegram.wait_for(lambda: press in telegram.callback_answers)
        assert telegram.callback_answers[press]["text"] == "Sorry, that answer could not be stored, so it cannot be rated."
        inline = telegram.inline_query(user, "who attended the talks?")
        await telegram.wait_for(lambda: inline in telegram.inline_answers)
        assert len(telegram.inline_answers[inline]) == 1
        admin = telegram.user(ADMIN_ID, "Ada")
        stats = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/stats"))
        assert "Asked: 1 ·" in stats.plain
        assert "Not stored since the start: 4 (the feedback database cannot be written" in stats.plain
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
        assert len([r for r in caplog.records if "feedback database" in r.getMessage() and r.levelname == "WARNING"]) == 1
