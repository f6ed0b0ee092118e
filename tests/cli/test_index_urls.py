"""`newsbot index URL...`: feeds and pages fetched from a web server on 127.0.0.1, then indexed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from feed_server import FeedServer, article_html, rss

from newsbot.cli.main import main


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer().start()
    yield running
    running.stop()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


class TestErrors:
    def test_other_schemes_are_refused(self, capsys, tmp_path: Path):
        code, _, err = _run(capsys, "index", "ftp://example.com/feed.xml", "--index-dir", str(tmp_path / "i"))
        assert code == 1 and "only http and https URLs can be indexed, got ftp://example.com/feed.xml" in err

    @pytest.mark.parametrize(
        ("url", "problem"),
        [
            ("http://[::1", "malformed: Invalid IPv6 URL"),
            ("http://example.com:99999/rss", "malformed: Port out of range"),
            ("http://" + "a" * 64 + ".example.com/rss", "the host name is not valid"),
        ],
    )
    def test_a_malformed_url_is_one_line_naming_it(self, capsys, tmp_path: Path, url: str, problem: str):
        """Issue 20: 'http://[::1' ended in a 19-line traceback."""
        directories = ["--index-dir", str(tmp_path / "i"), "--feeds-dir", str(tmp_path / "f")]
        code, _, err = _run(capsys, "index", url, *directories)
        assert code == 1 and err.count("\n") == 1
        assert err.startswith("newsbot index: not a URL that can be fetched: http://") and problem in err

    def test_a_feed_that_fails_is_named_and_nothing_left_is_an_error(self, capsys, tmp_path: Path, server: FeedServer,
                                                                     monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("NEWSBOT_FEEDS_ALLOW_PRIVATE", "1")
        argv = ["index", server.url("/gone.xml"), "--feeds-dir", str(tmp_path / "feeds"), "--index-dir", str(tmp_path / "i")]
        code, _, err = _run(capsys, *argv)
        assert code == 1
        assert f"{server.url('/gone.xml')}: failed: HTTP 404 Not Found" in err
        assert "nothing to index: no URL gave an article" in err

    def test_private_addresses_need_the_setting(self, capsys, tmp_path: Path, server: FeedServer, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.delenv("NEWSBOT_FEEDS_ALLOW_PRIVATE", raising=False)
        argv = ["index", server.url("/feed.xml"), "--feeds-dir", str(tmp_path / "feeds"), "--index-dir", str(tmp_path / "i")]
        code, _, err = _run(capsys, *argv)
        assert code == 1 and "set NEWSBOT_FEEDS_ALLOW_PRIVATE=1" in err
        assert server.requests == []


@pytest.mark.model
def test_a_feed_is_indexed_answered_and_updated_incrementally(capsys, tmp_path: Path, server: FeedServer,
                                                               monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NEWSBOT_FEEDS_ALLOW_PRIVATE", "1")
    server.route("/lighthouse.html", article_html("Lighthouse relit", "The Skerry lighthouse was relit on Sunday after a century of darkness.",
                                                  "Keepers from three islands attended the ceremony."))
    server.route("/ferry.html", article_html("Ferry returns", "The island ferry service returned on Thursday with two new boats.",
                                             "Tickets cost four pounds."))
    items = [("Lighthouse relit", server.url("/lighthouse.html"), "l"), ("Ferry returns", server.url("/ferry.html"), "f")]
    server.route("/feed.xml", rss("Island Times", items), "application/rss+xml", etag='"v1"')
    index = ["index", server.url("/feed.xml"), "--feeds-dir", str(tmp_path / "feeds"), "--index-dir", str(tmp_path / "i"),
             "--backend", "onnx"]
    code, _, err = _run(capsys, *index)
    assert code == 0, err
    assert "2 new article(s)" in err and "indexed 2 articles" in err

    code, out, err = _run(capsys, "ask", "When was the Skerry lighthouse relit?", "--index-dir", str(tmp_path / "i"),
                          "--backend", "onnx", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["answered"] and "relit on Sunday" in answer["answer"]
    [source] = answer["sources"]
    assert (source["source"], source["date"], source["url"]) == ("Island Times", "2025-03-03", server.url("/lighthouse.html"))

    code, _, err = _run(capsys, *index)  # unchanged: a conditional request, nothing fetched or embedded again
    assert code == 0 and "not modified" in err and "(0 chunks embedded" in err
    assert server.hits("/lighthouse.html") == 1
