"""`newsbot serve` as a process (with the fake engine): --log-level, one log line per question,
and a graceful stop on SIGTERM that finishes the answers in flight and loses no question."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from bot_harness import OTHER_USER_ID, USER_ID, wait_answer
from fake_telegram import TOKEN, FakeTelegram

from newsbot.cli.main import build_parser

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).resolve().parent / "serve_fake_engine.py"
SLOW_SECONDS = 1.5
QUESTION_LINE = re.compile(r" INFO newsbot\.questions: question (.*)$")


async def start_serve(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "PYTHONPATH") if key in os.environ}
    return await asyncio.create_subprocess_exec(
        sys.executable, str(LAUNCHER), *args, cwd=REPO, env={**base, **env, "NEWSBOT_TEST_SLOW_SECONDS": str(SLOW_SECONDS)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


def fields(line: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in line.split())


class TestLogLevel:
    @pytest.mark.parametrize(("argv", "level"), [
        (["serve"], "WARNING"),
        (["--log-level", "DEBUG", "serve"], "DEBUG"),
        (["serve", "--log-level", "INFO"], "INFO"),
        (["--log-level", "ERROR", "serve", "--log-level", "INFO"], "INFO"),  # the nearer flag wins
    ])
    def test_serve_takes_the_flag_before_or_after_the_command(self, argv: list[str], level: str):
        assert build_parser().parse_args(argv).log_level == level


class TestGracefulShutdown:
    async def test_sigterm_finishes_the_answer_in_flight_and_logs_one_line_per_question(
        self, telegram: FakeTelegram, bot_env: dict[str, str]
    ):
        process = await start_serve(bot_env, "serve", "--log-level", "INFO")
        try:
            # Ready once it has published its commands; the first long poll picks the questions up.
            await telegram.wait_for(lambda: telegram.commands or process.returncode is not None, within=30)
            assert process.returncode is None
            user, other = telegram.user(USER_ID), telegram.user(OTHER_USER_ID, "Bob")
            quick = telegram.send_text(telegram.private_chat(user), user, "Who attended the Kuala Lumpur talks?")
            await wait_answer(telegram, quick)
            slow = telegram.send_text(telegram.private_chat(other), other, "When did the harbour reopen, slowly?")
            slow_update = telegram._updates[-1]["update_id"]
            await telegram.wait_for(lambda: [c for c in telegram.calls_to("sendChatAction") if c.params["chat_id"] == OTHER_USER_ID])
            assert telegram.replies_to(slow) == []  # the engine is still at it
            process.send_signal(signal.SIGTERM)
            late = telegram.send_text(telegram.private_chat(user), user, "When did the fishing boats return?")
            late_update = telegram._updates[-1]["update_id"]
            stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        log = stderr.decode()
        assert process.returncode == 0, log
        assert log.rstrip().endswith("newsbot: stopped")

        # The answer in flight was finished and sent, and Telegram was told the bot has that update.
        (answer,) = await wait_answer(telegram, slow, within=1)
        assert "harbour reopened" in answer.plain
        assert telegram.confirmed_offset > slow_update
        # The question sent during shutdown is not lost: answered, or left with Telegram for the next start.
        late_replies = telegram.replies_to(late)
        assert len(late_replies) == 1 or telegram.confirmed_offset <= late_update

        # One line per question: chat type, outcome, latency; no question text, no token.
        lines = [QUESTION_LINE.search(line) for line in log.splitlines()]
        logged = [fields(match.group(1)) for match in lines if match]
        assert len(logged) == 2 + len(late_replies)
        assert all(entry["chat"] == "private" and entry["outcome"] == "answered" for entry in logged)
        slowest = max(logged, key=lambda entry: int(entry["latency_ms"]))
        assert int(slowest["latency_ms"]) >= SLOW_SECONDS * 1000 and int(slowest["engine_ms"]) >= SLOW_SECONDS * 1000
        assert {"parts", "chars", "queued", "id", "index"} <= slowest.keys()
        for text in ("Kuala Lumpur", "harbour", "slowly", "fishing"):
            assert text not in log
        assert TOKEN.split(":")[1] not in log + stdout.decode()


async def _sigterm_within(process: asyncio.subprocess.Process, seen: bytes, seconds: float) -> str:
    """SIGTERM `process`, assert it exits within `seconds`, and return everything it wrote on stderr
    (`seen`, read so far, and the rest); a process that outlives the test is killed."""
    import time

    try:
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, rest = await asyncio.wait_for(process.communicate(), 30)
        log = (seen + rest).decode()
        assert time.monotonic() - started < seconds, log
        return log
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


class TestStopDuringTheStartUpBuild:
    async def test_sigterm_during_the_first_build_exits_within_3_s(self, telegram: FakeTelegram, bot_env: dict[str, str],
                                                                    corpus_dir: Path):
        """Issues 11 and 20: a slow first build (30 articles, 1 s each) is stopped at its next step."""

        for number in range(30):
            (corpus_dir / f"extra{number:02d}.txt").write_text(f"Extra article {number}\nSentence {number}.", encoding="utf-8")
        process = await start_serve({**bot_env, "NEWSBOT_TEST_REBUILD_STEP_SECONDS": "1"}, "serve")
        seen = b""
        try:
            assert process.stderr is not None
            while b"embedding chunks" not in seen:  # the build is under way
                seen += await asyncio.wait_for(process.stderr.read(200), 30)
        finally:
            log = await _sigterm_within(process, seen, 3.0)
        assert "Traceback" not in log, log
        assert not telegram.commands  # it never got as far as serving


class TestStopWhileSplittingAHostileArticle:
    async def test_sigterm_while_the_real_engine_splits_exits_within_3_s(
        self, telegram: FakeTelegram, bot_env: dict[str, str], corpus_dir: Path
    ):
        """Issue 20: a 2.6 MB paragraph of abbreviations held SIGTERM up for 25 s (the real engine; the
        model is never loaded, since the build stops before it embeds)."""

        (corpus_dir / "hostile.txt").write_text("Abbreviations\n" + "Mr. Dr. U.S. " * 200_000, encoding="utf-8")
        base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "PYTHONPATH") if key in os.environ}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "newsbot.cli.main",
            "serve",
            cwd=REPO,
            env={**base, **bot_env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        seen = b""
        try:
            assert process.stderr is not None
            while b"splitting sentences" not in seen:
                chunk = await asyncio.wait_for(process.stderr.read(200), 60)
                assert chunk, seen.decode()
                seen += chunk
            await asyncio.sleep(0.5)  # inside the long article now
        finally:
            log = await _sigterm_within(process, seen, 3.0)
        assert "Traceback" not in log, log
        assert not telegram.commands
