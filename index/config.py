"""The engine's one configuration: read once from the environment, frozen, nested in the bot's.

| variable | field | default |
|---|---|---|
| NEWSBOT_BACKEND | backend | openvino-int8 with the `fast` extra installed, else onnx-int8 |
| NEWSBOT_CACHE_DIR | cache_dir | the per-user cache directory (platformdirs) |
| NEWSBOT_INDEX_DIR | index_dir | `<cache_dir>/index` (for the shipped corpus) |
| NEWSBOT_CORPUS | corpus_paths (':'-separated) | the corpus shipped with newsbot |
| NEWSBOT_FEEDS_DIR | feeds_dir (fetched feed articles) | the per-user data directory |
| NEWSBOT_FEEDS_ALLOW_PRIVATE | feeds_allow_private | off |
| NEWSBOT_DATABASE_URL | database_url (libpq URL; the index lives in PostgreSQL) | unset: the index directory |
| NEWSBOT_READER | reader (the trained reader's ONNX file, or `off`) | the reader shipped with newsbot |

Nothing else in the engine reads the environment, and nothing changes it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.index.pipeline import PipelineConfig

BACKENDS = ("torch", "onnx", "onnx-int8", "openvino-int8")


def default_backend() -> str:
    """openvino-int8 where the `fast` extra (openvino, nncf) is installed, else onnx-int8.

    ONNX Runtime answers several times faster than torch on a busy CPU, in a process that never
    imports torch; its int8 model (vectors within 0.99 cosine of torch's) moved no SQuAD dev metric
    by more than 0.2 points and is 1.5x the fp32 speed. OpenVINO's int8 model (static int8
    activations, calibrated by NNCF) encodes 1.3x onnxruntime int8's tokens per second, closer to the
    float vectors, with the same dev answers (docs/BENCHMARKS.md, issue 23); it is an extra because
    it adds about 190 MB to the install. Only looks whether the packages are there: no import.
    """
    from importlib.util import find_spec

    return "openvino-int8" if find_spec("openvino") and find_spec("nncf") else "onnx-int8"


DEFAULT_BACKEND = default_backend()
FAISS_KINDS = ("auto", "flat", "hnsw", "ivf")


class ConfigError(ValueError):
    """A setting has a value the engine cannot use; the message names it."""


@dataclass(frozen=True)
class EngineConfig:
    index_dir: Path | None = None
    corpus_paths: tuple[Path, ...] = ()
    cache_dir: Path | None = None
    backend: str = DEFAULT_BACKEND
    faiss_index: str = "auto"
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    database_url: str | None = field(default=None, repr=False)  # may hold a password: kept out of repr
    feeds_dir: Path | None = None  # where fetched feed articles are kept (None: the per-user data directory)
    feeds_allow_private: bool = False  # fetch private, loopback and link-local addresses too (tests)
    reader: str = "default"  # the trained reader: "default" (shipped), "off", or a path to its ONNX file

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.faiss_index not in FAISS_KINDS:
            raise ConfigError(f"faiss index must be one of {', '.join(FAISS_KINDS)}, got {self.faiss_index!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> EngineConfig:
        """The configuration of `environ` (default: os.environ); `overrides` that are not None win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "backend": env.get("NEWSBOT_BACKEND", "").strip() or DEFAULT_BACKEND,
            "cache_dir": _path(env.get("NEWSBOT_CACHE_DIR")),
            "index_dir": _path(env.get("NEWSBOT_INDEX_DIR")),
            "corpus_paths": tuple(Path(p) for p in env.get("NEWSBOT_CORPUS", "").split(os.pathsep) if p.strip()),
            "database_url": env.get("NEWSBOT_DATABASE_URL", "").strip() or None,
            "feeds_dir": _path(env.get("NEWSBOT_FEEDS_DIR")),
            "feeds_allow_private": env.get("NEWSBOT_FEEDS_ALLOW_PRIVATE", "").strip().lower() in ("1", "true", "yes", "on"),
            "reader": env.get("NEWSBOT_READER", "").strip() or "default",
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        if isinstance(values.get("corpus_paths"), list):
            values["corpus_paths"] = tuple(Path(p) for p in values["corpus_paths"])  # type: ignore[attr-defined]
        return cls(**values)  # type: ignore[arg-type]

    @property
    def cache_root(self) -> Path:
        """Where the model export and the default index live."""
        if self.cache_dir is not None:
            return self.cache_dir
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("newsbot"))

    @property
    def resolved_feeds_dir(self) -> Path:
        """Where `newsbot index URL` keeps fetched articles: NEWSBOT_FEEDS_DIR, or the per-user data directory."""
        if self.feeds_dir is not None:
            return self.feeds_dir
        from platformdirs import user_data_dir

        return Path(user_data_dir("newsbot")) / "feeds"

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir if self.index_dir is not None else self.cache_root / "index"

    @property
    def resolved_corpus_paths(self) -> list[Path]:
        return list(self.corpus_paths) if self.corpus_paths else shipped_corpus_paths()


def shipped_corpus_paths() -> list[Path]:
    """The corpus shipped with newsbot (package data of `newsbot.corpus`)."""
    from newsbot import corpus

    return [Path(corpus.__file__).parent]


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value and value.strip() else None
