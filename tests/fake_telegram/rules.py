"""What Telegram refuses: HTML its parser rejects, text over the limit, bad buttons; and the entities it adds."""

from __future__ import annotations

import html
import re
from typing import Any

MESSAGE_LIMIT = 4096
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji",
    "code", "pre", "blockquote", "tg-time",
}
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=`]+))?)*)\s*>"
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")


class ApiError(Exception):
    """A Bot API error answer: HTTP status `code` and Telegram's description."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def parse_html(text: str) -> str:
    """The plain text Telegram would show for `text` in HTML parse mode; ApiError where it would refuse."""
    plain: list[str] = []
    stack: list[str] = []
    position = 0

    def refuse(reason: str) -> ApiError:
        offset = len(text[:position].encode())
        return ApiError(400, f"Bad Request: can't parse entities: {reason} at byte offset {offset}")

    while position < len(text):
        char = text[position]
        if char == "<":
            match = _TAG.match(text, position)
            if match is None:
                raise refuse("Unexpected character '<'; use &lt; for a literal <")
            closing, name = match.group(1), match.group(2).lower()
            if name not in _ALLOWED_TAGS:
                raise refuse(f'Unsupported {"end" if closing else "start"} tag "{name}"')
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'"</{stack[-1]}>"' if stack else "no end tag"
                    raise refuse(f'Unmatched end tag, expected {expected}, found "</{name}>"')
                stack.pop()
            else:
                stack.append(name)
            position = match.end()
        elif char == "&":
            match = _ENTITY.match(text, position)
            if match is None:
                raise refuse("Unexpected character '&'; use &amp; for a literal &")
            plain.append(html.unescape(match.group()))
            position = match.end()
        elif char == ">":
            raise refuse("Unexpected character '>'; use &gt; for a literal >")
        else:
            plain.append(char)
            position += 1
    if stack:
        raise refuse(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(plain)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def checked_text(text: Any, parse_mode: Any) -> str:
    """The shown text of a message, or ApiError as Telegram answers it."""
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain = parse_html(text) if str(parse_mode).upper() == "HTML" else text
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_length(plain) > MESSAGE_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    return plain



def check_markup(markup: Any) -> None:
    if markup is None:
        return
    for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
        for button in row:
            if "callback_data" in button and not 1 <= len(button["callback_data"].encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def entities(text: str) -> list[dict[str, Any]]:
    """bot_command at the start and @mentions anywhere, with UTF-16 offsets, as Telegram marks them."""
    found = []
    for match in re.finditer(r"(?:^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?)|(?:(?<![\w@])@[A-Za-z0-9_]{5,32})", text):
        kind = "bot_command" if match.group().startswith("/") else "mention"
        offset = utf16_length(text[: match.start()])
        found.append({"type": kind, "offset": offset, "length": utf16_length(match.group())})
    return found

