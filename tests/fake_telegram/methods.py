"""The Bot API methods the bot calls, each as Telegram answers it (ApiError where Telegram refuses)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from fake_telegram.records import BotMessage, BotPhoto
from fake_telegram.rules import ApiError, check_markup, checked_text


class BotApiMethods:
    """`_<snake_case_name>(params) -> result` per method. State lives in `FakeTelegram`."""

    bot_user: dict[str, Any]
    chats: dict[int, dict[str, Any]]
    bot_messages: dict[tuple[int, int], BotMessage]
    user_messages: dict[tuple[int, int], dict[str, Any]]
    callback_answers: dict[str, dict[str, Any]]
    inline_answers: dict[str, list[dict[str, Any]]]
    commands: list[dict[str, Any]]
    webhook: dict[str, Any] | None
    files: dict[str, tuple[str, bytes]]
    photos: list[BotPhoto]
    members: dict[tuple[int, int], str]
    blocked: set[int]
    confirmed_offset: int
    _updates: list[dict[str, Any]]
    _changed: asyncio.Condition
    _closing: bool

    def _next_message_id(self, chat_id: int) -> int:
        raise NotImplementedError  # UpdateFeeder's

    def _message_json(self, message: BotMessage) -> dict[str, Any]:
        raise NotImplementedError  # UpdateFeeder's

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(params)
        self.webhook = {"url": url, "secret_token": params.get("secret_token"), "allowed_updates": params.get("allowed_updates")}
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._updates) or self._closing), timeout)
        allowed = params.get("allowed_updates")
        return [u for u in self._updates[:limit] if not allowed or any(kind in u for kind in allowed)]

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._reachable_chat(params.get("chat_id"))
        plain = checked_text(params.get("text"), params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        known = (chat["id"], reply_to) in self.user_messages | self.bot_messages
        if reply_to is not None and not known and not reply.get("allow_sending_without_reply"):
            raise ApiError(400, "Bad Request: message to be replied not found")
        message = BotMessage(chat["id"], self._next_message_id(chat["id"]), params["text"], plain, params.get("parse_mode"),
                             reply_to, params.get("reply_markup"), history=[params["text"]])
        self.bot_messages[(chat["id"], message.message_id)] = message
        return self._message_json(message)

    async def _send_photo(self, params: dict[str, Any]) -> Any:
        chat = self._reachable_chat(params.get("chat_id"))
        photo = params.get("photo")
        if not isinstance(photo, dict) or not photo.get("content"):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if not photo["content"].startswith(b"\x89PNG\r\n\x1a\n") and not photo["content"].startswith(b"\xff\xd8"):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = params.get("caption") or ""
        if len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        sent = BotPhoto(chat["id"], self._next_message_id(chat["id"]), photo["content"], caption)
        self.photos.append(sent)
        size = {"file_id": f"photo-{sent.message_id}", "file_unique_id": f"uphoto-{sent.message_id}", "width": 1200, "height": 840}
        return {"message_id": sent.message_id, "date": 0, "chat": chat, "from": self.bot_user, "photo": [size], "caption": caption}

    async def _get_chat_member(self, params: dict[str, Any]) -> Any:
        chat = self._known_chat(params.get("chat_id"))
        user_id = int(params.get("user_id") or 0)
        status = self.members.get((chat["id"], user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": "Member"}
        if status == "administrator":
            return {"status": status, "user": user, "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False}
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        return {"status": status, "user": user}

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        chat = self._known_chat(params.get("chat_id"))
        message = self.bot_messages.get((chat["id"], int(params.get("message_id") or 0)))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        plain = checked_text(params.get("text"), params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        if params["text"] == message.text and params.get("reply_markup") == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup "
                                "are exactly the same as a current content and reply markup of the message")
        message.text, message.plain, message.parse_mode = params["text"], plain, params.get("parse_mode")
        message.reply_markup = params.get("reply_markup")
        message.history.append(params["text"])
        return self._message_json(message)

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        self._known_chat(params.get("chat_id"))
        if params.get("action") not in {"typing", "upload_document", "upload_photo", "record_voice", "choose_sticker"}:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")) for c in commands):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = commands
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query_id = params.get("callback_query_id")
        if query_id in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers[str(query_id)] = params
        return True

    async def _answer_inline_query(self, params: dict[str, Any]) -> Any:
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        for result in results:
            content = result.get("input_message_content") or {}
            checked_text(content.get("message_text"), content.get("parse_mode"))
        self.inline_answers[str(params.get("inline_query_id"))] = results
        return True

    async def _get_file(self, params: dict[str, Any]) -> Any:
        found = self.files.get(str(params.get("file_id")))
        if found is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = found
        return {"file_id": params["file_id"], "file_unique_id": f"u{params['file_id']}", "file_size": len(content), "file_path": path}

    # -- helpers ---------------------------------------------------------------------------

    def _reachable_chat(self, chat_id: Any) -> dict[str, Any]:
        """A chat the bot may write to: known, and not one whose user blocked the bot."""
        chat = self._known_chat(chat_id)
        if chat["id"] in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user" if chat["type"] == "private"
                           else "Forbidden: bot was kicked from the group chat")
        return chat

    def _known_chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
