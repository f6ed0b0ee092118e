"""Reindex under load: questions keep flowing during /reindex, none fails, and the answers switch
to the new index at one moment.

"At one moment" as a user can see it: once an answer from the new index has arrived anywhere, no
question asked after that is answered from the old one; and in the engine's own order (the order
in which answers took their snapshot of the index) the generations never go back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from bot_harness import ADMIN_ID, RunningBot, StartBot, wait_reply
from fake_engine import FakeEngine
from fake_telegram import Call, FakeTelegram

from newsbot.bot.app import NETWORK_NOTE, SORRY, build_application, build_engine
from newsbot.bot.settings import Settings

CHATS = 20
NEW_ARTICLE = "Bridge opens\nThe new river bridge opened to traffic on Monday after four years of work."


@dataclass(frozen=True)
class Asked:
    chat_id: int
    asked_at: float
    answered_at: float
    new_index: bool  # answered from the index that has the bridge article


class AskingChats:
    """Chats that ask about the new article over and over, each as soon as its last answer came."""

    def __init__(self, telegram: FakeTelegram, question: str = "When did the bridge open?") -> None:
        self.telegram, self.question = telegram, question
        self.results: list[Asked] = []
        self.replies: list[str] = []
        self.stop = asyncio.Event()
        self._waiting: dict[int, asyncio.Future[tuple[float, str]]] = {}
        telegram.listeners.append(self._on_call)

    def _on_call(self, call: Call) -> None:
        if call.method == "sendMessage" and call.ok:
            future = self._waiting.get(int(call.params["chat_id"]))
            if future is not None and not future.done():
                future.set_result((time.monotonic(), str(call.params["text"])))

    async def chat(self, user_id: int) -> None:
        user = self.telegram.user(user_id, f"U{user_id}")
        chat = self.telegram.private_chat(user)
        number = 0
        while not self.stop.is_set():
            self._waiting[user_id] = asyncio.get_running_loop().create_future()
            asked = time.monotonic()
            self.telegram.send_text(chat, user, f"{self.question} {user_id}q{number}")
            answered, text = await asyncio.wait_for(self._waiting[user_id], 10)
            self.replies.append(text)
            self.results.append(Asked(user_id, asked, answered, "bridge opened" in text))
            number += 1


class TestReindexUnderLoad:
    async def test_questions_flow_and_switch_to_the_new_index_at_one_moment(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, corpus_dir: Path
    ):
        await start_bot(workers=4, progress_interval=0.05, rate_limit_per_second=5000)
        engine.rebuild_gate = threading.Event()
        engine.rebuild_step_seconds = 0.05
        engine.answer_seconds = 0.002
        (corpus_dir / "bridge.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        chats = AskingChats(telegram)
        asking = asyncio.gather(*(chats.chat(8000 + n) for n in range(CHATS)))

        await asyncio.sleep(0.2)
        admin = telegram.user(ADMIN_ID, "Ada")
        status = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/reindex"))
        await telegram.wait_for(lambda: engine.reindexing and any("embedding" in t for t in status.history), within=5)
        during = len(chats.results)
        await asyncio.sleep(0.3)  # questions answered while the rebuild runs
        assert len(chats.results) > during + CHATS and engine.reindexing
        engine.rebuild_gate.set()
        await telegram.wait_for(lambda: status.plain.startswith("✅"), within=5)
        await asyncio.sleep(0.3)  # and after the switch
        chats.stop.set()
        await asking

        # None failed: every reply is an answer (the old index's "not found" or the new one's sentence);
        # after the first new answer arrived, every question asked got the new index.
        old, new = assert_switched_once(chats)
        assert all("bridge opened" in text or "Not found in my articles." in text for text in chats.replies)
        assert len(old) > 2 * CHATS and len(new) > CHATS
        # And in the engine's order of snapshots the generations never go back.
        generations = [a.generation for a in engine.answered if "bridge" in a.question]
        assert generations == sorted(generations, key=lambda g: int(g.split("-")[1]))
        assert {generations[0], generations[-1]} == {"gen-1", "gen-2"}


def assert_switched_once(chats: AskingChats) -> tuple[list[Asked], list[Asked]]:
    """No reply failed; after the first new answer arrived, no question asked got the old index, and no
    chat ever went back to it."""
    assert not [text for text in chats.replies if text in (SORRY, NETWORK_NOTE) or "wrong" in text]
    old = [r for r in chats.results if not r.new_index]
    new = [r for r in chats.results if r.new_index]
    switch = min(r.answered_at for r in new)
    assert not [r for r in old if r.asked_at > switch]
    for chat_id in {r.chat_id for r in chats.results}:
        seen = [r.new_index for r in chats.results if r.chat_id == chat_id]
        assert seen == sorted(seen), f"chat {chat_id} went back to the old index: {seen}"
    return old, new


@pytest.mark.model
class TestReindexUnderLoadRealEngine:
    async def test_the_real_engine_swaps_its_index_at_one_moment_while_answering(
        self, telegram: FakeTelegram, settings: Settings, corpus_dir: Path, caplog
    ):
        """The engine's own snapshot swap, under the bot's two pools: answers during the rebuild come from
        the old generation, then all from the new one; each answer names its generation in its log line."""
        caplog.set_level(logging.INFO, logger="newsbot.questions")
        settings = replace(settings, workers=2, rate_limit_per_second=5000)
        bot = RunningBot(build_application(settings, build_engine(settings)))
        await bot.start_polling()
        try:
            (corpus_dir / "bridge.txt").write_text(NEW_ARTICLE, encoding="utf-8")
            chats = AskingChats(telegram, "When did the new river bridge open to traffic?")
            asking = asyncio.gather(*(chats.chat(8100 + n) for n in range(4)))
            await asyncio.sleep(0.3)
            admin = telegram.user(ADMIN_ID, "Ada")
            status = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/reindex"))
            await telegram.wait_for(lambda: status.plain.startswith(("✅", "❌")), within=120)
            assert status.plain.startswith("✅"), status.plain
            await asyncio.sleep(0.5)
            chats.stop.set()
            await asking
        finally:
            await bot.stop()
        old, new = assert_switched_once(chats)
        assert old and new
        # The generation each answer came from (its log line) agrees with what the user saw.
        generations = [r.question["index"] for r in caplog.records if hasattr(r, "question")]  # type: ignore[attr-defined]
        first, last = generations[0], generations[-1]
        assert first != last and set(generations) == {first, last}
        assert generations.count(first) == len(old) and generations.count(last) == len(new)
