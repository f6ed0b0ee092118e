"""The engine's one narrow interface: answer questions, rebuild the index, describe it.

An `Engine` holds an immutable snapshot of the loaded index; `reindex` builds a new generation
on disk and swaps the snapshot in one assignment, so questions answered meanwhile use the old
index and never see half of the new one. `answer` is safe to call from several threads.

The index lives in one store, chosen once from the configuration (newsbot.index.storage): the
index directory, or PostgreSQL (`EngineConfig.database_url`), whose generations several engines
share: a shared store is asked at most every `REFRESH_S` whether another process switched the
generation, and the new one is loaded when it did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from newsbot.index import store
from newsbot.index.build import BuildSummary, Progress, build_index, source_fingerprint
from newsbot.index.config import EngineConfig
from newsbot.index.embed import Embedder
from newsbot.index.pipeline import AnswerPipeline
from newsbot.index.pipeline.read import load_reader
from newsbot.index.snapshot import Snapshot
from newsbot.index.storage import IndexStore, open_store
from newsbot.index.timewords import time_window
from newsbot.index.types import Answer, Document, Hit

DEFAULT_K = EngineConfig().pipeline.k
REFRESH_S = 1.0  # how stale a replica's generation may be: one cheap query per second at most


@dataclass(frozen=True)
class EngineStats:
    documents: int
    chunks: int
    sentences: int
    index_bytes: int
    built_at: float
    first_date: str
    last_date: str
    generation: str  # which index generation is answering
    reader: str = ""  # the trained reader's fingerprint ("" when it is off)


class Engine:
    """Answers questions from the index in `index_dir`; rebuilds it from `corpus_paths`."""

    def __init__(
        self,
        index_dir: Path | str | None = None,
        corpus_paths: Sequence[Path | str] | None = None,
        embedder: Embedder | None = None,
        config: EngineConfig | None = None,
        pipeline: AnswerPipeline | None = None,
    ) -> None:
        """`config` (default: read from the environment); `index_dir` and `corpus_paths` override it."""
        config = config or EngineConfig.from_env()
        self.config = config
        self.index_dir = Path(index_dir) if index_dir else config.resolved_index_dir
        self.corpus_paths = [Path(p) for p in corpus_paths] if corpus_paths else config.resolved_corpus_paths
        self.embedder = embedder or Embedder(backend=config.backend, cache_dir=config.cache_dir)
        self.pipeline = pipeline or AnswerPipeline(config.pipeline, reader=load_reader(config.reader))
        self.faiss_kind = config.faiss_index
        self._data: Snapshot | None = None
        self._reindex_lock = threading.Lock()
        self._stats: EngineStats | None = None
        self._store: IndexStore | None = None  # opened on first use (a database connects)
        self._refresh_lock = threading.Lock()
        self._checked_at = 0.0

    @property
    def store(self) -> IndexStore:
        """Where the index lives (newsbot.index.storage.open_store), opened on first use."""
        if self._store is None:
            self._store = open_store(self.config, self.index_dir)
        return self._store

    @property
    def location(self) -> str:
        """Where the index lives, for messages: the directory, or the database URL without password."""
        return self.store.location

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> Engine:
        """Load the index; raises store.IndexError_ with a message that says how to fix it."""
        self._data = self.store.load(self.embedder.fingerprint, self.embedder.dimension)
        self._checked_at = time.monotonic()
        return self

    def ensure_index(self, progress: Progress | None = None) -> BuildSummary | None:
        """Load the index, building it first when it is missing or older than the corpus."""
        try:
            manifest = self.store.read_manifest()
            # The database keeps a generation of an older format readable: rebuild it like a changed corpus.
            if manifest.format_version == store.FORMAT_VERSION and manifest.source_fingerprint == source_fingerprint(self.corpus_paths):
                self.load()
                return None
        except (store.IndexMissing, store.IndexCorrupt, store.IndexMismatch):
            pass  # built below; a new model means every vector is made again
        try:
            return self.reindex(progress=progress)
        except store.ReindexRunning:
            if not self.store.shared:
                raise
            # Replicas starting together: one builds, the others wait for its generation.
            while self.store.writer_busy():
                time.sleep(1.0)
            self.load()
            return None

    def warm_up(self) -> None:
        """Load the model and the index now, so that the first answer is not slowed by it."""
        self.pipeline.normalise(self.data, "warm up: 2 US tpyos")  # the lexicon, number table, vocabulary
        self.embedder.encode_queries(["warm up"])
        if self.pipeline.reader is not None:
            self.pipeline.reader.model.warm_up()

    @property
    def data(self) -> Snapshot:
        if self._data is None:
            self.load()
        assert self._data is not None
        return self._data

    # -- questions -------------------------------------------------------------------------

    def answer(
        self,
        question: str,
        k: int = DEFAULT_K,
        since: date | None = None,
        until: date | None = None,
        within: Collection[str] | None = None,
    ) -> Answer:
        """Answer `question` with cited sentences, or say that the articles don't.

        `within`, when given, restricts the answer to the articles with those doc_ids (a follow-up
        question answered from the articles its thread cited)."""
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        started = time.perf_counter()
        if since is None and until is None:  # --since/--until win over the question's own time words
            window = time_window(question, date.today())
            if window is not None:
                asked = window.question if any(c.isalnum() for c in window.question) else question
                restricted = self._snapshot_answer(asked, k, window.since, window.until, within, started)
                if restricted.answered:
                    return restricted
                # "left the ship in 2007" may be told by an article of 2011: the whole corpus next,
                # with the year kept in the question for the answer check.
        return self._snapshot_answer(question, k, since, until, within, started)

    def _snapshot_answer(
        self, question: str, k: int, since: date | None, until: date | None, within: Collection[str] | None, started: float
    ) -> Answer:
        try:
            return self._answer(self._current(), question, k, since, until, within, started)
        except store.GenerationGone:  # a replica that slept through two reindexes: load the current one
            self.load()
            return self._answer(self.data, question, k, since, until, within, started)

    def _answer(
        self, data: Snapshot, question: str, k: int, since: date | None, until: date | None, within: Collection[str] | None, started: float
    ) -> Answer:
        """`answer` over one snapshot."""
        allowed = self._date_mask(data, since, until)
        if within is not None:
            wanted = set(within)
            keep = np.array([d.doc_id in wanted for d in data.documents], dtype=bool)[data.chunk_documents()]
            allowed = keep if allowed is None else allowed & keep
        if allowed is not None and not allowed.any() and question.strip():
            reason = (
                "none of those articles is in the index"
                if within is not None and since is None and until is None
                else "no article is dated in that range; undated articles are left out by a date filter"
            )
            return Answer(" ".join(question.split()), False, reason=reason, latency_ms=(time.perf_counter() - started) * 1000)
        answer = self.pipeline.run(data, question, self._encode, k, allowed)  # answer spans marked, for bold
        return replace(answer, latency_ms=(time.perf_counter() - started) * 1000)

    def match_topic(self, topic: str, doc_id: str) -> Answer:
        """Whether the article `doc_id` covers `topic` (a followed topic, index/topics.py): the sentences
        that hold it, cited, or an Answer that is not answered. Raises topics.TopicError for no words."""
        from newsbot.index.topics import match_article

        return match_article(self._current(), topic, doc_id)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text from the model, as questions are embedded (to group similar ones)."""
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return self.embedder.encode_queries(list(texts))

    def search(self, question: str, k: int) -> tuple[Hit, ...]:
        """The `k` best chunks for `question` by the pipeline's hybrid retrieval (for evaluation)."""
        data = self._current()
        normalised = self.pipeline.normalise(data, question)
        hits = self.pipeline.retrieve(data, normalised, self._encode(normalised.text), k, None)
        return tuple(Hit(h.chunk_id, h.score, h.dense, h.lexical) for h in hits)

    def _current(self) -> Snapshot:
        """The snapshot to answer from: with a shared store, the generation another process may have
        switched to (checked at most every REFRESH_S; other threads answer from the old one while
        one thread loads the new)."""
        data = self.data
        shared = self._store
        if shared is None or not shared.shared or time.monotonic() - self._checked_at < REFRESH_S or not self._refresh_lock.acquire(blocking=False):
            return data
        try:
            self._checked_at = time.monotonic()
            if shared.changed(data):
                self.load()
            return self.data
        finally:
            self._refresh_lock.release()

    def _encode(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    @staticmethod
    def _date_mask(data: Snapshot, since: date | None, until: date | None) -> np.ndarray | None:
        if since is None and until is None:
            return None
        low = since.isoformat() if since else "0000-00-00"
        high = until.isoformat() if until else "9999-99-99"
        keep = np.array([bool(d.date) and low <= d.date <= high for d in data.documents])
        return keep[data.chunk_documents()]

    # -- the corpus ------------------------------------------------------------------------

    def reindex(self, paths: Sequence[Path | str] | None = None, progress: Progress | None = None) -> BuildSummary:
        """Rebuild from the corpus (re-embedding only changed articles) and switch to it."""
        if not self._reindex_lock.acquire(blocking=False):
            raise store.ReindexRunning("a reindex is already running")
        try:
            progress = self.store.share_progress(progress)  # a shared store: /stats on every replica shows it
            summary = build_index(
                paths or self.corpus_paths, self.index_dir, self.embedder, progress, faiss_kind=self.faiss_kind,
                pipeline=asdict(self.config.pipeline), target=self.store,
            )
            self.load()  # the same checks and search settings as any load; one assignment swaps
            return summary
        finally:
            self._reindex_lock.release()

    def close(self) -> None:
        """Release the store (the database's connections; nothing for an index directory)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def reindexing(self) -> bool:
        """A rebuild is running here, or (in a shared store) in another process sharing it."""
        if self._reindex_lock.locked():
            return True
        return self.store.writer_busy()

    def reindex_progress(self) -> tuple[str, int, int] | None:
        """In a shared store: the stage of a rebuild running in any process sharing it (else None)."""
        return self.store.reindex_progress()

    def documents(self) -> list[Document]:
        return list(self.data.documents)

    def stats(self) -> EngineStats:
        """What the loaded index holds; computed once per index generation."""
        data = self.data
        cached = self._stats
        if cached is not None and cached.generation == data.generation:
            return cached
        dates = sorted(d.date for d in data.documents if d.date)
        self._stats = EngineStats(
            documents=len(data.documents),
            chunks=len(data.chunks),
            sentences=len(data.sentences),
            index_bytes=data.size_bytes,
            built_at=data.manifest.created,
            first_date=dates[0] if dates else "",
            last_date=dates[-1] if dates else "",
            generation=data.generation,
            reader=self.pipeline.reader.model.fingerprint if self.pipeline.reader is not None else "",
        )
        return self._stats

