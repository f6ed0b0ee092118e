"""Admin commands and uploads: only NEWSBOT_ADMINS may change the corpus or see the statistics."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from bot_harness import ADMIN_ID, USER_ID, names_in, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import BotMessage, FakeTelegram

NEW_ARTICLE = "Bridge opens\nThe new river bridge opened to traffic on Monday after four years of work."


def is_final(message: BotMessage) -> bool:
    return message.plain.startswith(("✅", "❌"))


class TestReindex:
    async def test_progress_is_edited_into_one_message_while_other_chats_are_answered(
        self, telegram: FakeTelegram, running_bot, engine: FakeEngine, corpus_dir: Path
    ):
        engine.rebuild_gate = threading.Event()
        engine.rebuild_step_seconds = 0.12  # longer than the test's progress interval (0.05 s)
        (corpus_dir / "bridge.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        admin, user = telegram.user(ADMIN_ID, "Ada"), telegram.user(USER_ID)
        admin_chat = telegram.private_chat(admin)
        command = telegram.send_text(admin_chat, admin, "/reindex")
        status = await wait_reply(telegram, command)
        await telegram.wait_for(lambda: len({t for t in status.history if "embedding chunks" in t}) >= 2)

        # The rebuild is held open: questions are answered meanwhile, from the old index.
        assert engine.reindexing
        old = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "When did the bridge open?"))
        assert old[0].plain.startswith("Not found")
        again = await wait_reply(telegram, telegram.send_text(admin_chat, admin, "/reindex"))
        assert "already running" in again.plain
        assert engine.reindexing and not is_final(status)

        engine.rebuild_gate.set()
        await telegram.wait_for(lambda: is_final(status))
        assert status.plain.startswith("✅ Reindexing: done.")
        assert "indexed 3 articles" in status.plain
        progress = [t for t in status.history[1:-1] if "▓" in t or "░" in t]
        assert len(progress) >= 2 and len(set(progress)) == len(progress)  # only edits that change something
        assert "(1/3)" in status.history[1] or "(2/3)" in status.history[1]
        assert all(call.ok for call in telegram.calls_to("editMessageText"))
        new = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "When did the bridge open?"))
        assert "The new river bridge opened to traffic on Monday" in new[0].plain

    async def test_non_admins_are_refused_and_nothing_happens(self, telegram: FakeTelegram, running_bot, engine: FakeEngine,
                                                              corpus_dir: Path):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        for command in ("/reindex", "/stats", "/sources"):
            refusal = await wait_reply(telegram, telegram.send_text(chat, user, command))
            assert refusal.plain == "Sorry, only the bot's admins can do that."
        document = telegram.send_document(chat, user, "bridge.txt", NEW_ARTICLE.encode())
        assert (await wait_reply(telegram, document)).plain == "Sorry, only the bot's admins can do that."
        assert engine.generation == 1
        assert names_in(corpus_dir) == ["harbour.txt", "talks.txt"]
        assert telegram.calls_to("getFile") == []


class TestUpload:
    async def test_admin_upload_is_indexed_and_then_answerable(self, telegram: FakeTelegram, running_bot, engine: FakeEngine,
                                                              corpus_dir: Path):
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        document = telegram.send_document(chat, admin, "../../Bridge opens!.txt", NEW_ARTICLE.encode())
        status = await wait_reply(telegram, document)
        await telegram.wait_for(lambda: is_final(status))
        assert status.plain.startswith("✅ Indexing Bridge_opens.txt: done.")
        assert (corpus_dir / "Bridge_opens.txt").read_text(encoding="utf-8") == NEW_ARTICLE
        assert not (corpus_dir.parent.parent / "Bridge opens!.txt").exists()
        assert names_in(corpus_dir) == ["Bridge_opens.txt", "harbour.txt", "talks.txt"]
        user = telegram.user(USER_ID)
        (answer,) = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "When did the bridge open?"))
        assert "The new river bridge opened to traffic on Monday" in answer.plain
        assert "Bridge opens — Test Wire" in answer.plain

    async def test_a_second_upload_with_the_same_name_does_not_overwrite(self, telegram: FakeTelegram, running_bot,
                                                                         corpus_dir: Path):
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        status = await wait_reply(telegram, telegram.send_document(chat, admin, "talks.txt", NEW_ARTICLE.encode()))
        await telegram.wait_for(lambda: is_final(status))
        assert "talks-2.txt" in status.plain
        assert (corpus_dir / "talks.txt").read_text(encoding="utf-8").startswith("Leaders meet")

    async def test_refused_types_and_sizes(self, telegram: FakeTelegram, running_bot, engine: FakeEngine, corpus_dir: Path):
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        exe = await wait_reply(telegram, telegram.send_document(chat, admin, "tool.exe", b"MZ", "application/octet-stream"))
        assert exe.plain == "I can only add .txt, .md, .html, .jsonl files, not .exe."
        big = telegram.send_document(chat, admin, "big.txt", b"x", file_size=50 * 2**20)
        assert "the limit is 5 MB" in (await wait_reply(telegram, big)).plain
        assert engine.generation == 1 and telegram.calls_to("getFile") == []
        assert names_in(corpus_dir) == ["harbour.txt", "talks.txt"]


class TestStatsAndSources:
    async def test_sources_are_paged(self, telegram: FakeTelegram, running_bot, engine: FakeEngine, corpus_dir: Path):
        import asyncio

        for number in range(13):
            (corpus_dir / f"extra{number:02d}.txt").write_text(f"Extra article {number}\nSentence {number}.", encoding="utf-8")
        await asyncio.to_thread(engine.reindex)
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        telegram.send_text(chat, admin, "/sources")
        page = (await telegram.wait_for(lambda: telegram.messages_in(chat["id"])))[0]
        assert page.plain.startswith("Articles 1–10 of 15")
        assert [b["text"] for b in page.buttons()] == ["Next ›"]
        query = telegram.press_button(admin, page, page.buttons()[0]["callback_data"])
        await telegram.wait_for(lambda: page.plain.startswith("Articles 11–15 of 15"))
        assert [b["text"] for b in page.buttons()] == ["‹ Previous"]
        assert "15. Leaders meet in Kuala Lumpur — Test Wire" in page.plain
        await telegram.wait_for(lambda: query in telegram.callback_answers)


class TestHostileUploadsAndShutdown:
    """Issue 11: refused uploads never stay in the corpus; no server path in chat; a stop during a
    rebuild is prompt."""

    @pytest.mark.parametrize(("name", "content", "reason"), [
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary file, not text"),
        ("blank.md", b"   \n\n  ", "empty file"),
        ("menu.txt", b"Home\n\nNews > Sport", "no article text after cleaning"),
    ])
    async def test_an_upload_that_gives_no_article_is_removed_and_refused(
        self, telegram: FakeTelegram, running_bot, engine: FakeEngine, corpus_dir: Path, name, content, reason
    ):
        before = names_in(corpus_dir)
        admin = telegram.user(ADMIN_ID, "Ada")
        refusal = await wait_reply(telegram, telegram.send_document(telegram.private_chat(admin), admin, name, content))
        assert refusal.plain == f"Not added: {name}: {reason}."
        assert names_in(corpus_dir) == before and not [n for n in os.listdir(corpus_dir) if n.startswith('.')]
        assert not engine.reindexing

    async def test_a_failed_reindex_shows_no_server_path(self, telegram: FakeTelegram, running_bot, corpus_dir: Path):
        shutil.rmtree(corpus_dir)
        os.mkdir(corpus_dir)
        admin = telegram.user(ADMIN_ID, "Ada")
        status = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/reindex"))
        await telegram.wait_for(lambda: is_final(status))
        assert status.plain.startswith("❌ Reindexing failed: no articles to index in")
        assert str(corpus_dir.parent) not in status.plain

    async def test_stopping_the_bot_during_a_rebuild_stops_the_rebuild(
        self, telegram: FakeTelegram, running_bot, engine: FakeEngine, corpus_dir: Path
    ):
        import time

        for number in range(30):
            (corpus_dir / f"extra{number:02d}.txt").write_text(f"Extra article {number}\nSentence {number}.", encoding="utf-8")
        engine.rebuild_step_seconds = 1.0  # a 30 s rebuild
        admin = telegram.user(ADMIN_ID, "Ada")
        status = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/reindex"))
        await telegram.wait_for(lambda: any("embedding chunks" in t for t in status.history))
        started = time.monotonic()
        await running_bot.stop()
        assert time.monotonic() - started < 10
        assert status.plain == "⏹ Reindexing stopped: the bot is shutting down; the old index is kept."
        assert not engine.reindexing

    async def test_stopping_the_bot_stops_the_rebuild_within_3_s_whatever_the_edit_interval(
        self, telegram: FakeTelegram, start_bot, engine: FakeEngine, corpus_dir: Path
    ):
        """Issue 20: the rebuild looked whether the bot was stopping only between two status edits."""
        import time

        for number in range(60):
            text = f"Extra article {number}\nSentence {number}."
            (corpus_dir / f"extra{number:02d}.txt").write_text(text, encoding="utf-8")
        bot = await start_bot(progress_interval=5.0)
        engine.rebuild_step_seconds = 0.2  # a 12 s rebuild, its status edited every 5 s
        admin = telegram.user(ADMIN_ID, "Ada")
        status = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/reindex"))
        await telegram.wait_for(lambda: any("embedding chunks" in t for t in status.history), within=15)
        started = time.monotonic()
        await bot.stop()
        assert time.monotonic() - started < 3
        assert status.plain == "⏹ Reindexing stopped: the bot is shutting down; the old index is kept."


class TestStopWhen:
    def test_the_progress_of_a_feeds_rebuild_stops_it_once_the_bot_stops(self):
        from newsbot.bot.rebuild import RebuildStopped, stop_when

        stopping = threading.Event()
        report = stop_when(stopping)
        report("embedding chunks", 1, 3)  # nothing happens while the bot runs
        stopping.set()
        with pytest.raises(RebuildStopped):
            report("embedding chunks", 2, 3)
        report("done", 1, 1)  # the new index is in place: nothing to stop
