"""The shared database goes away while the bot runs (issue 20): questions are asked to try again
within seconds, the log has one warning line (not a traceback per question), /stats still answers,
and answers resume when the database is back.

The real engine answers from PostgreSQL (an embedder without a model run, as in tests/index); the
database is taken away by refusing new connections to it and ending the open ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from bot_harness import ADMIN_ID, USER_ID, RunningBot, wait_answer, wait_reply
from fake_embedder import FakeEmbedder
from fake_telegram import FakeTelegram

from newsbot.bot.app import build_application
from newsbot.bot.settings import Settings
from newsbot.index.engine import Engine


class Outage:
    """Take the test's database away and bring it back, from the server's admin connection."""

    def __init__(self, server: Any, url: str) -> None:
        self.admin = server.get_uri()
        self.name = urlsplit(url).path.lstrip("/")

    def start(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            )

    def end(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def outage(postgres_server: Any, database_url: str) -> Iterator[Outage]:
    taken = Outage(postgres_server, database_url)
    yield taken
    taken.end()


@pytest.fixture
def pg_settings(bot_env: dict[str, str], database_url: str) -> Settings:
    return Settings.from_env({**bot_env, "NEWSBOT_DATABASE_URL": database_url}, progress_interval=0.05)


class TestTheDatabaseGoesAway:
    async def test_questions_are_asked_to_try_again_and_answers_resume(
        self,
        telegram: FakeTelegram,
        pg_settings: Settings,
        corpus_dir: Path,
        outage: Outage,
        caplog: pytest.LogCaptureFixture,
    ):
        engine = Engine(embedder=FakeEmbedder(), config=pg_settings.engine, corpus_paths=[corpus_dir])
        bot = RunningBot(build_application(pg_settings, engine))
        await bot.start_polling()
        try:
            admin = telegram.user(ADMIN_ID, "Ada")
            first = telegram.user(USER_ID)
            question = "Who attended the Kuala Lumpur talks?"
            await wait_answer(telegram, telegram.send_text(telegram.private_chat(first), first, question))

            caplog.clear()
            outage.start()
            for number in range(4):
                user = telegram.user(USER_ID + 10 + number)
                started = time.monotonic()
                reply = await wait_reply(
                    telegram, telegram.send_text(telegram.private_chat(user), user, question), within=10
                )
                assert time.monotonic() - started < 5
                assert "try again in a moment" in reply.plain
            stats = await wait_reply(
                telegram, telegram.send_text(telegram.private_chat(admin), admin, "/stats"), within=10
            )
            assert stats.plain.startswith("Index") and "cannot be reached" in stats.plain

            # Questions, buttons and /stats; the follow notifier (bot/follows.py) reports its own polls.
            ours = [r for r in caplog.records if not r.name.startswith("newsbot.bot.follows")]
            assert not [r for r in ours if r.exc_info or r.levelno >= logging.ERROR], caplog.text
            warnings = [r.getMessage() for r in ours if r.levelno == logging.WARNING]
            assert len([w for w in warnings if "cannot be reached" in w]) == 1, warnings
            assert len(warnings) <= 3, warnings  # ours, and psycopg's pool at most once a minute

            outage.end()
            back = telegram.user(USER_ID + 50)
            chat = telegram.private_chat(back)
            deadline = time.monotonic() + 20
            while True:  # the pool reconnects within seconds
                reply = await wait_reply(telegram, telegram.send_text(chat, back, question), within=10)
                if "try again" not in reply.plain or time.monotonic() > deadline:
                    break
            assert "try again" not in reply.plain
            assert any("is back after" in r.getMessage() for r in caplog.records)
        finally:
            await bot.stop()
            engine.close()
