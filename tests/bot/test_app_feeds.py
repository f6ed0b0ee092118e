"""Feeds followed by the running bot: polled in the background, new items answerable, /feeds for admins.

A web server on 127.0.0.1 serves the feeds and pages; NEWSBOT_FEEDS_ALLOW_PRIVATE is on so the bot may
fetch from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from bot_harness import ADMIN_ID, USER_ID, RunningBot, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import FakeTelegram
from feed_server import FeedServer, article_html, rss

from newsbot.bot.app import build_application
from newsbot.bot.settings import Settings, SettingsError

LIGHTHOUSE = ("Lighthouse relit", "The Skerry lighthouse was relit on Sunday after a century of darkness.")
FERRY = ("Ferry returns", "The island ferry service returned on Thursday with two new boats.")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer().start()
    yield running
    running.stop()


def serve_feed(server: FeedServer, path: str, *stories: tuple[str, str], etag: str = "") -> str:
    items = []
    for title, text in stories:
        page = "/" + title.lower().replace(" ", "-") + ".html"
        server.route(page, article_html(title, text, "More details are expected later this week."))
        items.append((title, server.url(page), page))
    server.route(path, rss("Island Times", items), "application/rss+xml", etag=etag)
    return server.url(path)


def with_feeds(settings: Settings, *urls: str, **overrides: object) -> Settings:
    return replace(settings, feeds=urls, feeds_allow_private=True, feed_timeout=1.0, **overrides)  # type: ignore[arg-type]


class TestFollowing:
    async def test_new_items_are_fetched_and_answered_with_their_date(self, telegram: FakeTelegram, settings: Settings,
                                                                        engine: FakeEngine, server: FeedServer):
        url = serve_feed(server, "/feed.xml", LIGHTHOUSE)
        bot = RunningBot(build_application(with_feeds(settings, url), engine))
        await bot.start_polling()
        try:
            await telegram.wait_for(lambda: engine.generation >= 2)  # built at start, then again with the feed's item
            user = telegram.user(USER_ID)
            answer = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "When was the lighthouse relit?"))
            assert "relit on Sunday" in answer[0].plain
            assert "Island Times" in answer[0].plain and "2025-03-03" in answer[0].plain
        finally:
            await bot.stop()

    async def test_polls_again_conditionally_and_picks_up_new_items(self, telegram: FakeTelegram, settings: Settings,
                                                                     engine: FakeEngine, server: FeedServer):
        url = serve_feed(server, "/feed.xml", LIGHTHOUSE, etag='"one"')
        bot = RunningBot(build_application(with_feeds(settings, url, feed_interval=0.002), engine))  # every 0.12 s
        await bot.start_polling()
        try:
            await telegram.wait_for(lambda: engine.generation >= 2)
            await telegram.wait_for(lambda: server.hits("/feed.xml") >= 2)
            assert [r for r in server.requests if r.path == "/feed.xml"][-1].headers.get("if-none-match") == '"one"'
            assert engine.generation == 2  # nothing new: no rebuild
            serve_feed(server, "/feed.xml", LIGHTHOUSE, FERRY, etag='"two"')
            await telegram.wait_for(lambda: engine.generation >= 3)
            assert server.hits("/lighthouse-relit.html") == 1  # an item already fetched is not fetched again
            user = telegram.user(USER_ID)
            answer = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "When did the ferry return?"))
            assert "returned on Thursday" in answer[0].plain
        finally:
            await bot.stop()

    async def test_a_failing_feed_is_named_and_the_others_go_on(self, telegram: FakeTelegram, settings: Settings,
                                                                engine: FakeEngine, server: FeedServer):
        good = serve_feed(server, "/good.xml", FERRY)
        server.route("/broken.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Br', "application/rss+xml")
        bot = RunningBot(build_application(with_feeds(settings, server.url("/gone.xml"), server.url("/broken.xml"), good), engine))
        await bot.start_polling()
        try:
            await telegram.wait_for(lambda: engine.generation >= 2)
            admin = telegram.user(ADMIN_ID, "Ada")
            chat = telegram.private_chat(admin)
            listing = (await wait_reply(telegram, telegram.send_text(chat, admin, "/feeds"))).plain
            assert "Feeds (3, checked every 15 min)" in listing
            assert "Failing (1 in a row; next try in " in listing and "): HTTP 404 Not Found" in listing
            assert "broken feed XML" in listing
            assert "✅ Island Times" in listing and "1 article(s)" in listing
            stats = (await wait_reply(telegram, telegram.send_text(chat, admin, "/stats"))).plain
            assert f"Feeds: 3 followed · ❌ 2 failing: {server.url('/gone.xml')}" in stats
            user = telegram.user(USER_ID)
            answer = await wait_answer(telegram, telegram.send_text(telegram.private_chat(user), user, "When did the ferry return?"))
            assert "returned on Thursday" in answer[0].plain
        finally:
            await bot.stop()


class TestFeedsCommand:
    async def test_admins_add_and_remove_feeds_and_the_list_survives_a_restart(
        self, telegram: FakeTelegram, settings: Settings, engine: FakeEngine, server: FeedServer, corpus_dir: Path
    ):
        url = serve_feed(server, "/feed.xml", LIGHTHOUSE)
        admin = telegram.user(ADMIN_ID, "Ada")
        chat = telegram.private_chat(admin)
        first = RunningBot(build_application(with_feeds(settings), engine))
        await first.start_polling()
        try:
            assert "No feeds followed yet" in (await wait_reply(telegram, telegram.send_text(chat, admin, "/feeds"))).plain
            added = await wait_reply(telegram, telegram.send_text(chat, admin, f"/feeds add {url}"))
            assert added.plain.startswith("➕ Following")
            await telegram.wait_for(lambda: engine.generation >= 2)  # fetched at once, not at the next interval
            again = await wait_reply(telegram, telegram.send_text(chat, admin, f"/feeds add {url}"))
            assert again.plain.startswith("Already following")
            refused = await wait_reply(telegram, telegram.send_text(chat, admin, "/feeds add file:///etc/passwd"))
            assert refused.plain.startswith("Only http and https URLs")
            usage = await wait_reply(telegram, telegram.send_text(chat, admin, "/feeds frobnicate"))
            assert usage.plain.startswith("Usage:")
        finally:
            await first.stop()

        second = RunningBot(build_application(with_feeds(settings), engine))
        await second.start_polling()
        try:
            listing = await wait_reply(telegram, telegram.send_text(chat, admin, "/feeds"))
            assert url in listing.plain and "Island Times" in listing.plain
            removed = await wait_reply(telegram, telegram.send_text(chat, admin, f"/feeds remove {url}"))
            assert removed.plain == f"➖ Stopped following {url}. Its 1 article(s) stay in the index."
            missing = await wait_reply(telegram, telegram.send_text(chat, admin, f"/feeds remove {url}"))
            assert missing.plain.startswith("Not following")
            assert "No feeds followed yet" in (await wait_reply(telegram, telegram.send_text(chat, admin, "/feeds"))).plain
        finally:
            await second.stop()

    async def test_non_admins_are_refused(self, telegram: FakeTelegram, running_bot, server: FeedServer):
        user = telegram.user(USER_ID)
        reply = await wait_reply(telegram, telegram.send_text(telegram.private_chat(user), user, f"/feeds add {server.url('/x')}"))
        assert reply.plain == "Sorry, only the bot's admins can do that."
        assert server.requests == []


class TestHostileUrls:
    """Issue 20: a malformed URL ended in a traceback; a 4,000-character one was echoed back in a reply
    Telegram refused as too long."""

    async def test_a_malformed_url_is_named_in_one_line(
        self, telegram: FakeTelegram, settings: Settings, engine: FakeEngine, caplog: pytest.LogCaptureFixture
    ):
        bot = RunningBot(build_application(with_feeds(settings), engine))
        await bot.start_polling()
        try:
            admin = telegram.user(ADMIN_ID, "Ada")
            chat = telegram.private_chat(admin)
            for url, problem in (
                ("http://[::1", "malformed: Invalid IPv6 URL"),
                ("http://example.com:99999/rss", "malformed: Port out of range"),
            ):
                reply = await wait_reply(telegram, telegram.send_text(chat, admin, f"/feeds add {url}"))
                assert reply.plain.startswith(f"Cannot follow {url}: {problem}") and "\n" not in reply.plain
            assert bot.application.bot_data.services.feeds.feeds() == []
            assert not [r for r in caplog.records if r.exc_info], caplog.text
        finally:
            await bot.stop()

    async def test_a_4000_character_url_is_refused_in_a_short_reply(
        self, telegram: FakeTelegram, settings: Settings, engine: FakeEngine
    ):
        bot = RunningBot(build_application(with_feeds(settings), engine))
        await bot.start_polling()
        try:
            admin = telegram.user(ADMIN_ID, "Ada")
            url = "http://example.com/" + "x" * 4050
            reply = await wait_reply(
                telegram, telegram.send_text(telegram.private_chat(admin), admin, f"/feeds add {url}")
            )
            assert "longer than 2048 characters" in reply.plain and len(reply.plain) < 300
            assert reply.plain.startswith("Cannot follow http://example.com/xxx") and "…" in reply.plain
        finally:
            await bot.stop()

    async def test_the_listing_shortens_long_urls_and_fits_one_message(
        self, telegram: FakeTelegram, settings: Settings, engine: FakeEngine, server: FeedServer
    ):
        urls = [server.url(f"/{number}/" + "x" * 1500) for number in range(40)]  # 404s, quickly
        bot = RunningBot(build_application(with_feeds(settings, *urls), engine))
        await bot.start_polling()
        try:
            admin = telegram.user(ADMIN_ID, "Ada")
            listing = await wait_reply(telegram, telegram.send_text(telegram.private_chat(admin), admin, "/feeds"))
            assert listing.plain.startswith("Feeds (40, checked every 15 min)")
            assert max(len(line) for line in listing.plain.splitlines()) <= 320
            assert listing.plain.rstrip().endswith("more") and "… and " in listing.plain
        finally:
            await bot.stop()


class TestABigFeed:
    async def test_answers_are_not_delayed_while_a_5_mb_feed_is_parsed(
        self,
        telegram: FakeTelegram,
        settings: Settings,
        engine: FakeEngine,
        server: FeedServer,
        monkeypatch: pytest.MonkeyPatch,
    ):
        """Issue 20: a 4.9 MB feed (19,467 items) parsed on the event loop delayed every answer by up to 4.7 s."""
        import asyncio
        import time

        from newsbot.index import feeds

        parsing: list[float] = []  # when the parse started and ended
        real = feeds.FeedUpdater._parse

        async def timed(self, page):  # type: ignore[no-untyped-def]
            parsing.append(time.monotonic())
            try:
                return await real(self, page)
            finally:
                parsing.append(time.monotonic())

        monkeypatch.setattr(feeds.FeedUpdater, "_parse", timed)
        items = [
            (
                f"Harbour council story number {n} on the new breakwater and the fishing fleet's return",
                server.url(f"/gone/{n}.html"),
                f"guid-{n}",
            )
            for n in range(19_500)
        ]
        body = rss("Big Times", items)
        assert 4_500_000 < len(body) < 5 * 1024 * 1024
        server.route("/big.xml", body, "application/rss+xml")
        bot = RunningBot(build_application(with_feeds(settings), engine))
        await bot.start_polling()
        try:

            async def latency(number: int) -> float:
                user = telegram.user(USER_ID + number)
                started = time.monotonic()
                await wait_answer(
                    telegram,
                    telegram.send_text(telegram.private_chat(user), user, "Who attended the talks?"),
                    within=30,
                )
                return time.monotonic() - started

            baseline = sorted([await latency(n) for n in range(5)])[2]
            admin = telegram.user(ADMIN_ID, "Ada")
            await wait_reply(
                telegram,
                telegram.send_text(telegram.private_chat(admin), admin, f"/feeds add {server.url('/big.xml')}"),
            )
            await telegram.wait_for(lambda: parsing, within=30)
            during = []
            number = 10
            while len(parsing) < 2:
                sent = time.monotonic()
                taken = await latency(number)
                if len(parsing) < 2 or sent < parsing[1]:
                    during.append(taken)
                number += 1
                await asyncio.sleep(0.02)
            assert len(during) >= 3, (during, parsing)  # answered while the feed was parsed
            # The median answer, not the slowest: on a loaded 2-core machine the parsing process itself
            # takes a core, and one answer may wait for the CPU; the loop held by a parse (the bug)
            # delays every answer during it by seconds.
            assert sorted(during)[len(during) // 2] - baseline < 0.2, (baseline, during)
            state = bot.application.bot_data.services.feeds.store.states[server.url("/big.xml")]
            await telegram.wait_for(lambda: state.kind == "feed", within=30)
            assert state.title == "Big Times"
        finally:
            await bot.stop()


class TestSettings:
    def test_feeds_and_interval_from_the_environment(self, bot_env: dict[str, str], corpus_dir: Path):
        env = dict(bot_env, NEWSBOT_FEEDS="https://a.example/rss, https://b.example/atom https://a.example/rss",
                   NEWSBOT_FEED_INTERVAL="5", NEWSBOT_FEEDS_ALLOW_PRIVATE="1")
        settings = Settings.from_env(env)
        assert settings.feeds == ("https://a.example/rss", "https://b.example/atom")
        assert settings.feed_interval == 5.0 and settings.feeds_allow_private
        assert settings.feeds_dir == corpus_dir / "feeds"
        assert settings.engine_corpus_paths == [corpus_dir]  # the feeds directory is inside the corpus
        assert Settings.from_env(bot_env).feed_interval == 15.0

    def test_a_feeds_directory_outside_the_corpus_is_read_too(self, bot_env: dict[str, str], corpus_dir: Path, tmp_path: Path):
        settings = Settings.from_env(dict(bot_env, NEWSBOT_FEEDS_DIR=str(tmp_path / "fetched")))
        assert settings.engine_corpus_paths == [corpus_dir, tmp_path / "fetched"]

    @pytest.mark.parametrize(("name", "value", "message"), [
        ("NEWSBOT_FEEDS", "ftp://a.example/rss", "NEWSBOT_FEEDS must be http(s) URLs"),
        ("NEWSBOT_FEED_INTERVAL", "0", "NEWSBOT_FEED_INTERVAL must be > 0 minutes"),
        ("NEWSBOT_FEED_INTERVAL", "often", "NEWSBOT_FEED_INTERVAL must be a float"),
        ("NEWSBOT_FEEDS_ALLOW_PRIVATE", "maybe", "NEWSBOT_FEEDS_ALLOW_PRIVATE must be 1 or 0"),
    ])
    def test_bad_values_are_named(self, bot_env: dict[str, str], name: str, value: str, message: str):
        with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
            Settings.from_env(dict(bot_env, **{name: value}))

    def test_feeds_need_a_directory(self, bot_env: dict[str, str]):
        env = {k: v for k, v in bot_env.items() if k != "NEWSBOT_CORPUS"}
        with pytest.raises(SettingsError, match="NEWSBOT_FEEDS needs a directory"):
            Settings.from_env(dict(env, NEWSBOT_FEEDS="https://a.example/rss"))
