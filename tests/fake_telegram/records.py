"""What the fake records: the bot's calls, the faults to inject, the messages the bot sent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """One request the bot made, with what the fake answered."""

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True
    result: Any = None
    error: str = ""


@dataclass
class Fault:
    method: str
    status: int | None = None
    description: str = ""
    retry_after: int | None = None
    reset: bool = False
    after: bool = False  # reset after the method took effect (the bot never learns it did)
    delay: float = 0.0
    times: int = 1


@dataclass
class BotMessage:
    """A message the bot sent, as it stands now (`history` holds every text it had, edits included)."""

    chat_id: int
    message_id: int
    text: str  # what the bot sent (HTML when parse_mode is HTML)
    plain: str  # what a user sees
    parse_mode: str | None
    reply_to: int | None
    reply_markup: dict[str, Any] | None
    history: list[str] = field(default_factory=list)
    sent_at: float = field(default_factory=time.monotonic)

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass
class BotPhoto:
    """A photo the bot sent (`content`: the uploaded bytes)."""

    chat_id: int
    message_id: int
    content: bytes
    caption: str
