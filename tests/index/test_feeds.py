"""Feeds and pages fetched into the corpus, against a web server on 127.0.0.1: every failure named."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from feed_server import FeedServer, article_html, atom, rss

from newsbot.index import feeds
from newsbot.index.feeds import FeedStore, FeedUpdater, UpdatePolicy, fetch_into, is_url, parse_feed, parse_feed_apart
from newsbot.index.fetch import Fetcher, FetchError, FetchPolicy, Page

FAST = FetchPolicy(timeout=0.3, max_bytes=64 * 1024, max_redirects=3, allow_private=True)
BACKOFF = UpdatePolicy(backoff_first=60.0, backoff_most=600.0)
NOW = 1_000_000.0


@pytest.fixture
def server() -> Iterator[FeedServer]:
    running = FeedServer().start()
    yield running
    running.stop()


def articles(store: FeedStore, url: str) -> dict[str, dict[str, str]]:
    return store.read_articles(url)


def add_pages(server: FeedServer, count: int, **options: object) -> list[tuple[str, str, str]]:
    items = []
    for n in range(1, count + 1):
        server.route(f"/a{n}.html", article_html(f"Story {n}", f"The harbour council met for the {n}th time on Monday and "
                                                 "approved a new breakwater for the fishing fleet.", "Work starts in May."),
                     **options)
        items.append((f"Story {n}", server.url(f"/a{n}.html"), f"guid-{n}"))
    return items


async def update(store: FeedStore, *urls: str, policy: FetchPolicy = FAST, now: float = NOW, force: bool = False):
    async with Fetcher(policy) as fetcher:
        return await FeedUpdater(store, fetcher, BACKOFF).update_all(list(urls) or None, now=now, force=force)


class TestFeeds:
    async def test_rss_items_become_articles_with_title_link_date_and_source(self, server: FeedServer, tmp_path: Path):
        server.route("/feed.xml", rss("Harbour Gazette", add_pages(server, 2)), "application/rss+xml", etag='"v1"')
        store = FeedStore(tmp_path)
        store.seed([server.url("/feed.xml")])
        [result] = await update(store)
        assert result.new_articles == 2 and not result.error
        found = articles(store, server.url("/feed.xml"))
        record = found[server.url("/a1.html")]
        assert record["title"] == "Story 1" and record["source"] == "Harbour Gazette"
        assert record["url"] == server.url("/a1.html") and record["date"] == "2025-03-03"
        assert "approved a new breakwater" in record["text"]
        assert all("newsbot" in r.headers["user-agent"] for r in server.requests)

    async def test_a_second_update_asks_conditionally_and_fetches_nothing_more(self, server: FeedServer, tmp_path: Path):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 2)), "application/rss+xml", etag='"v1"',
                     last_modified="Mon, 03 Mar 2025 10:00:00 GMT")
        store = FeedStore(tmp_path)
        store.seed([server.url("/feed.xml")])
        await update(store)
        [again] = await update(FeedStore(tmp_path), now=NOW + 900)  # read back from feeds.json, as after a restart
        assert again.not_modified and again.new_articles == 0
        last = [r for r in server.requests if r.path == "/feed.xml"][-1]
        assert last.headers["if-none-match"] == '"v1"'
        assert last.headers["if-modified-since"] == "Mon, 03 Mar 2025 10:00:00 GMT"
        assert server.hits("/a1.html") == 1

    async def test_only_new_or_changed_items_are_fetched(self, server: FeedServer, tmp_path: Path):
        items = add_pages(server, 3)
        url = server.url("/feed.xml")
        server.route("/feed.xml", rss("Gazette", items[:2]), "application/rss+xml")  # no ETag: read in full each time
        store = FeedStore(tmp_path)
        store.seed([url])
        await update(store)
        server.route("/feed.xml", rss("Gazette", items), "application/rss+xml")
        [result] = await update(store)
        assert result.new_articles == 1
        assert (server.hits("/a1.html"), server.hits("/a3.html")) == (1, 1)
        server.route("/feed.xml", rss("Gazette", items, date="Tue, 04 Mar 2025 09:00:00 GMT"), "application/rss+xml")
        [changed] = await update(store)
        assert changed.new_articles == 3 and server.hits("/a1.html") == 2
        assert {r["date"] for r in articles(store, url).values()} == {"2025-03-04"}

    async def test_atom_feed(self, server: FeedServer, tmp_path: Path):
        server.route("/atom", atom("Valley News", add_pages(server, 1)), "application/atom+xml")
        store = FeedStore(tmp_path)
        [result] = await update(store, server.url("/atom"))
        assert result.new_articles == 1
        [record] = articles(store, server.url("/atom")).values()
        assert (record["source"], record["date"], record["title"]) == ("Valley News", "2025-03-04", "Story 1")

    async def test_a_single_article_page(self, server: FeedServer, tmp_path: Path):
        server.route("/story.html", article_html("Bridge opens", "The new river bridge opened to traffic on Monday after four years."))
        store = FeedStore(tmp_path)
        [result] = await update(store, server.url("/story.html"))
        assert result.new_articles == 1 and store.states[server.url("/story.html")].kind == "page"
        [record] = articles(store, server.url("/story.html")).values()
        assert record["id"] == server.url("/story.html") and "river bridge opened" in record["text"]

    async def test_a_long_feed_is_fetched_over_several_updates(self, server: FeedServer, tmp_path: Path):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 5)), "application/rss+xml", etag='"v1"')
        store = FeedStore(tmp_path)
        url = server.url("/feed.xml")
        async with Fetcher(FAST) as fetcher:
            updater = FeedUpdater(store, fetcher, UpdatePolicy(max_items=2))
            counts = [(await updater.update(url, now=NOW)).new_articles for _ in range(4)]
        assert counts == [2, 2, 1, 0]  # no 304 hides the items left for later
        assert len(articles(store, url)) == 5
        assert "if-none-match" in [r for r in server.requests if r.path == "/feed.xml"][-1].headers

    async def test_at_most_two_requests_at_a_time_to_one_host(self, server: FeedServer, tmp_path: Path):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 6, delay=0.1)), "application/rss+xml")
        store = FeedStore(tmp_path)
        [result] = await update(store, server.url("/feed.xml"))
        assert result.new_articles == 6
        assert server.peak == 2


class TestFailures:
    async def check_fails(self, server: FeedServer, tmp_path: Path, path: str, expected: str, policy: FetchPolicy = FAST):
        """`path` fails with `expected` in its error, is retried with backoff, and a good feed beside it still updates."""
        server.route("/good.xml", rss("Good", add_pages(server, 1)), "application/rss+xml")
        store = FeedStore(tmp_path)
        bad, good = server.url(path), server.url("/good.xml")
        store.seed([bad, good])
        results = {r.url: r for r in await update(store, policy=policy)}
        assert expected in results[bad].error
        assert results[good].new_articles == 1 and not results[good].error
        state = store.states[bad]
        assert state.failing and expected in state.error and state.retry_at == NOW + 60
        assert FeedStore(tmp_path).states[bad].error == state.error  # kept in feeds.json
        requests = len(server.requests)
        [skipped] = await update(store, bad, now=NOW + 30)
        assert skipped.skipped and len(server.requests) == requests  # waits for its backoff
        await update(store, bad, now=NOW + 61, policy=policy)
        assert store.states[bad].failures == 2 and store.states[bad].retry_at == NOW + 61 + 120

    async def test_not_found(self, server: FeedServer, tmp_path: Path):
        await self.check_fails(server, tmp_path, "/missing.xml", "HTTP 404")

    async def test_broken_xml(self, server: FeedServer, tmp_path: Path):
        server.route("/broken.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Oops</ti', "application/rss+xml")
        await self.check_fails(server, tmp_path, "/broken.xml", "broken feed XML")

    async def test_timeout(self, server: FeedServer, tmp_path: Path):
        server.route("/slow.xml", rss("Slow", []), "application/rss+xml", delay=5.0)
        await self.check_fails(server, tmp_path, "/slow.xml", "timed out")

    async def test_huge_page_announced(self, server: FeedServer, tmp_path: Path):
        server.route("/huge.xml", b"x" * (100 * 1024), "application/rss+xml")
        await self.check_fails(server, tmp_path, "/huge.xml", "page too large")

    async def test_huge_page_without_a_length(self, server: FeedServer, tmp_path: Path):
        server.route("/stream.xml", b"x" * (100 * 1024), "application/rss+xml", length=False)
        await self.check_fails(server, tmp_path, "/stream.xml", "page too large")

    async def test_redirect_loop(self, server: FeedServer, tmp_path: Path):
        server.route("/loop", status=302, headers={"Location": "/loop"})
        await self.check_fails(server, tmp_path, "/loop", "too many redirects")

    async def test_robots_txt_is_obeyed(self, server: FeedServer, tmp_path: Path):
        server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        server.route("/private/feed.xml", rss("Hidden", []), "application/rss+xml")
        await self.check_fails(server, tmp_path, "/private/feed.xml", "robots.txt")
        assert server.hits("/private/feed.xml") == 0

    async def test_not_a_feed_or_page(self, server: FeedServer, tmp_path: Path):
        server.route("/file.pdf", b"%PDF-1.4 binary", "application/pdf")
        await self.check_fails(server, tmp_path, "/file.pdf", "not an RSS or Atom feed, nor an HTML page")

    async def test_private_addresses_are_refused_unless_allowed(self, server: FeedServer, tmp_path: Path):
        strict = FetchPolicy(timeout=0.3)
        store = FeedStore(tmp_path)
        server.route("/feed.xml", rss("Local", []), "application/rss+xml")
        port = server.base.rsplit(":", 1)[1]
        urls = [server.url("/feed.xml"), f"http://localhost:{port}/feed.xml", "http://169.254.169.254/latest/", "http://[::1]/x",
                "ftp://example.com/feed.xml", "file:///etc/passwd"]
        results = await update(store, *urls, policy=strict)
        for result in results[:4]:
            assert "private, loopback or link-local" in result.error, result
        assert all("only http and https" in r.error for r in results[4:])
        assert server.requests == []

    async def test_a_failing_item_is_named_and_the_others_are_kept(self, server: FeedServer, tmp_path: Path):
        items = add_pages(server, 2)
        server.route("/doc.pdf", b"%PDF-1.4", "application/pdf")
        server.route("/gone.html", status=404)
        items += [("A PDF", server.url("/doc.pdf"), "pdf"), ("Gone", server.url("/gone.html"), "gone")]
        server.route("/feed.xml", rss("Gazette", items), "application/rss+xml", etag='"v1"')
        store = FeedStore(tmp_path)
        url = server.url("/feed.xml")
        [result] = await update(store, url)
        assert result.new_articles == 2 and "2 of 4 items failed" in result.error and "not an HTML page" in result.error
        assert not store.states[url].failing  # the feed itself is fine
        await update(store, url)  # failed items are tried again, though the feed answers 304 (issue 20)
        assert server.hits("/doc.pdf") == 2 and server.hits("/a1.html") == 1
        assert [r for r in server.requests if r.path == "/feed.xml"][-1].headers.get("if-none-match") == '"v1"'
        await update(store, url)
        await update(store, url)  # given up after three attempts
        assert server.hits("/doc.pdf") == 3

    async def test_a_feed_that_starts_failing_keeps_its_articles(self, server: FeedServer, tmp_path: Path):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 2)), "application/rss+xml")
        store = FeedStore(tmp_path)
        url = server.url("/feed.xml")
        await update(store, url)
        server.route("/feed.xml", status=500)
        [result] = await update(store, url, now=NOW + 900)
        assert "HTTP 500" in result.error
        assert len(articles(store, url)) == 2


class TestLeftOverItems:
    """Issue 20: a feed with items left over was stored without its ETag, so every poll downloaded
    and parsed it again (seconds for a 5 MB feed)."""

    @pytest.fixture
    def parses(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """The thread each feed was parsed on."""
        threads: list[str] = []
        real = feeds.parse_feed

        def recording(page):  # type: ignore[no-untyped-def]
            threads.append(threading.current_thread().name)
            return real(page)

        monkeypatch.setattr(feeds, "parse_feed", recording)
        return threads

    async def test_validators_are_kept_and_the_items_left_come_without_a_new_download(
        self, server: FeedServer, tmp_path: Path, parses: list[str]
    ):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 5)), "application/rss+xml", etag='"v1"')
        store = FeedStore(tmp_path)
        url = server.url("/feed.xml")
        async with Fetcher(FAST) as fetcher:
            updater = FeedUpdater(store, fetcher, UpdatePolicy(max_items=2))
            first = await updater.update(url, now=NOW)
            assert store.states[url].etag == '"v1"' and len(store.read_pending(url)) == 3
            counts = [first.new_articles] + [(await updater.update(url, now=NOW)).new_articles for _ in range(3)]
        assert counts == [2, 2, 1, 0]
        assert len(parses) == 1  # downloaded and parsed once; then 304s
        asked = [r for r in server.requests if r.path == "/feed.xml"]
        assert len(asked) == 4 and all(r.headers.get("if-none-match") == '"v1"' for r in asked[1:])
        assert len(articles(store, url)) == 5 and not store.pending_path(url).exists()
        await store.save_async()
        assert FeedStore(tmp_path).states[url].etag == '"v1"'

    async def test_a_changed_feed_replaces_the_items_left(self, server: FeedServer, tmp_path: Path, parses: list[str]):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 4)), "application/rss+xml", etag='"v1"')
        store = FeedStore(tmp_path)
        url = server.url("/feed.xml")
        async with Fetcher(FAST) as fetcher:
            updater = FeedUpdater(store, fetcher, UpdatePolicy(max_items=2))
            await updater.update(url, now=NOW)
            server.route("/feed.xml", rss("Gazette", add_pages(server, 1)), "application/rss+xml", etag='"v2"')
            second = await updater.update(url, now=NOW)  # the items left over are no longer in the feed
        assert second.new_articles == 0 and not store.pending_path(url).exists()
        assert store.states[url].etag == '"v2"' and len(parses) == 2

    async def test_the_feed_is_parsed_off_the_event_loop(self, server: FeedServer, tmp_path: Path, parses: list[str]):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 1)), "application/rss+xml")
        await update(FeedStore(tmp_path), server.url("/feed.xml"))
        assert parses and parses[0] != threading.current_thread().name


class TestParsedApart:
    """Big feeds are parsed in a process of their own: the same result, the same errors."""

    async def test_the_same_feed_as_parsed_here(self):
        page = Page(
            "http://127.0.0.1/feed.xml",
            200,
            "application/rss+xml",
            rss("Gazette", [(f"Story {n}", f"http://127.0.0.1/{n}.html", f"g{n}") for n in range(3)]).encode(),
        )
        assert await parse_feed_apart(page) == parse_feed(page)

    async def test_broken_xml_and_a_page(self):
        broken = Page(
            "http://127.0.0.1/feed.xml", 200, "application/rss+xml", b'<?xml version="1.0"?><rss><channel><ti'
        )
        with pytest.raises(FetchError, match="broken feed XML"):
            await parse_feed_apart(broken)
        page = Page("http://127.0.0.1/a.html", 200, "text/html", article_html("Title", "Text.").encode())
        assert await parse_feed_apart(page) is None

    async def test_an_update_parses_apart_above_the_threshold(self, server: FeedServer, tmp_path: Path):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 2)), "application/rss+xml")
        store = FeedStore(tmp_path)
        async with Fetcher(FAST) as fetcher:
            result = await FeedUpdater(store, fetcher, UpdatePolicy(parse_apart_bytes=0)).update(
                server.url("/feed.xml")
            )
        assert result.new_articles == 2 and store.states[server.url("/feed.xml")].title == "Gazette"


class TestMalformedUrls:
    """Issue 20: 'http://[::1' and a host name label over 63 characters ended in tracebacks."""

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("http://[::1", "malformed: Invalid IPv6 URL: http://[::1"),
            ("http://example.com:99999/rss", "malformed: Port out of range"),
            ("http://" + "a" * 64 + ".example.com/rss", "the host name is not valid"),
        ],
    )
    async def test_one_line_naming_the_url_and_no_traceback(
        self, url: str, expected: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ):
        store = FeedStore(tmp_path)
        store.seed([url])
        with caplog.at_level(logging.WARNING):
            [result] = await update(store, url, policy=FetchPolicy(timeout=0.3))
        assert expected in result.error and "\n" not in result.error
        assert store.states[url].failing
        assert not [r for r in caplog.records if r.exc_info], caplog.text
        assert FeedStore(tmp_path).states[url].error == result.error

    async def test_a_host_label_over_63_characters_when_private_addresses_are_allowed(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ):
        url = "http://" + "b" * 70 + ".example.com/rss"
        with caplog.at_level(logging.WARNING):
            [result] = await update(FeedStore(tmp_path), url)
        assert "the host name is not valid" in result.error
        assert not [r for r in caplog.records if r.exc_info], caplog.text

    async def test_a_redirect_to_a_malformed_url(
        self, server: FeedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ):
        server.route("/moved.xml", status=302, headers={"Location": "http://[::1/feed.xml"})
        with caplog.at_level(logging.WARNING):
            [result] = await update(FeedStore(tmp_path), server.url("/moved.xml"))
        assert result.error and "\n" not in result.error  # httpx or newsbot names the bad Location
        assert not [r for r in caplog.records if r.exc_info], caplog.text


class TestFeedStore:
    def test_follow_unfollow_and_seed_persist(self, tmp_path: Path):
        store = FeedStore(tmp_path)
        store.seed(["http://a.example/rss", "http://b.example/rss"])
        assert store.unfollow("http://a.example/rss") and not store.unfollow("http://a.example/rss")
        assert store.follow("http://c.example/rss") and not store.follow("http://c.example/rss")
        store.save()
        again = FeedStore(tmp_path)
        again.seed(["http://a.example/rss"])  # NEWSBOT_FEEDS still names it: an admin's removal wins
        assert [s.url for s in again.followed()] == ["http://b.example/rss", "http://c.example/rss"]
        assert again.follow("http://a.example/rss")

    def test_a_damaged_state_file_starts_afresh(self, tmp_path: Path):
        (tmp_path / "feeds.json").write_text("{not json", encoding="utf-8")
        assert FeedStore(tmp_path).states == {}

    def test_is_url(self):
        assert is_url("https://example.com/rss") and is_url("http://x/y")
        assert not is_url("corpus/") and not is_url("ftp://x/y") and not is_url("C:/news")
        assert is_url("http://[::1") and is_url("HTTPS://example.com/")  # meant as URLs, malformed or not

    def test_a_malformed_url_kept_by_an_older_version_still_has_an_articles_file(self, tmp_path: Path):
        store = FeedStore(tmp_path)
        assert store.articles_path("http://[::1").parent == tmp_path and store.read_articles("http://[::1") == {}


class TestFetchInto:
    def test_fetches_synchronously_and_names_the_articles_files(self, server: FeedServer, tmp_path: Path):
        server.route("/feed.xml", rss("Gazette", add_pages(server, 1)), "application/rss+xml")
        paths, results = fetch_into(tmp_path, [server.url("/feed.xml"), server.url("/nothing")], FAST)
        assert [r.new_articles for r in results] == [1, 0] and "HTTP 404" in results[1].error
        [path] = paths
        [line] = path.read_text(encoding="utf-8").splitlines()
        assert json.loads(line)["title"] == "Story 1"
