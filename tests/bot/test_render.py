"""Terminal and JSON rendering of an answer: answer spans bold on a terminal only, offsets in JSON."""

from __future__ import annotations

import io
import json

import pytest

from newsbot.bot.render import BOLD, NORMAL, answer_record, render_json, render_text, terminal_bold
from newsbot.index.types import Answer, CitedSentence, SourceRef

TEXT = "Jang Il-hun, Pyongyang’s deputy ambassador, also took part on Friday."
ANSWER = Answer(
    "Who took part?", True,
    (CitedSentence(TEXT, "talks", 1, 0, len(TEXT), 0.9, highlights=((0, 11),)),),
    (SourceRef(1, "talks", "Officials meet", "Daily", "https://example.com/t", "2016-11-18"),),
)


class TestRenderText:
    def test_plain_by_default_and_bold_on_request(self):
        assert render_text(ANSWER).startswith(f"{TEXT} [1]\n\nSources:\n[1] Officials meet")
        assert render_text(ANSWER, bold=True).startswith(f"{BOLD}Jang Il-hun{NORMAL}, Pyongyang’s deputy")

    def test_json_gives_each_sentences_spans_as_offsets_into_its_text(self):
        record = json.loads(render_json(ANSWER))
        (sentence,) = record["sentences"]
        assert sentence["highlights"] == [[0, 11]]
        assert sentence["text"][0:11] == "Jang Il-hun"
        assert set(sentence) == {"text", "doc_id", "title", "source", "url", "date", "score", "highlights"}
        assert answer_record(Answer("q", False))["sentences"] == []


class TestClosest:
    def test_a_decline_on_topic_names_the_closest_sentence_under_its_own_field(self):
        declined = Answer("What year was it?", False, sources=ANSWER.sources, closest=ANSWER.sentences, reader="abc123def456")
        record = json.loads(render_json(declined))
        assert record["answered"] is False and record["answer"] == "" and record["sentences"] == []
        assert [s["text"] for s in record["closest"]] == [TEXT]
        assert record["reader"] == "abc123def456"
        assert render_text(declined).startswith(f"The articles don't say exactly. The closest:\n{TEXT} [1]\n\nSources:\n[1] Officials meet")

    def test_a_plain_decline_has_no_closest(self):
        record = answer_record(Answer("q", False, reason="the articles don't mention: Mars"))
        assert record["closest"] == [] and record["reader"] == ""
        assert render_text(Answer("q", False, reason="x")).startswith("Not found in my articles. (x)")


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class TestTerminalBold:
    def test_only_on_a_terminal(self, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("TERM", "xterm-256color")
        assert terminal_bold(_Stream(tty=True))
        assert not terminal_bold(_Stream(tty=False))  # piped
        closed = io.StringIO()
        closed.close()  # isatty() raises ValueError
        assert not terminal_bold(closed)

    @pytest.mark.parametrize(("name", "value"), [("NO_COLOR", "1"), ("TERM", "dumb")])
    def test_no_color_and_dumb_terminals_stay_plain(self, monkeypatch: pytest.MonkeyPatch, name: str, value: str):
        monkeypatch.setenv(name, value)
        assert not terminal_bold(_Stream(tty=True))
