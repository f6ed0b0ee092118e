"""Named predicates on messages, and PTB filters made of them."""

from __future__ import annotations

import re
from collections.abc import Callable

from telegram import Message, MessageEntity
from telegram.ext import filters


def mentions_bot(message: Message) -> bool:
    """The message @mentions this bot (by username, or by a text mention of its user)."""
    bot = message.get_bot()
    username = f"@{bot.username}".lower()
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.MENTION and text.lower() == username:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot.id:
            return True
    return False


def replies_to_bot(message: Message) -> bool:
    """The message replies to one of this bot's messages."""
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == message.get_bot().id


def addressed_to_bot(message: Message) -> bool:
    """In a group, the bot answers only what is addressed to it: a mention or a reply."""
    return mentions_bot(message) or replies_to_bot(message)


def has_words(text: str) -> bool:
    """The text has a letter or a digit in some script: not only emoji, punctuation or symbols."""
    return any(char.isalnum() for char in text)


def without_mention(message: Message) -> str:
    """The message's text with the bot's @username taken out (the question itself)."""
    username = re.escape(message.get_bot().username or "")
    text = message.text or ""
    if username:
        text = re.sub(rf"@{username}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


class _Predicate(filters.MessageFilter):
    """A PTB filter made of a named predicate, so handler tables read as sentences."""

    def __init__(self, predicate: Callable[[Message], bool]) -> None:
        super().__init__(name=predicate.__name__)
        self._predicate = predicate

    def filter(self, message: Message) -> bool:
        return self._predicate(message)


ADDRESSED_TO_BOT = _Predicate(addressed_to_bot)
# Not edits: an edited message is not a new question. Answering edits would answer the same
# message twice (and every typo fix); a corrected question is simply sent again. (ALLOWED_UPDATES
# does not even ask Telegram for edits; this filter holds for webhooks and replays too.)
NEW_MESSAGE = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
# A message forwarded into a group is someone else's words shared there, not a question to the
# bot, even when it @mentions it or starts with /ask. In a private chat it is a question.
NOT_FORWARDED_IN_GROUPS = ~(GROUPS & filters.FORWARDED)
