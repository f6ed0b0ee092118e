"""Admins' documents: checked (type, size, name) and saved into the corpus directory, never outside it."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from newsbot.bot.settings import UPLOAD_SUFFIXES

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_CHARS = 100


class UploadRefused(ValueError):
    """A document that will not be added; the message says why, for the admin."""


def safe_file_name(name: str | None) -> str:
    """A plain file name made from whatever Telegram says the document is called.

    Directories are dropped ('../../x.txt' -> 'x.txt'), characters outside A-Z, a-z, 0-9, '.', '_'
    and '-' become '_', and leading dots go (no hidden files, no '..').
    """
    name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:MAX_NAME_CHARS] or "article"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(name: str | None, size: int | None, max_bytes: int) -> str:
    """The safe name to store the document under, or `UploadRefused` saying what is wrong."""
    safe = safe_file_name(name)
    suffix = Path(safe).suffix
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused(f"I can only add {', '.join(UPLOAD_SUFFIXES)} files, not {suffix or 'files without an extension'}.")
    if size is not None and size > max_bytes:
        raise UploadRefused(f"That file is {file_size(size)}; the limit is {file_size(max_bytes)}.")
    if size == 0:
        raise UploadRefused("That file is empty.")
    return safe


def file_size(size: int) -> str:
    """'5 MB', '1.5 MB', '4 KB': what a person reads."""
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def target_path(directory: Path, safe_name: str) -> Path:
    """A path for `safe_name` in `directory` that does not exist yet ('x.txt', 'x-2.txt', …)."""
    root = directory.resolve()
    stem, suffix = Path(safe_name).stem, Path(safe_name).suffix
    for number in range(1, 10_000):
        candidate = root / (safe_name if number == 1 else f"{stem}-{number}{suffix}")
        if candidate.parent != root:  # cannot happen with a safe name; checked all the same
            raise UploadRefused("That file name is not allowed.")
        if not candidate.exists():
            return candidate
    raise UploadRefused("Too many files with that name already.")


def save(directory: Path, safe_name: str, data: bytes) -> Path:
    """Write `data` under a fresh name in `directory`, atomically: a reindex never reads half a file.

    The file is read as the index will read it first, under a hidden name; one that gives no
    article (binary, empty, no text) is removed and refused, so that it never sits in the corpus.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = target_path(directory, safe_name)
    # A hidden temporary name: the corpus loader skips dot files.
    descriptor, temporary = tempfile.mkstemp(prefix=".upload-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        check_readable(Path(temporary), target.name)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def check_readable(file: Path, name: str) -> None:
    """`UploadRefused` naming why, unless `file` gives at least one article."""
    from newsbot.index.loaders import load_corpus

    loaded = load_corpus([file])
    if not loaded.documents:
        reasons = "; ".join(dict.fromkeys(s.reason for s in loaded.skipped)) or "no article in it"
        raise UploadRefused(f"Not added: {name}: {reasons[:300]}.")
