"""Several replicas behind one webhook: each update answered once, even when a replica dies.

Telegram redelivers a webhook update that got no 200. PTB's webhook server answers 200 as soon as
the update is queued, so an update queued by a replica that then dies would be lost; with
`AcknowledgingQueue` the 200 goes out only once the update has been handled. `LedgerApplication`
claims each update in the shared `UpdateLedger` first (bot/shared_state.py): a redelivery that
was already answered, or is being answered by a live replica, is skipped, and one whose replica
died is answered here. One that a live replica holds gets a 503, so Telegram delivers it again
until it is done (or its replica is found dead). The one window left: a replica that dies after sending an answer and
before marking its update done (a few milliseconds) has that update answered again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application

from newsbot.bot.context import BotData
from newsbot.bot.shared_state import BUSY, MINE
from newsbot.index.postgres.database import DatabaseUnavailable

log = logging.getLogger(__name__)


class AcknowledgingQueue(asyncio.Queue):  # type: ignore[type-arg]
    """The webhook's update queue: `put` of an update returns when it has been handled."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[None]] = {}

    async def put(self, item: Any) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        handled = asyncio.get_running_loop().create_future()
        self._waiting[id(item)] = handled
        await super().put(item)
        await handled

    def handled(self, update: object, retry_later: bool = False) -> None:
        """`update` is done with; `retry_later`: answer the webhook 503 so Telegram delivers it again."""
        waiting = self._waiting.pop(id(update), None)
        if waiting is not None and not waiting.done():
            if retry_later:
                import tornado.web

                waiting.set_exception(tornado.web.HTTPError(503, reason="in hand at another replica"))
            else:
                waiting.set_result(None)


class LedgerApplication(Application):  # type: ignore[type-arg]
    """An Application that handles each update once across replicas (`bot_data.ledger`, bot/context.py)."""

    async def process_update(self, update: object) -> None:
        busy = False
        try:
            ledger = self.bot_data.ledger if isinstance(self.bot_data, BotData) else None
            if ledger is None or not isinstance(update, Update):
                await super().process_update(update)
                return
            try:
                mine = await asyncio.to_thread(ledger.claim, update.update_id)
            except Exception as error:  # the database is away: answering twice beats not answering
                log.log(
                    _level(error), "update %s not claimed (database: %s); handling it anyway", update.update_id, error
                )
                await super().process_update(update)
                return
            if mine != MINE:
                busy = mine == BUSY
                log.info("update %s: %s; skipped", update.update_id, "in hand at another replica" if busy else "handled already")
                return
            try:
                await super().process_update(update)
            finally:
                try:
                    await asyncio.to_thread(ledger.finish, update.update_id)
                except Exception as error:
                    log.log(
                        _level(error), "update %s handled but not marked done (database: %s)", update.update_id, error
                    )
        finally:
            if isinstance(self.update_queue, AcknowledgingQueue):
                self.update_queue.handled(update, retry_later=busy)


def _level(error: BaseException) -> int:
    """DEBUG for a database that is away (it says so itself, once a minute), else WARNING."""
    return logging.DEBUG if isinstance(error, DatabaseUnavailable) else logging.WARNING
