"""A fast stand-in for `index.engine.Engine`: same interface, keyword matching over .txt files.

Articles are .txt files whose first line is the title. A question is answered with every
sentence that shares the most words (of four letters or more) with it. Hooks for tests:
`rebuild_gate` holds a reindex open after its progress reports, `slow` holds answers to
questions containing a word, `answer_seconds` makes every answer take that long (blocking, as
the real engine's embedding does), and a question containing "explode" raises.

Answers carry answer spans (`index.highlight.add_highlights`), as the real engine's do. Followed
topics are matched by the real rule (`index.topics.TopicMatcher`) over these sentences; `embed`
gives bag-of-words vectors (hashed words of four letters or more), so that questions sharing words
are similar.

What it saw, for assertions: `questions`; `within` (the doc_ids each question was restricted
to, None for all articles, in the order of `questions`); `answered` (one `Answered` per answer, in the order
each took its snapshot of the index: its generation and the thread it ran on); `peak_active`
(the most answers computed at once).
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsbot.index.build import BuildSummary
from newsbot.index.engine import EngineStats
from newsbot.index.highlight import add_highlights
from newsbot.index.store import IndexError_, ReindexRunning
from newsbot.index.topics import Topic, TopicMatcher, topic_answer
from newsbot.index.types import Answer, CitedSentence, Document, Sentence, SourceRef

_WORD = re.compile(r"[a-z0-9]{4,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
STOPWORDS = {"what", "when", "where", "which", "who", "whom", "does", "did", "about", "with", "from", "that", "this", "have"}


@dataclass(frozen=True)
class Answered:
    question: str
    generation: str
    thread: str


class FakeEngine:
    def __init__(self, corpus_paths: Sequence[Path | str], index_dir: Path | None = None) -> None:
        self.corpus_paths = [Path(p) for p in corpus_paths]
        self.index_dir = index_dir
        self.generation = 0
        self.questions: list[str] = []
        self.within: list[tuple[str, ...] | None] = []
        self.rebuild_gate: threading.Event | None = None
        self.rebuild_step_seconds = 0.0
        self.slow: dict[str, threading.Event] = {}
        self.answer_seconds = 0.0
        self.answered: list[Answered] = []
        self.topics: list[tuple[str, str]] = []  # (topic, doc_id) of each match_topic call
        self.active = 0
        self.peak_active = 0
        self._documents: list[Document] = []
        self._built_at = 0.0
        self._lock = threading.Lock()
        self._reindex_lock = threading.Lock()

    # -- the Engine interface --------------------------------------------------------------

    def ensure_index(self, progress: Callable[[str, int, int], None] | None = None) -> BuildSummary | None:
        return None if self.generation else self.reindex(progress=progress)

    def load(self) -> FakeEngine:
        self.ensure_index()
        return self

    def warm_up(self) -> None:
        pass

    @property
    def reindexing(self) -> bool:
        return self._reindex_lock.locked()

    def reindex(self, paths: Sequence[Path | str] | None = None,
                progress: Callable[[str, int, int], None] | None = None) -> BuildSummary:
        if not self._reindex_lock.acquire(blocking=False):
            raise ReindexRunning("a reindex is already running")
        try:
            report = progress or (lambda stage, done, total: None)
            files = sorted(f for root in (paths or self.corpus_paths) for f in _files(Path(root)))
            report("reading articles", 0, 0)
            documents = []
            for number, file in enumerate(files, start=1):
                if file.suffix == ".jsonl":  # fetched feed articles (index/feeds.py): one record a line
                    documents.extend(_records(file))
                    continue
                lines = file.read_text(encoding="utf-8").strip().split("\n", 1)
                documents.append(Document(file.stem, lines[0].strip(), lines[-1].strip(), "Test Wire",
                                          f"https://example.com/{file.stem}", "2024-05-0" + str(min(number, 9))))
                report("embedding chunks", number, len(files))
                time.sleep(self.rebuild_step_seconds)
            if not documents:
                raise IndexError_("no articles to index in " + ", ".join(map(str, paths or self.corpus_paths)))
            if self.rebuild_gate is not None and not self.rebuild_gate.wait(timeout=10):
                raise IndexError_("test rebuild gate never opened")
            with self._lock:
                self._documents, self.generation, self._built_at = documents, self.generation + 1, time.time()
            report("done", 1, 1)
            count = sum(len(_sentences(d.text)) for d in documents)
            return BuildSummary(documents=len(documents), chunks=len(documents), sentences=count, embedded_chunks=len(documents))
        finally:
            self._reindex_lock.release()

    def answer(self, question: str, k: int = 4, since: object = None, until: object = None,
               within: Collection[str] | None = None) -> Answer:
        started = time.perf_counter()
        with self._lock:
            self.questions.append(question)
            self.within.append(None if within is None else tuple(sorted(within)))
            self.active += 1
            self.peak_active = max(self.peak_active, self.active)
        try:
            return add_highlights(self._answer(question, started, within))
        finally:
            with self._lock:
                self.active -= 1

    def _answer(self, question: str, started: float, within: Collection[str] | None) -> Answer:
        if "explode" in question:
            raise RuntimeError("the fake engine was asked to explode")
        for word, gate in self.slow.items():
            if word in question.lower():
                gate.wait(timeout=10)
        time.sleep(self.answer_seconds)
        with self._lock:  # one snapshot of the index for the whole answer, as the real engine takes
            documents, generation = list(self._documents), f"gen-{self.generation}"
            if within is not None:
                documents = [d for d in documents if d.doc_id in within]
            self.answered.append(Answered(question, generation, threading.current_thread().name))
        words = set(_WORD.findall(question.lower())) - STOPWORDS
        scored = [
            (len(words & set(_WORD.findall(sentence.lower()))), doc_index, sentence)
            for doc_index, document in enumerate(documents)
            for sentence in _sentences(document.text)
        ]
        best = max((score for score, _, _ in scored), default=0)
        if best == 0:
            return Answer(question, False, reason="no article matches", latency_ms=_ms(started), generation=generation)
        numbers: dict[int, int] = {}
        cited = []
        for score, doc_index, sentence in scored:
            if score == best:
                number = numbers.setdefault(doc_index, len(numbers) + 1)
                start = documents[doc_index].text.find(sentence)
                cited.append(CitedSentence(sentence, documents[doc_index].doc_id, number, start, start + len(sentence), float(score)))
        sources = tuple(
            SourceRef(number, documents[i].doc_id, documents[i].title, documents[i].source, documents[i].url, documents[i].date)
            for i, number in numbers.items()
        )
        return Answer(question, True, tuple(cited), sources, latency_ms=_ms(started), generation=generation)

    def stats(self) -> EngineStats:
        with self._lock:
            documents = list(self._documents)
        dates = sorted(d.date for d in documents)
        return EngineStats(len(documents), len(documents), sum(len(_sentences(d.text)) for d in documents), 123_456,
                           self._built_at, dates[0] if dates else "", dates[-1] if dates else "",
                           generation=f"gen-{self._built_at:.0f}")

    def documents(self) -> list[Document]:
        with self._lock:
            return list(self._documents)

    def match_topic(self, topic: str, doc_id: str) -> Answer:
        with self._lock:
            self.topics.append((topic, doc_id))
            document = next((d for d in self._documents if d.doc_id == doc_id), None)
        parsed = Topic.parse(topic)
        if document is None:
            return Answer(parsed.text, False, reason="the article is not in the index")
        return topic_answer(parsed, document, TopicMatcher().run(parsed, document, _spans(document.text)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in set(_WORD.findall(text.lower())) - STOPWORDS:
                vectors[row, zlib.crc32(word.rstrip("s").encode()) % 64] += 1.0
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    return [f for pattern in ("*.txt", "*.jsonl") for f in root.rglob(pattern) if not f.name.startswith(".")]


def _records(file: Path) -> list[Document]:
    fields = ("id", "title", "text", "source", "url", "date")
    return [Document(*(str(r.get(f, "")) for f in fields))
            for r in map(json.loads, file.read_text(encoding="utf-8").splitlines()) if r.get("text")]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _spans(text: str) -> list[Sentence]:
    found, position = [], 0
    for sentence in _sentences(text):
        start = text.find(sentence, position)
        found.append(Sentence(sentence, start, start + len(sentence)))
        position = start + len(sentence)
    return found


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
