"""Read corpus files (.txt, .md, .html, .jsonl) into cleaned `Document`s.

A file or line that cannot be read is skipped with a reason; everything else loads. Nothing here
raises for a bad corpus file: the caller reports `LoadResult.skipped`.
"""

from __future__ import annotations

import codecs
import errno
import io
import json
import logging
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.index.clean import clean_text, remove_controls
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


@dataclass(frozen=True)
class Note:
    """Something about a file that was indexed all the same: its encoding, a date not understood."""

    name: str
    note: str

    def __str__(self) -> str:
        return f"{self.name}: {self.note}"


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class BadArticle(ValueError):
    """An article that cannot be indexed; the message says why."""


def load_corpus(paths: Iterable[str | os.PathLike[str]], on_file: Callable[[int], None] | None = None) -> LoadResult:
    """Load every supported file under `paths` (files or directories), skipping bad ones.

    Hidden files and files of other types inside a directory are ignored; every other file or
    line that cannot be indexed is named once in `LoadResult.skipped`. `on_file(n)` is called
    before the n-th file is read (progress, and a place where a build can be stopped).
    """
    result = LoadResult()
    where_id: dict[str, str] = {}  # doc id -> where its article was read
    where_file: dict[str, str] = {}  # real path -> the name it was first read under
    files_read = 0
    for root in paths:
        root_path = Path(root)
        if not root_path.exists():
            reason = "dangling symlink" if root_path.is_symlink() else "no such file or directory"
            result.skipped.append(Skipped(str(root), reason))
            continue
        for file, doc_id in _walk(root_path, result.skipped):
            files_read += 1
            if on_file is not None:
                on_file(files_read)
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
                elif isinstance(item, Note):
                    result.notes.append(item)
                elif item.doc_id in where_id:
                    reason = f"duplicate id {item.doc_id!r} (the first, in {where_id[item.doc_id]}, is kept)"
                    result.skipped.append(Skipped(where, reason))
                else:
                    where_id[item.doc_id] = where
                    result.documents.append(item)
    for skipped in result.skipped:
        log.warning("skipped %s", skipped)
    for note in result.notes:
        log.info("note: %s", note)
    return result


def corpus_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files `load_corpus` reads under `paths`, in its order (not checked further)."""
    for root in paths:
        root_path = Path(root)
        if root_path.exists():
            for file, _ in _walk(root_path, []):
                yield file


def _walk(root: Path, skipped: list[Skipped]) -> Iterator[tuple[Path, str]]:
    """Yield (file, doc id) for supported files, following symlinks inside the directory only.

    A symlink to a file or directory outside `root` is named and not followed: whoever can put a
    link in the corpus must not make any file the bot can read answerable. A loop is read once.
    """
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
    inside = os.path.realpath(root)
    for directory, dirnames, filenames in os.walk(root, followlinks=True, onerror=unreadable):
        real = os.path.realpath(directory)
        if not _within(real, inside):
            skipped.append(Skipped(directory, OUTSIDE))
            dirnames[:] = []
            continue
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
            if file.is_symlink() and os.path.exists(file) and not _within(os.path.realpath(file), inside):
                skipped.append(Skipped(str(file), OUTSIDE))
                continue
            yield file, file.relative_to(root).as_posix()


OUTSIDE = "symlink out of the corpus directory (not followed)"


def _within(real: str, directory: str) -> bool:
    return real == directory or real.startswith(directory.rstrip(os.sep) + os.sep)


def _load_file(file: Path, doc_id: str) -> Iterator[tuple[str, Document | Skipped | Note]]:
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
        text, encoding = decode(file.read_bytes())
        notes: list[str] = [f"decoded as {encoding} (not UTF-8)"] if encoding not in _UNICODE else []
        if suffix in (".html", ".htm"):
            document = parse_html(text, doc_id, notes)
        else:
            document = parse_text(text, doc_id, markdown=suffix in (".md", ".markdown"), notes=notes)
        yield str(file), document
        for note in notes:
            yield str(file), Note(str(file), note)
    except BadArticle as error:
        yield str(file), Skipped(str(file), str(error))
    except OSError as error:
        reason = f"cannot be read ({error.strerror or error})"
        if error.errno == errno.ELOOP:
            reason = "symlink loop"
        elif file.is_symlink() and not file.exists():
            reason = f"dangling symlink to {os.readlink(file)}"
        yield str(file), Skipped(str(file), reason)


# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNICODE = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
# What charset-normalizer may choose among: the encodings news sites and editors write. Without
# a list it calls four bytes of latin-1 EBCDIC (cp037); UTF-16/32 without a mark are not guessed.
_CANDIDATES = ["cp1252", "cp1250", "cp1251", "koi8_r", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
               "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr"]
# It ranks cp1250 first whenever cp1250 and cp1252 both fit ("Señor" comes out as "Seńor"); for an
# English news corpus Western text is far the likelier, so any Latin guess is read as cp1252.
_LATIN = {"cp1250", "cp1252", "cp1254", "cp1257"}


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read with (a BOM, UTF-8, else detected)."""
    if not raw.strip():
        raise BadArticle("empty file")
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise BadArticle(f"not valid {encoding.upper()} after its byte-order mark (byte {error.start})") from None
            if not text.strip():
                raise BadArticle("empty file")
            return text, encoding
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        first_bad = error.start
    else:
        # Valid UTF-8 with a stray NUL is text (the NUL is removed by cleaning); mostly NULs is not.
        if raw.count(b"\x00", 0, 8192) > len(raw[:8192]) // 100:
            raise BadArticle("binary file, not text")
        return text, "utf-8"
    if b"\x00" in raw[:8192]:
        raise BadArticle("binary file, not text")
    from charset_normalizer import from_bytes

    best = from_bytes(raw[: 2**20], cp_isolation=_CANDIDATES).best()
    if best is None:
        raise BadArticle(f"not valid UTF-8 (byte {first_bad}) and no other text encoding fits")
    encoding = best.encoding
    if encoding in _LATIN:
        encoding = "cp1252"
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError:
        return raw.decode(best.encoding), best.encoding


def _load_jsonl(file: Path) -> Iterator[tuple[str, Document | Skipped | Note]]:
    with file.open("rb") as handle:
        head = handle.read(8192)
        marked = next((encoding for bom, encoding in _BOMS if head.startswith(bom)), None)
        if marked is None and b"\x00" in head:
            yield str(file), Skipped(str(file), "binary file, not JSON lines")
            return
        handle.seek(0)
        if marked not in (None, "utf-8"):
            # "utf-16" and "utf-32" read the mark and drop it.
            lines: Iterable[bytes | str] = io.TextIOWrapper(handle, encoding=marked[:6], errors="replace")
        else:
            lines = handle
        empty = True
        for number, raw in enumerate(lines, start=1):
            where = f"{file}:{number}"
            if not raw.strip():
                continue
            empty = False
            if len(raw) > MAX_FILE_BYTES:
                yield where, Skipped(where, "line too large")
                continue
            notes: list[str] = []
            try:
                if isinstance(raw, bytes):
                    try:
                        line = raw.strip().decode("utf-8-sig")
                    except UnicodeDecodeError:
                        line, encoding = decode(raw.strip())
                        notes.append(f"decoded as {encoding} (not UTF-8)")
                else:
                    line = raw.strip()
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise BadArticle("not a JSON object")
                yield where, parse_record(record, default_id=f"{file.name}:{number}", notes=notes)
                for note in notes:
                    yield where, Note(where, note)
            except json.JSONDecodeError as error:
                message = error.msg if error.msg.endswith(" at") else f"{error.msg} at"
                yield where, Skipped(where, f"malformed JSON ({message} column {error.colno})")
            except BadArticle as error:
                yield where, Skipped(where, str(error))
        if empty:
            yield str(file), Skipped(str(file), "empty file")


def parse_record(record: dict[str, object], default_id: str, notes: list[str] | None = None) -> Document:
    """Build a document from a jsonl record with id, title, text, source, url, date.

    A field of the wrong type refuses the record, naming the field: only an integer id is
    converted (12 -> "12"), since no other conversion is unambiguous (a list id is not a name).
    """
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        raise BadArticle(f"text must be a string, not {_json_type(text)}")
    if not isinstance(text, str) or not text.strip():
        raise BadArticle("no text")
    raw_id = record.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    elif raw_id is not None and not isinstance(raw_id, str):
        raise BadArticle(f"id must be a string or an integer, not {_json_type(raw_id)}")
    doc_id = remove_controls(raw_id or "").strip() or default_id
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
        date=_date(_field(record, "date"), notes),
    )


def parse_text(text: str, doc_id: str, markdown: bool = False, notes: list[str] | None = None) -> Document:
    """Parse a .txt or .md article: optional front matter, else the first line is the title."""
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        meta = _parse_front_matter(match.group(1))
        text = text[match.end() :]
    if markdown:
        text = _strip_markdown(text)
    title = remove_controls(meta.get("title", ""))
    if not title:
        first, _, rest = text.strip().partition("\n")
        if rest.strip():
            title, text = remove_controls(first).strip(), rest
        # else: a single line is the article itself, not a title with nothing under it
    cleaned = clean_text(text, title)
    if not cleaned:
        raise BadArticle("no article text after cleaning")
    return Document(
        doc_id=doc_id,
        title=title or _first_words(cleaned),
        text=cleaned,
        source=remove_controls(meta.get("source", "")),
        url=remove_controls(meta.get("url", "")),
        date=_date(meta.get("date", ""), notes),
    )


def parse_html(html: str, doc_id: str, notes: list[str] | None = None) -> Document:
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
    title = remove_controls(getattr(extracted, "title", None) or "")
    cleaned = clean_text(body, title)
    if not cleaned:
        raise BadArticle("no article text after cleaning")
    return Document(
        doc_id=doc_id,
        title=title or _first_words(cleaned),
        text=cleaned,
        source=remove_controls(getattr(extracted, "sitename", None) or ""),
        url=remove_controls(getattr(extracted, "url", None) or ""),
        date=_date(getattr(extracted, "date", None) or "", notes),
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
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadArticle(f"{key} must be a string, not {_json_type(value)}")
    return remove_controls(value).strip()


def _json_type(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _date(value: str, notes: list[str] | None) -> str:
    """The date as YYYY-MM-DD; one that is not a date is named in `notes` and left out."""
    normalised = normalise_date(value)
    if value.strip() and not normalised and notes is not None:
        notes.append(f"date {value.strip()[:40]!r} is not a date (indexed without one)")
    return normalised


def _first_words(text: str, words: int = 10) -> str:
    head = text.split()[:words]
    return " ".join(head) + ("…" if len(text.split()) > words else "")
