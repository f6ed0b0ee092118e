"""/follow, /following, /unfollow: a chat follows topics and questions; new articles come to it.

`/follow harbour tunnel` follows a topic; `/follow who will build the new bridge?` a question (it
ends with '?' or starts with a question word). In a private chat anyone may follow; in a group,
the bot's admins and the group's administrators (asked of Telegram each time; a lookup that fails
counts as no). Anyone in the chat may list its follows.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from newsbot.bot.context import NewsContext
from newsbot.bot.filters import NEW_MESSAGE, NOT_FORWARDED_IN_GROUPS, has_words
from newsbot.bot.follow_store import QUESTION, TOPIC, Follow, fold
from newsbot.bot.handlers.replies import reply
from newsbot.bot.telegram_html import escape
from newsbot.index.topics import Topic, TopicError

log = logging.getLogger(__name__)

MAX_FOLLOWS = 20  # per chat: each follow costs up to a question per new article
MAX_CHARS = 200
_ASKING = re.compile(r"^(who|whom|whose|what|when|where|which|why|how)\b", re.IGNORECASE)
USAGE = (
    "Follow a topic or a question, and I'll send each new article that covers it:\n"
    "<code>/follow harbour tunnel</code>\n<code>/follow who will build the new bridge?</code>\n"
    "/following lists this chat's follows; <code>/unfollow 2</code> or <code>/unfollow all</code> stops them."
)
REFUSAL = "In a group, only its administrators (and the bot's admins) can change what it follows."
OFF = "Following is off on this bot."


def register(application: Application) -> None:  # type: ignore[type-arg]
    commands = NEW_MESSAGE & NOT_FORWARDED_IN_GROUPS
    application.add_handler(CommandHandler("follow", follow, filters=commands))
    application.add_handler(CommandHandler("following", following, filters=commands))
    application.add_handler(CommandHandler("unfollow", unfollow, filters=commands))


def kind_of(text: str) -> str:
    """QUESTION for 'who will build the bridge?' (a '?' at the end, or a question word first), else TOPIC."""
    return QUESTION if text.rstrip().endswith("?") or _ASKING.match(text.strip()) else TOPIC


async def may_change(update: Update, context: NewsContext) -> bool:
    """Anyone in a private chat; in a group, the bot's admins and the group's administrators."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator writes as the group itself
    if user is None:
        return False
    if context.services.is_admin(user.id):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:  # not known, or Telegram unreachable: no
        log.info("follows: could not look up user %s in chat %s (%s); not allowed", user.id, chat.id, error)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def follow(update: Update, context: NewsContext) -> None:
    """/follow TEXT: follow a topic or a question in this chat."""
    shared, message = context.services, update.effective_message
    assert message is not None
    text = " ".join(" ".join(context.args or []).split())
    if shared.follows is None:
        await reply(message, OFF)
        return
    if not text:
        await reply(message, USAGE)
        return
    if not await may_change(update, context):
        await reply(message, REFUSAL)
        return
    if len(text) > MAX_CHARS or not has_words(text):
        await reply(message, f"Please follow a few words or one question (under {MAX_CHARS} characters).")
        return
    kind = kind_of(text)
    if kind == TOPIC:
        try:
            Topic.parse(text)
        except TopicError:
            await reply(
                message,
                f"“{escape(text)}” has no words to look for; try a name or a subject, like <code>/follow harbour tunnel</code>.",
            )
            return
    store = shared.follows.store
    present = await asyncio.to_thread(store.of_chat, message.chat_id)
    if any(f.kind == kind and fold(f.text) == fold(text) for f in present):
        await reply(message, f"This chat already follows “{escape(text)}”. /following lists its follows.")
        return
    if len(present) >= MAX_FOLLOWS:
        await reply(message, f"This chat follows {len(present)} things already, the most it may; /unfollow one first.")
        return
    added = await asyncio.to_thread(store.add, message.chat_id, kind, text)
    if added is None:  # a second /follow of the same text at the same moment
        await reply(message, f"This chat already follows “{escape(text)}”.")
        return
    if kind == QUESTION:
        said = f"🔔 Following the question “{escape(text)}”. When a new article answers it, I'll send the answer here."
    else:
        said = f"🔔 Following “{escape(text)}”. I'll send each new article about it here, with the sentences that mention it."
    await reply(message, said + "\n/following lists this chat's follows; /unfollow stops one.")


async def following(update: Update, context: NewsContext) -> None:
    """/following: the chat's follows, numbered for /unfollow."""
    shared, message = context.services, update.effective_message
    assert message is not None
    if shared.follows is None:
        await reply(message, OFF)
        return
    present = await asyncio.to_thread(shared.follows.store.of_chat, message.chat_id)
    if not present:
        await reply(message, "This chat follows nothing yet.\n" + USAGE)
        return
    await reply(message, listing(present))


def listing(present: list[Follow]) -> str:
    lines = [f"<b>This chat follows</b> ({len(present)})"]
    for number, item in enumerate(present, start=1):
        what = "question" if item.kind == QUESTION else "topic"
        lines.append(f"{number}. {escape(item.text)} <i>({what})</i>")
    lines.append("\n<code>/unfollow N</code> stops one, <code>/unfollow all</code> stops them all.")
    return "\n".join(lines)


async def unfollow(update: Update, context: NewsContext) -> None:
    """/unfollow N, /unfollow all, or /unfollow TEXT."""
    shared, message = context.services, update.effective_message
    assert message is not None
    argument = " ".join(" ".join(context.args or []).split())
    if shared.follows is None:
        await reply(message, OFF)
        return
    if not argument:
        await reply(
            message, "Say which: <code>/unfollow 2</code> (the number /following shows) or <code>/unfollow all</code>."
        )
        return
    if not await may_change(update, context):
        await reply(message, REFUSAL)
        return
    store = shared.follows.store
    present = await asyncio.to_thread(store.of_chat, message.chat_id)
    if argument.lower() == "all":
        chosen = present
    elif argument.isdigit():
        number = int(argument)
        if not 1 <= number <= len(present):
            await reply(message, f"There is no follow {number} here; /following lists {len(present)}.")
            return
        chosen = [present[number - 1]]
    else:
        chosen = [f for f in present if fold(f.text) == fold(argument)]
        if not chosen:
            await reply(
                message, f"This chat does not follow “{escape(argument[:MAX_CHARS])}”; /following lists what it does."
            )
            return
    if not chosen:
        await reply(message, "This chat follows nothing.")
        return
    await asyncio.to_thread(store.remove, message.chat_id, [f.follow_id for f in chosen])
    if len(chosen) == 1:
        await reply(message, f"Stopped following “{escape(chosen[0].text)}”.")
    else:
        await reply(message, f"Stopped following all {len(chosen)}.")
