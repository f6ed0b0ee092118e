"""Feeds and article pages fetched into the corpus: RSS 2.0 or Atom feeds, or single pages.

Each followed URL has one `.jsonl` file of articles in the feeds directory (the corpus format,
one article a line, its `id` the article's link), so the normal reindex picks fetched articles
up and embeds only the ones that changed. The directory also holds `feeds.json`: the URLs
followed, their ETag and Last-Modified for conditional requests, the items already fetched
(guid -> date: an item whose guid and date are unchanged is not fetched again), and each
feed's last fetch, error and backoff. A feed that fails keeps its articles: a file is only
ever rewritten with its old articles plus the new ones.

A feed with more new items than one update fetches (`UpdatePolicy.max_items`), or with items
that failed and are tried again, keeps them in a `.pending.json` file beside its articles; its
ETag and Last-Modified are kept all the same, so the next update gets a 304 for an unchanged
feed and fetches the items left over without downloading and parsing the feed again.

Parsing a feed and extracting articles run off the event loop, which answers chats in the bot.
A feed over `UpdatePolicy.parse_apart_bytes` is parsed in a Python process of its own: in a thread
of the bot's, a 5 MB feed (19,500 items, 4 to 9 s on a busy core) made millions of objects, and
the garbage collector's full passes over them held the event loop for up to 230 ms at a time (a
process: 34 ms at most). Smaller feeds are parsed in a thread.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import io
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsbot.index.fetch import Fetcher, FetchError, FetchPolicy, Page

log = logging.getLogger(__name__)

STATE_FILE = "feeds.json"
PENDING_SUFFIX = ".pending.json"  # a feed's items left for later (not a corpus suffix: never indexed)
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")


def is_url(value: str) -> bool:
    """True for what is meant as an http(s) URL (what `newsbot index` fetches instead of reading a
    path), well-formed or not: `newsbot.index.fetch.url_problem` says what is wrong with it."""
    scheme, colon, _ = value.partition(":")
    return bool(colon) and scheme.lower() in ("http", "https")


@dataclass(frozen=True)
class UpdatePolicy:
    """How feeds are updated: how many new items per update, and the backoff after failures."""

    max_items: int = 50  # new items fetched per feed and update; the rest come with the next ones
    item_attempts: int = 3  # an item that fails this often is given up (named in the feed's error)
    backoff_first: float = 60.0  # seconds before the first retry of a failed feed; doubled each time
    backoff_most: float = 6 * 3600.0
    # A feed larger than this is parsed in a process of its own (None: always in a thread, as the CLI
    # does, where no chat waits); starting the process costs about half a second.
    parse_apart_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.max_items < 1 or self.item_attempts < 1:
            raise ValueError(f"max_items and item_attempts must be >= 1, got {self.max_items} and {self.item_attempts}")
        if self.backoff_first < 0 or self.backoff_most < self.backoff_first:
            raise ValueError(f"backoff must be 0 <= first <= most, got {self.backoff_first} and {self.backoff_most}")

    def retry_delay(self, failures: int) -> float:
        return float(min(self.backoff_first * 2 ** max(failures - 1, 0), self.backoff_most))


@dataclass
class FeedState:
    """What is remembered of one followed URL (kept in feeds.json)."""

    url: str
    title: str = ""
    kind: str = ""  # "feed" or "page" once fetched
    etag: str = ""
    last_modified: str = ""
    last_fetch: float = 0.0  # when it was last tried (epoch seconds)
    last_success: float = 0.0
    error: str = ""  # the last failure, or items that failed; "" when all went well
    failures: int = 0  # failed updates in a row
    retry_at: float = 0.0  # no update before this time (backoff)
    articles: int = 0
    removed: bool = False  # removed by an admin: not followed, even if NEWSBOT_FEEDS names it
    items: dict[str, str] = field(default_factory=dict)  # guid -> date of the items fetched
    item_failures: dict[str, int] = field(default_factory=dict)

    @property
    def failing(self) -> bool:
        return self.failures > 0


@dataclass(frozen=True)
class UpdateResult:
    """What one update of one URL did."""

    url: str
    new_articles: int = 0
    skipped: bool = False  # waiting for its backoff to pass
    not_modified: bool = False
    error: str = ""


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    link: str
    title: str
    stamp: str  # the item's date as the feed gives it: a changed stamp means a changed item
    date: str  # ISO date, or ""


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]


class FeedStore:
    """The feeds directory: feeds.json and one articles file per URL. Not thread-safe: one owner."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.states: dict[str, FeedState] = {}
        self.load()

    def load(self) -> None:
        path = self.directory / STATE_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            log.warning("cannot read %s (%s); feeds start afresh, their articles stay", path, error)
            return
        known = FeedState.__dataclass_fields__
        self.states = {item["url"]: FeedState(**{k: v for k, v in item.items() if k in known})
                       for item in raw.get("feeds", []) if isinstance(item, dict) and "url" in item}

    def save(self) -> None:
        """Write feeds.json atomically."""
        _write_atomically(self.directory / STATE_FILE, _dumps(list(self.states.values())))

    async def save_async(self) -> None:
        """`save` from the event loop: the states are copied there (the loop changes them), turned
        into JSON and written in a thread (thousands of items take a while to dump)."""
        snapshot = [replace(s, items=dict(s.items), item_failures=dict(s.item_failures)) for s in self.states.values()]
        await asyncio.to_thread(lambda: _write_atomically(self.directory / STATE_FILE, _dumps(snapshot)))

    def followed(self) -> list[FeedState]:
        return [s for s in self.states.values() if not s.removed]

    def follow(self, url: str) -> bool:
        """Follow `url`; False when it already was."""
        state = self.states.get(url)
        if state is not None and not state.removed:
            return False
        if state is None:
            self.states[url] = FeedState(url)
        else:
            state.removed, state.failures, state.retry_at, state.error = False, 0, 0.0, ""
        return True

    def unfollow(self, url: str) -> bool:
        """Stop following `url` (its articles stay in the corpus); False when it was not followed."""
        state = self.states.get(url)
        if state is None or state.removed:
            return False
        state.removed = True
        return True

    def seed(self, urls: Iterable[str]) -> None:
        """Follow the configured URLs an admin has not removed."""
        for url in urls:
            self.states.setdefault(url, FeedState(url))

    def articles_path(self, url: str) -> Path:
        try:
            host = urlsplit(url).hostname or "feed"
        except ValueError:  # a malformed URL kept by an older version: named by its hash alone
            host = "feed"
        host = re.sub(r"[^a-z0-9.-]", "_", host.lower())[:60]
        return self.directory / f"{host}-{hashlib.sha256(url.encode()).hexdigest()[:12]}.jsonl"

    def pending_path(self, url: str) -> Path:
        return self.articles_path(url).with_suffix(PENDING_SUFFIX)

    def read_pending(self, url: str) -> list[FeedEntry]:
        """The items of `url` left for a later update (none when the file is missing or damaged)."""
        try:
            raw = json.loads(self.pending_path(url).read_text(encoding="utf-8"))
            return [FeedEntry(**item) for item in raw]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError) as error:
            log.warning("cannot read the items left over of %s (%s); they come with the feed's next change", url, error)
            return []

    def write_pending(self, url: str, entries: Sequence[FeedEntry]) -> None:
        path = self.pending_path(url)
        if entries:
            _write_atomically(path, json.dumps([asdict(e) for e in entries], ensure_ascii=False))
        else:
            path.unlink(missing_ok=True)

    def read_articles(self, url: str) -> dict[str, dict[str, str]]:
        path = self.articles_path(url)
        articles: dict[str, dict[str, str]] = {}
        try:
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(record, dict) and record.get("id"):
                        articles[str(record["id"])] = record
        except FileNotFoundError:
            pass
        return articles

    def write_articles(self, url: str, articles: dict[str, dict[str, str]]) -> None:
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in articles.values())
        _write_atomically(self.articles_path(url), lines)


class FeedUpdater:
    """Fetches followed URLs into a `FeedStore`; all network work is async, parsing in threads."""

    def __init__(self, store: FeedStore, fetcher: Fetcher, policy: UpdatePolicy = UpdatePolicy()) -> None:
        self.store = store
        self.fetcher = fetcher
        self.policy = policy

    async def update_all(self, urls: Sequence[str] | None = None, force: bool = False,
                         now: float | None = None) -> list[UpdateResult]:
        """Update `urls` (default: every followed URL) side by side; one failing never stops the others."""
        targets = list(urls) if urls is not None else [s.url for s in self.store.followed()]
        results = await asyncio.gather(*(self.update(url, force=force, now=now) for url in targets))
        await self.store.save_async()
        return list(results)

    async def update(self, url: str, force: bool = False, now: float | None = None) -> UpdateResult:
        """Fetch `url` (a feed or a page) and its new items; errors are recorded, not raised."""
        state = self.store.states.setdefault(url, FeedState(url))
        moment = time.time() if now is None else now
        if not force and state.retry_at > moment:
            return UpdateResult(url, skipped=True, error=state.error)
        state.last_fetch = moment
        try:
            result = await self._update(state)
        except FetchError as error:
            result = UpdateResult(url, error=str(error))
        except Exception as error:  # a bug or an odd document: this feed fails, the others go on
            log.exception("updating %s failed", url)
            result = UpdateResult(url, error=f"unexpected error ({type(error).__name__})")
        else:  # fetched: errors of single items are named, but the feed itself is fine
            state.failures, state.retry_at, state.last_success, state.error = 0, 0.0, moment, result.error
            return result
        state.failures += 1
        state.error = result.error
        state.retry_at = moment + self.policy.retry_delay(state.failures)
        log.warning("feed %s failed (%d in a row, next try in %.0f s): %s", url, state.failures,
                    state.retry_at - moment, result.error)
        return result

    async def _update(self, state: FeedState) -> UpdateResult:
        page = await self.fetcher.get(state.url, state.etag, state.last_modified)
        if page.not_modified:
            left = await asyncio.to_thread(self.store.read_pending, state.url) if state.kind == "feed" else []
            if not left:
                return UpdateResult(state.url, not_modified=True)
            feed: ParsedFeed | None = ParsedFeed(state.title, tuple(left))  # the feed is unchanged: its items left over
            validators = (page.etag or state.etag, page.last_modified or state.last_modified)
        else:
            feed = await self._parse(page) if not _is_html(page) else None
            validators = (page.etag, page.last_modified)
        articles = await asyncio.to_thread(self.store.read_articles, state.url)
        if feed is None:
            if not _is_html(page):
                raise FetchError(f"not an RSS or Atom feed, nor an HTML page ({page.content_type or 'no content type'})")
            record = await asyncio.to_thread(article_record, page, "", "", "")
            state.kind, state.title = "page", record["source"]
            changed = articles.get(record["id"]) != record
            articles = {record["id"]: record}
            new, errors = (1 if changed else 0), list[str]()
        else:
            state.kind, state.title = "feed", feed.title
            new, errors = await self._items(state, feed, articles)
        if new:
            await asyncio.to_thread(self.store.write_articles, state.url, articles)
        state.articles = len(articles)
        if feed is not None:  # items beyond max_items, and failed ones to try again, wait on disk
            left = [e for e in feed.entries if state.items.get(e.guid) != e.stamp]
            await asyncio.to_thread(self.store.write_pending, state.url, left)
        # Remembered only now that the items left over are on disk: a 304 no longer hides them.
        state.etag, state.last_modified = validators
        error = _items_error(errors, len(feed.entries) if feed else 1)
        return UpdateResult(state.url, new_articles=new, error=error)

    async def _parse(self, page: Page) -> ParsedFeed | None:
        apart = self.policy.parse_apart_bytes
        if apart is not None and len(page.body) > apart:
            return await parse_feed_apart(page)
        return await asyncio.to_thread(parse_feed, page)

    async def _items(self, state: FeedState, feed: ParsedFeed, articles: dict[str, dict[str, str]]) -> tuple[int, list[str]]:
        wanted = [e for e in feed.entries if state.items.get(e.guid) != e.stamp][: self.policy.max_items]

        async def fetch(entry: FeedEntry) -> tuple[FeedEntry, dict[str, str] | str]:
            try:
                page = await self.fetcher.get(entry.link)
                if not _is_html(page):
                    raise FetchError(f"not an HTML page ({page.content_type or 'no content type'})")
                return entry, await asyncio.to_thread(article_record, page, entry.title, feed.title, entry.date)
            except FetchError as error:
                return entry, str(error)
            except Exception as error:  # an item the extractor cannot take: that item fails, not the feed
                log.warning("item %s of %s failed: %s", entry.link, state.url, error)
                return entry, f"could not be read ({type(error).__name__}: {error})"[:200]

        new, errors = 0, []
        for entry, outcome in await asyncio.gather(*(fetch(e) for e in wanted)):
            if isinstance(outcome, str):
                attempts = state.item_failures.get(entry.guid, 0) + 1
                state.item_failures[entry.guid] = attempts
                if attempts >= self.policy.item_attempts:
                    state.items[entry.guid] = entry.stamp  # given up until the item changes
                    state.item_failures.pop(entry.guid, None)
                errors.append(f"{entry.link}: {outcome}")
                continue
            state.items[entry.guid] = entry.stamp
            state.item_failures.pop(entry.guid, None)
            articles[outcome["id"]] = outcome
            new += 1
        return new, errors


def parse_feed(page: Page) -> ParsedFeed | None:
    """The feed in `page`, or None when it is not a feed; broken XML is a `FetchError`."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(page.body), response_headers={"content-location": page.url})
    entries = [e for e in (_entry(item) for item in parsed.entries) if e is not None]
    harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    if parsed.get("bozo") and not entries and not isinstance(parsed.get("bozo_exception"), harmless) and (
        parsed.get("version") or page.content_type in FEED_TYPES or page.body.lstrip()[:5] == b"<?xml"
    ):
        # feedparser's loose parser reads on past broken XML; with no item found, the feed is broken.
        reason = str(parsed.get("bozo_exception") or "not well-formed")
        raise FetchError(f"broken feed XML ({reason})"[:200])
    if parsed.get("version") or entries:
        title = str(parsed.feed.get("title") or "").strip() or (urlsplit(page.url).hostname or page.url)
        return ParsedFeed(title, tuple(entries))
    if page.content_type in FEED_TYPES:
        raise FetchError("not an RSS or Atom feed (no items and no feed element)")
    return None


async def parse_feed_apart(page: Page) -> ParsedFeed | None:
    """`parse_feed` in a Python process of its own (killed if this is cancelled). The child runs
    newsbot's own code, no shell; the feed reaches it as data on stdin."""
    header = json.dumps({"url": page.url, "content_type": page.content_type}).encode() + b"\n"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from newsbot.index.feeds import _parse_stdin; _parse_stdin()",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await process.communicate(header + page.body)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        last = (err.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise FetchError(f"the feed parser failed (exit {process.returncode}: {last})"[:200])
    return await asyncio.to_thread(_parsed_from_json, out)


def _parse_stdin() -> None:
    """The child of `parse_feed_apart`: a JSON header line and the body in, the parsed feed as JSON out."""
    header, _, body = sys.stdin.buffer.read().partition(b"\n")
    meta = json.loads(header)
    try:
        feed = parse_feed(Page(meta["url"], 200, meta["content_type"], body))
    except FetchError as error:
        result: dict[str, Any] = {"error": str(error)}
    else:
        entries = [asdict(e) for e in feed.entries] if feed is not None else []
        result = {"feed": None if feed is None else {"title": feed.title, "entries": entries}}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


def _parsed_from_json(out: bytes) -> ParsedFeed | None:
    result = json.loads(out)
    if "error" in result:
        raise FetchError(result["error"])
    feed = result["feed"]
    return None if feed is None else ParsedFeed(feed["title"], tuple(FeedEntry(**e) for e in feed["entries"]))


def _entry(item: Any) -> FeedEntry | None:
    link = str(item.get("link") or "").strip()
    if not link:
        return None
    # dict.get: feedparser's own get() maps "updated" to "published" with a DeprecationWarning.
    stamp_struct = dict.get(item, "updated_parsed") or dict.get(item, "published_parsed")
    stamp = str(dict.get(item, "updated") or dict.get(item, "published") or "")
    day = ""
    if stamp_struct:
        day = datetime.fromtimestamp(calendar.timegm(stamp_struct), UTC).date().isoformat()
    return FeedEntry(guid=str(item.get("id") or link), link=link, title=str(item.get("title") or "").strip(),
                     stamp=stamp, date=day)


def article_record(page: Page, title: str, source: str, day: str) -> dict[str, str]:
    """The corpus record of an article page: the feed's title, date and name win over the page's own."""
    from newsbot.index.loaders import BadArticle, parse_html

    try:
        document = parse_html(_decode(page), page.url)
    except BadArticle as error:
        raise FetchError(str(error)) from None
    return {
        "id": page.url,
        "title": title or document.title,
        "text": document.text,
        "source": source or document.source or (urlsplit(page.url).hostname or ""),
        "url": page.url,
        "date": day or document.date,
    }


def _decode(page: Page) -> str:
    try:
        return page.body.decode("utf-8")
    except UnicodeDecodeError:
        from trafilatura.utils import decode_file

        return str(decode_file(page.body))


def _is_html(page: Page) -> bool:
    if page.content_type:
        return page.content_type in HTML_TYPES
    head = page.body.lstrip()[:200].lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _items_error(errors: list[str], total: int) -> str:
    if not errors:
        return ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{len(errors)} of {total} items failed: {errors[0]}"[:300] + more


def _dumps(states: Sequence[FeedState]) -> str:
    return json.dumps({"feeds": [asdict(s) for s in states]}, ensure_ascii=False, indent=1)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix + ".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fetch_into(directory: Path, urls: Sequence[str], fetch: FetchPolicy = FetchPolicy(),
               update: UpdatePolicy = UpdatePolicy()) -> tuple[list[Path], list[UpdateResult]]:
    """`newsbot index URL...`: fetch `urls` into `directory`; (their articles files that exist, results)."""

    async def run() -> list[UpdateResult]:
        store = FeedStore(directory)
        async with Fetcher(fetch) as fetcher:
            for url in urls:
                store.seed([url])
            return await FeedUpdater(store, fetcher, update).update_all(urls, force=True)

    results = asyncio.run(run())
    store = FeedStore(directory)
    paths = [store.articles_path(url) for url in urls if store.articles_path(url).exists()]
    return paths, results
