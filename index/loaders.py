"""Read corpus files (.txt, .md, .html, .jsonl) into cleaned `Document`s.

A file or line that cannot be read is skipped with a reason; everything else loads. Nothing here
raises for a bad corpus file: the caller reports `LoadResult.skipped`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.clean import clean_text
from index.dates import normalise_date
from index.types import Document

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
    """Load every supported file under `paths` (files or directories), skipping bad ones."""
    result = LoadResult()
    seen_ids: set[str] = set()
    for root in paths:
        root_path = Path(root)
        if not root_path.exists():
            result.skipped.append(Skipped(str(root), "no such file or directory"))
            continue
        for file, doc_prefix in _walk(root_path, result.skipped):
            for item in _load_file(file, doc_prefix):
                if isinstance(item, Skipped):
                    result.skipped.append(item)
                elif item.doc_id in seen_ids:
                    result.skipped.append(Skipped(item.doc_id, "duplicate id (first one kept)"))
                else:
                    seen_ids.add(item.doc_id)
                    result.documents.append(item)
    for skipped in result.skipped:
        log.warning("skipped %s", skipped)
    return result


def _walk(root: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, str]]:
    """Yield (file, doc id) for supported files, following symlinks but never a loop twice."""
    if root.is_file():
        if root.suffix.lower() in SUFFIXES:
            yield root, root.name
        else:
            skipped.append(Skipped(str(root), f"unsupported file type {root.suffix or '(none)'}"))
        return
    visited: set[str] = set()
    for directory, dirnames, filenames in os.walk(root, followlinks=True, onerror=None):
        real = os.path.realpath(directory)
        if real in visited:
            skipped.append(Skipped(directory, "symlink loop (directory already read)"))
            dirnames[:] = []
            continue
        visited.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                continue
            file = Path(directory) / name
            yield file, file.relative_to(root).as_posix()


def _load_file(file: Path, doc_id: str) -> Iterator[Document | Skipped]:
    suffix = file.suffix.lower()
    try:
        size = file.stat().st_size
        if suffix != ".jsonl" and size > MAX_FILE_BYTES:
            yield Skipped(str(file), f"too large ({size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB)")
            return
        if suffix == ".jsonl":
            yield from _load_jsonl(file)
            return
        raw = file.read_bytes()
        text = _decode(raw)
        if suffix in (".html", ".htm"):
            document = parse_html(text, doc_id)
        else:
            document = parse_text(text, doc_id, markdown=suffix in (".md", ".markdown"))
        yield document
    except BadArticle as error:
        yield Skipped(str(file), str(error))
    except OSError as error:
        yield Skipped(str(file), f"cannot be read ({error.strerror or error})")


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise BadArticle("empty file")
    if b"\x00" in raw[:8192]:
        raise BadArticle("binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadArticle(f"not valid UTF-8 (byte {error.start})") from None


def _load_jsonl(file: Path) -> Iterator[Document | Skipped]:
    with file.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{file}:{number}"
            if not raw.strip():
                continue
            if len(raw) > MAX_FILE_BYTES:
                yield Skipped(where, "line too large")
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
                if not isinstance(record, dict):
                    raise BadArticle("not a JSON object")
                yield parse_record(record, default_id=f"{file.name}:{number}")
            except UnicodeDecodeError:
                yield Skipped(where, "not valid UTF-8")
            except json.JSONDecodeError as error:
                yield Skipped(where, f"malformed JSON ({error.msg})")
            except BadArticle as error:
                yield Skipped(where, str(error))


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
        title, text = first.strip(), rest
    cleaned = clean_text(text, title)
    if not cleaned:
        raise BadArticle("no article text after cleaning")
    return Document(
        doc_id=doc_id,
        title=title,
        text=cleaned,
        source=meta.get("source", ""),
        url=meta.get("url", ""),
        date=normalise_date(meta.get("date", "")),
    )


def parse_html(html: str, doc_id: str) -> Document:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
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
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return re.sub(r"^\s{0,3}>\s?", "", text, flags=re.MULTILINE)


def _field(record: dict[str, object], key: str) -> str:
    value = record.get(key)
    return str(value).strip() if value not in (None, "") else ""


def _first_words(text: str, words: int = 10) -> str:
    head = text.split()[:words]
    return " ".join(head) + ("…" if len(text.split()) > words else "")
