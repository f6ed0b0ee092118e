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

    def test_a_decline_on_topic_shows_the_closest_sentence_as_no_answer(self):
        near = answer_of(["He twice served as prime minister."])
        declined = Answer("What year did he first become PM?", False, sources=near.sources, closest=near.sentences)
        (message,) = render_answer(declined)
        shown = parse_html(message)
        assert shown.startswith("The articles don't say exactly. The closest:\n\nHe twice served as prime minister. [1]")
        assert "Sources" in shown and "Not found" not in shown

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


def bold_shown(message: str) -> list[str]:
    """The texts in <b>…</b> of a message, besides the [n] markers and the "Sources" heading."""
    import re

    found = [parse_html(inner) for inner in re.findall(r"<b>(.*?)</b>", message)]
    return [text for text in found if not re.fullmatch(r"\[\d+\]|Sources", text)]


class TestAnswerSpansInBold:
    def test_spans_are_bold_and_the_rest_escaped_verbatim(self):
        text = "Ann & Bob <CEO> met Jang Il-hun in Kuala Lumpur."
        cited = CitedSentence(text, "d0", 1, 0, len(text), 1.0, highlights=((0, 9), (20, 31)))
        answer = Answer("Who met?", True, (cited,), (SourceRef(1, "d0", "T", "", "", ""),))
        (message,) = render_answer(answer)
        assert message.startswith("<blockquote><b>Ann &amp; Bob</b> &lt;CEO&gt; met <b>Jang Il-hun</b> in Kuala Lumpur. <b>[1]</b>")
        assert parse_html(message).startswith(text)

    def test_spans_out_of_range_or_overlapping_are_dropped(self):
        text = "Five officials came."
        cited = CitedSentence(text, "d0", 1, 0, len(text), 1.0, highlights=((0, 4), (2, 6), (15, 99), (3, 3)))
        (message,) = render_answer(Answer("How many?", True, (cited,), (SourceRef(1, "d0", "T", "", "", ""),)))
        assert bold_shown(message) == ["Five"]

    @pytest.mark.parametrize("limit", [120, 300, 1000])
    def test_a_long_sentence_cut_through_a_span_keeps_tags_balanced_in_every_part(self, limit: int):
        words = [f"w{n}&<x>" for n in range(300)]
        text = " ".join(words)
        spans, position = [], 0
        for number, word in enumerate(words):  # every third word bold, and one span over 40 words
            if number % 3 == 0 and not 100 <= number < 140:
                spans.append((position, position + len(word)))
            position += len(word) + 1
        long_start = sum(len(w) + 1 for w in words[:100])
        spans.append((long_start, long_start + sum(len(w) + 1 for w in words[100:140]) - 1))
        cited = CitedSentence(text, "d0", 1, 0, len(text), 1.0, highlights=tuple(sorted(spans)))
        messages = render_answer(Answer("q", True, (cited,), (SourceRef(1, "d0", "T", "", "", ""),)), limit)
        assert len(messages) > 2
        for message in messages:
            assert utf16_length(message) <= limit
            parse_html(message)  # balanced: Telegram would refuse a tag cut or left open
        shown_bold = " ".join(" ".join(bold_shown(m)) for m in messages).split()
        expected = [w for n, w in enumerate(words) if n % 3 == 0 or 100 <= n < 140]
        assert shown_bold == expected
        shown = " ".join(parse_html(m).replace("\n", " ") for m in messages).split()
        assert [w for w in shown if w.startswith("w")] == words
