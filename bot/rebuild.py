"""A background rebuild of the index, its progress shown by editing one status message.

The engine builds in a thread of its own and calls `ProgressRelay` from there; the event loop
reads the latest stage every `settings.progress_interval` seconds and edits the status message
only when its text changed (Telegram refuses an edit that changes nothing, and edits are rate
limited). Questions keep being answered from the old index meanwhile: the engine swaps the new
one in atomically when the build is done.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from newsbot.bot.services import Services
from newsbot.bot.telegram_html import MESSAGE_LIMIT, escape
from newsbot.index.store import IndexError_
from telegram import Message
from telegram.error import TelegramError

log = logging.getLogger(__name__)

BAR_WIDTH = 12


class ProgressRelay:
    """The engine's progress callback: remembers the latest (stage, done, total), thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest = ("starting", 0, 0)

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self._latest = (stage, done, total)

    def latest(self) -> tuple[str, int, int]:
        with self._lock:
            return self._latest


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """'▓▓▓▓▓▓░░░░░░ 50%' (an empty bar when the total is not known yet)."""
    fraction = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
    filled = round(fraction * width)
    return "▓" * filled + "░" * (width - filled) + f" {fraction:.0%}"


def progress_text(title: str, stage: str, done: int, total: int) -> str:
    counts = f" ({done}/{total})" if total > 1 else ""
    return f"⏳ <b>{escape(title)}</b>\n{escape(stage)}{counts}\n<code>{progress_bar(done, total)}</code>"


def _fit(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT // 2 else text[: MESSAGE_LIMIT // 2] + "…"


async def rebuild(shared: Services, status: Message, title: str = "Reindexing") -> bool:
    """Rebuild the index from the corpus, editing `status` as it goes; True when it succeeded.

    The caller has claimed the rebuild slot (`Services.try_begin_rebuild`); it is released here.
    """
    relay = ProgressRelay()
    loop = asyncio.get_running_loop()
    shown = status.text_html
    try:
        build = loop.run_in_executor(shared.rebuild_pool, lambda: shared.engine.reindex(progress=relay))
        while True:
            finished, _ = await asyncio.wait({build}, timeout=shared.settings.progress_interval)
            if finished:
                break
            shown = await _edit(status, progress_text(title, *relay.latest()), shown)
        try:
            summary = build.result()
        except IndexError_ as error:
            await _edit(status, f"❌ <b>{escape(title)} failed:</b> {escape(_fit(str(error)))}", shown)
            return False
        except Exception:
            log.exception("rebuild failed")
            await _edit(status, f"❌ <b>{escape(title)} failed</b> with an unexpected error; see the bot's log.", shown)
            return False
        await _edit(status, f"✅ <b>{escape(title)}: done.</b>\n{escape(_fit(summary.describe()))}", shown)
        return True
    finally:
        shared.end_rebuild()


async def _edit(status: Message, html: str, shown: str) -> str:
    """Edit the status message unless it already says `html`; a failed edit never stops the rebuild."""
    if html == shown:
        return shown
    try:
        await status.edit_text(html, parse_mode="HTML")
    except TelegramError as error:
        log.warning("could not update the reindex status message: %s", error)
        return shown
    return html
