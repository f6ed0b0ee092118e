"""Telegram HTML rendering: everything escaped, split under the limit at sentence or source boundaries."""

from __future__ import annotations

import pytest
from fake_telegram import parse_html, utf16_length
from newsbot.bot.telegram_html import MESSAGE_LIMIT, Line, Section, escape, pack, render_answer, render_single
from newsbot.index.types import Answer, CitedSentence, SourceRef


def answer_of(sentences: list[str], sources: int = 1, title: str = "Title") -> Answer:
    cited = tuple(CitedSentence(text, f"d{n % sources}", n % sources + 1, 0, len(text), 1.0) for n, text in enumerate(sentences))
    refs = tuple(SourceRef(n + 1, f"d{n}", f"{title} {n}", "Wire & Co", f"https://example.com/{n}?a=1&b=2", "2024-05-01")
                 for n in range(sources))
    return Answer("q", True, cited, refs)


class TestEscape:
    def test_escapes_what_telegram_requires(self):
        assert escape("a < b && c > d \"q\"") == "a &lt; b &amp;&amp; c &gt; d \"q\""


class TestRenderAnswer:
    def test_sentences_quoted_with_markers_then_sources(self):
        (message,) = render_answer(answer_of(["One <b>.", "Two & three."], sources=2, title="<T>"))
        assert message == (
            "<blockquote>One &lt;b&gt;. <b>[1]</b>\nTwo &amp; three. <b>[2]</b></blockquote>\n\n"
            "<b>Sources</b>\n"
            "[1] &lt;T&gt; 0 — Wire &amp; Co, 2024-05-01. https://example.com/0?a=1&amp;b=2\n"
            "[2] &lt;T&gt; 1 — Wire &amp; Co, 2024-05-01. https://example.com/1?a=1&amp;b=2"
        )
        parse_html(message)

    def test_not_found(self):
        (message,) = render_answer(Answer("q", False, reason="nothing close"))
        assert parse_html(message) == "Not found in my articles.\nTry other words, or ask about something the articles cover."

    @pytest.mark.parametrize("limit", [200, 500, MESSAGE_LIMIT])
    def test_long_answers_split_between_sentences_and_every_part_parses(self, limit: int):
        sentences = [f"Sentence {n} says <{'&' * (n % 7)}> and 🧊 emoji {'x' * (n * 3 % 90)}." for n in range(120)]
        messages = render_answer(answer_of(sentences, sources=3), limit)
        assert len(messages) > 1
        shown = []
        for message in messages:
            assert utf16_length(message) <= limit
            shown.append(parse_html(message))
        text = "\n".join(shown)
        positions = [text.index(s) for s in sentences]
        assert positions == sorted(positions)
        assert text.count("[1] Title 0 — Wire & Co") == 1

    def test_a_sentence_longer_than_a_message_is_cut_at_spaces_never_inside_an_entity(self):
        sentence = " ".join(f"w{n}&<>" for n in range(400))
        messages = render_answer(answer_of([sentence]), limit=300)
        shown = [parse_html(m) for m in messages]
        assert all(utf16_length(m) <= 300 for m in messages)
        words = " ".join(s.replace("\n", " ") for s in shown).split()
        assert [w for w in words if w.startswith("w")][:400] == sentence.split()

    def test_render_single_drops_trailing_sentences_and_their_sources(self):
        sentences = ["A" * 2000 + ".", "B" * 2000 + ".", "C" * 2000 + "."]
        message = render_single(answer_of(sentences, sources=3))
        shown = parse_html(message)
        assert utf16_length(message) <= MESSAGE_LIMIT
        assert "A" * 2000 in shown and "C" * 2000 not in shown
        assert "[3] Title 2" not in shown


class TestPack:
    def test_a_section_cut_in_two_is_closed_and_reopened(self):
        section = Section(tuple(Line(f"line {n}") for n in range(10)), "blockquote")
        messages = pack([section], limit=60)
        assert len(messages) > 1
        assert all(m.startswith("<blockquote>") and m.endswith("</blockquote>") for m in messages)
