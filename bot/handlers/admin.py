"""Admin commands (/reindex, /stats, /sources) and document uploads, for NEWSBOT_ADMINS only.

`admin_only` (bot/handlers/access.py) checks the user on every call; anyone else gets a short refusal
and nothing happens.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from newsbot.bot.context import NewsContext
from newsbot.bot.feeds import stats_line as feeds_line
from newsbot.bot.filters import NEW_MESSAGE, PRIVATE
from newsbot.bot.handlers.access import admin_only
from newsbot.bot.handlers.insights import send_chart
from newsbot.bot.handlers.replies import NO_PREVIEW, reply
from newsbot.bot.rebuild import progress_text, rebuild
from newsbot.bot.telegram_html import escape
from newsbot.bot.uploads import UploadRefused, check_upload, save

log = logging.getLogger(__name__)

SOURCES_PER_PAGE = 10
BUSY = "A reindex is already running; please wait until it is done."


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("reindex", reindex, filters=NEW_MESSAGE))
    application.add_handler(CommandHandler("stats", stats, filters=NEW_MESSAGE))
    application.add_handler(CommandHandler("sources", sources, filters=NEW_MESSAGE))
    application.add_handler(CallbackQueryHandler(sources_page, pattern=r"^src:\d{1,9}$"))
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE & filters.Document.ALL, upload))


@admin_only
async def reindex(update: Update, context: NewsContext) -> None:
    """Rebuild the index from the corpus in the background, showing progress in one message."""
    shared = context.services
    if not shared.try_begin_rebuild():
        await reply(update.effective_message, BUSY)
        return
    try:
        status = await reply(update.effective_message, progress_text("Reindexing", "starting", 0, 0))
    except BaseException:
        shared.end_rebuild()
        raise
    running = lambda: context.application.running  # noqa: E731
    context.application.create_task(rebuild(shared, status, running=running), update=update, name="newsbot:reindex")


@admin_only
async def upload(update: Update, context: NewsContext) -> None:
    """Add an admin's document to the corpus, then index it (only changed articles are embedded)."""
    shared = context.services
    message = update.effective_message
    assert message is not None and message.document is not None
    directory = shared.settings.upload_dir
    if directory is None:
        await reply(message, "Uploads are off: set NEWSBOT_UPLOAD_DIR, or NEWSBOT_CORPUS to a directory.")
        return
    document = message.document
    try:
        name = check_upload(document.file_name, document.file_size, shared.settings.max_upload_bytes)
    except UploadRefused as refused:
        await reply(message, escape(str(refused)))
        return
    if not shared.try_begin_rebuild():
        await reply(message, BUSY)
        return
    try:
        data = await (await document.get_file()).download_as_bytearray()
        # The size Telegram announced is checked above; this checks what actually arrived.
        check_upload(name, len(data), shared.settings.max_upload_bytes)
        path = await asyncio.to_thread(save, directory, name, bytes(data))
        title = f"Indexing {path.name}"
        status = await reply(message, progress_text(title, "starting", 0, 0))
    except UploadRefused as refused:
        shared.end_rebuild()
        await reply(message, escape(str(refused)))
        return
    except BaseException:
        shared.end_rebuild()
        raise
    log.info("admin %s added %s", update.effective_user.id if update.effective_user else None, path)
    running = lambda: context.application.running  # noqa: E731
    context.application.create_task(rebuild(shared, status, title, running=running), update=update, name="newsbot:upload")


def _reindex_state(shared: Any) -> str:
    """'idle', 'running', or with a shared database the stage of the rebuild on any replica."""
    from newsbot.index.store import IndexError_

    try:
        elsewhere = getattr(shared.engine, "reindex_progress", None)
        found = elsewhere() if elsewhere is not None else None
        if found is not None:
            stage, done, total = found
            return f"running ({stage}{f' {done}/{total}' if total else ''})"
        return "running" if shared.rebuilding or shared.engine.reindexing else "idle"
    except IndexError_:  # the shared database is away: /stats answers all the same
        return "unknown (the database cannot be reached)"


@admin_only
async def stats(update: Update, context: NewsContext) -> None:
    """The index (articles, chunks, size, age) and the questions and votes so far."""
    shared = context.services
    index, counts = await asyncio.gather(shared.in_pool(shared.engine.stats), asyncio.to_thread(shared.feedback.counts))
    running = await asyncio.to_thread(_reindex_state, shared)
    dates = f" ({index.first_date} to {index.last_date})" if index.first_date else ""
    lines = [
        "<b>Index</b>",
        f"Articles: {index.documents}{escape(dates)}",
        f"Chunks: {index.chunks} · sentences: {index.sentences}",
        f"Size: {index.index_bytes / 2**20:.1f} MB · built {_age(index.built_at)} ago",
        f"Reindex: {escape(running)}",
        f"Reader: {escape(index.reader)}" if getattr(index, "reader", "") else "Reader: off",
        feeds_line(shared),
        "",
        f"<b>Questions</b> (the last {shared.settings.log_days:g} days; /gaps: what went unanswered)",
        f"Asked: {counts.questions} · answered: {counts.answered} · not found: {counts.not_found}",
        f"Feedback: 👍 {counts.helpful} helpful · 👎 {counts.not_helpful} not helpful",
    ]
    if not counts.readable:
        lines.append("⚠️ The feedback database cannot be read; see the bot's log.")
    if counts.write_failures:
        lines.append(f"⚠️ Not stored since the start: {counts.write_failures} (the feedback database cannot be written; "
                     "answers go on; see the bot's log)")
    await reply(update.effective_message, "\n".join(lines))
    if counts.readable and update.effective_message is not None:
        await send_chart(update.effective_message, shared)


@admin_only
async def sources(update: Update, context: NewsContext) -> None:
    """The first page of the articles the bot knows."""
    text, keyboard = await _sources_page(context, 0)
    message = update.effective_message
    assert message is not None
    await message.get_bot().send_message(message.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                         link_preview_options=NO_PREVIEW)


@admin_only
async def sources_page(update: Update, context: NewsContext) -> None:
    """Show another page of /sources in the same message."""
    query = update.callback_query
    assert query is not None and query.data is not None
    text, keyboard = await _sources_page(context, int(query.data.split(":")[1]))
    await query.answer()
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard, link_preview_options=NO_PREVIEW)
    except BadRequest as error:
        # "Next" pressed twice: the second edit would change nothing, and Telegram says so.
        if "not modified" not in str(error).lower():
            raise


async def _sources_page(context: NewsContext, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    shared = context.services
    documents = await shared.in_pool(shared.engine.documents)
    pages = max(1, -(-len(documents) // SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * SOURCES_PER_PAGE
    lines = [f"<b>Articles</b> {first + 1}–{min(first + SOURCES_PER_PAGE, len(documents))} of {len(documents)}"]
    for number, document in enumerate(documents[first : first + SOURCES_PER_PAGE], start=first + 1):
        meta = ", ".join(part for part in (document.source, document.date) if part)
        lines.append(f"{number}. {escape((document.title or document.doc_id)[:200])}" + (f" — {escape(meta)}" if meta else ""))
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton("‹ Previous", callback_data=f"src:{page - 1}"))
    if page < pages - 1:
        buttons.append(InlineKeyboardButton("Next ›", callback_data=f"src:{page + 1}"))
    return "\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None


def _age(timestamp: float) -> str:
    seconds = max(0.0, time.time() - timestamp)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"
