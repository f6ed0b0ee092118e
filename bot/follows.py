"""Telling followers about new articles: find what entered the index, match it, send it, within limits.

The notifier looks every `follow_check_interval` seconds (and at once when woken) whether the
index generation changed, whoever changed it: a feed poll, `/feeds add`, an upload, `/reindex`,
or `newsbot index` run beside the bot. Articles not seen before are claimed in the store (with
replicas, one replica claims each article) and matched against every follow:

- a topic by `Engine.match_topic` (its words together in a sentence or the title, index/topics.py);
- a question by the answer path, restricted to the new article (`Engine.answer(..., within=)`):
  matched only when that article answers it, as a question asked now would be.

Follows with the same text are matched once, so an article costs at most one question per
follower (and one per distinct text). Matching runs in a thread of its own, off the event loop
and out of the way of readers' questions. Each follower gets one message per article, naming all
its follows the article matched. A chat gets at most `follow_limit` messages an hour; past it, the
rest wait and go out together as one digest of titles as soon as the hour allows one more message.
A chat that blocked the bot, or was deleted, loses its follows (logged).

At the very first start the articles already indexed are recorded and announced to no one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from newsbot.bot.follow_store import QUESTION, SENT, WAITING, Follow, FollowStore, Waiting, fold
from newsbot.bot.tasks import cancel
from newsbot.bot.telegram_html import MESSAGE_LIMIT, Line, Section, answer_sections, pack
from newsbot.index.types import Answer, CitedSentence, Document

if TYPE_CHECKING:
    from newsbot.bot.services import Services

log = logging.getLogger(__name__)

HOUR_S = 3600.0
PRUNE_EVERY_S = 3600.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # the source's link is in the message, its preview would bury it
MAX_QUOTED = 4  # sentences quoted in one message when several follows matched one article


@dataclass(frozen=True)
class Matched:
    """An article that matched some of a chat's follows, with the sentences that made it match."""

    document: Document
    follows: tuple[Follow, ...]
    answer: Answer


class FollowNotifier:
    """Watches the index for new articles and tells the chats that follow them."""

    def __init__(self, store: FollowStore, limit: int, interval: float) -> None:
        if limit < 1:
            raise ValueError(f"limit must be >= 1 message an hour, got {limit}")
        if interval <= 0:
            raise ValueError(f"interval must be > 0 seconds, got {interval}")
        self.store = store
        self.limit = limit
        self.interval = interval
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="newsbot-follows")
        self.rounds = 0  # checks completed (for tests and logs)
        self._generation: tuple[str, float] | None = None
        self._known: set[str] | None = None
        self._pruned_at = 0.0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # -- running ---------------------------------------------------------------------------

    def start(self, shared: Services, bot: Bot) -> None:
        """Start watching on the running loop (from post_init, once the index is ready)."""
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(shared, bot), name="newsbot:follows")

    def wake(self) -> None:
        """Look for new articles now rather than at the end of the interval."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.store.close()

    async def _run(self, shared: Services, bot: Bot) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self.check(shared, bot)
            except Exception:  # the watcher outlives any one bad round
                log.exception("follows: looking for new articles failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)

    async def check(self, shared: Services, bot: Bot) -> int:
        """One round: announce the articles new to the index, send digests that are due; how many
        articles were announced."""
        announced = 0
        stats = await shared.in_pool(shared.engine.stats)
        generation = (stats.generation, stats.built_at)  # a new index, however it is named
        if generation != self._generation:
            documents = await shared.in_pool(shared.engine.documents)
            fresh = await asyncio.to_thread(self._claim_new, documents)
            self._generation = generation
            if fresh:
                log.info("follows: %d new article(s) in the index", len(fresh))
                await self.announce(shared, bot, fresh)
                announced = len(fresh)
        await self.send_digests(bot)
        if time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
            self._pruned_at = time.monotonic()
            await asyncio.to_thread(self.store.prune)
        self.rounds += 1
        return announced

    def _claim_new(self, documents: Sequence[Document]) -> list[Document]:
        """The articles no one announced before, claimed for this replica (a thread, not the loop)."""
        ids = [d.doc_id for d in documents]
        if self._known is None:
            if not self.store.seeded():
                self.store.seed(ids)  # the first start: what is there already is announced to no one
                self._known = set(ids)
                return []
            self._known = self.store.known_articles()
        unseen = [doc_id for doc_id in ids if doc_id not in self._known]
        self._known.update(unseen)
        claimed = set(self.store.claim_articles(unseen))
        return [d for d in documents if d.doc_id in claimed]

    # -- matching --------------------------------------------------------------------------

    async def announce(self, shared: Services, bot: Bot, documents: Sequence[Document]) -> None:
        """Match each new article against the follows and send what matched."""
        follows = await asyncio.to_thread(self.store.everyone)
        if not follows:
            return
        alike: dict[tuple[str, str], list[Follow]] = {}
        for follow in follows:
            alike.setdefault((follow.kind, fold(follow.text)), []).append(follow)
        by_chat: dict[int, dict[str, list[tuple[Follow, Answer]]]] = {}
        loop = asyncio.get_running_loop()
        k = shared.settings.engine.pipeline.k
        for document in documents:
            for group in alike.values():
                match = functools.partial(_match, shared.engine, group[0].kind, group[0].text, document.doc_id, k)
                answer = await loop.run_in_executor(self.pool, match)
                if not answer.answered or not answer.sentences:
                    continue
                for follow in group:
                    if await asyncio.to_thread(
                        self.store.claim_delivery, follow, document.doc_id, document.title, document.url
                    ):
                        by_chat.setdefault(follow.chat_id, {}).setdefault(document.doc_id, []).append((follow, answer))
        documents_by_id = {d.doc_id: d for d in documents}
        for chat_id, articles in by_chat.items():
            matched = [_combine(documents_by_id[doc_id], found) for doc_id, found in articles.items()]
            await self.deliver(bot, chat_id, matched)

    # -- sending ---------------------------------------------------------------------------

    async def deliver(self, bot: Bot, chat_id: int, matched: Sequence[Matched]) -> None:
        """One message per article while the chat's hourly limit allows; the rest in one digest."""
        sent = await asyncio.to_thread(self.store.sent_since, chat_id, time.time() - HOUR_S)
        room = self.limit - sent
        singles = list(matched) if len(matched) <= room else list(matched[: max(room - 1, 0)])
        for item in singles:
            target = await self._send(bot, chat_id, article_messages(item))
            if target is None:
                return  # the chat is gone; its follows with it
            chat_id = target
            await asyncio.to_thread(self.store.mark, chat_id, item.document.doc_id, SENT)
        for item in matched[len(singles) :]:
            await asyncio.to_thread(self.store.mark, chat_id, item.document.doc_id, WAITING)
        if len(singles) < len(matched) and room >= 1:
            await self._send_digest(bot, chat_id)

    async def send_digests(self, bot: Bot) -> None:
        """A digest to each chat whose waiting articles may go out now (the hour allows a message)."""
        for chat_id in await asyncio.to_thread(self.store.chats_waiting):
            if await asyncio.to_thread(self.store.sent_since, chat_id, time.time() - HOUR_S) < self.limit:
                await self._send_digest(bot, chat_id)

    async def _send_digest(self, bot: Bot, chat_id: int) -> None:
        waiting = await asyncio.to_thread(self.store.take_waiting, chat_id)
        if waiting:
            await self._send(bot, chat_id, digest_messages(waiting, self.limit))

    async def _send(self, bot: Bot, chat_id: int, messages: Sequence[str]) -> int | None:
        """Send the parts to the chat and count one message against its limit; the chat id the parts
        went to (a group that became a supergroup has a new one), or None when the chat is gone."""
        for number, text in enumerate(messages):
            try:
                await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
            except ChatMigrated as moved:
                await asyncio.to_thread(self.store.move_chat, chat_id, moved.new_chat_id)
                log.info("follows: chat %s became %s; its follows moved with it", chat_id, moved.new_chat_id)
                return await self._send(bot, moved.new_chat_id, messages[number:])
            except (Forbidden, BadRequest) as error:
                if isinstance(error, BadRequest) and "chat not found" not in str(error).lower():
                    log.warning("follows: Telegram refused a message to chat %s: %s", chat_id, error)
                    continue
                removed = await asyncio.to_thread(self.store.forget_chat, chat_id)
                log.info(
                    "follows: chat %s blocked the bot or no longer exists (%s); its %d follow(s) removed",
                    chat_id,
                    error,
                    removed,
                )
                return None
            except TelegramError as error:  # network trouble the rate limiter could not resend safely
                log.warning("follows: could not send to chat %s: %s", chat_id, error)
        await asyncio.to_thread(self.store.record_sent, chat_id)
        return chat_id


def _match(engine: Any, kind: str, text: str, doc_id: str, k: int) -> Answer:
    """Whether the article answers a followed question or covers a followed topic (in the follow pool)."""
    try:
        if kind == QUESTION:
            return engine.answer(text, k=k, within={doc_id})  # type: ignore[no-any-return]
        return engine.match_topic(text, doc_id)  # type: ignore[no-any-return]
    except Exception:
        log.exception("follows: matching %r against article %s failed", text, doc_id)
        return Answer(text, False, reason="matching failed")


def _combine(document: Document, found: Sequence[tuple[Follow, Answer]]) -> Matched:
    """One article matched by several of a chat's follows: their sentences together, in reading order."""
    follows = tuple(follow for follow, _ in found)
    if len(found) == 1:
        return Matched(document, follows, found[0][1])
    sentences: dict[tuple[int, int], CitedSentence] = {}
    for _, answer in found:
        for sentence in answer.sentences:
            sentences.setdefault((sentence.start, sentence.end), replace(sentence, source_number=1))
    quoted = tuple(sorted(sentences.values(), key=lambda s: s.start)[:MAX_QUOTED])
    answer = found[0][1]
    source = replace(answer.sources[0], number=1) if answer.sources else None
    return Matched(document, follows, replace(answer, sentences=quoted, sources=(source,) if source else ()))


def article_messages(item: Matched, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The article's title, what it matched, its sentences quoted and the source cited, as answers are."""
    topics = [f for f in item.follows if f.kind != QUESTION]
    questions = [f for f in item.follows if f.kind == QUESTION]
    reasons = []
    if topics:
        reasons.append(Line("New on " + ", ".join(f"“{f.text}”" for f in topics), "i"))
    for follow in questions:
        reasons.append(Line(f"The articles now answer “{follow.text}”", "i"))
    header = Section((Line("🔔 " + (item.document.title or item.document.doc_id), "b"), *reasons))
    return pack([header, *answer_sections(item.answer)], limit)


def digest_messages(waiting: Sequence[Waiting], limit_per_hour: int, limit: int = MESSAGE_LIMIT) -> list[str]:
    """One digest: the titles (and links) of the articles past the chat's hourly limit."""
    lines = [
        Line(f"🔔 {len(waiting)} more new article(s) for this chat's follows", "b"),
        Line(f"(more than {limit_per_hour} an hour, so together; /following lists the follows)", "i"),
    ]
    lines += [Line(f"• {w.title or w.doc_id}" + (f" — {w.url}" if w.url else "")) for w in waiting]
    return pack([Section(tuple(lines))], limit)


def create(settings: Any, shared_database: Any | None) -> FollowNotifier:
    """The notifier for these settings: its store beside the feedback database, or in PostgreSQL."""
    store = (
        FollowStore.postgres(shared_database)
        if shared_database is not None
        else FollowStore.sqlite(settings.feedback_db)
    )
    return FollowNotifier(store, settings.follow_limit, settings.follow_check_interval)
