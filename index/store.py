"""The index on disk: one directory, switched atomically, checked when loaded.

Layout: `DIR/current` is a symlink to a generation directory `DIR/gen-<id>` holding
manifest.json, documents.jsonl, sentences.npy, chunks.npy, chunk_vectors.npy,
sentence_vectors.npy, faiss.index, bm25/ and doc_freq.json. A build writes a new generation in
`DIR/tmp-<id>`, renames it to `gen-<id>`, then replaces the `current` link in one rename, so a
reader sees the old index or the new one, never half of one. A killed build leaves only a
`tmp-*` directory, removed by the next build.

`DirectoryStore` is the index directory as a store (newsbot.index.storage): loaded as an
`IndexData` snapshot (FAISS and bm25s in memory), written by builds under a file lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from newsbot.index.lexical import LexicalIndex
from newsbot.index.lexicon import Lexicon
from newsbot.index.progress import Progress
from newsbot.index.snapshot import Embedded, first_sentences
from newsbot.index.stores import FaissVectorStore
from newsbot.index.types import Document

# 2: chunks without overlap, vectors from the int8 model with every MatMul quantized (onnx_backend EXPORT_VERSION 2)
FORMAT_VERSION = 2
_FILES = ("documents.jsonl", "sentences.npy", "chunks.npy", "chunk_vectors.npy", "sentence_vectors.npy", "faiss.index")


class IndexError_(Exception):
    """The index is missing, corrupt or built differently; the message says how to fix it."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class ReindexRunning(IndexError_):
    """A build of this index is already under way."""


class IndexMismatch(IndexError_):
    """A sound index built with another model: its vectors mean nothing to this one."""


class GenerationGone(IndexError_):
    """The generation a snapshot reads was dropped by a later reindex: load the current one."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    model_fingerprint: str
    backend: str
    faiss_index: str
    chunk_words: int
    chunk_overlap: int
    corpus_fingerprint: str
    source_fingerprint: str  # of the files read, for "rebuild when the corpus changes"
    created: float
    documents: int
    chunks: int
    sentences: int
    file_sizes: dict[str, int]
    dimension: int = 0  # of the model's vectors (0 in indexes built before it was recorded)
    model_path: str = ""  # where the model was loaded from
    pipeline: dict[str, Any] = field(default_factory=dict)  # the answer pipeline's configuration


@dataclass
class IndexData(Embedded):
    """A generation of the index directory in memory (a `Snapshot`), or a build's result before it
    is written: the spans and vectors, FAISS over the chunk vectors, bm25s over the chunks."""

    faiss: Any
    lexical: LexicalIndex
    path: Path | None = None
    _vector_store: FaissVectorStore | None = field(default=None, init=False, repr=False)

    @property
    def generation(self) -> str:
        """The name of the generation directory this data was loaded from (or written to)."""
        return self.path.name if self.path else ""

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file()) if self.path else 0

    @property
    def vectors(self) -> FaissVectorStore:
        """The vector store seam (newsbot.index.stores.VectorStore) over this index."""
        found = self._vector_store
        if found is None or found.index is not self.faiss:
            found = self._vector_store = FaissVectorStore(self.faiss, self.chunk_vectors, self.sentence_vectors)
        return found

    @property
    def lexicon(self) -> Lexicon:
        """What the corpus teaches about its words (stored with the index; learned once if older)."""
        found = self.caches.lexicon
        if found is None:
            found = (Lexicon.load(self.path) if self.path is not None else None) or Lexicon.learn(self.documents)
            self.caches.lexicon = found
        return found


def rebuild_hint(path: Path | str) -> str:
    return f"rebuild it with: newsbot index PATH... --index-dir {path}"


def current_path(directory: Path | str) -> Path:
    return Path(directory) / "current"


def read_manifest(directory: Path) -> Manifest:
    """The manifest of the current generation; raises IndexMissing / IndexCorrupt."""
    generation = current_path(directory)
    manifest_file = generation / "manifest.json"
    if not manifest_file.is_file():
        raise IndexMissing(f"no index at {directory}; {rebuild_hint(directory)}")
    try:
        raw = json.loads(manifest_file.read_text())
        manifest = Manifest(**raw)
    except (ValueError, TypeError) as error:
        raise IndexCorrupt(f"the index at {directory} has an unreadable manifest ({error}); {rebuild_hint(directory)}") from None
    if manifest.format_version != FORMAT_VERSION:
        raise IndexCorrupt(
            f"the index at {directory} has format {manifest.format_version}, this newsbot reads {FORMAT_VERSION}; "
            + rebuild_hint(directory)
        )
    return manifest


MMAP_ABOVE_BYTES = 256 * 1024 * 1024  # smaller vector files are read into memory: faster gathers


def load(directory: Path | str, mmap: bool | None = None, model_fingerprint: str | None = None) -> IndexData:
    """Load and check the current index in `directory` (built with that model, when one is given).

    Vectors are memory-mapped when `mmap` is true, or by default when the files are large.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    if model_fingerprint is not None and manifest.model_fingerprint != model_fingerprint:
        raise IndexMismatch(
            f"the index at {directory} was built with another model ({manifest.model}, fingerprint "
            f"{manifest.model_fingerprint}; this newsbot's is {model_fingerprint}); {rebuild_hint(directory)}"
        )
    generation = current_path(directory).resolve()
    try:
        for name, size in manifest.file_sizes.items():
            actual = (generation / name).stat().st_size
            if actual != size:
                raise IndexCorrupt(f"{name} is {actual} bytes, expected {size} (truncated or altered)")
        if mmap is None:
            mmap = manifest.file_sizes.get("sentence_vectors.npy", 0) > MMAP_ABOVE_BYTES
        mode: Literal["r"] | None = "r" if mmap else None
        documents, hashes = _read_documents(generation / "documents.jsonl")
        sentences = np.load(generation / "sentences.npy")
        chunks = np.load(generation / "chunks.npy")
        chunk_vectors = np.load(generation / "chunk_vectors.npy", mmap_mode=mode)
        sentence_vectors = np.load(generation / "sentence_vectors.npy", mmap_mode=mode)
        import faiss

        faiss_index = faiss.read_index(str(generation / "faiss.index"))
        lexical = LexicalIndex.load(generation)
        counts = {
            "documents": (len(documents), manifest.documents),
            "sentences": (len(sentences), manifest.sentences),
            "sentence vectors": (len(sentence_vectors), manifest.sentences),
            "chunks": (len(chunks), manifest.chunks),
            "chunk vectors": (len(chunk_vectors), manifest.chunks),
            "FAISS vectors": (faiss_index.ntotal, manifest.chunks),
            "BM25 documents": (lexical.n_docs, manifest.chunks),
        }
        for what, (found, expected) in counts.items():
            if found != expected:
                raise IndexCorrupt(f"{what}: {found}, but the manifest says {expected}")
    except IndexCorrupt as error:
        raise IndexCorrupt(f"the index at {directory} is corrupt: {error}; {rebuild_hint(directory)}") from None
    except (OSError, ValueError, TypeError, RuntimeError, KeyError, EOFError) as error:
        raise IndexCorrupt(
            f"the index at {directory} is corrupt or incomplete ({type(error).__name__}: {error}); {rebuild_hint(directory)}"
        ) from None
    return IndexData(
        manifest=manifest,
        documents=documents,
        doc_hashes=hashes,
        sentences=sentences,
        doc_first_sentence=first_sentences(len(documents), sentences),
        chunks=chunks,
        chunk_vectors=chunk_vectors,
        sentence_vectors=sentence_vectors,
        faiss=faiss_index,
        lexical=lexical,
        path=generation,
    )


def _read_documents(file: Path) -> tuple[list[Document], list[str]]:
    documents: list[Document] = []
    hashes: list[str] = []
    with file.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            hashes.append(record.pop("hash"))
            documents.append(Document(**record))
    return documents, hashes


@contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """Hold the directory's build lock, so that two builds never interleave."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexRunning(f"another build of {directory} is running; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write(directory: Path, data: IndexData) -> Path:
    """Write `data` as a new generation of `directory` and switch to it atomically."""
    import faiss

    directory.mkdir(parents=True, exist_ok=True)
    # What a killed build left: a half-written generation, a link it never switched to.
    for stale in directory.glob("tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in directory.glob(".current-*"):
        stale.unlink(missing_ok=True)
    generation_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = directory / f"tmp-{generation_id}"
    final = directory / f"gen-{generation_id}"
    try:
        tmp.mkdir()
        with (tmp / "documents.jsonl").open("w", encoding="utf-8") as handle:
            for document, digest in zip(data.documents, data.doc_hashes, strict=True):
                handle.write(json.dumps({**asdict(document), "hash": digest}, ensure_ascii=False) + "\n")
        np.save(tmp / "sentences.npy", np.asarray(data.sentences, dtype=np.int64))
        np.save(tmp / "chunks.npy", np.asarray(data.chunks, dtype=np.int64))
        np.save(tmp / "chunk_vectors.npy", np.asarray(data.chunk_vectors, dtype=np.float32))
        np.save(tmp / "sentence_vectors.npy", np.asarray(data.sentence_vectors, dtype=np.float32))
        faiss.write_index(data.faiss, str(tmp / "faiss.index"))
        data.lexical.save(tmp)
        data.lexicon.save(tmp)
        sizes = {name: (tmp / name).stat().st_size for name in (*_FILES, "lexicon.json")}
        sizes.update({f"bm25/{p.name}": p.stat().st_size for p in (tmp / "bm25").iterdir()})
        manifest = Manifest(**{**asdict(data.manifest), "file_sizes": sizes, "created": time.time()})
        (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=1))
        _fsync_tree(tmp)
        os.rename(tmp, final)
    except (OSError, RuntimeError) as error:  # faiss reports a full disk as a RuntimeError
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexWriteFailed(_write_failure(directory, data, error)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link_tmp = directory / f".current-{generation_id}"
    os.symlink(final.name, link_tmp)
    previous = current_path(directory).resolve() if current_path(directory).is_symlink() else None
    os.replace(link_tmp, current_path(directory))
    _fsync_dir(directory)
    # Keep the generation just replaced, so that a reader still loading it finishes; drop older.
    for old in directory.glob("gen-*"):
        if old.resolve() not in (final.resolve(), previous):
            shutil.rmtree(old, ignore_errors=True)
    data.manifest = manifest
    data.path = final
    return final


class IndexWriteFailed(IndexError_):
    """The new generation could not be written (a full disk, say); the old index is kept."""


def _write_failure(directory: Path, data: IndexData, error: BaseException) -> str:
    """One line: why the write failed, that nothing was lost, and how much space a build needs."""
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
    else:
        text = str(error)
        reason = next((m for m in ("No space left on device", "Disk quota exceeded", "Read-only file system",
                                   "Permission denied") if m in text), text.strip().splitlines()[-1][:200] if text.strip() else type(error).__name__)
    arrays = (data.sentences, data.chunks, data.chunk_vectors, data.sentence_vectors)
    # The vectors twice (the .npy files and FAISS's copy), plus text and BM25: a safe upper bound.
    needed = 2 * sum(np.asarray(a).nbytes for a in arrays) + 2 * sum(len(d.text) for d in data.documents)
    return (f"cannot write the index in {directory}: {reason}; the old index is kept. "
            f"A rebuild needs about {needed / 2**20:.0f} MB free there.")


def _fsync_tree(root: Path) -> None:
    for path in [*root.rglob("*")]:
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(root)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirectoryStore:
    """The index directory as the engine's store: one process writes it, any may read it."""

    uses_faiss = True  # a build makes the FAISS index this store searches with
    shared = False  # no other process switches generations under a loaded engine

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    @property
    def location(self) -> str:
        return str(self.directory)

    def read_manifest(self) -> Manifest:
        return read_manifest(self.directory)

    def load(self, model_fingerprint: str | None = None, dimension: int | None = None) -> IndexData:
        """The current generation; `dimension` is checked through the model's fingerprint."""
        _single_threaded_search()
        return load(self.directory, model_fingerprint=model_fingerprint)

    def changed(self, snapshot: object) -> bool:
        """Whether another process switched generations since `snapshot` (never, here)."""
        return False

    def lock(self) -> AbstractContextManager[None]:
        return build_lock(self.directory)

    def previous(self) -> IndexData | None:
        try:
            return load(self.directory)
        except IndexError_:
            return None

    def write(self, data: IndexData) -> Path:
        return write(self.directory, data)

    def writer_busy(self) -> bool:
        return False  # a build here holds the engine's own reindex lock

    def share_progress(self, progress: Progress | None) -> Progress | None:
        return progress

    def reindex_progress(self) -> tuple[str, int, int] | None:
        return None

    def close(self) -> None:
        """Nothing to release."""


def _single_threaded_search() -> None:
    """One FAISS thread per search: answers run side by side in worker threads, and a second
    OpenMP thread per search waited on cores busy with the encoder (2.7x slower answers on two
    cores, docs/BENCHMARKS.md)."""
    import faiss

    faiss.omp_set_num_threads(1)
