"""Sending through Telegram's faults: which failed requests are sent again, and why that is safe.

The Bot API has no idempotency key, so "exactly once" can only be as good as what the bot knows
about a failed request:

- **Telegram answered with an error** (429 Too Many Requests, 500, 502, …): the method did not
  take effect. It is sent again — after `retry_after` for a 429 (PTB's `AIORateLimiter`), with a
  short exponential backoff otherwise. The answer arrives once.
- **The request never reached Telegram** (no connection, the connection pool was full, the
  request was not completely written): it did not take effect either, and is sent again.
- **The request reached Telegram but no answer came back** (the connection was reset, or the
  answer timed out): it may or may not have taken effect, and nothing in the Bot API can tell.
  Idempotent methods (`IDEMPOTENT`: reading, setting, editing a message to a given text) are
  sent again. Everything else — `sendMessage` above all — is not: when Telegram is slow the
  first message usually did arrive, and sending it again would post the answer twice. The error
  reaches the handler instead, and the error handler tells the user in one short line that the
  reply may not have arrived and to ask again if it did not (`app.NETWORK_NOTE`). So in this one
  case the bot delivers the answer at most once and never leaves the user guessing silently.

`getUpdates` is not sent through here: PTB's updater retries it forever, and an update is fetched
again until the bot confirms it with the next offset, so no question is lost to a fault there.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

# Methods whose second call changes nothing the first one did not already (an edit to the same
# text is refused as "not modified", which `RetryingRateLimiter` takes as success).
IDEMPOTENT = frozenset({
    "getMe", "getFile", "getChat", "getWebhookInfo", "getMyCommands", "setMyCommands", "deleteWebhook",
    "setWebhook", "editMessageText", "editMessageReplyMarkup",
})
# "typing…": best effort. Not counted against the flood limits (they are Telegram's limits on
# messages; counted, each answer would cost two of the 30 a second and of a group's 20 a minute),
# not held by another request's 429, and never sent again: it is repeated every few seconds
# anyway, and the answer waits for the chat action in flight, so a resend would only delay it.
COSMETIC = frozenset({"sendChatAction"})
_NOT_SENT = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout,
    httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.ProxyError,
)


class Failure(enum.Enum):
    """What a failed request did at Telegram."""

    REFUSED = "refused"  # Telegram answered with a 5xx error: the method did not take effect
    NOT_SENT = "not sent"  # the request never (completely) reached Telegram
    UNKNOWN = "unknown"  # sent, but no answer: it may have taken effect


def failure_of(error: NetworkError) -> Failure:
    """Classify a `NetworkError` from PTB's HTTPX request (PTB chains the httpx error as its cause)."""
    cause = error.__cause__
    if isinstance(cause, _NOT_SENT):
        return Failure.NOT_SENT
    if isinstance(cause, httpx.HTTPError) or isinstance(error, TimedOut):
        return Failure.UNKNOWN  # a reset or a read timeout after the request went out
    if cause is None or isinstance(cause, TelegramError):
        return Failure.REFUSED  # PTB raised it from Telegram's HTTP error answer
    return Failure.UNKNOWN


def may_retry(method: str, error: TelegramError) -> bool:
    """True when sending `method` again after `error` cannot do anything twice."""
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest) or method in COSMETIC:
        return False  # a refusal (400, 403, …), a 429 that AIORateLimiter already waited out, or "typing…"
    return failure_of(error) is not Failure.UNKNOWN or method in IDEMPOTENT


class RetryingRateLimiter(AIORateLimiter):
    """PTB's `AIORateLimiter` (flood limits, `RetryAfter` honoured) that also resends a request
    after a network fault, when sending it again is safe (see the module docstring)."""

    def __init__(self, *, attempts: int = 4, backoff: float = 0.5, **limits: Any) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {attempts}")
        if backoff < 0:
            raise ValueError(f"backoff must be >= 0, got {backoff}")
        super().__init__(**limits)
        self.attempts = attempts
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in COSMETIC:
            return await callback(*args, **kwargs)
        resent = False
        for attempt in range(1, self.attempts + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest as error:
                if resent and endpoint.startswith("edit") and "not modified" in str(error):
                    return True  # the edit that seemed lost did arrive
                raise
            except TelegramError as error:
                if attempt == self.attempts or not may_retry(endpoint, error):
                    raise
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning("%s failed (%s: %s); sending it again in %.1f s (attempt %d of %d)",
                            endpoint, type(error).__name__, error, delay, attempt + 1, self.attempts)
                resent = True
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises
