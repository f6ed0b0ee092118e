"""The bot's state in PostgreSQL: feedback, cooldowns and the update ledger, shared by replicas."""

from __future__ import annotations

import time

import psycopg
import pytest

from newsbot.bot.feedback import NOT_STORED, ReaderHash
from newsbot.bot.shared_state import BUSY, DONE, MINE, PgCooldown, PgFeedbackStore, UpdateLedger
from newsbot.index.postgres.database import Database


@pytest.fixture
def database(database_url: str) -> Database:
    found = Database(database_url, max_connections=4)
    yield found
    found.close()


class TestPgFeedbackStore:
    def test_two_replicas_count_the_same(self, database: Database, database_url: str):
        other = Database(database_url, max_connections=2)
        try:
            readers = ReaderHash.from_secret("the bot's token")  # replicas share the token, so one key
            one, two = PgFeedbackStore(database, readers), PgFeedbackStore(other, readers)
            first = one.record_question("Who won?", "private", True, 12.0)
            two.record_question("What is the capital of Mongolia?", "group", False, 9.0)
            assert two.record_vote(first, 7, True) and one.record_vote(first, 7, False)  # a changed vote, once per user
            assert not one.record_vote(10**12, 7, True) and not one.record_vote(2**63, 7, True)
            assert one.counts() == two.counts()
            counts = one.counts()
            assert (counts.questions, counts.answered, counts.not_found, counts.helpful, counts.not_helpful) == (2, 1, 1, 0, 1)
        finally:
            other.close()

    def test_a_database_that_refuses_writes_never_stops_an_answer(self, database: Database, database_url: str):
        store = PgFeedbackStore(database)
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("ALTER TABLE newsbot_questions ADD CONSTRAINT refuse CHECK (false) NOT VALID")
        assert store.record_question("Who won?", "private", True, 1.0) == NOT_STORED
        assert store.counts().write_failures == 1 and store.counts().readable


    def test_the_question_log_keeps_outcomes_hashed_readers_and_its_days(self, database: Database, database_url: str):
        readers = ReaderHash.from_secret("token")
        store = PgFeedbackStore(database, readers, keep_days=30)
        old = store.record_question("Old?", "private", True, 5.0, user_id=55)
        store.record_vote(old, 55, helpful=True)
        store.record_question("What is the capital of Mongolia?", "group", False, 9.0, user_id=55)
        store.record_question("hi", "private", False, 0.0, user_id=56, outcome="chat")
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("UPDATE newsbot_questions SET asked_at = now() - interval '31 days' WHERE id = %s", (old,))
            stored = conn.execute("SELECT reader FROM newsbot_questions UNION ALL SELECT user_id FROM newsbot_votes").fetchall()
        assert 55 not in {row[0] for row in stored} and readers(55) in {row[0] for row in stored}
        assert store.prune() == 1
        rows = store.questions_since(0)
        assert [(r.question, r.outcome, r.reader) for r in rows] == [
            ("What is the capital of Mongolia?", "declined", readers(55)), ("hi", "chat", readers(56))]
        assert store.counts().questions == 1 and store.counts().helpful == 0


class TestPgCooldown:
    def test_one_question_per_user_across_replicas(self, database: Database, database_url: str):
        other = Database(database_url, max_connections=2)
        try:
            here, there = PgCooldown(database, 30), PgCooldown(other, 30)
            assert here.wait_left(42) == 0
            assert 29 < there.wait_left(42) <= 30  # the same user on another replica waits
            assert there.first_warning(42) and not here.first_warning(42)  # warned once, wherever
            assert here.wait_left(43) == 0
            assert PgCooldown(database, 0).wait_left(42) == 0
        finally:
            other.close()


class TestUpdateLedger:
    def test_claims_done_busy_and_taken_over_from_a_dead_replica(self, database: Database, database_url: str):
        other_db = Database(database_url, max_connections=2)
        here, there = UpdateLedger(database), UpdateLedger(other_db)
        try:
            assert here.claim(1) == MINE
            assert there.claim(1) == BUSY and here.claim(1) == BUSY  # in hand: deliver again later
            here.finish(1)
            assert there.claim(1) == DONE
            assert there.claim(2) == MINE
            there.close()  # the replica died: its presence lock goes with its connection, a moment later
            deadline = time.monotonic() + 5
            while (found := here.claim(2)) == BUSY and time.monotonic() < deadline:
                time.sleep(0.05)
            assert found == MINE
        finally:
            here.close()
            there.close()
            other_db.close()
