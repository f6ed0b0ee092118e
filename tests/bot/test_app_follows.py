"""Following topics and questions through the running bot: new articles from feeds served on
127.0.0.1, uploads and /reindex reach the chats that follow them, once, within the hourly limit;
and the admin's view of the question log (/stats chart, /gaps)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_harness import ADMIN_ID, OTHER_USER_ID, USER_ID, RunningBot, StartBot, wait_answer, wait_reply
from fake_engine import FakeEngine
from fake_telegram import BotMessage, FakeTelegram
from feed_server import FeedServer, article_html, rss

from newsbot.bot.follow_store import FollowStore
from newsbot.bot.follows import FollowNotifier
from newsbot.bot.services import Services
from newsbot.bot.settings import Settings

TUNNEL = (
    "Tunnel builder chosen",
    "The council chose Marlow and Sons to dig the new harbour tunnel, due to open in 2028.",
)
FARES = (
    "Ferry fares rise",
    "Ferry fares across the harbour rise by ten percent in April. The old railway tunnel north of town stays shut.",
)
BRIDGE = ("Bridge contract signed", "Marlow and Sons will build the new bridge over the Teme, the council said.")
MARKETS = ("Markets steady", "Shares closed flat on a quiet day for traders.")
FAST = {"follow_check_interval": 0.05, "feeds_allow_private": True, "feed_timeout": 1.0}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer().start()
    yield running
    running.stop()


def serve_feed(server: FeedServer, path: str, *stories: tuple[str, str]) -> str:
    items = []
    for title, text in stories:
        page = "/" + title.lower().replace(" ", "-") + ".html"
        server.route(page, article_html(title, text))
        items.append((title, server.url(page), page))
    server.route(path, rss("Island Times", items), "application/rss+xml")
    return server.url(path)


def services_of(bot: RunningBot) -> Services:
    found: Services = bot.application.bot_data.services
    return found


async def seeded(telegram: FakeTelegram, bot: RunningBot) -> None:
    """The notifier has recorded the articles the bot started with (announced to no one)."""
    notifier = services_of(bot).follows
    assert notifier is not None
    await telegram.wait_for(lambda: notifier.rounds >= 1)


async def settled(telegram: FakeTelegram, bot: RunningBot, engine: FakeEngine, generation: int) -> None:
    """The index reached `generation` and the notifier has looked at it since."""
    notifier = services_of(bot).follows
    assert notifier is not None
    await telegram.wait_for(lambda: engine.generation >= generation, within=10)
    seen = notifier.rounds
    await telegram.wait_for(lambda: notifier.rounds >= seen + 2, within=10)


def alerts(telegram: FakeTelegram, chat_id: int) -> list[BotMessage]:
    return [m for m in telegram.messages_in(chat_id) if m.plain.startswith("🔔") and "Following" not in m.plain]


async def say(telegram: FakeTelegram, chat: dict[str, Any], user: dict[str, Any], text: str) -> BotMessage:
    return await wait_reply(telegram, telegram.send_text(chat, user, text))


class TestFollowingATopic:
    async def test_a_new_feed_article_reaches_the_follower_and_a_mere_mention_does_not(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, server: FeedServer
    ):
        bot = await start_bot(**FAST)
        await seeded(telegram, bot)
        user, admin = telegram.user(USER_ID), telegram.user(ADMIN_ID)
        chat = telegram.private_chat(user)
        said = await say(telegram, chat, user, "/follow harbour tunnel")
        assert "Following “harbour tunnel”" in said.plain
        url = serve_feed(server, "/feed.xml", TUNNEL, FARES)
        await say(telegram, telegram.private_chat(admin), admin, f"/feeds add {url}")
        await settled(telegram, bot, engine, 2)
        found = alerts(telegram, USER_ID)
        assert len(found) == 1, [m.plain for m in found]  # the ferry fares article mentions harbour and a tunnel, apart
        alert = found[0]
        assert alert.plain.startswith("🔔 Tunnel builder chosen\nNew on “harbour tunnel”")
        assert (
            "The council chose Marlow and Sons to dig the new harbour tunnel, due to open in 2028. [1]" in alert.plain
        )
        assert (
            "[1] Tunnel builder chosen — Island Times, 2025-03-03. " + server.url("/tunnel-builder-chosen.html")
            in alert.plain
        )
        assert "<b>harbour tunnel</b>" in alert.text  # the words that made it match, bold
        assert engine.topics and all(topic == "harbour tunnel" for topic, _ in engine.topics)
        assert not [q for q in engine.questions if "harbour" in q]  # a topic costs no question

    async def test_an_upload_and_a_reindex_reach_followers_once_and_the_start_announces_nothing(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, corpus_dir: Path
    ):
        bot = await start_bot(**FAST)
        await seeded(telegram, bot)
        assert alerts(telegram, USER_ID) == []
        user, admin = telegram.user(USER_ID), telegram.user(ADMIN_ID)
        await say(telegram, telegram.private_chat(user), user, "/follow harbour tunnel")
        admin_chat = telegram.private_chat(admin)
        telegram.send_document(admin_chat, admin, "tunnel.txt", f"{TUNNEL[0]}\n{TUNNEL[1]}".encode())
        await settled(telegram, bot, engine, 2)
        assert [m.plain.splitlines()[0] for m in alerts(telegram, USER_ID)] == ["🔔 Tunnel builder chosen"]
        await asyncio.to_thread(
            (corpus_dir / "more.txt").write_text, "Harbour tunnel delayed\nThe harbour tunnel will open a year late."
        )
        await say(telegram, admin_chat, admin, "/reindex")
        await settled(telegram, bot, engine, 3)
        assert [m.plain.splitlines()[0] for m in alerts(telegram, USER_ID)] == [
            "🔔 Tunnel builder chosen",
            "🔔 Harbour tunnel delayed",
        ]


class TestFollowingAQuestion:
    async def test_sent_when_the_new_article_answers_it_asked_of_that_article_only(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, server: FeedServer
    ):
        bot = await start_bot(**FAST)
        await seeded(telegram, bot)
        user, admin = telegram.user(USER_ID), telegram.user(ADMIN_ID)
        said = await say(telegram, telegram.private_chat(user), user, "/follow Who will build the new bridge?")
        assert "Following the question “Who will build the new bridge?”" in said.plain
        url = serve_feed(server, "/feed.xml", BRIDGE, MARKETS)
        await say(telegram, telegram.private_chat(admin), admin, f"/feeds add {url}")
        await settled(telegram, bot, engine, 2)
        found = alerts(telegram, USER_ID)
        assert len(found) == 1
        assert "The articles now answer “Who will build the new bridge?”" in found[0].plain
        assert "Marlow and Sons will build the new bridge over the Teme, the council said. [1]" in found[0].plain
        asked = [
            (q, w)
            for q, w in zip(engine.questions, engine.within, strict=True)
            if q == "Who will build the new bridge?"
        ]
        assert len(asked) == 2 and all(w is not None and len(w) == 1 for _, w in asked)  # one question per new article


class TestManagingFollows:
    async def test_list_unfollow_by_number_and_all_and_they_survive_a_restart(
        self, telegram: FakeTelegram, start_bot: StartBot
    ):
        bot = await start_bot(**FAST)
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        for text in ("harbour tunnel", "ferry fares", "Who will build the new bridge?"):
            await say(telegram, chat, user, f"/follow {text}")
        again = await say(telegram, chat, user, "/follow Harbour Tunnel")
        assert "already follows" in again.plain
        listed = await say(telegram, chat, user, "/following")
        assert (
            "1. harbour tunnel (topic)\n2. ferry fares (topic)\n3. Who will build the new bridge? (question)"
            in listed.plain
        )
        gone = await say(telegram, chat, user, "/unfollow 2")
        assert gone.plain == "Stopped following “ferry fares”."
        assert "no follow 7" in (await say(telegram, chat, user, "/unfollow 7")).plain
        await bot.stop()
        await start_bot(**FAST)
        listed = await say(telegram, chat, user, "/following")
        assert "1. harbour tunnel (topic)\n2. Who will build the new bridge? (question)" in listed.plain
        assert (await say(telegram, chat, user, "/unfollow all")).plain == "Stopped following all 2."
        assert "follows nothing yet" in (await say(telegram, chat, user, "/following")).plain

    async def test_a_topic_without_words_and_a_bare_follow_get_help(
        self, telegram: FakeTelegram, running_bot: RunningBot
    ):
        user = telegram.user(USER_ID)
        chat = telegram.private_chat(user)
        assert "/follow harbour tunnel" in (await say(telegram, chat, user, "/follow")).plain
        assert "has no words to look for" in (await say(telegram, chat, user, "/follow the of")).plain

    async def test_in_a_group_only_administrators_may_follow(self, telegram: FakeTelegram, running_bot: RunningBot):
        group = telegram.group_chat()
        member, boss, admin = telegram.user(USER_ID), telegram.user(OTHER_USER_ID), telegram.user(ADMIN_ID)
        refused = await say(telegram, group, member, "/follow harbour tunnel")
        assert "only its administrators" in refused.plain
        telegram.members[(group["id"], OTHER_USER_ID)] = "administrator"
        assert "Following" in (await say(telegram, group, boss, "/follow harbour tunnel")).plain
        assert (
            "Following" in (await say(telegram, group, admin, "/follow ferry fares")).plain
        )  # the bot's admin, no lookup needed
        telegram.inject("getChatMember", status=400, description="Bad Request: member not found", times=5)
        assert (
            "only its administrators" in (await say(telegram, group, boss, "/unfollow all")).plain
        )  # a failed lookup is no
        assert "2. ferry fares" in (await say(telegram, group, member, "/following")).plain  # anyone may look


class TestLimits:
    async def test_past_the_hourly_limit_one_digest_then_the_rest_when_the_hour_allows(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, server: FeedServer
    ):
        bot = await start_bot(follow_limit=2, **FAST)
        await seeded(telegram, bot)
        user, admin = telegram.user(USER_ID), telegram.user(ADMIN_ID)
        await say(telegram, telegram.private_chat(user), user, "/follow harbour tunnel")
        stories = [(f"Tunnel news {n}", f"Day {n}: work on the harbour tunnel went on.") for n in range(1, 5)]
        url = serve_feed(server, "/feed.xml", *stories)
        await say(telegram, telegram.private_chat(admin), admin, f"/feeds add {url}")
        await settled(telegram, bot, engine, 2)
        found = alerts(telegram, USER_ID)
        assert len(found) == 2  # the limit: one article, then one digest with the other three
        assert found[1].plain.startswith("🔔 3 more new article(s) for this chat's follows")
        assert sum(f"Tunnel news {n}" in "".join(m.plain for m in found) for n in range(1, 5)) == 4
        serve_feed(server, "/feed.xml", *stories, ("Tunnel news 5", "Day 5: the harbour tunnel reached the far shore."))
        services_of(bot).feeds.wake()  # type: ignore[union-attr]
        await settled(telegram, bot, engine, 3)
        assert len(alerts(telegram, USER_ID)) == 2  # waits: the hour is full
        notifier = services_of(bot).follows
        assert notifier is not None
        await asyncio.to_thread(notifier.store.prune, time.time() + 3601)  # an hour later
        notifier.wake()
        digest = await telegram.wait_for(lambda: alerts(telegram, USER_ID)[2:])
        assert "Tunnel news 5" in digest[0].plain and "1 more new article" in digest[0].plain


class TestAChatThatIsGone:
    async def test_a_chat_that_blocked_the_bot_loses_its_follows_with_a_log_line(
        self, telegram: FakeTelegram, start_bot: StartBot, engine: FakeEngine, corpus_dir: Path, caplog
    ):
        bot = await start_bot(**FAST)
        await seeded(telegram, bot)
        user, admin = telegram.user(USER_ID), telegram.user(ADMIN_ID)
        await say(telegram, telegram.private_chat(user), user, "/follow harbour tunnel")
        telegram.blocked.add(USER_ID)
        await asyncio.to_thread((corpus_dir / "tunnel.txt").write_text, f"{TUNNEL[0]}\n{TUNNEL[1]}")
        with caplog.at_level(logging.INFO, logger="newsbot.bot.follows"):
            await say(telegram, telegram.private_chat(admin), admin, "/reindex")
            await settled(telegram, bot, engine, 2)
        notifier = services_of(bot).follows
        assert notifier is not None and await asyncio.to_thread(notifier.store.of_chat, USER_ID) == []
        assert any(f"chat {USER_ID} blocked the bot or no longer exists" in r.getMessage() for r in caplog.records)


class TestReplicas:
    async def test_two_replicas_send_each_article_to_each_follower_once(
        self, telegram: FakeTelegram, settings: Settings, engine: FakeEngine, corpus_dir: Path, database_url: str
    ):
        from telegram import Bot

        from newsbot.index.postgres.database import Database

        user = telegram.user(USER_ID)
        telegram.private_chat(user)
        engine.reindex()
        databases = [Database(database_url, max_connections=2) for _ in range(2)]
        shared = Services.create(settings, engine)
        bot = Bot(settings.token.reveal(), base_url=settings.base_url)
        notifiers = [FollowNotifier(FollowStore.postgres(d), 10, 1.0) for d in databases]
        try:
            await bot.initialize()
            await asyncio.gather(*(n.check(shared, bot) for n in notifiers))  # the first start: seeded
            notifiers[0].store.add(USER_ID, "topic", "harbour tunnel")
            await asyncio.to_thread((corpus_dir / "tunnel.txt").write_text, f"{TUNNEL[0]}\n{TUNNEL[1]}")
            await asyncio.to_thread(
                (corpus_dir / "later.txt").write_text, "Harbour tunnel delayed\nThe harbour tunnel will open late."
            )
            await asyncio.to_thread(engine.reindex)
            announced = await asyncio.gather(*(n.check(shared, bot) for n in notifiers))
            assert sorted(announced) in ([0, 2], [1, 1])  # each article claimed by one replica
            assert sorted(m.plain.splitlines()[0] for m in alerts(telegram, USER_ID)) == [
                "🔔 Harbour tunnel delayed",
                "🔔 Tunnel builder chosen",
            ]
        finally:
            await bot.shutdown()
            for notifier in notifiers:
                notifier.close()
            shared.close()
            for database in databases:
                database.close()


class TestTheQuestionLogForAdmins:
    async def test_stats_sends_the_chart_and_gaps_groups_the_unanswered(
        self, telegram: FakeTelegram, running_bot: RunningBot, tmp_path: Path
    ):
        user, other, admin = telegram.user(USER_ID), telegram.user(OTHER_USER_ID), telegram.user(ADMIN_ID)
        for asker, question in (
            (user, "What is the capital of Mongolia?"),
            (other, "what is the capital of mongolia"),
            (user, "Who won the cricket final?"),
            (user, "Who attended the Kuala Lumpur talks?"),
        ):
            await wait_answer(telegram, telegram.send_text(telegram.private_chat(asker), asker, question))
        await say(telegram, telegram.private_chat(user), user, "hi")
        admin_chat = telegram.private_chat(admin)
        await say(telegram, admin_chat, admin, "/stats")
        photo = (await telegram.wait_for(lambda: [p for p in telegram.photos if p.chat_id == ADMIN_ID]))[0]
        assert photo.content.startswith(b"\x89PNG") and "last 30 days" in photo.caption
        await asyncio.to_thread(
            (tmp_path / "stats.png").write_bytes, photo.content
        )  # to look at: pytest --basetemp=DIR
        gaps = await say(telegram, admin_chat, admin, "/gaps")
        assert "Unanswered questions, last 7 day(s): 3 asked, 2 group(s)" in gaps.plain
        assert "1. ×2, 2 readers: “What is the capital of Mongolia?”\n" in gaps.plain  # typed twice, two ways
        assert "2. ×1, 1 reader: “Who won the cricket final?”" in gaps.plain
        assert "from 1 to 30" in (await say(telegram, admin_chat, admin, "/gaps 90")).plain
        refused = await say(telegram, telegram.private_chat(user), user, "/gaps")
        assert "only the bot's admins" in refused.plain
        rows = services_of(running_bot).feedback.questions_since(0)
        assert [r.outcome for r in rows] == ["declined", "declined", "declined", "answered", "chat"]
