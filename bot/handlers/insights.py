"""What the question log shows admins: the questions chart under /stats, and /gaps.

`/gaps` (the last 7 days) or `/gaps 30`: the questions the articles did not answer, similar ones
grouped by the model's vectors, most asked first (bot/gaps.py). Both read the question log in a
thread and embed or draw off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import InputFile, Message, Update
from telegram.ext import Application, CommandHandler

from newsbot.bot.chart import last_days, questions_chart
from newsbot.bot.context import NewsContext
from newsbot.bot.feedback import FeedbackUnavailable
from newsbot.bot.filters import NEW_MESSAGE
from newsbot.bot.gaps import find_gaps, render_gaps
from newsbot.bot.handlers.access import admin_only
from newsbot.bot.handlers.replies import reply
from newsbot.bot.services import Services

log = logging.getLogger(__name__)

GAP_DAYS = 7
CHART_DAYS = 30


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("gaps", gaps, filters=NEW_MESSAGE))


async def send_chart(message: Message, shared: Services) -> None:
    """The questions of the last 30 days as a chart (a PNG photo) in the message's chat."""
    try:
        rows = await asyncio.to_thread(shared.feedback.questions_since, time.time() - (CHART_DAYS + 1) * 86400)
    except FeedbackUnavailable:
        return  # /stats already says the database cannot be read
    png = await asyncio.to_thread(lambda: questions_chart(last_days(rows, CHART_DAYS)))
    await message.get_bot().send_photo(
        message.chat_id,
        InputFile(png, filename="questions.png"),
        caption="Questions per day, last 30 days (UTC): answered, declined and chat only, with the median answer time.",
    )


@admin_only
async def gaps(update: Update, context: NewsContext) -> None:
    """/gaps [days]: unanswered questions, similar ones grouped, most asked first."""
    shared, message = context.services, update.effective_message
    assert message is not None
    argument = " ".join(context.args or [])
    kept = int(shared.settings.log_days)
    if argument and not (argument.isdigit() and 1 <= int(argument) <= max(kept, 1)):
        await reply(
            message,
            f"Usage: <code>/gaps</code> (the last {GAP_DAYS} days) or <code>/gaps N</code>, N from 1 to {kept} "
            "(the question log keeps that many days).",
        )
        return
    days = int(argument) if argument else min(GAP_DAYS, kept)
    try:
        rows = await asyncio.to_thread(shared.feedback.questions_since, time.time() - days * 86400)
    except FeedbackUnavailable:
        await reply(message, "⚠️ The question log cannot be read just now; see the bot's log.")
        return
    found = await shared.in_pool(find_gaps, rows, shared.engine.embed)
    for part in render_gaps(found, days):
        await reply(message, part)
