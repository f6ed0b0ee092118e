"""Keep secrets out of every log line, whoever logs it.

httpx logs each request URL at INFO, and a Bot API URL contains the token (`…/bot<TOKEN>/getMe`);
tracebacks can contain it too. A filter on one logger or handler misses records of other
loggers or handlers, so the redaction sits in the log record factory: every record, from every
library, is cleaned when it is created, before any handler (ours, pytest's, a library's) sees it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from urllib.parse import quote

REDACTED = "[REDACTED]"

_lock = threading.Lock()
_secrets: set[str] = set()
_original_factory: Callable[..., logging.LogRecord] | None = None


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _factory(*args: object, **kwargs: object) -> logging.LogRecord:
    assert _original_factory is not None
    record = _original_factory(*args, **kwargs)
    if not _secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format string is the logging module's to report, not ours
        return record
    # Freeze the message now: arguments can be mutated after the call (PTB completes a File's
    # download URL, token included, after logging the getFile result), and a handler that
    # formats later would see the token.
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def hide_secrets(secrets: Iterable[str]) -> None:
    """Redact `secrets` from all log records created from now on (idempotent)."""
    global _original_factory
    with _lock:
        for secret in filter(None, secrets):
            # URLs carry the token percent-encoded too (httpx logs '…/file/bot123%3AAA…/…').
            _secrets.update({secret, quote(secret, safe=""), quote(secret)})
        if _original_factory is None:
            _original_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_factory)


def reset() -> None:
    """Forget the secrets and restore the previous record factory (for tests)."""
    global _original_factory
    with _lock:
        _secrets.clear()
        if _original_factory is not None:
            logging.setLogRecordFactory(_original_factory)
            _original_factory = None
