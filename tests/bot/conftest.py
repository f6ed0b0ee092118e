"""Fixtures: the fake Bot API server, a corpus directory, a fake engine, and the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from bot_harness import ADMIN_ID, ARTICLES, RunningBot, StartBot
from fake_engine import FakeEngine
from fake_telegram import TOKEN, FakeTelegram

from newsbot.bot.app import build_application
from newsbot.bot.settings import Settings


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    for name, text in ARTICLES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def engine(corpus_dir: Path) -> FakeEngine:
    return FakeEngine([corpus_dir])


@pytest.fixture
def bot_env(telegram: FakeTelegram, corpus_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The environment `newsbot serve` is started with, pointing at the fake server."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "NEWSBOT_ADMINS": f"{ADMIN_ID}, 999",
        "NEWSBOT_CORPUS": str(corpus_dir),
        "NEWSBOT_INDEX_DIR": str(tmp_path / "index"),
        "NEWSBOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "NEWSBOT_COOLDOWN": "0",
    }


@pytest.fixture
def settings(bot_env: dict[str, str]) -> Settings:
    return Settings.from_env(bot_env, progress_interval=0.05)


@pytest.fixture
async def running_bot(telegram: FakeTelegram, settings: Settings, engine: FakeEngine) -> AsyncIterator[RunningBot]:
    """newsbot polling the fake server, answering from the fake engine."""
    bot = RunningBot(build_application(settings, engine))
    await bot.start_polling()
    try:
        yield bot
    finally:
        for gate in [engine.rebuild_gate, *engine.slow.values()]:
            if gate is not None:
                gate.set()  # a failed test must not leave a worker thread waiting
        await bot.stop()



@pytest.fixture
async def start_bot(telegram: FakeTelegram, settings: Settings, engine: FakeEngine) -> AsyncIterator[StartBot]:
    """`await start_bot(poll_timeout=1, read_timeout=1, …)`: newsbot polling with these settings changed."""
    started: list[RunningBot] = []

    async def start(poll_timeout: float = 2.0, **overrides: Any) -> RunningBot:
        bot = RunningBot(build_application(replace(settings, **overrides), engine))
        started.append(bot)
        await bot.start_polling(poll_timeout=poll_timeout)
        return bot

    yield start
    for gate in [engine.rebuild_gate, *engine.slow.values()]:
        if gate is not None:
            gate.set()
    for bot in started:
        await bot.stop()
