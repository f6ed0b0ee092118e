"""`newsbot serve` as a process, started only with the environment variables of the contract."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from bot_harness import ADMIN_ID, USER_ID, wait_answer, wait_reply
from fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram

REPO = Path(__file__).resolve().parents[2]


async def start_serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    # Only the contract's variables (and what Python needs to run) reach the bot.
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "PYTHONPATH", "NEWSBOT_BACKEND") if key in os.environ}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "newsbot.cli.main", "serve", cwd=REPO, env={**base, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


class TestServe:
    async def test_a_token_telegram_rejects_is_a_one_line_error_without_the_token(self, telegram: FakeTelegram,
                                                                                  bot_env: dict[str, str]):
        rejected = "7000001:AAFsomeOtherTokenThatTelegramRejects0"
        process = await start_serve({**bot_env, "TELEGRAM_BOT_TOKEN": rejected})
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 1
        assert stderr.decode().strip().splitlines()[-1] == (
            "newsbot serve: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); check it with @BotFather")
        assert "Traceback" not in stderr.decode()
        assert rejected.split(":")[1] not in stdout.decode() + stderr.decode()
        assert telegram.calls == []  # refused before any method ran: 401 answers are not recorded

    @pytest.mark.model
    async def test_real_engine_end_to_end(self, telegram: FakeTelegram, bot_env: dict[str, str], tmp_path: Path):
        corpus = tmp_path / "articles"
        corpus.mkdir()
        (corpus / "dam.txt").write_text(
            "---\ntitle: Dam inspection finds cracks\nsource: River Times\ndate: 2024-03-04\n---\n"
            "Inspectors found three cracks in the Westbrook dam on Monday. The reservoir level was lowered by two metres "
            "as a precaution. Repairs are expected to take six weeks.", encoding="utf-8")
        (corpus / "orchestra.txt").write_text(
            "---\ntitle: Orchestra names new conductor\nsource: Arts Daily\ndate: 2024-03-05\n---\n"
            "The city orchestra named Maria Lindqvist as its new principal conductor. She will lead her first concert "
            "in September. The orchestra's season opens with Mahler's fifth symphony.", encoding="utf-8")
        (corpus / "ferry.txt").write_text(
            "---\ntitle: Ferry fares rise\nsource: Coast News\ndate: 2024-03-06\n---\n"
            "Ferry fares to the islands will rise by eight percent in April. The operator blamed higher fuel costs. "
            "Commuter passes are not affected.", encoding="utf-8")
        env = {**bot_env, "NEWSBOT_CORPUS": str(corpus), "NEWSBOT_COOLDOWN": "0"}
        process = await start_serve(env)
        try:
            await telegram.wait_for(lambda: telegram.commands or process.returncode is not None, within=240)
            assert process.returncode is None, (await process.stderr.read()).decode()  # type: ignore[union-attr]

            user = telegram.user(USER_ID)
            question = telegram.send_text(telegram.private_chat(user), user, "Who is the orchestra's new conductor?")
            (answer,) = await wait_answer(telegram, question, within=60)
            assert "Maria Lindqvist" in answer.plain
            assert "Orchestra names new conductor — Arts Daily, 2024-03-05" in answer.plain

            group = telegram.group_chat()
            chatter = telegram.send_text(group, user, "How many cracks were found in the dam?")
            mention = telegram.send_text(group, user, f"@{BOT_USERNAME} how many cracks were found in the dam?")
            (group_answer,) = await wait_answer(telegram, mention, within=60)
            assert "three cracks in the Westbrook dam" in group_answer.plain
            assert telegram.replies_to(chatter) == []

            off_topic = telegram.send_text(telegram.private_chat(user), user, "What is the capital of Mongolia?")
            (declined,) = await wait_answer(telegram, off_topic, within=60)
            assert declined.plain.startswith("Not found in my articles.")

            admin = telegram.user(ADMIN_ID, "Ada")
            stats = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/stats"), within=60)
            assert "Articles: 3 (2024-03-04 to 2024-03-06)" in stats.plain
            assert "Asked: 3 · answered: 2 · not found: 1" in stats.plain
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        assert TOKEN.split(":")[1] not in stdout.decode() + stderr.decode()
        assert (Path(bot_env["NEWSBOT_INDEX_DIR"]) / "current").exists()
