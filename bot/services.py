"""What the handlers share: settings, the engine behind a bounded worker pool, feedback, cooldown.

The engine's calls block (embedding, search), so they run in a `ThreadPoolExecutor` of
`settings.workers` threads: the event loop never waits on them, several chats are answered at
once, and excess questions queue in the pool instead of piling threads up. A rebuild runs in a
pool of its own, so questions keep being answered (from the old index) while it runs.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from telegram.ext import CallbackContext

from newsbot.bot import follows
from newsbot.bot.context import BotData
from newsbot.bot.conversation import Conversations
from newsbot.bot.feedback import FeedbackStore, ReaderHash
from newsbot.bot.feeds import FeedFollower
from newsbot.bot.settings import Settings
from newsbot.bot.shared_state import SharedState
from newsbot.index.types import Answer, Document

T = TypeVar("T")


class AnswerEngine(Protocol):
    """The part of `index.engine.Engine` the bot uses (a fake with the same shape serves the tests)."""

    def answer(self, question: str, k: int = ..., within: Collection[str] | None = ...) -> Answer: ...
    def reindex(self, paths: Any = ..., progress: Any = ...) -> Any: ...
    def ensure_index(self, progress: Any = ...) -> Any: ...
    def warm_up(self) -> None: ...
    def stats(self) -> Any: ...
    def documents(self) -> list[Document]: ...
    def match_topic(self, topic: str, doc_id: str) -> Answer: ...
    def embed(self, texts: Sequence[str]) -> Any: ...

    @property
    def reindexing(self) -> bool: ...


class Cooldown:
    """At most one question per user every `seconds`; remembers only users seen recently."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}
        self._warned: set[int] = set()

    def wait_left(self, user_id: int) -> float:
        """0 and the question counts, or how many seconds the user must still wait."""
        now = self._clock()
        if len(self._last) > 10_000:  # forget users whose cooldown ran out, so memory stays flat
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
            self._warned &= self._last.keys()
        left = self._last.get(user_id, float("-inf")) + self.seconds - now
        if left > 0:
            return left
        self._last[user_id] = now
        self._warned.discard(user_id)
        return 0.0

    def first_warning(self, user_id: int) -> bool:
        """True once per cooldown: warn a flooding user once, then stay quiet."""
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return True


@dataclass
class Services:
    """Shared by all handlers as `context.bot_data.services` (bot/context.py); see `services(context)`."""

    settings: Settings
    engine: AnswerEngine
    feedback: FeedbackStore
    cooldown: Cooldown
    pool: ThreadPoolExecutor
    rebuild_pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="newsbot-reindex"))
    # Set when the bot shuts down: the start-up build stops at its next step (bot/app.py).
    stopping: threading.Event = field(default_factory=threading.Event)
    rebuilding: bool = False  # set on the event loop before a rebuild starts, so two cannot race
    pending: int = 0  # questions waiting for or in the worker pool (changed on the event loop only)
    conversations: Conversations = field(default_factory=Conversations)  # what each answer answered, for follow-ups
    feeds: FeedFollower | None = None  # None: no directory for fetched articles (feeds are off)
    shared: SharedState | None = None  # the database shared with other replicas (NEWSBOT_DATABASE_URL)
    follows: follows.FollowNotifier | None = None  # what chats follow, told of new articles (bot/follows.py)

    @classmethod
    def create(cls, settings: Settings, engine: AnswerEngine) -> Services:
        shared = SharedState.open(settings) if settings.engine.database_url else None
        readers = ReaderHash.from_secret(settings.token.reveal())  # the question log keeps no user ids
        return cls(
            settings=settings,
            engine=engine,
            feedback=shared.feedback if shared else FeedbackStore(settings.feedback_db, readers, settings.log_days),  # type: ignore[arg-type]
            cooldown=shared.cooldown if shared else Cooldown(settings.cooldown_seconds),  # type: ignore[arg-type]
            shared=shared,
            pool=ThreadPoolExecutor(settings.workers, thread_name_prefix="newsbot-engine"),
            feeds=FeedFollower(settings) if settings.feeds_dir is not None else None,
            follows=follows.create(settings, shared.database if shared else None),
        )

    async def in_pool(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking engine call on the worker pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(function, *args, **kwargs))

    async def answer(self, question: str, within: Collection[str] | None = None) -> Answer:
        """Answer on the worker pool; `within`: only from the articles with these doc_ids."""
        self.pending += 1
        try:
            return await self.in_pool(self.engine.answer, question, k=self.settings.engine.pipeline.k, within=within)
        finally:
            self.pending -= 1

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admins

    def try_begin_rebuild(self) -> bool:
        """Claim the one rebuild slot; False when a rebuild is already running."""
        if self.rebuilding or self.engine.reindexing:
            return False
        self.rebuilding = True
        return True

    def end_rebuild(self) -> None:
        self.rebuilding = False

    def close(self) -> None:
        """Finish work in flight, then release the pools and the database."""
        self.rebuild_pool.shutdown(wait=True)
        self.pool.shutdown(wait=True)
        if self.follows is not None:
            self.follows.close()
        self.feedback.close()
        if self.shared is not None:
            self.shared.close()


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The `Services` of the running application (`context.services` where the handler takes a
    `NewsContext`, bot/context.py)."""
    bot_data = context.bot_data
    if not isinstance(bot_data, BotData):
        raise TypeError(f"bot_data is a {type(bot_data).__name__}: build the application with newsbot.bot.app.build_application")
    return bot_data.services
