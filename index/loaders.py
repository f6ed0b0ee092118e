"""Read corpus files (.txt, .md, .html, .jsonl) into cleaned `Document`s.

A file or line that cannot be read is skipped with a reason; everything else loads. Nothing here
raises for a bad corpus file: the caller reports `LoadResult.skipped`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.index.clean import clean_text
from newsbot.index.dates import normalise_date
from newsbot.index.types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".jsonl")
MAX_FILE_BYTES = 20 * 1024 * 1024  # one article file; a .jsonl may be larger, its lines may not
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)


@dataclass(frozen=True)
class Skipped:
    """A file or jsonl line that was not indexed, and why."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class BadArticle(ValueError):
    """An article that cannot be indexed; the message says why."""


def load_corpus(paths: Iterable[str | os.PathLike[str]]) -> LoadResult:
    """Load every supported file under `paths` (files or directories), skipping bad ones.

    Hidden files and files of other types inside a directory are ignored; every other file or
    line that cannot be indexed is named once in `LoadResult.skipped`.
    """
    result = LoadResult()
    where_id: dict[str, str] = {}  # doc id -> where its article was read
    where_file: dict[str, str] = {}  # real path -> the name it was first read under
    for root in paths:
        root_path = Path(root)
        if not root_path.exists():
            reason = "dangling symlink" if root_path.is_symlink() else "no such file or directory"
            result.skipped.append(Skipped(str(root), reason))
            continue
        for file, doc_id in _walk(root_path, result.skipped):
            real = os.path.realpath(file)
            if real in where_file:
                # A symlinked alias or a path given twice: the same article, read once.
                result.skipped.append(Skipped(str(file), f"same file as {where_file[real]} (read once)"))
                continue
            where_file[real] = str(file)
            if doc_id in where_id:
                doc_id = str(file)  # another root holds a file of the same relative name
            for where, item in _load_file(file, doc_id):
                if isinstance(item, Skipped):
                    result.skipped.append(item)
                elif item.doc_id in where_id:
                    reason = f"duplicate id {item.doc_id!r} (the first, in {where_id[item.doc_id]}, is kept)"
                    result.skipped.append(Skipped(where, reason))
                else:
                    where_id[item.doc_id] = where
                    result.documents.append(item)
    for skipped in result.skipped:
        log.warning("skipped %s", skipped)
    return result


def corpus_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files `load_corpus` reads under `paths`, in its order (not checked further)."""
    for root in paths:
        root_path = Path(root)
        if root_path.exists():
            for file, _ in _walk(root_path, []):
                yield file


def _walk(root: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, str]]:
    """Yield (file, doc id) for supported files, following symlinks but never a loop twice."""
    if not root.is_dir():
        if not root.is_file():
            skipped.append(Skipped(str(root), "not a regular file or directory"))
        elif root.suffix.lower() in SUFFIXES:
            yield root, root.name
        else:
            skipped.append(Skipped(str(root), f"unsupported file type {root.suffix or '(none)'}"))
        return

    def unreadable(error: OSError) -> None:
        skipped.append(Skipped(str(error.filename), f"directory cannot be read ({error.strerror or error})"))

    visited: set[str] = set()
    for directory, dirnames, filenames in os.walk(root, followlinks=True, onerror=unreadable):
        real = os.path.realpath(directory)
        if real in visited:
            skipped.append(Skipped(directory, "symlink loop or alias (directory already read)"))
            dirnames[:] = []
            continue
        visited.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                continue
            file = Path(directory) / name
            yield file, file.relative_to(root).as_posix()


def _load_file(file: Path, doc_id: str) -> Iterator[tuple[str, Document | Skipped]]:
    """Yield (where, document or skip) for one file: one pair, or one per jsonl line."""
    suffix = file.suffix.lower()
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or device would block or never end on read.
            yield str(file), Skipped(str(file), "not a regular file")
            return
        if suffix != ".jsonl" and info.st_size > MAX_FILE_BYTES:
            limit = f"{info.st_size / 2**20:.1f} MiB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MiB"
            yield str(file), Skipped(str(file), f"too large ({limit})")
            return
        if suffix == ".jsonl":
            yield from _load_jsonl(file)
            return
        text = _decode(file.read_bytes())
        if suffix in (".html", ".htm"):
            document = parse_html(text, doc_id)
        else:
            document = parse_text(text, doc_id, markdown=suffix in (".md", ".markdown"))
        yield str(file), document
    except BadArticle as error:
        yield str(file), Skipped(str(file), str(error))
    except OSError as error:
        reason = f"cannot be read ({error.strerror or error})"
        if error.errno == errno.ELOOP:
            reason = "symlink loop"
        elif file.is_symlink() and not file.exists():
            reason = f"dangling symlink to {os.readlink(file)}"
        yield str(file), Skipped(str(file), reason)


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise BadArticle("empty file")
    if b"\x00" in raw[:8192]:
        raise BadArticle("binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadArticle(f"not valid UTF-8 (byte {error.start})") from None


def _load_jsonl(file: Path) -> Iterator[tuple[str, Document | Skipped]]:
    with file.open("rb") as handle:
        head = handle.read(8192)
        if b"\x00" in head:
            yield str(file), Skipped(str(file), "binary file, not JSON lines")
            return
        handle.seek(0)
        empty = True
        for number, raw in enumerate(handle, start=1):
            where = f"{file}:{number}"
            if not raw.strip():
                continue
            empty = False
            if len(raw) > MAX_FILE_BYTES:
                yield where, Skipped(where, "line too large")
                continue
            try:
                record = json.loads(raw.strip().decode("utf-8-sig"))
                if not isinstance(record, dict):
                    raise BadArticle("not a JSON object")
                yield where, parse_record(record, default_id=f"{file.name}:{number}")
            except UnicodeDecodeError:
                yield where, Skipped(where, "not valid UTF-8")
            except json.JSONDecodeError as error:
                message = error.msg if error.msg.endswith(" at") else f"{error.msg} at"
                yield where, Skipped(where, f"malformed JSON ({message} column {error.colno})")
            except BadArticle as error:
                yield where, Skipped(where, str(error))
        if empty:
            yield str(file), Skipped(str(file), "empty file")


def parse_record(record: dict[str, object], default_id: str) -> Document:
    """Build a document from a jsonl record with id, title, text, source, url, date."""
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadArticle("no text")
    doc_id = str(record.get("id") or default_id)
    title = _field(record, "title")
    cleaned = clean_text(text, title)
    if not cleaned:
        raise BadArticle("no article text after cleaning")
    return Document(
        doc_id=doc_id,
        title=title or _first_words(cleaned),
        text=cleaned,
        source=_field(record, "source"),
        url=_field(record, "url"),
        date=normalise_date(_field(record, "date")),
    )


def parse_text(text: str, doc_id: str, markdown: bool = False) -> Document:
    """Parse a .txt or .md article: optional front matter, else the first line is the title."""
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        meta = _parse_front_matter(match.group(1))
        text = text[match.end() :]
    if markdown:
        text = _strip_markdown(text)
    title = meta.get("title", "")
    if not title:
        first, _, rest = text.strip().partition("\n")
        if rest.strip():
            title, text = first.strip(), rest
        # else: a single line is the article itself, not a title with nothing under it
    cleaned = clean_text(text, title)
    if not cleaned:
        raise BadArticle("no article text after cleaning")
    return Document(
        doc_id=doc_id,
        title=title or _first_words(cleaned),
        text=cleaned,
        source=meta.get("source", ""),
        url=meta.get("url", ""),
        date=normalise_date(meta.get("date", "")),
    )


def parse_html(html: str, doc_id: str) -> Document:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    try:
        import trafilatura
    except ImportError as error:  # an install without one of trafilatura's own dependencies
        raise BadArticle(_missing_package(error)) from None
    try:
        extracted = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
        )
    except (ValueError, RecursionError) as error:  # a page the parser cannot take: skip it, not the build
        raise BadArticle(f"HTML could not be parsed ({type(error).__name__})") from None
    except ImportError as error:  # trafilatura imports lxml.html.clean lazily, on the first page
        raise BadArticle(_missing_package(error)) from None
    body = getattr(extracted, "text", None) if extracted is not None else None
    if not body:
        raise BadArticle("no article text found in the HTML")
    title = getattr(extracted, "title", None) or ""
    cleaned = clean_text(body, title)
    if not cleaned:
        raise BadArticle("no article text after cleaning")
    return Document(
        doc_id=doc_id,
        title=title or _first_words(cleaned),
        text=cleaned,
        source=getattr(extracted, "sitename", None) or "",
        url=getattr(extracted, "url", None) or "",
        date=normalise_date(getattr(extracted, "date", None) or ""),
    )


def _missing_package(error: ImportError) -> str:
    """One line naming the package an HTML page needs: lxml >= 5.2 moved its cleaner out into
    lxml_html_clean, which a pip older than 24 does not install for trafilatura's extra."""
    text = str(error)
    package = "lxml_html_clean" if "html_clean" in text or "html.clean" in text else (error.name or "trafilatura")
    return f"HTML needs the Python package {package}, which is not installed (pip install {package})"


def _parse_front_matter(block: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta


def _strip_markdown(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"^[ \t]{0,3}#{1,6}[ \t]*", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return re.sub(r"^[ \t]{0,3}>[ \t]?", "", text, flags=re.MULTILINE)


def _field(record: dict[str, object], key: str) -> str:
    value = record.get(key)
    return str(value).strip() if value not in (None, "") else ""


def _first_words(text: str, words: int = 10) -> str:
    head = text.split()[:words]
    return " ".join(head) + ("…" if len(text.split()) > words else "")
