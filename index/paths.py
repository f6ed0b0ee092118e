"""Where the default corpus and the per-user index live."""

from __future__ import annotations

import os
from pathlib import Path


def default_corpus_paths() -> list[Path]:
    """The corpus shipped with newsbot (package data of `corpus`)."""
    from newsbot import corpus

    return [Path(corpus.__file__).parent]


def default_index_dir() -> Path:
    """The per-user cache directory for the default corpus's index ($NEWSBOT_CACHE_DIR overrides)."""
    override = os.environ.get("NEWSBOT_CACHE_DIR")
    if override:
        return Path(override) / "index"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("newsbot")) / "index"
