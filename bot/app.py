"""The Telegram application: built in one function, started by `newsbot serve`.

Start-up order: settings (a bad token format fails here, in one line) → getMe (a token Telegram
rejects fails here, before any model is loaded) → the index is loaded, or built when missing or
older than the corpus (`post_init`) → polling or the webhook.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
import warnings
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder
from telegram.warnings import PTBDeprecationWarning

from newsbot.bot import handlers, logsafe
from newsbot.bot.context import CONTEXT_TYPES, NewsApplication, NewsContext
from newsbot.bot.delivery import RetryingRateLimiter
from newsbot.bot.handlers.replies import reply
from newsbot.bot.replicas import AcknowledgingQueue, LedgerApplication
from newsbot.bot.services import AnswerEngine, Services
from newsbot.bot.settings import Settings, SettingsError
from newsbot.index.postgres.database import DatabaseError, DatabaseUnavailable

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
CONCURRENT_UPDATES = 64  # updates handled at once; engine work beyond `workers` queues in the pool
RATE_LIMIT_RETRIES = 3  # a 429's retry_after is honoured this many times before giving up
COMMANDS = [
    BotCommand("ask", "ask a question about the news"),
    BotCommand("follow", "get new articles on a topic or a question"),
    BotCommand("following", "what this chat follows"),
    BotCommand("unfollow", "stop following (a number, or all)"),
    BotCommand("help", "what I know and how to ask"),
]
SORRY = "Sorry, something went wrong while answering. Please try again in a moment."
# After a send that may or may not have reached Telegram (bot/delivery.py): never the answer twice,
# never silence.
NETWORK_NOTE = ("⚠️ A network problem with Telegram may have kept my reply from reaching you. "
                "If you don't see it, please send your message again.")


def build_application(settings: Settings, engine: AnswerEngine) -> NewsApplication:
    """The PTB application with all handlers, the rate limiter and the error handler."""
    logsafe.hide_secrets(settings.secrets())
    # PTB 22.2+ warns on each 429 that RetryAfter.retry_after will become a timedelta in PTB 23
    # (opt-in only through the PTB_TIMEDELTA environment variable, which newsbot does not change).
    # The rate limiter reads either form; the warning says nothing to an operator.
    warnings.filterwarnings("ignore", message=r".*PTB_TIMEDELTA.*", category=PTBDeprecationWarning)
    builder = ApplicationBuilder()
    if settings.engine.database_url:
        # Replicas share the database: each update handled once, and, on a webhook, answered 200
        # only once handled, so that Telegram redelivers what a dying replica had (bot/replicas.py).
        builder = builder.application_class(LedgerApplication)
        if settings.webhook_url:
            builder = builder.update_queue(AcknowledgingQueue())
    application = (
        builder
        .token(settings.token.reveal())
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .rate_limiter(rate_limiter(settings))
        .read_timeout(settings.read_timeout)
        .get_updates_read_timeout(settings.read_timeout)
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    shared = Services.create(settings, engine)
    application.bot_data.services = shared
    if shared.shared is not None:
        application.bot_data.ledger = shared.shared.ledger
    handlers.register(application)
    application.add_error_handler(on_error)
    return application


def rate_limiter(settings: Settings) -> RetryingRateLimiter:
    """Telegram's flood limits (429s waited out) and resends after network faults where safe."""
    return RetryingRateLimiter(
        attempts=settings.send_attempts,
        backoff=settings.send_backoff,
        overall_max_rate=settings.rate_limit_per_second,
        group_max_rate=settings.group_rate_per_minute,
        max_retries=RATE_LIMIT_RETRIES,
    )


async def _post_init(application: NewsApplication) -> None:
    """After getMe: load (or build) the index off the loop, then publish the command menu."""
    shared = application.bot_data.services
    await asyncio.to_thread(_prepare_engine, shared.engine, shared.stopping)
    await application.bot.set_my_commands(COMMANDS)
    if shared.feeds is not None:
        shared.feeds.start(shared)  # polls at once, then every NEWSBOT_FEED_INTERVAL minutes
    if shared.follows is not None:
        shared.follows.start(shared, application.bot)  # new articles to the chats that follow them


def _prepare_engine(engine: AnswerEngine, stopping: threading.Event | None = None) -> None:
    """Load or build the index; a build stops at its next step once `stopping` is set (SIGTERM
    during the start-up build: PTB leaves `post_init` for `post_shutdown`, which sets it)."""
    from newsbot.bot.rebuild import RebuildStopped
    from newsbot.index.progress import TerminalProgress

    progress = TerminalProgress()

    def report(stage: str, done: int, total: int) -> None:
        if stopping is not None and stopping.is_set() and stage != "done":
            raise RebuildStopped("the bot is shutting down")
        progress(stage, done, total)

    try:
        summary = engine.ensure_index(report)
    finally:
        progress.close()
    if summary is not None:
        log.warning("newsbot: %s", summary.describe())
    engine.warm_up()


async def _post_shutdown(application: NewsApplication) -> None:
    shared = application.bot_data.services
    shared.stopping.set()
    if shared.feeds is not None:
        await shared.feeds.stop()
    if shared.follows is not None:
        await shared.follows.stop()
    await asyncio.to_thread(shared.close)


async def on_error(update: object, context: NewsContext) -> None:
    """Log the error (never the token) and, where a user is waiting, say so briefly; the bot runs on."""
    error = context.error
    if isinstance(error, RetryAfter | TimedOut | NetworkError) and not isinstance(update, Update):
        log.warning("Telegram network trouble (will retry): %s", error)
        return
    if isinstance(error, Forbidden):
        log.info("cannot write to a chat (blocked or removed): %s", error)
        return
    network = isinstance(error, NetworkError | RetryAfter) and not isinstance(error, BadRequest)
    if network:
        log.warning("could not reach Telegram while handling an update: %s: %s", type(error).__name__, error)
    elif isinstance(error, DatabaseError):
        # No traceback per question: an unreachable database is logged once a minute where it is found.
        level = logging.DEBUG if isinstance(error, DatabaseUnavailable) else logging.WARNING
        log.log(level, "database trouble while handling an update: %s", error)
    else:
        log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY)
        elif update.effective_message is not None and update.inline_query is None:
            await reply(update.effective_message, NETWORK_NOTE if network else SORRY)
    except Exception as failure:  # the error handler itself must not fail
        log.warning("could not tell the user about the error: %s", failure)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with `newsbot serve`'s flags taking precedence."""
    return Settings.from_env(
        index_dir=args.index_dir,
        corpus_paths=tuple(args.corpus) if args.corpus else None,
        webhook_url=args.webhook_url,
        database_url=getattr(args, "database_url", None),
        listen=args.listen,
        port=args.port,
    )


def build_engine(settings: Settings) -> Any:
    """The real engine for these settings (the model loads later, in `post_init`)."""
    from newsbot.index.engine import Engine

    paths = settings.engine_corpus_paths
    return Engine(index_dir=settings.index_dir, corpus_paths=paths, config=settings.engine)


class _StartupFailure(logging.Filter):
    """PTB logs a failed start with a traceback; `serve` says it in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, InvalidToken):
            return False
        if isinstance(error, NetworkError) and "Bootstrap" in record.getMessage():
            record.exc_info, record.exc_text = None, None
        return True


def webhook_options(settings: Settings) -> dict[str, Any]:
    """How PTB's webhook server listens: the path of --webhook-url, Telegram's secret header required."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    return {
        "listen": settings.listen,
        "port": settings.port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret.reveal(),
        "allowed_updates": ALLOWED_UPDATES,
    }


class ServeError(Exception):
    """The bot cannot run: a setting, the token, the Bot API or the index; the message says which."""


def serve(args: argparse.Namespace) -> int:
    """`newsbot serve`: run until SIGINT or SIGTERM; configuration problems raise ServeError (one line)."""
    from newsbot.index.store import IndexError_

    try:
        settings = settings_from_args(args)
    except SettingsError as error:
        raise ServeError(str(error)) from None
    logsafe.hide_secrets(settings.secrets())
    # httpx logs every request (URL included) at INFO: noise for a bot that long-polls.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    logging.getLogger("telegram.ext").addFilter(_StartupFailure())
    try:
        application = build_application(settings, build_engine(settings))
    except IndexError_ as error:  # the shared database cannot be used: one line that says why
        raise ServeError(str(error)) from None
    try:
        if settings.webhook_url:
            application.run_webhook(**webhook_options(settings))
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        # PTB's message quotes the token; ours does not.
        raise ServeError("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); check it with @BotFather") from None
    except NetworkError as error:
        raise ServeError(f"cannot reach the Bot API at {settings.base_url}: {logsafe.redact(str(error))}") from None
    except IndexError_ as error:
        raise ServeError(str(error)) from None
    print("newsbot: stopped", file=sys.stderr)
    return 0
