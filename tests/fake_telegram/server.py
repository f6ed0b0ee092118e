"""The fake server: HTTP on 127.0.0.1, dispatch to the methods, faults, and what tests observe."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from fake_telegram.methods import BotApiMethods
from fake_telegram.records import BotMessage, BotPhoto, Call, Fault
from fake_telegram.rules import ApiError
from fake_telegram.updates import UpdateFeeder

BOT_ID = 7_000_001
BOT_USERNAME = "newsbot_test_bot"
TOKEN = "7000001:AAFfakeTokenForTestsOnly-0123456789"

T = TypeVar("T")

# Fields whose values are strings even when they look like JSON ("123" as a question stays text).
_STRING_FIELDS = {
    "text", "caption", "query", "url", "secret_token", "callback_query_id", "inline_query_id", "file_id",
    "parse_mode", "action", "description", "short_description", "next_offset", "inline_message_id",
}

# The API methods: BotApiMethods' coroutines (its plain functions are helpers).
_METHODS = {name for name, value in vars(BotApiMethods).items() if inspect.iscoroutinefunction(value)}


class FakeTelegram(UpdateFeeder, BotApiMethods):
    """The fake server; `async with FakeTelegram() as telegram:` or start() / stop()."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.bot_user = {
            "id": BOT_ID, "is_bot": True, "first_name": "NewsBot", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []  # told of every recorded call (cheaper than wait_for at scale)
        self.faults: list[Fault] = []
        self.fault_log: list[tuple[str, Fault]] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.bot_messages: dict[tuple[int, int], BotMessage] = {}
        self.user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}
        self.commands: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, tuple[str, bytes]] = {}
        self.photos: list[BotPhoto] = []  # sendPhoto's uploads
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) -> getChatMember's status (default "member")
        self.blocked: set[int] = set()  # chats whose user blocked the bot (or that removed it): sends are 403
        self.confirmed_offset = 0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._closing = True  # long polls in flight return now instead of at their timeout
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For TELEGRAM_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- faults ----------------------------------------------------------------------------

    def inject(self, method: str, **fault: Any) -> Fault:
        """Make the next `times` calls of `method` fail; see `Fault` for the kinds."""
        added = Fault(method=method, **fault)
        self.faults.append(added)
        return added

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method.lower() in (method.lower(), "*"):
                fault.times -= 1
                self.fault_log.append((method, fault))
                return fault
        return None

    # -- observing -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def messages_in(self, chat_id: int) -> list[BotMessage]:
        return sorted((m for (chat, _), m in self.bot_messages.items() if chat == chat_id), key=lambda m: m.message_id)

    def replies_to(self, message: dict[str, Any]) -> list[BotMessage]:
        """The bot's messages sent as replies to `message` (a multi-part answer quotes it in its first part)."""
        return [m for m in self.messages_in(message["chat"]["id"]) if m.reply_to == message["message_id"]]

    async def wait_for(self, predicate: Callable[[], T], within: float = 5.0) -> T:
        """Wait until `predicate()` is truthy (checked after every request, and every 50 ms) and return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - loop.time()
                if remaining <= 0:
                    recent = ", ".join(f"{c.method}{'' if c.ok else ' (' + c.error + ')'}" for c in self.calls[-15:])
                    raise AssertionError(f"timed out after {within}s waiting; last calls: {recent}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    def _notify(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(notify())

    # -- the API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        fault = self._take_fault(method)
        if fault is not None and not fault.after:
            response = await self._apply_fault(fault, request, call)
            if response is not None:
                return response
        name = "_" + _snake(method)
        handler = getattr(self, name) if name in _METHODS else None
        try:
            if handler is None:
                raise ApiError(400, f"Bad Request: method {method!r} not found")
            call.result = await handler(params)
        except ApiError as error:
            call.ok, call.error = False, error.description
            self._record(call)
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
            return web.json_response(body, status=error.code)
        self._record(call)
        if fault is not None and fault.after:
            return await self._reset(request)
        return web.json_response({"ok": True, "result": call.result})

    async def _apply_fault(self, fault: Fault, request: web.Request, call: Call) -> web.StreamResponse | None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.reset:
            call.ok, call.error = False, "connection reset (injected)"
            self._record(call)
            return await self._reset(request)
        if fault.status is not None:
            description = fault.description or {
                429: f"Too Many Requests: retry after {fault.retry_after}", 500: "Internal Server Error", 502: "Bad Gateway",
            }.get(fault.status, "Injected error")
            call.ok, call.error = False, f"{fault.status} {description} (injected)"
            self._record(call)
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": description}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return web.json_response(body, status=fault.status)
        return None  # a pure delay: answer normally, late

    @staticmethod
    async def _reset(request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)  # never reaches the client

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        self._notify()

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        for path, content in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=content)
        return web.Response(status=404, text="Not Found")

def _snake(method: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


async def _params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string, a form (what PTB sends) or a JSON body."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    if request.can_read_body:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
        for key, value in form.items():  # an uploaded file (sendPhoto): its name and bytes
            if isinstance(value, web.FileField):
                params[key] = {"filename": value.filename, "content": value.file.read()}
    for key, value in list(params.items()):
        if isinstance(value, str) and key not in _STRING_FIELDS:
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params
