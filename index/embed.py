"""Sentence embeddings with all-MiniLM-L6-v2, loaded by path, never from a hub.

One transformer pass per chunk gives the chunk vector (mean of all its tokens) and a vector for
each of its sentences (mean of the tokens inside the sentence's character span), so sentences
are scored in their context without being embedded a second time.

Texts are tokenised with the model's fast tokenizer (`tokenizers`, no transformers import) and
batched by length so that little time goes to padding. The transformer itself runs on a backend:
`torch` (the reference), `onnx` and `onnx-int8` (onnxruntime, see `index.onnx_backend`) or
`openvino-int8` (see `index.openvino_backend`; without OpenVINO it falls back to `onnx-int8`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from newsbot.index.config import BACKENDS, DEFAULT_BACKEND
from newsbot.index.model_files import default_model_path, model_fingerprint

MAX_TOKENS = 256
log = logging.getLogger(__name__)


class Transformer(Protocol):
    """Runs the encoder: token ids and mask in, last hidden states out (batch, tokens, dim)."""

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PassageVectors:
    """Vectors of passages and of the sentence spans inside each passage (all L2-normalised)."""

    passages: np.ndarray  # (n, dim)
    sentences: list[np.ndarray]  # per passage: (its spans, dim)


class Embedder:
    """Encodes questions and passages; `backend` picks the runtime of the transformer."""

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        backend: str = DEFAULT_BACKEND,
        batch_size: int = 32,
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        """`cache_dir` holds the one-time ONNX export (default: the per-user cache)."""
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be > 0, got {batch_size}")
        self.model_path = Path(model_path) if model_path else default_model_path()
        if not (self.model_path / "tokenizer.json").is_file():
            raise FileNotFoundError(f"no model at {self.model_path} (tokenizer.json missing)")
        self.backend = backend
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.threads = threads or max(1, os.cpu_count() or 1)
        self._transformer: Transformer | None = None
        self._load_lock = threading.Lock()

    @cached_property
    def model_config(self) -> dict[str, Any]:
        import json

        loaded: dict[str, Any] = json.loads((self.model_path / "config.json").read_text(encoding="utf-8"))
        return loaded

    @property
    def dimension(self) -> int:
        """The vector size, read from the model's own config."""
        return int(self.model_config["hidden_size"])

    @property
    def model_name(self) -> str:
        """What the manifest records: the model's own name, else its directory's."""
        name = self.model_config.get("_name_or_path") or self.model_path.name
        return str(name).rstrip("/").split("/")[-1]

    @cached_property
    def fingerprint(self) -> str:
        return model_fingerprint(self.model_path)

    @cached_property
    def tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()
        return tokenizer

    @property
    def transformer(self) -> Transformer:
        """The model runtime, built once even when several threads ask for it first together."""
        if self._transformer is None:
            with self._load_lock:
                if self._transformer is None:
                    self._transformer = self._load_transformer()
        return self._transformer

    def _load_transformer(self) -> Transformer:
        if self.backend == "torch":
            return _TorchTransformer(self.model_path, self.threads)
        if self.backend == "openvino-int8":
            try:
                from newsbot.index.openvino_backend import OpenVinoTransformer

                return OpenVinoTransformer(self.model_path, self.threads, cache_dir=self.cache_dir)
            except Exception as error:  # not installed, an unsupported CPU, a failed quantization
                reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
                hint = ' (pip install "newsbot[fast]")' if isinstance(error, ImportError) else ""
                log.warning("openvino-int8 unavailable: %s; using onnx-int8%s", reason, hint)
                self.backend = "onnx-int8"  # what the index manifest then records
        from newsbot.index.onnx_backend import OnnxTransformer

        return OnnxTransformer(self.model_path, self.threads, quantized=self.backend == "onnx-int8", cache_dir=self.cache_dir)

    def prepare(self) -> None:
        """Load the transformer now (the first use of an ONNX or OpenVINO backend exports the model once)."""
        _ = self.transformer

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Return one normalised vector per text (mean pooling, as sentence-transformers does)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for indices, states, masks in self._run(encodings):
            pooled = (states * masks[..., None]).sum(1) / np.maximum(masks.sum(1, keepdims=True), 1)
            vectors[indices] = pooled
        return _normalise(vectors)

    def encode_passages(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        progress: Callable[[int], None] | None = None,
    ) -> PassageVectors:
        """Encode passages and the given character spans (sentences) inside each, in one pass."""
        encodings = self.tokenizer.encode_batch(list(texts))
        passages = np.zeros((len(texts), self.dimension), dtype=np.float32)
        sentences: list[np.ndarray] = [np.zeros((len(s), self.dimension), dtype=np.float32) for s in spans]
        missing: list[tuple[int, int]] = []  # (passage, span) pairs cut off by truncation
        for indices, states, masks in self._run(encodings):
            pooled = (states * masks[..., None]).sum(1) / np.maximum(masks.sum(1, keepdims=True), 1)
            passages[indices] = pooled
            for row, index in enumerate(indices):
                offsets = encodings[index].offsets
                special = encodings[index].special_tokens_mask
                starts = np.array([o[0] for o in offsets])
                ends = np.array([o[1] for o in offsets])
                real = np.array(special) == 0
                for number, (start, end) in enumerate(spans[index]):
                    inside = real & (starts >= start) & (ends <= end) & (ends > starts)
                    if inside.any():
                        sentences[index][number] = states[row, : len(offsets)][inside].mean(0)
                    else:
                        missing.append((index, number))
            if progress:
                progress(len(indices))
        if missing:
            vectors = self.encode_queries([texts[i][slice(*spans[i][n])] for i, n in missing])
            for (index, number), vector in zip(missing, vectors, strict=True):
                sentences[index][number] = vector
        return PassageVectors(_normalise(passages), [_normalise(s) for s in sentences])

    def _run(self, encodings: Sequence[Any]) -> Any:
        """Yield (indices, hidden states, masks) per length-sorted batch."""
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for begin in range(0, len(order), self.batch_size):
            indices = order[begin : begin + self.batch_size]
            width = max(len(encodings[i].ids) for i in indices)
            ids = np.zeros((len(indices), width), dtype=np.int64)
            masks = np.zeros((len(indices), width), dtype=np.int64)
            for row, i in enumerate(indices):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                masks[row, :n] = 1
            states = self.transformer(ids, masks)
            yield np.array(indices), states, masks.astype(np.float32)


class _TorchTransformer:
    def __init__(self, model_path: Path, threads: int) -> None:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        torch.set_num_threads(threads)
        self._torch = torch
        self._model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            output = self._model(
                input_ids=torch.from_numpy(input_ids),
                attention_mask=torch.from_numpy(attention_mask),
                token_type_ids=torch.zeros_like(torch.from_numpy(input_ids)),
            )
        return output.last_hidden_state.numpy()


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
