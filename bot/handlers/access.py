"""Who may run a handler: `admin_only` checks the user on every call (NEWSBOT_ADMINS)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import CallbackContext

from newsbot.bot.handlers.replies import reply
from newsbot.bot.services import services

log = logging.getLogger(__name__)

# The handler's context type (NewsContext, bot/context.py; PTB's default in handlers not moved to it yet).
Context = TypeVar("Context", bound=CallbackContext[Any, Any, Any, Any])
REFUSAL = "Sorry, only the bot's admins can do that."


def admin_only(
    handler: Callable[[Update, Context], Coroutine[Any, Any, None]],
) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Run `handler` for admins; refuse everyone else briefly."""

    @functools.wraps(handler)
    async def checked(update: Update, context: Context) -> None:
        user = update.effective_user
        if services(context).is_admin(user.id if user else None):
            await handler(update, context)
            return
        log.info("refused %s to non-admin user %s", handler.__name__, user.id if user else None)
        if update.callback_query is not None:
            await update.callback_query.answer(REFUSAL, show_alert=True)
        else:
            await reply(update.effective_message, REFUSAL)

    return checked
