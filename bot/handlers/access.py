"""Who may run a handler: `admin_only` checks the user on every call (NEWSBOT_ADMINS)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from newsbot.bot.handlers.replies import reply
from newsbot.bot.services import services

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
REFUSAL = "Sorry, only the bot's admins can do that."


def admin_only(handler: Handler) -> Handler:
    """Run `handler` for admins; refuse everyone else briefly."""

    @functools.wraps(handler)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
