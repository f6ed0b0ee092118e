"""Sending: a reply in HTML to the asking message, and the "typing…" indicator while the bot works."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError

TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for 5 s after each chat action
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def reply(message: Message | None, html: str, keyboard: InlineKeyboardMarkup | None = None, quote: bool = True) -> Message:
    """Send HTML to the message's chat, as a reply to it (still sent if it was deleted meanwhile)."""
    assert message is not None
    reply_to = ReplyParameters(message.message_id, allow_sending_without_reply=True) if quote else None
    return await message.get_bot().send_message(
        message.chat_id,
        html,
        parse_mode=ParseMode.HTML,
        reply_parameters=reply_to,
        reply_markup=keyboard,
        link_preview_options=NO_PREVIEW,
        message_thread_id=message.message_thread_id if message.is_topic_message else None,
    )


@contextlib.asynccontextmanager
async def showing_typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends (a chat action in flight is let finish)."""
    done = asyncio.Event()

    async def keep_typing() -> None:
        while not done.is_set():
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), TYPING_EVERY)

    task: asyncio.Task[Any] = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        done.set()
        await task
