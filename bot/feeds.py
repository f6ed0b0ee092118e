"""Following feeds in the background: poll, fetch new items, reindex through the generation switch.

One asyncio task polls every `NEWSBOT_FEED_INTERVAL` minutes (and at once when an admin adds a
feed). Fetched articles land in the feeds directory, inside the corpus (index/feeds.py), so the
rebuild that follows is the same as /reindex: built beside the old index, swapped in atomically,
only changed articles embedded. Questions are answered from the old index meanwhile. When a
rebuild is already running (an admin's /reindex), the articles wait on disk and the next poll
rebuilds; nothing fetched is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from newsbot.bot.rebuild import stop_when
from newsbot.bot.settings import Settings
from newsbot.bot.tasks import cancel
from newsbot.bot.telegram_html import escape
from newsbot.index.feeds import FeedState, FeedStore, FeedUpdater, UpdatePolicy, UpdateResult
from newsbot.index.fetch import Fetcher, FetchPolicy, shorten_url

if TYPE_CHECKING:
    from newsbot.bot.services import Services

log = logging.getLogger(__name__)
# Feeds larger than this are parsed in a process of their own, so that the garbage the parser makes
# never stalls the chats (index/feeds.py); smaller ones are not worth starting a process for.
PARSE_APART_BYTES = 512 * 1024


class FeedFollower:
    """The followed feeds of one bot, and the task that polls them."""

    def __init__(self, settings: Settings) -> None:
        assert settings.feeds_dir is not None
        if settings.feeds or settings.feeds_dir in (settings.engine_corpus_paths or []):
            # A directory of its own is a corpus path: there from the start, or every build names it missing.
            settings.feeds_dir.mkdir(parents=True, exist_ok=True)
        self.interval_seconds = settings.feed_interval * 60
        self.store = FeedStore(settings.feeds_dir)
        self.store.seed(settings.feeds)
        self.fetch_policy = FetchPolicy(timeout=settings.feed_timeout, max_bytes=settings.feed_max_bytes,
                                        allow_private=settings.feeds_allow_private)
        self.update_policy = UpdatePolicy(
            backoff_first=settings.feed_backoff,
            backoff_most=max(settings.feed_backoff, 6 * 3600.0),
            parse_apart_bytes=PARSE_APART_BYTES,
        )
        self.reindex_pending = False  # new articles on disk that no rebuild has picked up yet
        self.polls = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def feeds(self) -> list[FeedState]:
        return self.store.followed()

    def failing(self) -> list[FeedState]:
        return [s for s in self.store.followed() if s.failing]

    async def add(self, url: str) -> bool:
        """Follow `url` (kept across restarts) and fetch it now; False when it already was followed."""
        added = self.store.follow(url)
        if added:
            await self.store.save_async()
            self.wake()
        return added

    async def remove(self, url: str) -> FeedState | None:
        """Stop following `url`; its articles stay. The state it had, or None when it was not followed."""
        if not self.store.unfollow(url):
            return None
        await self.store.save_async()
        return self.store.states[url]

    def wake(self) -> None:
        """Poll now rather than at the end of the interval."""
        if self._wake is not None:
            self._wake.set()

    def start(self, shared: Services) -> None:
        """Start polling on the running loop (from post_init, once the index is ready)."""
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(shared), name="newsbot:feeds")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def _run(self, shared: Services) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self.poll(shared)
            except Exception:  # the poller outlives any one bad poll
                log.exception("polling the feeds failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval_seconds)

    async def poll(self, shared: Services) -> list[UpdateResult]:
        """Update every followed feed whose backoff has passed; rebuild when articles arrived."""
        results: list[UpdateResult] = []
        if self.store.followed():
            async with Fetcher(self.fetch_policy) as fetcher:
                results = await FeedUpdater(self.store, fetcher, self.update_policy).update_all()
        self.polls += 1
        fresh = sum(r.new_articles for r in results)
        if fresh:
            log.info("feeds: %d new article(s) from %d feed(s)", fresh, sum(1 for r in results if r.new_articles))
            self.reindex_pending = True
        if self.reindex_pending:
            await self._rebuild(shared)
        return results

    async def _rebuild(self, shared: Services) -> None:
        if not shared.try_begin_rebuild():
            return  # an admin's rebuild is running; the next poll rebuilds with what it missed
        started = time.monotonic()
        try:
            self.reindex_pending = False
            loop = asyncio.get_running_loop()
            # Stopped at its next step when the bot shuts down (Services.stopping, bot/rebuild.py).
            summary = await loop.run_in_executor(shared.rebuild_pool, lambda: shared.engine.reindex(progress=stop_when(shared.stopping)))
        except Exception as error:
            self.reindex_pending = True
            log.warning("feeds: reindex failed (%s); retried after the next poll", error)
        else:
            log.info("feeds: reindexed in %.1f s: %s", time.monotonic() - started, summary.describe())
        finally:
            shared.end_rebuild()


def stats_line(shared: Services) -> str:
    """The feeds line of /stats: how many are followed, and the failing ones by name."""
    follower = shared.feeds
    if follower is None or not follower.feeds():
        return "Feeds: none"
    failing = follower.failing()
    line = f"Feeds: {len(follower.feeds())} followed"
    if failing:
        names = (escape(s.title[:100] or shorten_url(s.url)) for s in failing[:5])
        named = ", ".join(names) + (" …" if len(failing) > 5 else "")
        line += f" · ❌ {len(failing)} failing: {named}"
    return line
