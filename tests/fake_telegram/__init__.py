"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, as strict as Telegram.

The bot under test talks to it exactly as it talks to api.telegram.org (PTB's `base_url`). The
test feeds updates (`send_text`, `send_document`, `press_button`, `inline_query`), which the bot
fetches with getUpdates long polling, or which the fake posts to the bot's webhook; then it
waits for what the bot did (`wait_for`, `messages_in`, `replies_to`, `calls_to`).

Like Telegram, it refuses text over 4,096 characters (UTF-16 units, after entity parsing) and
HTML that Telegram's parser refuses (unknown tags, unbalanced tags, bare <, > or &), answers a
wrong token with 401 and an unknown method with 400 (PTB reads 404 as a bad token), refuses an
edit that changes nothing, and refuses getUpdates while a webhook is set.

`photos` holds what sendPhoto uploaded; `members[(chat_id, user_id)] = "administrator"` answers
getChatMember; a chat id in `blocked` answers sends with 403 Forbidden, as a user who blocked the bot.

Faults for reliability tests: `inject("sendMessage", status=429, retry_after=1)`, `status=502`,
`reset=True` (the connection is dropped, before or after the method takes effect) or
`delay=5.0` (the answer comes too late), each for the next `times` calls of that method ("*"
for any method).
"""

from fake_telegram.records import BotMessage, BotPhoto, Call, Fault
from fake_telegram.rules import MESSAGE_LIMIT, ApiError, checked_text, parse_html, utf16_length
from fake_telegram.server import BOT_ID, BOT_USERNAME, TOKEN, FakeTelegram
from fake_telegram.updates import SECRET_HEADER

__all__ = [
    "BOT_ID", "BOT_USERNAME", "MESSAGE_LIMIT", "SECRET_HEADER", "TOKEN",
    "ApiError", "BotMessage", "BotPhoto", "Call", "Fault", "FakeTelegram", "checked_text", "parse_html", "utf16_length",
]
