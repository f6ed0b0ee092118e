"""Read: a trained reader reads the question with the best candidates' windows and says where the
answer is, or that the window does not state it.

The model (index/models/reader/, its README is the model card; bench/train_reader.py trains it) is
all-MiniLM-L6-v2 with a start and an end logit per word piece, trained on SQuAD v1.1 train with
negatives built from the same paragraphs and articles, and with the answer cut out of its sentence.
Position 0 ([CLS]) is "not stated". A window's `margin` is its best span's start + end logits less
[CLS]'s: above zero the reader says the window states the answer, and that span is the words to
bold. The windows are read in one batch on onnxruntime (int8), word pieces by the model's own
fast tokenizer, no torch.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.index.pipeline.records import Question, Reading, Scored, Span
from newsbot.index.reader_window import MAX_TOKENS, Window, build_window, question_text
from newsbot.index.snapshot import Snapshot
from newsbot.index.store import IndexError_

DEFAULT_READER = Path(__file__).resolve().parent.parent / "models" / "reader" / "reader-int8.onnx"
MAX_ANSWER_TOKENS = 30


class ReaderError(IndexError_):
    """The reader's model file is missing or unreadable; the message says which and what to do."""


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


class ReaderModel:
    """The ONNX reader: question and windows in, the best span of each window out."""

    def __init__(self, path: Path = DEFAULT_READER, tokenizer_dir: Path | None = None, threads: int = 2) -> None:
        if threads <= 0:
            raise ValueError(f"threads must be > 0, got {threads}")
        self.path = Path(path)
        if not self.path.is_file():
            raise ReaderError(f"the reader model {self.path} is missing: reinstall newsbot, or set NEWSBOT_READER=off")
        self.threads = threads
        self._tokenizer_dir = tokenizer_dir
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @cached_property
    def fingerprint(self) -> str:
        """The model file's fingerprint, read when first asked (not at every engine's construction)."""
        return fingerprint(self.path)

    def warm_up(self) -> ReaderModel:
        """Open the model and the tokenizer now (a corrupt file fails here, with one line)."""
        with self._lock:
            if self._session is None:
                self._open()
        return self

    def _open(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from newsbot.index.model_files import default_model_path

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for a bad file
            raise ReaderError(
                f"the reader model {self.path} can't be read ({type(error).__name__}): reinstall newsbot, or set NEWSBOT_READER=off"
            ) from None
        names = {i.name for i in session.get_inputs()}
        if names != {"input_ids", "attention_mask", "token_type_ids"}:
            raise ReaderError(f"the reader model {self.path} is not a newsbot reader (inputs {sorted(names)})")
        tokenizer = Tokenizer.from_file(str((self._tokenizer_dir or default_model_path()) / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")
        tokenizer.no_padding()
        self._session, self._tokenizer = session, tokenizer

    def read(self, question: str, windows: Sequence[Window]) -> list[tuple[float, int, int]]:
        """For each window: (margin, start, end), the best answer span as character offsets of the
        window's text and how far its logits stand above "not stated" (start = end = 0: none)."""
        return [spans[0] for spans in self.read_spans(question, windows, 1)]

    def read_spans(self, question: str, windows: Sequence[Window], limit: int) -> list[list[tuple[float, int, int]]]:
        """For each window, its best span and up to `limit - 1` more that don't overlap it and stand
        above "not stated" too (the items of a list: "who attended"), best first."""
        if not windows:
            return []
        if self._session is None:
            self.warm_up()
        asked = question_text(question)
        encodings = self._tokenizer.encode_batch([(asked, w.text) for w in windows])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            types[row, :n] = e.type_ids
            mask[row, :n] = e.attention_mask
        starts, ends = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return [_spans(starts[row], ends[row], e, limit) for row, e in enumerate(encodings)]


def _spans(start: np.ndarray, end: np.ndarray, encoding: Any, limit: int) -> list[tuple[float, int, int]]:
    """The window's best span against [CLS], then up to `limit - 1` others above it, not overlapping."""
    window = np.array([t == 1 and o[1] > o[0] for t, o in zip(encoding.type_ids, encoding.offsets, strict=True)])
    null = float(start[0] + end[0])
    positions = np.flatnonzero(window)
    if len(positions) == 0:
        return [(-1e4, 0, 0)]
    pairs = start[positions][:, None] + end[positions][None, :]
    offsets = positions[None, :] - positions[:, None]
    pairs[(offsets < 0) | (offsets >= MAX_ANSWER_TOKENS)] = -np.inf
    found: list[tuple[float, int, int]] = []
    while len(found) < limit:
        i, j = np.unravel_index(int(np.argmax(pairs)), pairs.shape)
        score = float(pairs[i, j])
        if found and (not np.isfinite(score) or score <= null):
            break
        first, last = encoding.offsets[positions[i]], encoding.offsets[positions[j]]
        found.append((score - null, int(first[0]), int(last[1])))
        pairs[: j + 1, i:] = -np.inf  # no later span may overlap this one
    return found


def load_reader(setting: str = "default", threads: int = 2) -> ReaderModel | None:
    """The reader named by `setting` (EngineConfig.reader): "default", "off" or a file's path."""
    if setting.strip().lower() in ("off", "none", "0", "false", "no"):
        return None
    path = DEFAULT_READER if setting in ("", "default") else Path(setting).expanduser()
    return ReaderModel(path, threads=threads)


@dataclass(frozen=True)
class ReadParams:
    windows: int = 3  # windows read per question, best candidates first (6: p50 88 ms on SQuAD, over the 60 ms budget)
    min_score_gap: float = 1.0  # a candidate scored this far below the best is not read
    list_spans: int = 4  # spans read per window for a list question ("who attended")
    weight: float = 1.0  # the selection score gains weight * sigmoid(margin / scale)
    scale: float = 2.0

    def __post_init__(self) -> None:
        if self.windows <= 0:
            raise ValueError(f"windows must be > 0, got {self.windows}")


class AnswerReader:
    """The read stage: the best candidates' windows through the reader, in one batch."""

    def __init__(self, model: ReaderModel, params: ReadParams = ReadParams()) -> None:
        self.model = model
        self.params = params

    def windows(self, data: Snapshot, scored: Sequence[Scored]) -> list[Window]:
        """A window around each of the best candidates, skipping one that an earlier window holds whole."""
        out: list[Window] = []
        covered: set[int] = set()
        if not scored:
            return out
        best = scored[0].score
        for item in scored:
            if len(out) >= self.params.windows or item.score < best - self.params.min_score_gap:
                break
            sid = item.candidate.sentence_id
            if sid in covered:
                continue
            doc = item.candidate.document
            first = int(data.doc_first_sentence[doc])
            last = int(data.doc_first_sentence[doc + 1])
            around = [(i, data.sentence(i).text) for i in range(max(first, sid - 1), min(last, sid + 2))]
            window = build_window(data.document(doc).title, around, sid - around[0][0])
            out.append(window)
            for part_sid, start, end in window.parts:
                if end - start >= len(" ".join(data.sentence(part_sid).text.split())):
                    covered.add(part_sid)
        return out

    def run(self, data: Snapshot, question: Question, scored: Sequence[Scored]) -> Reading:
        windows = self.windows(data, scored)
        if not windows:
            return Reading((), None)
        # The question as normalised ("wen" read as "when"); a list question's items are each a span.
        results = self.model.read_spans(question.text, windows, self.params.list_spans if question.many else 1)
        by_sentence: dict[int, float] = {}
        best: Span | None = None
        spans: dict[tuple[int, int, int], Span] = {}
        for window, found in zip(windows, results, strict=True):
            margin = found[0][0]
            for sid, _, _ in window.parts:
                # a sentence of the window that holds no span: the window's answer is elsewhere, or nowhere
                by_sentence[sid] = max(by_sentence.get(sid, -1e4), -abs(margin))
            for value, start, end in found:
                holder = window.sentence_at(start, end)
                if holder is None or end <= start:
                    continue
                by_sentence[holder] = max(by_sentence[holder], value)
                span = _sentence_span(data.sentence(holder).text, window, holder, start, end)
                if span is None:
                    continue
                key = (holder, *span)
                if key not in spans or spans[key].margin < value:
                    spans[key] = Span(holder, span[0], span[1], value)
                if best is None or value > best.margin:
                    best = spans[key]
        stated = tuple(sorted((s for s in spans.values() if s.margin > 0), key=lambda s: (s.sentence_id, s.start)))
        return Reading(tuple(sorted(by_sentence.items())), best, stated)

    def rescore(self, scored: Sequence[Scored], reading: Reading) -> tuple[Scored, ...]:
        """The candidates re-ordered with what the reader found: a sentence that states the answer
        gains up to `weight`; one that only mentions the subject gains nothing."""
        margins = dict(reading.margins)
        p = self.params
        out = []
        for item in scored:
            margin = margins.get(item.candidate.sentence_id)
            if margin is None:
                out.append(item)
                continue
            gain = p.weight / (1.0 + math.exp(-max(-50.0, min(50.0, margin / p.scale))))
            out.append(replace(item, score=item.score + gain, read=margin))
        return tuple(sorted(out, key=lambda s: -s.score))


def _sentence_span(sentence: str, window: Window, sid: int, start: int, end: int) -> tuple[int, int] | None:
    """A span of the window's text as offsets of the sentence's own text (the window collapses
    whitespace and may keep only part of a neighbour)."""
    part = next((p for p in window.parts if p[0] == sid), None)
    if part is None:
        return None
    _, part_start, part_end = part
    start, end = max(start, part_start), min(end, part_end)
    if end <= start:
        return None
    positions = [i for i, ch in enumerate(sentence) if not ch.isspace()]
    collapsed = " ".join(sentence.split())
    piece = window.text[part_start:part_end]
    at = collapsed.find(piece)
    if at < 0:
        return None

    # Map collapsed offsets to the sentence's: count non-space characters before each offset.
    def original(offset: int, closing: bool) -> int:
        kept = len(collapsed[:offset].replace(" ", ""))
        if closing:
            return positions[kept - 1] + 1 if kept else 0
        return positions[kept] if kept < len(positions) else len(sentence)

    a = original(at + start - part_start, False)
    b = original(at + end - part_start, True)
    return (a, b) if b > a else None
