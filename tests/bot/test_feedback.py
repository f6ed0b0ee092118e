"""The feedback store: questions and votes counted for /stats."""

from __future__ import annotations

from pathlib import Path

from newsbot.bot.feedback import Counts, FeedbackStore


class TestFeedbackStore:
    def test_counts_questions_and_votes_one_per_user(self, tmp_path: Path):
        store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite3")
        try:
            answered = store.record_question("who?", "private", True, 12.0)
            declined = store.record_question("what?", "group", False, 8.0)
            assert store.record_vote(answered, 1, helpful=False)
            assert store.record_vote(answered, 1, helpful=True)  # changed, not added
            assert store.record_vote(answered, 2, helpful=True)
            assert store.record_vote(declined, 1, helpful=False)
            assert not store.record_vote(12345, 1, helpful=True)
            assert store.counts() == Counts(questions=2, answered=1, not_found=1, helpful=2, not_helpful=1)
        finally:
            store.close()

    def test_survives_a_restart(self, tmp_path: Path):
        path = tmp_path / "feedback.sqlite3"
        store = FeedbackStore(path)
        store.record_vote(store.record_question("who?", "private", True, 1.0), 1, helpful=True)
        store.close()
        reopened = FeedbackStore(path)
        try:
            assert reopened.counts() == Counts(1, 1, 0, 1, 0)
        finally:
            reopened.close()
