"""A background rebuild of the index, its progress shown by editing one status message.

The engine builds in a thread of its own and calls `ProgressRelay` from there; the event loop
reads the latest stage every `settings.progress_interval` seconds and edits the status message
only when its text changed (Telegram refuses an edit that changes nothing, and edits are rate
limited). Questions keep being answered from the old index meanwhile: the engine swaps the new
one in atomically when the build is done.

When the bot shuts down (SIGTERM) during a rebuild, the relay raises `RebuildStopped` at the
build's next step (a file read, a document split, a batch embedded: each at most a few seconds),
so that the process exits promptly; the old index stays, and the next start or /reindex builds.
Names in the messages are given relative to the corpus: no server path is shown in chat.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from telegram import Message
from telegram.error import TelegramError

from newsbot.bot.telegram_html import MESSAGE_LIMIT, escape
from newsbot.index.build import relative_names
from newsbot.index.store import IndexError_

if TYPE_CHECKING:  # services imports feeds, which imports stop_when from here
    from newsbot.bot.services import Services

log = logging.getLogger(__name__)

BAR_WIDTH = 12
# How often a rebuild looks whether the bot is stopping (status edits stay at progress_interval):
# SIGTERM during a /reindex exits within 3 s (issue 20).
STOP_CHECK_S = 0.2


class RebuildStopped(Exception):
    """The bot is shutting down; the build stopped at a step boundary and the old index is kept."""


class ProgressRelay:
    """The engine's progress callback: remembers the latest (stage, done, total), thread-safely,
    and stops the build at its next step once `stop` was called."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest = ("starting", 0, 0)
        self._stop = threading.Event()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._stop.is_set() and stage != "done":  # "done": the new index is already in place
            raise RebuildStopped("the bot is shutting down")
        with self._lock:
            self._latest = (stage, done, total)

    def stop(self) -> None:
        self._stop.set()

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


def stop_when(stopping: threading.Event) -> Callable[[str, int, int], None]:
    """A progress callback that only stops a build (at its next step) once `stopping` is set."""

    def report(stage: str, done: int, total: int) -> None:
        if stopping.is_set() and stage != "done":
            raise RebuildStopped("the bot is shutting down")

    return report


async def rebuild(shared: Services, status: Message, title: str = "Reindexing",
                  running: Callable[[], bool] | None = None) -> bool:
    """Rebuild the index from the corpus, editing `status` as it goes; True when it succeeded.

    The caller has claimed the rebuild slot (`Services.try_begin_rebuild`); it is released here.
    `running` (the application's `running`) turning False stops the build at its next step.
    """
    relay = ProgressRelay()
    loop = asyncio.get_running_loop()
    shown = status.text_html
    try:
        build = loop.run_in_executor(shared.rebuild_pool, lambda: shared.engine.reindex(progress=relay))
        next_edit = loop.time() + shared.settings.progress_interval
        while True:
            finished, _ = await asyncio.wait({build}, timeout=min(STOP_CHECK_S, shared.settings.progress_interval))
            if finished:
                break
            if running is not None and not running():
                relay.stop()
            if loop.time() >= next_edit:
                shown = await _edit(status, progress_text(title, *relay.latest()), shown)
                next_edit = loop.time() + shared.settings.progress_interval
        try:
            summary = build.result()
        except RebuildStopped:
            log.warning("reindex stopped: the bot is shutting down (the old index is kept)")
            await _edit(status, f"⏹ <b>{escape(title)} stopped:</b> the bot is shutting down; the old index is kept.", shown)
            return False
        except IndexError_ as error:
            message = public_names(str(error), _corpus_directories(shared))
            await _edit(status, f"❌ <b>{escape(title)} failed:</b> {escape(_fit(message))}", shown)
            return False
        except Exception:
            log.exception("rebuild failed")
            await _edit(status, f"❌ <b>{escape(title)} failed</b> with an unexpected error; see the bot's log.", shown)
            return False
        described = summary.describe(relative_to=_corpus_directories(shared))
        await _edit(status, f"✅ <b>{escape(title)}: done.</b>\n{escape(_fit(public_names(described, [])))}", shown)
        return True
    finally:
        shared.end_rebuild()


def _corpus_directories(shared: Services) -> list[str]:
    settings = shared.settings
    found = [str(p) for p in settings.corpus_paths if os.path.isdir(p)]
    return found + ([str(settings.upload_dir)] if settings.upload_dir is not None else [])


def public_names(text: str, directories: Iterable[str]) -> str:
    """`text` for the chat: names relative to the corpus directories, and any other absolute path
    shortened to its last part (the server's layout is nobody's business in a chat)."""
    import re

    text = relative_names(text, directories)
    return re.sub(r"(?<![\w.:/])/(?:[^\s/:;,()]+/)+([^\s/:;,()]+)", r"…/\1", text)


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
