"""Questions: /start, /help, /ask, and any text in a private chat; `answer_question` answers them all.

A question that replies to one of the bot's answers is a follow-up: made self-contained against
the thread it replies in (`index.followup`) and answered from the articles that answer cited; if
they don't answer it, from all the articles, as any other question.
"""

from __future__ import annotations

import asyncio
import time

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from newsbot.bot.context import NewsContext
from newsbot.bot.conversation import Context
from newsbot.bot.feedback import CHAT
from newsbot.bot.filters import NEW_MESSAGE, NOT_FORWARDED_IN_GROUPS, PRIVATE, has_words
from newsbot.bot.handlers.replies import reply, showing_typing
from newsbot.bot.questionlog import QuestionLog
from newsbot.bot.services import Services
from newsbot.bot.telegram_html import escape, render_answer
from newsbot.index.followup import Thread, leans_on_context, resolve
from newsbot.index.pipeline.normalise import THANKS, only_chat
from newsbot.index.types import Answer

NO_WORDS = "Please ask your question in words, for example: <code>Who attended the talks?</code>"
NO_QUESTION = "Hi! Ask me a question about the articles, for example: <code>Who attended the talks?</code>"
THANKED = "You're welcome! Ask me anything else about the articles."


def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler(("start", "help"), show_help, filters=NEW_MESSAGE))
    application.add_handler(CommandHandler("ask", ask_command, filters=NEW_MESSAGE & NOT_FORWARDED_IN_GROUPS))


def register_messages(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE & filters.TEXT & ~filters.COMMAND, private_question))
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE & filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE & ~filters.TEXT, not_text_hint))


async def show_help(update: Update, context: NewsContext) -> None:
    """Say what the bot knows (how many articles, which dates) and how to ask it."""
    shared = context.services
    stats = await shared.in_pool(shared.engine.stats)
    dates = f", from {stats.first_date} to {stats.last_date}" if stats.first_date else ""
    name = f"@{context.bot.username}"
    lines = [
        f"I answer questions about <b>{stats.documents}</b> news articles{escape(dates)} with the exact "
        "sentences that answer them, each cited to its article.",
        "",
        "<b>How to ask</b>",
        "• In a private chat, just send your question.",
        f"• In a group, mention me ({escape(name)} your question), reply to one of my messages, or use /ask your question.",
        f"• In any chat, type {escape(name)} and a question to share an answer.",
        "",
        "<b>Follow</b>",
        "/follow harbour tunnel (a topic) or /follow who will build the bridge? (a question): each new article "
        "on it comes here · /following · /unfollow",
    ]
    if update.effective_user and shared.is_admin(update.effective_user.id):
        lines += ["", "<b>Admin</b>", "/reindex rebuilds the index · /stats · /gaps (unanswered questions) · /sources · send a document (.txt, .md, "
                  f".html, .jsonl, up to {shared.settings.max_upload_bytes // 2**20} MB) to add an article"]
    await reply(update.effective_message, "\n".join(lines))


async def ask_command(update: Update, context: NewsContext) -> None:
    """/ask QUESTION, in any chat (PTB already ignores /ask@otherbot)."""
    question = " ".join(context.args or [])
    if not question:
        await reply(update.effective_message, "Ask like this: <code>/ask Who attended the talks?</code>")
        return
    await answer_question(update, context, question)


async def private_question(update: Update, context: NewsContext) -> None:
    """In a private chat, any text is a question."""
    assert update.effective_message is not None
    await answer_question(update, context, update.effective_message.text or "")


async def unknown_command(update: Update, context: NewsContext) -> None:
    """A command the bot does not have."""
    await reply(update.effective_message, "I don't know that command. Send /help to see what I can do.")


async def not_text_hint(update: Update, context: NewsContext) -> None:
    """Stickers, photos, voice…: only text questions are answered."""
    await reply(update.effective_message, "I can only answer questions sent as text. Send /help to see how.")


async def answer_question(update: Update, context: NewsContext, question: str) -> None:
    """Answer `question` as a reply to the asking message, with feedback buttons under it.

    Logs one line per question, whatever becomes of it (`bot.questionlog`).
    """
    shared = context.services
    message, user = update.effective_message, update.effective_user
    assert message is not None
    question = " ".join(question.split())
    entry = QuestionLog(message.chat.type, question, started=time.perf_counter())
    try:
        await _answer(shared, context, message, user.id if user else None, question, entry)
    except TelegramError:
        if entry.engine_ms is not None and entry.outcome == "error":
            entry.outcome = "undelivered"  # answered, but Telegram could not be reached to deliver it
        raise
    finally:
        entry.emit(shared.settings.log_questions)


async def _answer(shared: Services, context: NewsContext, message: Message, user_id: int | None,
                  question: str, entry: QuestionLog) -> None:
    limit = shared.settings.max_question_chars
    if len(question) > limit:
        entry.outcome = "too_long"
        await reply(message, f"That question is too long ({len(question)} characters); please keep it under {limit}.")
        return
    if not has_words(question):
        entry.outcome = "no_words"
        await reply(message, NO_WORDS)
        return
    if only_chat(question):  # "hi", "thanks!", "hey bot": no question to look up
        entry.outcome = "no_question"
        await asyncio.to_thread(shared.feedback.record_question, question, message.chat.type, False, 0.0, user_id, CHAT)
        await reply(message, THANKED if THANKS.search(question) else NO_QUESTION)
        return
    if user_id is not None:
        wait = shared.cooldown.wait_left(user_id)
        if wait > 0:
            entry.outcome = "cooldown"
            if shared.cooldown.first_warning(user_id):
                await reply(message, f"One question at a time, please: try again in {wait:.0f} s.")
            return
    entry.queued = shared.pending
    replied_to = _replied_context(shared, message)
    if replied_to is None and message.chat.type == ChatType.PRIVATE and leans_on_context(question):
        replied_to = shared.conversations.latest(message.chat_id)  # "and when was that?" right after an answer
    thread = resolve(question, replied_to.thread if replied_to else None)
    async with showing_typing(context.bot, message.chat_id):
        answer = await _answer_in_thread(shared, thread, replied_to)
    entry.engine_ms, entry.generation = answer.latency_ms, answer.generation
    entry.question_id = await asyncio.to_thread(
        shared.feedback.record_question, question, message.chat.type, answer.answered, answer.latency_ms, user_id
    )
    parts = render_answer(answer)
    sent = []
    for number, part in enumerate(parts):
        last = number == len(parts) - 1
        sent.append(await reply(message, part, keyboard=feedback_keyboard(entry.question_id) if last else None, quote=number == 0))
        entry.parts += 1
    entry.outcome = "answered" if answer.answered else "not_found"
    if answer.answered and answer.sources:
        shared.conversations.remember(message.chat_id, (m.message_id for m in sent), thread,
                                      (source.doc_id for source in answer.sources))


def _replied_context(shared: Services, message: Message) -> Context | None:
    """The context of the bot's answer that `message` replies to, if it replies to one the bot remembers."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != message.get_bot().id:
        return None
    return shared.conversations.recall(message.chat_id, replied.message_id)


async def _answer_in_thread(shared: Services, thread: Thread, replied_to: Context | None) -> Answer:
    """A follow-up from the articles its thread cited first; then, or otherwise, from all of them."""
    if replied_to is not None and replied_to.doc_ids:
        answer = await shared.answer(thread.question, within=replied_to.doc_ids)
        if answer.answered:
            return answer
    return await shared.answer(thread.question_for_all)


def feedback_keyboard(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("👍 Helpful", callback_data=f"fb:{question_id}:+"),
        InlineKeyboardButton("👎 Not helpful", callback_data=f"fb:{question_id}:-"),
    ]])
