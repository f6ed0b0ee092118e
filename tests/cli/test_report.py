"""`newsbot report`: the questions chart (PNG) and the question log (CSV) from the feedback database."""

from __future__ import annotations

import csv
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsbot.bot.feedback import FeedbackStore, ReaderHash
from newsbot.cli.main import main


@pytest.fixture
def feedback_db(tmp_path: Path) -> Path:
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path, ReaderHash.from_secret("token"))
    store.record_question("Who won?", "private", True, 120.0, user_id=111)
    store.record_question('=HYPERLINK("http://x")', "group", False, 80.0, user_id=222)
    store.record_question("hi", "private", False, 0.0, user_id=111, outcome="chat")
    old = store.record_question("Asked long ago?", "private", True, 50.0, user_id=111)
    with store._lock:
        store._db.execute("UPDATE questions SET asked_at = asked_at - 10 * 86400 WHERE id = ?", (old,))
    store.close()
    return path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


class TestReport:
    def test_writes_the_chart_and_the_log_since_a_date(self, feedback_db: Path, tmp_path: Path, capsys):
        since = (datetime.now(UTC) - timedelta(days=3)).date()
        out = tmp_path / "out"
        assert main(["report", "--feedback-db", str(feedback_db), "--since", since.isoformat(), "--out", str(out)]) == 0
        chart, table = (Path(line) for line in capsys.readouterr().out.split())
        assert chart.parent == out and chart.suffix == ".png" and png_size(chart)[0] >= 1000
        with table.open(encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        assert [(r["question"], r["outcome"], r["chat_type"]) for r in rows] == [
            ("Who won?", "answered", "private"),
            ('\'=HYPERLINK("http://x")', "declined", "group"),
            ("hi", "chat", "private"),
        ]
        assert rows[0]["reader"] == rows[2]["reader"] != rows[1]["reader"] and len(rows[0]["reader"]) == 16
        assert "111" not in table.read_text(encoding="utf-8")
        assert rows[0]["latency_ms"] == "120" and rows[0]["asked_at"].endswith("+00:00")

    def test_thirty_days_by_default_and_nothing_deleted(self, feedback_db: Path, tmp_path: Path, capsys):
        assert main(["report", "--feedback-db", str(feedback_db), "--out", str(tmp_path)]) == 0
        table = Path(capsys.readouterr().out.split()[1])
        assert "Asked long ago?" in table.read_text(encoding="utf-8")

    def test_bad_input_is_one_line(self, tmp_path: Path, capsys):
        assert main(["report", "--feedback-db", str(tmp_path / "none.sqlite3")]) == 1
        assert "no feedback database at" in capsys.readouterr().err
        assert main(["report", "--feedback-db", str(tmp_path / "none.sqlite3"), "--since", "March"]) == 1
        assert "--since must be a date as YYYY-MM-DD, got 'March'" in capsys.readouterr().err
