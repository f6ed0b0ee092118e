"""The follow store: follows per chat, articles claimed once, each (follow, article) sent once, in
SQLite and in PostgreSQL shared by replicas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.bot.follow_store import QUESTION, SENT, TOPIC, WAITING, FollowStore, fold
from newsbot.index.postgres.database import Database


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FollowStore]:
    found = FollowStore.sqlite(tmp_path / "feedback.sqlite3")
    yield found
    found.close()


class TestFollows:
    def test_add_list_remove_and_the_same_text_once(self, store: FollowStore):
        tunnel = store.add(10, TOPIC, "harbour tunnel")
        bridge = store.add(10, QUESTION, "Who will build the new bridge?")
        assert tunnel is not None and bridge is not None
        assert store.add(10, TOPIC, "Harbour  Tunnel") is None  # the same follow, typed again
        assert store.add(11, TOPIC, "harbour tunnel") is not None  # another chat may
        assert [f.text for f in store.of_chat(10)] == ["harbour tunnel", "Who will build the new bridge?"]
        assert store.remove(10, [tunnel.follow_id]) == 1 and store.remove(11, [bridge.follow_id]) == 0  # not its own
        assert [f.kind for f in store.of_chat(10)] == [QUESTION]
        assert fold("Who will build it ?") == "who will build it"

    def test_a_chat_that_is_gone_loses_everything_and_a_migrated_group_keeps_its_follows(self, store: FollowStore):
        follow = store.add(-5, TOPIC, "ferry")
        assert follow is not None and store.claim_delivery(follow, "a1", "Ferry", "https://x/a1")
        store.move_chat(-5, -1005)
        assert [f.chat_id for f in store.everyone()] == [-1005]
        assert store.forget_chat(-1005) == 1 and store.everyone() == []


class TestArticlesAndDeliveries:
    def test_seeded_articles_are_never_claimed_and_new_ones_once(self, store: FollowStore):
        assert not store.seeded()
        store.seed(["a1", "a2"])
        assert store.seeded() and store.known_articles() == {"a1", "a2"}
        assert store.claim_articles(["a2", "a3"]) == ["a3"]
        assert store.claim_articles(["a3"]) == []

    def test_each_follow_gets_an_article_once_and_waiting_ones_go_in_one_digest(self, store: FollowStore):
        follow = store.add(10, TOPIC, "ferry")
        other = store.add(10, TOPIC, "fares")
        assert follow is not None and other is not None
        assert store.claim_delivery(follow, "a1", "Ferry fares rise", "https://x/a1")
        assert not store.claim_delivery(follow, "a1", "Ferry fares rise", "https://x/a1")
        assert store.claim_delivery(other, "a1", "Ferry fares rise", "https://x/a1")
        store.mark(10, "a1", WAITING)
        assert store.chats_waiting() == [10]
        assert [w.title for w in store.take_waiting(10)] == ["Ferry fares rise"]  # two follows, one line
        assert store.take_waiting(10) == [] and store.chats_waiting() == []

    def test_sends_are_counted_per_chat_and_hour(self, store: FollowStore):
        import time

        for _ in range(3):
            store.record_sent(10)
        store.record_sent(11)
        assert store.sent_since(10, time.time() - 3600) == 3 and store.sent_since(11, time.time() - 3600) == 1
        store.prune(now=time.time() + 3601)
        assert store.sent_since(10, 0) == 0

    def test_survives_a_restart(self, tmp_path: Path):
        path = tmp_path / "feedback.sqlite3"
        first = FollowStore.sqlite(path)
        first.add(10, TOPIC, "harbour tunnel")
        first.seed(["a1"])
        first.close()
        again = FollowStore.sqlite(path)
        try:
            assert [f.text for f in again.of_chat(10)] == ["harbour tunnel"] and again.seeded()
        finally:
            again.close()


class TestInPostgres:
    def test_two_replicas_claim_each_article_and_delivery_once(self, database_url: str):
        databases = [Database(database_url, max_connections=2) for _ in range(2)]
        try:
            one, two = (FollowStore.postgres(d) for d in databases)
            follow = one.add(10, QUESTION, "Who will build the bridge?")
            assert follow is not None and two.add(10, QUESTION, "who will build the bridge") is None
            assert [f.text for f in two.of_chat(10)] == ["Who will build the bridge?"]
            one.seed(["a1"])
            assert two.seeded()
            claimed = one.claim_articles(["a1", "a2", "a3"]) + two.claim_articles(["a2", "a3", "a4"])
            assert sorted(claimed) == ["a2", "a3", "a4"]
            assert [one.claim_delivery(follow, "a2", "T", "u"), two.claim_delivery(follow, "a2", "T", "u")] == [
                True,
                False,
            ]
            two.mark(10, "a2", SENT)
            one.record_sent(10)
            assert two.sent_since(10, 0) == 1
            assert two.claim_delivery(follow, "a3", "T3", "u3")
            two.mark(10, "a3", WAITING)
            assert [w.doc_id for w in one.take_waiting(10)] == ["a3"] and two.take_waiting(10) == []
            assert one.forget_chat(10) == 1 and two.everyone() == []
        finally:
            for database in databases:
                database.close()
