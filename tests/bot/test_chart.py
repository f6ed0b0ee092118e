"""The questions chart of /stats and `newsbot report`: per-day counts, and a PNG a phone can read."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsbot.bot.chart import Day, daily, last_days, questions_chart
from newsbot.bot.feedback import LoggedQuestion


def at(day: date, hour: int = 12) -> float:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp()


def row(day: date, outcome: str, latency: float = 100.0, hour: int = 12) -> LoggedQuestion:
    return LoggedQuestion(at(day, hour), "private", outcome, latency, "q", None)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


class TestDaily:
    def test_counts_each_day_by_outcome_and_the_median_leaves_chat_out(self):
        rows = [
            row(date(2025, 3, 1), "answered", 100),
            row(date(2025, 3, 1), "answered", 300),
            row(date(2025, 3, 1), "declined", 50),
            row(date(2025, 3, 1), "chat", 0),
            row(date(2025, 3, 3), "chat", 0, hour=23),
            row(date(2025, 2, 27), "answered"),
        ]
        days = daily(rows, date(2025, 3, 1), date(2025, 3, 3))
        assert days == [Day(date(2025, 3, 1), 2, 1, 1, 100.0), Day(date(2025, 3, 2)), Day(date(2025, 3, 3), chat=1)]

    def test_the_last_days_end_today(self):
        days = last_days([], 30, today=date(2025, 3, 30))
        assert len(days) == 30 and days[0].day == date(2025, 3, 1) and days[-1].day == date(2025, 3, 30)

    def test_a_backwards_range_is_refused(self):
        with pytest.raises(ValueError, match="last must not be before first"):
            daily([], date(2025, 3, 2), date(2025, 3, 1))


class TestQuestionsChart:
    def test_draws_thirty_days_as_a_png_sized_for_a_phone(self, tmp_path: Path):
        today = date(2025, 3, 30)
        rows = []
        for offset in range(30):
            day = date(2025, 3, 1 + offset)
            rows += [row(day, "answered", 150 + offset * 3)] * (offset % 7 + 2)
            rows += [row(day, "declined", 90)] * (offset % 4)
            rows += [row(day, "chat", 0)] * (offset % 3)
        data = questions_chart(last_days(rows, 30, today=today))
        (tmp_path / "questions.png").write_bytes(data)  # to look at: pytest --basetemp=DIR
        width, height = png_size(data)
        assert 1000 <= width <= 1280 and 600 <= height <= 1000

    def test_an_empty_log_still_draws(self, tmp_path: Path):
        data = questions_chart(last_days([], 30, today=date(2025, 3, 30)))
        (tmp_path / "empty.png").write_bytes(data)
        assert png_size(data)[0] >= 1000
