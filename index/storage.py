"""Where the index lives: one store interface, and the factory that picks a store from the config.

| store | module | chosen when |
|---|---|---|
| the index directory (FAISS + bm25s files) | `newsbot.index.store.DirectoryStore` | no database URL |
| PostgreSQL + pgvector, shared by replicas | `newsbot.index.postgres.generations.PostgresIndex` | `EngineConfig.database_url` |

The engine holds one `IndexStore` and never asks which: it loads `Snapshot`s from it, builds
into it (`newsbot.index.build`), and asks it about builds running elsewhere. A third store (a
hosted vector database, say) is one module implementing `IndexStore` and `Snapshot` (with its
`VectorStore` and `LexicalStore`, newsbot.index.stores), and one line in `open_store`
(docs/ARCHITECTURE.md, "Add a store").
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from newsbot.index.progress import Progress

if TYPE_CHECKING:
    from newsbot.index.config import EngineConfig
    from newsbot.index.snapshot import Embedded, Snapshot
    from newsbot.index.store import IndexData, Manifest


class IndexStore(Protocol):
    """Generations of the index: the current one loaded as a snapshot, a new one written by a build."""

    uses_faiss: bool  # whether a build makes a FAISS index for this store
    shared: bool  # other processes answer from it too, and may switch its generation

    @property
    def location(self) -> str:
        """Where the index lives, for messages (no password)."""
        ...

    def read_manifest(self) -> Manifest:
        """The current generation's manifest; raises IndexMissing / IndexCorrupt."""
        ...

    def load(self, model_fingerprint: str | None = None, dimension: int | None = None) -> Snapshot:
        """The current generation, checked against the model; raises IndexMissing / IndexMismatch /
        IndexCorrupt with a message that says the fix."""
        ...

    def changed(self, snapshot: Snapshot) -> bool:
        """Whether another process switched the current generation since `snapshot` was loaded."""
        ...

    # -- builds (newsbot.index.build.IndexTarget) ----------------------------------------------

    def lock(self) -> AbstractContextManager[None]:
        """Be the one writer while a build runs; ReindexRunning when another one is."""
        ...

    def previous(self) -> Embedded | None:
        """The current generation with its vectors, for a build to reuse those of unchanged articles."""
        ...

    def write(self, data: IndexData) -> str | Path:
        """Write `data` as a new generation and switch to it at once; returns where it went."""
        ...

    def writer_busy(self) -> bool:
        """Whether another process is building into this store now."""
        ...

    def share_progress(self, progress: Progress | None) -> Progress | None:
        """`progress`, also told to the other processes sharing the store (for their /stats)."""
        ...

    def reindex_progress(self) -> tuple[str, int, int] | None:
        """The stage of a build running in any process sharing the store, else None."""
        ...

    def close(self) -> None: ...


def open_store(config: EngineConfig, index_dir: Path) -> IndexStore:
    """The store `config` names: PostgreSQL when a database URL is set (connected now), else `index_dir`."""
    if config.database_url:
        from newsbot.index.postgres.generations import PostgresIndex

        return PostgresIndex(config.database_url)
    from newsbot.index.store import DirectoryStore

    return DirectoryStore(index_dir)
