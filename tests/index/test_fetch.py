"""The checks every URL passes before it is fetched, and URLs shortened for messages."""

from __future__ import annotations

import pytest

from newsbot.index.fetch import MAX_URL_CHARS, shorten_url, url_problem


class TestUrlProblem:
    @pytest.mark.parametrize(
        "url", ["https://example.com/rss", "http://[::1]:8080/feed", "HTTP://EXAMPLE.COM/x", "http://bücher.de/news"]
    )
    def test_well_formed_urls_pass(self, url: str):
        assert url_problem(url) == ""

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("http://[::1", "malformed: Invalid IPv6 URL"),
            ("http://example.com:99999/", "malformed: Port out of range"),
            ("http://example.com:port/", "malformed: Port could not be cast"),
            ("http://" + "a" * 64 + ".com/", "the host name is not valid"),
            ("http://a..b/", "the host name is not valid"),
            ("http:///rss", "no host"),
            ("ftp://example.com/rss", "only http and https"),
            ("http://exa mple.com/", "spaces or control characters"),
            ("http://example.com/" + "x" * MAX_URL_CHARS, f"longer than {MAX_URL_CHARS} characters"),
        ],
    )
    def test_each_problem_is_named_in_a_few_words(self, url: str, expected: str):
        problem = url_problem(url)
        assert expected in problem and "\n" not in problem and len(problem) < 100


class TestShortenUrl:
    def test_a_short_url_is_left_alone(self):
        assert shorten_url("https://example.com/rss") == "https://example.com/rss"

    def test_a_long_url_keeps_its_start_and_end(self):
        url = "https://example.com/" + "x" * 4000 + "/feed.xml"
        short = shorten_url(url)
        assert len(short) == 100 and short.startswith("https://example.com/") and short.endswith("/feed.xml")
        assert "…" in short
