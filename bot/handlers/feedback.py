"""Feedback: the helpful / not helpful buttons under each answer, and every other button press.

Telegram keeps a user's client spinning until a callback query is answered, so each one is:
a vote is stored (or refused as too old), and data no handler knows, forged or from an old
version of the bot, gets a short notice from `unknown_button`, registered after all others.
A press without data (forged: the bot's buttons all carry data) gets the same notice before any
other handler sees it: python-telegram-bot hands such a query to every pattern handler.
"""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler

from newsbot.bot.context import NewsContext
from newsbot.bot.feedback import NOT_STORED, FeedbackUnavailable

# Twenty digits hold any SQLite id; longer is forged and goes to `unknown_button`.
VOTE = re.compile(r"^fb:(\d{1,20}):([+-])$")
UNKNOWN_BUTTON = "That button does not work any more."


class NoDataButton(CallbackQueryHandler):  # type: ignore[type-arg]
    """A button press that carries neither data nor a game: PTB's pattern handlers all match it."""

    def check_update(self, update: object) -> bool:
        query = update.callback_query if isinstance(update, Update) else None
        return query is not None and not query.data and not query.game_short_name


def register(application: Application) -> None:  # type: ignore[type-arg]
    # Ahead of every other group, so that no handler of the default group sees a press without data.
    application.add_handler(NoDataButton(no_data_button), group=-1)
    application.add_handler(CallbackQueryHandler(vote, pattern=VOTE))
    # Last of all callback handlers in the default group: the first matching handler wins.
    application.add_handler(CallbackQueryHandler(unknown_button))


async def vote(update: Update, context: NewsContext) -> None:
    """Store the user's vote on an answer (a second press changes it) and thank them."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = VOTE.match(query.data)
    assert match is not None
    helpful = match.group(2) == "+"
    if int(match.group(1)) == NOT_STORED:  # shown while the database could not be written
        await query.answer("Sorry, that answer could not be stored, so it cannot be rated.")
        return
    try:
        stored = await asyncio.to_thread(context.services.feedback.record_vote, int(match.group(1)), query.from_user.id, helpful)
    except FeedbackUnavailable:
        await query.answer("Sorry, your vote could not be saved just now.")
        return
    await query.answer("Thanks for your feedback!" if stored else "That answer is too old to rate.")


async def no_data_button(update: Update, context: NewsContext) -> None:
    """Answer a press without data, and let no other handler take it."""
    await unknown_button(update, context)
    raise ApplicationHandlerStop


async def unknown_button(update: Update, context: NewsContext) -> None:
    """Answer a button press no other handler takes, so that the user's client stops waiting."""
    query = update.callback_query
    assert query is not None
    await query.answer(UNKNOWN_BUTTON)
