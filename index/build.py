"""Build or update an index: load → sentences → chunks → embed (only what changed) → FAISS + BM25."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from newsbot.index import store
from newsbot.index.chunking import ChunkSpec, chunk_sentences
from newsbot.index.embed import Embedder
from newsbot.index.lexical import LexicalIndex
from newsbot.index.loaders import MAX_FILE_BYTES, LoadResult, Note, Skipped, corpus_files, load_corpus
from newsbot.index.progress import Progress
from newsbot.index.sentences import split_sentences
from newsbot.index.snapshot import Embedded
from newsbot.index.types import Document
from newsbot.index.vector_index import FAISS_KINDS, make_faiss

# Within a long article, progress is reported at most this often: a report is where a build stops
# (SIGTERM), and splitting one article may take the whole sentence budget (5 s).
CHECKPOINT_S = 0.25


@dataclass(frozen=True)
class BuildSummary:
    """What a build did, for the CLI and the bot to report."""

    documents: int
    chunks: int
    sentences: int
    embedded_chunks: int  # re-embedded this time; the rest were reused
    skipped: tuple[Skipped, ...] = field(default=())
    path: str = ""
    seconds: float = 0.0
    notes: tuple[Note, ...] = field(default=())  # indexed, with a remark: encoding, a bad date

    def describe(self, relative_to: Sequence[str | os.PathLike[str]] = ()) -> str:
        """One paragraph; names under a directory of `relative_to` are given relative to it
        (the bot shows no server paths in chat)."""
        reused = self.chunks - self.embedded_chunks
        text = (
            f"indexed {self.documents} articles, {self.chunks} chunks, {self.sentences} sentences "
            f"({self.embedded_chunks} chunks embedded, {reused} reused) in {self.seconds:.1f}s"
        )
        if self.skipped:
            text += f"; skipped {len(self.skipped)}: " + "; ".join(str(s) for s in self.skipped)
        if self.notes:
            text += f"; notes on {len(self.notes)}: " + "; ".join(str(n) for n in self.notes)
        return relative_names(text, relative_to) if relative_to else text


def relative_names(text: str, directories: Iterable[str | os.PathLike[str]]) -> str:
    """`text` with the paths of `directories` (as given and resolved) cut from the names in it."""
    prefixes: set[str] = set()
    for directory in directories:
        for form in (os.path.abspath(directory), os.path.realpath(directory), str(directory)):
            prefixes.add(form.rstrip(os.sep) + os.sep)
    for prefix in sorted(prefixes, key=len, reverse=True):
        text = text.replace(prefix, "")
    return text


def document_hash(document: Document) -> str:
    return hashlib.sha256(json.dumps(asdict(document), sort_keys=True).encode()).hexdigest()


def source_fingerprint(paths: Iterable[str | os.PathLike[str]]) -> str:
    """A hash of the corpus files' names and contents, to tell when a default index is stale.

    It covers the files the loader reads; one the loader refuses without reading (a FIFO, a file
    over the size limit) counts by its type, size and time, so that hashing never blocks or
    reads what indexing would not.
    """
    digest = hashlib.sha256()
    for file in corpus_files(sorted(str(p) for p in paths)):
        digest.update(file.as_posix().encode() + b"\0")
        try:
            info = file.stat()
            if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES:
                digest.update(file.read_bytes())
            else:
                digest.update(f"{info.st_mode}:{info.st_size}:{info.st_mtime_ns}".encode())
        except OSError:
            digest.update(b"unreadable")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def build_index(
    paths: Sequence[str | os.PathLike[str]],
    index_dir: Path,
    embedder: Embedder,
    progress: Progress | None = None,
    spec: ChunkSpec = ChunkSpec(),
    faiss_kind: str = "auto",
    pipeline: dict[str, object] | None = None,
    target: IndexTarget | None = None,
) -> BuildSummary:
    """Build the index of `paths` in `index_dir`, reusing vectors of unchanged articles.

    `pipeline` (the answer pipeline's configuration) is recorded in the manifest. `target`, when
    given, is where the index goes instead (the database: newsbot.index.postgres)."""
    import time

    if faiss_kind not in FAISS_KINDS:
        raise ValueError(f"faiss index must be one of {', '.join(FAISS_KINDS)}, got {faiss_kind!r}")
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    target = target or store.DirectoryStore(index_dir)
    with target.lock():
        report("reading articles", 0, 0)
        loaded: LoadResult = load_corpus(paths, on_file=lambda n: report("reading articles", n, 0))
        if not loaded.documents:
            raise store.IndexError_(
                "no articles to index in " + ", ".join(str(p) for p in paths)
                + (f" (skipped {len(loaded.skipped)}: " + "; ".join(map(str, loaded.skipped)) + ")" if loaded.skipped else "")
            )
        documents = loaded.documents
        hashes = [document_hash(d) for d in documents]
        fingerprint = embedder.fingerprint
        previous = _reusable(target, fingerprint, spec)
        if previous is None:  # every chunk will be embedded: load the model while sentences are split
            _load_in_background(embedder)

        sentence_rows: list[tuple[int, int, int]] = []
        chunk_rows: list[tuple[int, int, int]] = []
        for doc_index, document in enumerate(documents):
            report("splitting sentences", doc_index + 1, len(documents))
            base = len(sentence_rows)
            sentences = split_sentences(
                document.text,
                checkpoint=_every(CHECKPOINT_S, report, "splitting sentences", doc_index + 1, len(documents)),
            )
            sentence_rows.extend((doc_index, s.start, s.end) for s in sentences)
            for first, last in chunk_sentences(sentences, spec):
                chunk_rows.append((doc_index, base + first, base + last))
        sentences_arr = np.asarray(sentence_rows, dtype=np.int64).reshape(-1, 3)
        chunks_arr = np.asarray(chunk_rows, dtype=np.int64).reshape(-1, 3)

        chunk_vectors = np.zeros((len(chunks_arr), embedder.dimension), dtype=np.float32)
        sentence_vectors = np.zeros((len(sentences_arr), embedder.dimension), dtype=np.float32)
        to_embed = _reuse_vectors(previous, documents, hashes, sentences_arr, chunks_arr, chunk_vectors, sentence_vectors)

        texts, spans = [], []
        for chunk_id in to_embed:
            text, chunk_spans = passage(documents, sentences_arr, chunks_arr[chunk_id])
            texts.append(text)
            spans.append(chunk_spans)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            report("embedding chunks", done, len(texts))

        if texts:
            report("loading the model (the first run prepares it, once)", 0, 0)
            embedder.prepare()
            report("embedding chunks", 0, len(texts))
            encoded = embedder.encode_passages(texts, spans, progress=advance)
            seen_sentence: set[int] = set()
            for row, chunk_id in enumerate(to_embed):
                chunk_vectors[chunk_id] = encoded.passages[row]
                _, first, last = chunks_arr[chunk_id]
                for offset, sentence_id in enumerate(range(int(first), int(last) + 1)):
                    # With overlapping chunks, a sentence shared by two keeps the vector from the
                    # first chunk that saw it.
                    if sentence_id not in seen_sentence:
                        sentence_vectors[sentence_id] = encoded.sentences[row][offset]
                        seen_sentence.add(sentence_id)

        report("building search indexes", 0, 1)
        faiss_index = make_faiss(chunk_vectors, faiss_kind) if target.uses_faiss else None
        lexical = LexicalIndex.build([passage(documents, sentences_arr, row)[0] for row in chunks_arr])
        manifest = store.Manifest(
            format_version=store.FORMAT_VERSION,
            model=embedder.model_name,
            model_fingerprint=fingerprint,
            dimension=embedder.dimension,
            model_path=str(embedder.model_path),
            pipeline=pipeline or {},
            backend=embedder.backend,
            faiss_index=faiss_kind,
            chunk_words=spec.max_words,
            chunk_overlap=spec.overlap,
            corpus_fingerprint=hashlib.sha256("".join(hashes).encode()).hexdigest()[:16],
            source_fingerprint=source_fingerprint(paths),
            created=0.0,
            documents=len(documents),
            chunks=len(chunks_arr),
            sentences=len(sentences_arr),
            file_sizes={},
        )
        data = store.IndexData(
            manifest=manifest,
            documents=documents,
            doc_hashes=hashes,
            sentences=sentences_arr,
            doc_first_sentence=store.first_sentences(len(documents), sentences_arr),
            chunks=chunks_arr,
            chunk_vectors=chunk_vectors,
            sentence_vectors=sentence_vectors,
            faiss=faiss_index,
            lexical=lexical,
        )
        report("writing index", 0, 1)
        path = target.write(data)
        report("done", 1, 1)
    return BuildSummary(
        documents=len(documents),
        chunks=len(chunks_arr),
        sentences=len(sentences_arr),
        embedded_chunks=len(to_embed),
        skipped=tuple(loaded.skipped),
        notes=tuple(loaded.notes),
        path=str(path),
        seconds=time.perf_counter() - started,
    )


def _every(seconds: float, report: Progress, stage: str, done: int, total: int) -> Callable[[], None]:
    """A checkpoint that repeats `report(stage, done, total)` at most every `seconds`."""
    import time

    last = time.monotonic()

    def checkpoint() -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= seconds:
            last = now
            report(stage, done, total)

    return checkpoint


def passage(documents: Sequence[Document], sentences: np.ndarray, chunk_row: np.ndarray) -> tuple[str, list[tuple[int, int]]]:
    """The text embedded for a chunk (title, then the chunk) and its sentences' spans in it."""
    doc_index, first, last = (int(x) for x in chunk_row)
    document = documents[doc_index]
    start = int(sentences[first, 1])
    body = document.text[start : int(sentences[last, 2])]
    prefix = f"{document.title}\n" if document.title else ""
    spans = [
        (len(prefix) + int(sentences[i, 1]) - start, len(prefix) + int(sentences[i, 2]) - start)
        for i in range(first, last + 1)
    ]
    return prefix + body, spans


class IndexTarget(Protocol):
    """Where a build writes: the part of a store (newsbot.index.storage.IndexStore) a build uses."""

    uses_faiss: bool

    def lock(self) -> AbstractContextManager[None]: ...
    def previous(self) -> Embedded | None: ...
    def write(self, data: store.IndexData) -> str | Path: ...


def _load_in_background(embedder: Embedder) -> None:
    """Load the tokenizer and the model in a thread: pysbd holds one core while sentences are split,
    and loading (mostly native code) takes the other. On two cores, 0.5-1 s off a fresh build
    (issue 23). The build's own `prepare()` waits for this load; an error is raised there, not here."""
    import threading

    def load() -> None:
        try:
            _ = embedder.tokenizer
            embedder.prepare()
        except Exception:  # the build's prepare() loads again and reports it
            pass

    threading.Thread(target=load, name="newsbot-model-load", daemon=True).start()


def _reusable(target: IndexTarget, fingerprint: str, spec: ChunkSpec) -> Embedded | None:
    """The current index, when its vectors can be reused for unchanged articles."""
    previous = target.previous()
    if previous is None:
        return None
    manifest = previous.manifest
    same = (
        manifest.format_version == store.FORMAT_VERSION
        and manifest.model_fingerprint == fingerprint
        and manifest.chunk_words == spec.max_words
        and manifest.chunk_overlap == spec.overlap
    )
    return previous if same else None


def _reuse_vectors(
    previous: Embedded | None,
    documents: Sequence[Document],
    hashes: Sequence[str],
    sentences: np.ndarray,
    chunks: np.ndarray,
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
) -> list[int]:
    """Copy vectors of articles whose content hash is unchanged; return the chunks left to embed."""
    if previous is None:
        return list(range(len(chunks)))
    old_by_hash = {digest: index for index, digest in enumerate(previous.doc_hashes)}
    old_chunks_by_doc: dict[int, list[int]] = {}
    for chunk_id, row in enumerate(previous.chunks):
        old_chunks_by_doc.setdefault(int(row[0]), []).append(chunk_id)
    new_chunks_by_doc: dict[int, list[int]] = {}
    for chunk_id, row in enumerate(chunks):
        new_chunks_by_doc.setdefault(int(row[0]), []).append(chunk_id)
    new_first = store.first_sentences(len(documents), sentences)
    to_embed: list[int] = []
    for doc_index, digest in enumerate(hashes):
        new_ids = new_chunks_by_doc.get(doc_index, [])
        old_doc = old_by_hash.get(digest)
        old_ids = old_chunks_by_doc.get(old_doc, []) if old_doc is not None else []
        if old_doc is None or len(old_ids) != len(new_ids):
            to_embed.extend(new_ids)
            continue
        chunk_vectors[new_ids] = previous.chunk_vectors[old_ids]
        old_start, old_end = previous.doc_first_sentence[old_doc], previous.doc_first_sentence[old_doc + 1]
        new_start, new_end = new_first[doc_index], new_first[doc_index + 1]
        if old_end - old_start == new_end - new_start:
            sentence_vectors[new_start:new_end] = previous.sentence_vectors[old_start:old_end]
        else:
            to_embed.extend(new_ids)
    return sorted(to_embed)
