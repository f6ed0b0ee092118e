"""Two `newsbot serve` replicas on webhooks behind a loopback load balancer, sharing PostgreSQL.

Telegram (the fake Bot API plus a delivery loop here, as Telegram does it) posts each update to
the balancer and posts it again until it gets a 200. One replica is killed while it holds
questions; every question is still answered exactly once, and /stats counts the same on both.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientError, ClientSession, ClientTimeout, web
from bot_harness import ADMIN_ID, free_port
from fake_telegram import FakeTelegram
from fake_telegram.updates import SECRET_HEADER

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).resolve().parent / "serve_fake_engine.py"
SECRET = "replicas-Secret_1"
SLOW_SECONDS = 1.0


class Balancer:
    """Round robin over the replicas' webhook ports; a replica that fails gives the sender a 502,
    as nginx does for a POST, and Telegram delivers again."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = itertools.cycle(ports)
        self.port = free_port()
        self.runner: web.AppRunner | None = None
        self.session: ClientSession | None = None

    async def start(self) -> Balancer:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.session = ClientSession(timeout=ClientTimeout(total=30))
        return self

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.runner is not None:
            await self.runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self.session is not None
        body = await request.read()
        port = next(self.ports)
        try:
            async with self.session.post(f"http://127.0.0.1:{port}{request.path}", data=body, headers={
                "Content-Type": "application/json", SECRET_HEADER: request.headers.get(SECRET_HEADER, "")}) as response:
                return web.Response(status=response.status, body=await response.read())
        except (TimeoutError, ClientError):
            return web.Response(status=502)


async def deliver(url: str, update: dict[str, Any], attempts: int = 100) -> int:
    """Post `update` until a 200, as Telegram does; returns how many posts it took."""
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        for attempt in range(1, attempts + 1):
            try:
                async with session.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
                    if response.status == 200:
                        return attempt
            except (TimeoutError, ClientError):
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"update {update['update_id']} never got a 200")


async def start_replica(env: dict[str, str], port: int, log: Any) -> asyncio.subprocess.Process:
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "PYTHONPATH") if key in os.environ}
    return await asyncio.create_subprocess_exec(
        sys.executable, str(LAUNCHER), "--log-level", "INFO", "serve", "--listen", "127.0.0.1", "--port", str(port), cwd=REPO,
        env={**base, **env}, stdout=asyncio.subprocess.DEVNULL, stderr=log,
    )


def _open_logs(directory: Path) -> list[Any]:
    """Each replica's stderr, kept in a file for a failure's message (a plain function: no blocking in async code)."""
    return [open(directory / f"replica-{n}.log", "w") for n in range(2)]  # noqa: SIM115 - closed by the fixture


def _read(path: str) -> str:
    return Path(path).read_text()


@pytest.fixture
async def replicas(telegram: FakeTelegram, bot_env: dict[str, str], database_url: str, tmp_path: Path) -> AsyncIterator[tuple[list[Any], Balancer]]:
    ports = [free_port(), free_port()]
    balancer = await Balancer(ports).start()
    env = {**bot_env, "NEWSBOT_DATABASE_URL": database_url, "NEWSBOT_WEBHOOK_SECRET": SECRET,
           "NEWSBOT_WEBHOOK_URL": f"http://127.0.0.1:{balancer.port}/newsbot/hook",
           "NEWSBOT_TEST_SLOW_SECONDS": str(SLOW_SECONDS), "NEWSBOT_WORKERS": "2"}
    logs = _open_logs(tmp_path)
    processes = [await start_replica(env, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        await telegram.wait_for(lambda: len(telegram.calls_to("setWebhook")) >= 2 or any(p.returncode is not None for p in processes), within=60)
        for process, log in zip(processes, logs, strict=True):
            assert process.returncode is None, _read(log.name)
        yield processes, balancer
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            await asyncio.wait_for(process.wait(), 60)
        await balancer.stop()
        for log in logs:
            log.close()


class TestReplicas:
    async def test_every_question_answered_once_when_a_replica_dies(self, telegram: FakeTelegram, replicas: tuple[list[Any], Balancer]):
        processes, balancer = replicas
        url = f"http://127.0.0.1:{balancer.port}/newsbot/hook"
        questions = []
        for n in range(8):
            user = telegram.user(5000 + n)
            questions.append(telegram.message(telegram.private_chat(user), user, "Who attended the Kuala Lumpur talks, slowly?"))
        updates = [{"update_id": 70_000 + n, "message": q} for n, q in enumerate(questions)]
        deliveries = [asyncio.ensure_future(deliver(url, update)) for update in updates]
        await asyncio.sleep(SLOW_SECONDS / 2)  # both replicas hold questions in their engines now
        processes[0].send_signal(signal.SIGKILL)
        posts = await asyncio.gather(*deliveries)
        assert max(posts) > 1  # some updates went unacknowledged by the killed replica and came again
        await telegram.wait_for(lambda: all(telegram.replies_to(q) for q in questions), within=30)
        for update in updates:  # Telegram may also deliver an update again after a 200 it never saw
            await deliver(url, update)
        await asyncio.sleep(SLOW_SECONDS)
        for question in questions:
            replies = telegram.replies_to(question)
            assert len(replies) == 1 and "Kuala Lumpur talks" in replies[0].plain

        admin = telegram.user(ADMIN_ID, "Ada")
        for n in range(2):
            stats = telegram.message(telegram.private_chat(admin), admin, "/stats")
            assert await deliver(url, {"update_id": 80_000 + n, "message": stats}) >= 1
            (reply,) = await telegram.wait_for(lambda stats=stats: telegram.replies_to(stats), within=10)
            assert "Asked: 8 · answered: 8" in reply.plain


class TestServeWithABadDatabase:
    async def test_an_unreachable_database_is_one_line_before_telegram_is_asked(self, telegram: FakeTelegram,
                                                                              bot_env: dict[str, str], tmp_path: Path):
        env = {**bot_env, "NEWSBOT_DATABASE_URL": "postgresql://newsbot:hunter2@127.0.0.1:1/newsbot"}
        base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "PYTHONPATH") if key in os.environ}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "newsbot.cli.main", "serve", cwd=REPO, env={**base, **env},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 1
        lines = stderr.decode().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("newsbot serve: cannot reach the database at postgresql://newsbot:***@")
        assert "hunter2" not in stderr.decode() and telegram.calls == []
