"""Feeding updates: users, chats and their messages, documents, button presses, inline queries."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from aiohttp import ClientSession

from fake_telegram.records import BotMessage
from fake_telegram.rules import entities

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateFeeder:
    """The test's side of the fake: what users do. State lives in `FakeTelegram`."""

    chats: dict[int, dict[str, Any]]
    user_messages: dict[tuple[int, int], dict[str, Any]]
    files: dict[str, tuple[str, bytes]]
    webhook: dict[str, Any] | None
    _updates: list[dict[str, Any]]
    _update_ids: itertools.count[int]
    _message_ids: dict[int, itertools.count[int]]
    _ids: itertools.count[int]
    _changed: asyncio.Condition

    bot_user: dict[str, Any]

    def _notify(self) -> None:
        raise NotImplementedError  # FakeTelegram's


    @staticmethod
    def user(user_id: int, first_name: str = "Ann", username: str | None = None) -> dict[str, Any]:
        found = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            found["username"] = username
        return found

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        return self._chat({"id": user["id"], "type": "private", "first_name": user["first_name"]})

    def group_chat(self, chat_id: int = -100_200, title: str = "Newsroom") -> dict[str, Any]:
        return self._chat({"id": chat_id, "type": "supergroup" if chat_id < -10**12 else "group", "title": title})

    def _chat(self, chat: dict[str, Any]) -> dict[str, Any]:
        self.chats[chat["id"]] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (an update_id is added)."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._notify()
        return update

    def message(self, chat: dict[str, Any], user: dict[str, Any], text: str | None = None,
                reply_to: BotMessage | dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """A user's message, with the entities Telegram would add (commands, @mentions)."""
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]), "date": int(time.time()), "chat": chat, "from": user, **extra,
        }
        if text is not None:
            message["text"] = text
            marked = entities(text)
            if marked:
                message["entities"] = marked
        if isinstance(reply_to, BotMessage):
            message["reply_to_message"] = self._message_json(reply_to)
        elif reply_to is not None:
            message["reply_to_message"] = reply_to
        self.user_messages[(chat["id"], message["message_id"])] = message
        return message

    def send_text(self, chat: dict[str, Any], user: dict[str, Any], text: str,
                  reply_to: BotMessage | dict[str, Any] | None = None) -> dict[str, Any]:
        """A user sends `text`; returns the message (its message_id is what answers reply to)."""
        message = self.message(chat, user, text, reply_to)
        self.push({"message": message})
        return message

    def add_file(self, content: bytes, suffix: str = ".txt") -> str:
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = (f"documents/{file_id}{suffix}", content)
        return file_id

    def send_document(self, chat: dict[str, Any], user: dict[str, Any], file_name: str, content: bytes,
                      mime_type: str = "text/plain", file_size: int | None = None) -> dict[str, Any]:
        suffix = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        file_id = self.add_file(content, suffix)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name, "mime_type": mime_type,
                    "file_size": len(content) if file_size is None else file_size}
        message = self.message(chat, user, document=document)
        self.push({"message": message})
        return message

    def press_button(self, user: dict[str, Any], message: BotMessage, data: str) -> str:
        query_id = f"cq-{next(self._ids)}"
        self.push({"callback_query": {"id": query_id, "from": user, "chat_instance": "ci-1",
                                      "message": self._message_json(message), "data": data}})
        return query_id

    def inline_query(self, user: dict[str, Any], query: str) -> str:
        query_id = f"iq-{next(self._ids)}"
        self.push({"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}})
        return query_id

    async def post_to_webhook(self, update: dict[str, Any], secret: str | None) -> int:
        """POST an update to the webhook the bot set, with `secret` in Telegram's header (None: no header)."""
        assert self.webhook is not None, "the bot has not called setWebhook"
        update = {"update_id": next(self._update_ids), **update}
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with ClientSession() as session, session.post(self.webhook["url"], json=update, headers=headers) as response:
            return response.status

    def _message_json(self, message: BotMessage) -> dict[str, Any]:
        found: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()), "chat": self.chats[message.chat_id],
                                 "from": self.bot_user, "text": message.plain}
        if message.reply_markup:
            found["reply_markup"] = message.reply_markup
        return found
