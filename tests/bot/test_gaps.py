"""/gaps: the declined questions, similar ones grouped, most asked first."""

from __future__ import annotations

from fake_engine import FakeEngine

from newsbot.bot.feedback import LoggedQuestion
from newsbot.bot.gaps import Gap, find_gaps, render_gaps
from newsbot.bot.telegram_html import telegram_length


def asked(question: str, reader: int | None = 1, outcome: str = "declined", at: float = 100.0) -> LoggedQuestion:
    return LoggedQuestion(at, "private", outcome, 10.0, question, reader)


class TestFindGaps:
    def test_groups_similar_questions_most_asked_first_with_counts_and_readers(self):
        rows = [
            asked("When will the harbour tunnel open?", 1),
            asked("when will the harbour tunnel open", 2),
            asked("When will the harbour tunnel open?", 3),
            asked("The harbour tunnel: when does it open?", 1),
            asked("Who is the new police chief?", 4),
            asked("Who won the match?", 5, outcome="answered"),
            asked("hi", 6, outcome="chat"),
        ]
        gaps = find_gaps(rows, FakeEngine([]).embed)
        assert gaps[0] == Gap("When will the harbour tunnel open?", asked=4, readers=3, wordings=2)
        assert [g.example for g in gaps[1:]] == ["Who is the new police chief?"]

    def test_nothing_declined_is_no_gap(self):
        assert find_gaps([asked("Who won?", outcome="answered")], FakeEngine([]).embed) == []


class TestRenderGaps:
    def test_lists_groups_and_fits_telegram(self):
        gaps = [Gap("When will the <harbour> tunnel open?", 4, 3, 2)] + [
            Gap(f"question {n} " + "x" * 280, 1, 0, 1) for n in range(40)
        ]
        messages = render_gaps(gaps, 7)
        assert "×4</b>, 3 readers: “When will the &lt;harbour&gt; tunnel open?” (and 1 similar)" in messages[0]
        assert "… and 21 smaller group(s)." in messages[-1]
        assert all(telegram_length(m) <= 4096 for m in messages)
        assert "none" in render_gaps([], 7)[0]
