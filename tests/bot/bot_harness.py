"""Run the real newsbot application against the fake Bot API server, and wait for its answers."""

from __future__ import annotations

import datetime as dtm
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fake_telegram import BotMessage, FakeTelegram
from telegram.ext import Application

from newsbot.bot import logsafe
from newsbot.bot.app import ALLOWED_UPDATES, webhook_options
from newsbot.bot.settings import Settings

ADMIN_ID = 1001
USER_ID = 2002
OTHER_USER_ID = 3003

ARTICLES = {
    "talks.txt": "Leaders meet in Kuala Lumpur\n"
    "Trade ministers from six countries attended the Kuala Lumpur talks on Tuesday. "
    "The talks ended without a joint statement. Observers expect another round in June.",
    "harbour.txt": "Harbour reopens after storm\n"
    "The city harbour reopened on Friday after a week of repairs. "
    "Fishing boats returned to the docks before dawn.",
}


class RunningBot:
    """The application started the way `run_polling` starts it, on the test's event loop."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.application = application

    async def start_polling(self, poll_timeout: float = 2.0) -> None:
        app = self.application
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None

        def error_callback(error: Exception) -> None:  # as run_polling does: to the error handler
            app.create_task(app.process_error(update=None, error=error))

        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=poll_timeout),
                                        allowed_updates=ALLOWED_UPDATES, error_callback=error_callback)
        await app.start()

    async def start_webhook(self, settings: Settings) -> None:
        """Start as `newsbot serve --webhook-url` does (PTB's webhook server, Telegram's secret checked)."""
        app = self.application
        await app.initialize()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.updater.start_webhook(**webhook_options(settings))
        await app.start()

    async def stop(self) -> None:
        app = self.application
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
        finally:
            logsafe.reset()


# The `start_bot` fixture: `await start_bot(poll_timeout=1, read_timeout=1, …)` starts newsbot with those settings changed.
StartBot = Callable[..., Awaitable[RunningBot]]


def has_feedback_buttons(message: BotMessage) -> bool:
    return any(str(button.get("callback_data", "")).startswith("fb:") for button in message.buttons())


async def wait_answer(telegram: FakeTelegram, question: dict[str, Any], within: float = 5.0) -> list[BotMessage]:
    """All parts of the bot's answer to `question`: the reply and what followed, up to the feedback buttons."""

    def complete() -> list[BotMessage] | None:
        replies = telegram.replies_to(question)
        if not replies:
            return None
        parts = [m for m in telegram.messages_in(question["chat"]["id"]) if m.message_id >= replies[0].message_id]
        for number, part in enumerate(parts):
            if has_feedback_buttons(part):
                return parts[: number + 1]
        return None

    return await telegram.wait_for(complete, within)


async def wait_reply(telegram: FakeTelegram, question: dict[str, Any], within: float = 5.0) -> BotMessage:
    """The bot's first reply to `question` (a refusal, a hint or the first part of an answer)."""
    replies = await telegram.wait_for(lambda: telegram.replies_to(question), within)
    return replies[0]


def names_in(directory: Path) -> list[str]:
    """The names in `directory`, sorted (a plain function: async tests must not touch the disk themselves)."""
    return sorted(p.name for p in directory.iterdir())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
