"""The handlers' typed context (python-telegram-bot's `ContextTypes`, as in its contexttypesbot
example): `context.bot_data` is one `BotData` per application, not a dict of string keys.

`build_application` (bot/app.py) fills it; handlers take `context: NewsContext` and reach what
they share as `context.services`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

if TYPE_CHECKING:
    from newsbot.bot.services import Services
    from newsbot.bot.shared_state import UpdateLedger


class BotData:
    """What every handler of one application shares (PTB creates it empty; bot/app.py fills it)."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self.ledger: UpdateLedger | None = None  # claims each update once across replicas (bot/replicas.py)

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("no Services in this application: build it with newsbot.bot.app.build_application")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


class NewsContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler gets: PTB's, with `bot_data` typed and `services` at hand."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


CONTEXT_TYPES = ContextTypes(context=NewsContext, bot_data=BotData)
NewsApplication = Application[ExtBot[Any], NewsContext, dict[Any, Any], dict[Any, Any], BotData, Any]
