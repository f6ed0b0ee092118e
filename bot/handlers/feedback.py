"""Feedback: the helpful / not helpful buttons under each answer."""

from __future__ import annotations

import asyncio
import re

from newsbot.bot.services import services
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

VOTE = re.compile(r"^fb:(\d+):([+-])$")


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(vote, pattern=VOTE))


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the user's vote on an answer (a second press changes it) and thank them."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = VOTE.match(query.data)
    assert match is not None
    helpful = match.group(2) == "+"
    stored = await asyncio.to_thread(services(context).feedback.record_vote, int(match.group(1)), query.from_user.id, helpful)
    await query.answer("Thanks for your feedback!" if stored else "That answer is too old to rate.")
