"""What the bot remembers of its answers, so that a reply to one is read as a follow-up.

For each answer message it sent (every part of a long answer), keyed by chat and message id (so
per chat and per reply thread, forum topics included): the thread it answered (question and
topic, `index.followup.Thread`) and the articles it cited; and each chat's latest answer, which a
private chat's next question follows on from when it leans on it ("and when was that?") without
being sent as a reply. In memory only, bounded in size and age: after a restart, or once
forgotten, a reply is simply answered as a question of its own.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from newsbot.index.followup import Thread

MAX_ENTRIES = 20_000  # answer messages remembered; a few MB at most (a question, a topic, doc ids each)
MAX_AGE_SECONDS = 24 * 3600.0  # a reply to a day-old answer is most likely a new question anyway
FOLLOW_ON_SECONDS = 15 * 60.0  # a question that is no reply follows on from an answer at most this recent


@dataclass(frozen=True)
class Context:
    """What an answer message answered: its thread and the doc_ids of the articles it cited."""

    thread: Thread
    doc_ids: tuple[str, ...]
    at: float


class Conversations:
    """The context of the bot's recent answer messages, most recently answered kept longest."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries <= 0:
            raise ValueError(f"max_entries must be > 0, got {max_entries}")
        if max_age <= 0:
            raise ValueError(f"max_age must be > 0 seconds, got {max_age}")
        self.max_entries = max_entries
        self.max_age = max_age
        self._clock = clock
        self._contexts: OrderedDict[tuple[int, int], Context] = OrderedDict()
        self._latest: OrderedDict[int, Context] = OrderedDict()  # each chat's latest answer

    def remember(self, chat_id: int, message_ids: Iterable[int], thread: Thread, doc_ids: Iterable[str]) -> None:
        """Remember that these messages of the chat answered `thread` from the articles `doc_ids`."""
        context = Context(thread, tuple(dict.fromkeys(doc_ids)), self._clock())
        for message_id in message_ids:
            key = (chat_id, message_id)
            self._contexts[key] = context
            self._contexts.move_to_end(key)
        self._latest[chat_id] = context
        self._latest.move_to_end(chat_id)
        while len(self._contexts) > self.max_entries:
            self._contexts.popitem(last=False)
        while len(self._latest) > self.max_entries:
            self._latest.popitem(last=False)
        self._forget_expired()

    def latest(self, chat_id: int, within: float = FOLLOW_ON_SECONDS) -> Context | None:
        """The chat's latest answer, if it was given at most `within` seconds ago."""
        context = self._latest.get(chat_id)
        return context if context is not None and self._clock() - context.at <= within else None

    def recall(self, chat_id: int, message_id: int) -> Context | None:
        """The context of the bot's answer `message_id` in the chat, or None (not an answer, or forgotten)."""
        self._forget_expired()
        return self._contexts.get((chat_id, message_id))

    def __len__(self) -> int:
        return len(self._contexts)

    def _forget_expired(self) -> None:
        oldest = self._clock() - self.max_age
        while self._latest and next(iter(self._latest.values())).at < oldest:
            self._latest.popitem(last=False)
        while self._contexts:
            key, context = next(iter(self._contexts.items()))
            if context.at >= oldest:
                break
            del self._contexts[key]
