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
