"""Inline mode: `@thebot question` in any chat offers the answer as one result to send."""

from __future__ import annotations

import asyncio
import hashlib
import time

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.ext import Application, InlineQueryHandler

from newsbot.bot.context import NewsContext
from newsbot.bot.filters import has_words
from newsbot.bot.handlers.replies import NO_PREVIEW
from newsbot.bot.questionlog import QuestionLog
from newsbot.bot.render import NOT_FOUND
from newsbot.bot.telegram_html import render_single
from newsbot.index.types import Answer

MIN_QUERY_CHARS = 3  # Telegram sends a query per keystroke; "wh" is not a question yet
CACHE_SECONDS = 60


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(InlineQueryHandler(inline_answer))


async def inline_answer(update: Update, context: NewsContext) -> None:
    """Answer the inline query with one article result holding the whole answer."""
    query = update.inline_query
    assert query is not None
    shared = context.services
    question = " ".join(query.query.split())
    if not MIN_QUERY_CHARS <= len(question) <= shared.settings.max_question_chars or not has_words(question):
        await query.answer([], cache_time=CACHE_SECONDS)
        return
    entry = QuestionLog("inline", question, started=time.perf_counter(), queued=shared.pending)
    try:
        answer = await shared.answer(question)
        entry.engine_ms, entry.generation, entry.outcome = answer.latency_ms, answer.generation, "undelivered"
        entry.question_id = await asyncio.to_thread(
            shared.feedback.record_question, question, "inline", answer.answered, answer.latency_ms, query.from_user.id)
        await query.answer([_result(question, answer)], cache_time=CACHE_SECONDS)
        entry.outcome, entry.parts = ("answered" if answer.answered else "not_found"), 1
    finally:
        entry.emit(shared.settings.log_questions)


def _result(question: str, answer: Answer) -> InlineQueryResultArticle:
    if answer.answered and answer.sentences:
        title, description = "Answer from the articles", answer.sentences[0].text
    else:
        title, description = NOT_FOUND, "Try other words."
    return InlineQueryResultArticle(
        id=hashlib.sha256(question.encode()).hexdigest()[:32],
        title=title,
        description=description[:200],
        input_message_content=InputTextMessageContent(render_single(answer), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW),
    )
