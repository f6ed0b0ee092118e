"""The encoder on onnxruntime: exported from the local model once, cached per user, no torch at run time.

The first use exports the Hugging Face model with torch's TorchScript exporter (`dynamo=False`:
the dynamo exporter needs onnxscript and gains nothing for a BERT encoder), fuses it with
onnxruntime's BERT optimizer (attention, embedding and skip-layer-norm kernels) and, for the int8
backend, quantizes its weights dynamically. Both files are written atomically (a temporary file
renamed into place) under `<user cache>/newsbot/models/<fingerprint>/`; later processes only load
them, so a process that answers questions with an ONNX backend never imports torch.

Quantization is per output channel, on every MatMul and Attention node: per-tensor int8 dropped
the cosine to the torch vectors to 0.94 on some passages; per channel, 0.988 at worst (mean 0.994)
on 420 Wikinews chunks, SQuAD paragraphs and questions. Keeping the six feed-forward output
projections in float (export 1) raised the worst case to 0.993, but those projections were then
37% of the encoder's time: quantized, the encoder does 1.4x the tokens per CPU second, and no dev
metric moved by more than a point (docs/BENCHMARKS.md, issue 11).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

EXPORT_VERSION = "2"  # bump when the export, optimisation or quantization recipe changes
OPSET = 17
FLOAT_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"


def cache_root(cache_dir: Path | None = None) -> Path:
    """Where exported models live: `<cache_dir>/models`, by default in the per-user cache."""
    if cache_dir is not None:
        return Path(cache_dir) / "models"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("newsbot")) / "models"


def export_fingerprint(model_path: Path) -> str:
    """The weights' fingerprint (the one the index records) with the export recipe."""
    from newsbot.index.model_files import model_fingerprint

    recipe = f"{model_fingerprint(model_path)}-export-{EXPORT_VERSION}-opset-{OPSET}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def model_dir(model_path: Path, cache_dir: Path | None = None) -> Path:
    return cache_root(cache_dir) / export_fingerprint(model_path)


def ensure_exported(model_path: Path, quantized: bool = False, cache_dir: Path | None = None) -> Path:
    """The path of the ONNX model (float or int8), exporting it first when it is not cached."""
    directory = model_dir(model_path, cache_dir)
    target = directory / (INT8_FILE if quantized else FLOAT_FILE)
    if target.is_file():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with _lock(directory / ".lock"):
        if target.is_file():  # another process exported it while we waited
            return target
        float_model = directory / FLOAT_FILE
        if not float_model.is_file():
            _atomic(float_model, lambda tmp: _export(model_path, tmp))
        if quantized:
            _atomic(target, lambda tmp: _quantize(float_model, tmp))
    return target


class OnnxTransformer:
    """(input_ids int64 [b, t], attention_mask int64 [b, t]) -> last_hidden_state float32 [b, t, hidden]."""

    def __init__(self, model_path: Path | str, threads: int, quantized: bool = False, cache_dir: Path | None = None) -> None:
        if threads <= 0:
            raise ValueError(f"threads must be > 0, got {threads}")
        import onnxruntime as ort

        self.path = ensure_exported(Path(model_path), quantized, cache_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle pool threads sleep instead of spinning: on two shared cores that took 9% less CPU time
        # for the same wall time (indexing, five interleaved pairs) and the same question latency, and
        # leaves the CPU to the bot's other work during a reindex.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {
            "input_ids": np.ascontiguousarray(input_ids, dtype=np.int64),
            "attention_mask": np.ascontiguousarray(attention_mask, dtype=np.int64),
        }
        (states,) = self._session.run(["last_hidden_state"], feeds)
        return np.asarray(states, dtype=np.float32)


# -- export (needs torch, once) --------------------------------------------------------------


def _export(model_path: Path, destination: Path) -> None:
    """Export the encoder to `destination` as a fused float32 ONNX graph with dynamic batch and length."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        # Eager attention exports as plain MatMul/Softmax, which the BERT optimizer fuses.
        model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()
    finally:
        if bars:
            hf_logging.enable_progress_bar()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            token_types = torch.zeros_like(input_ids)
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_types).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102, 0], [101, 7592, 2088, 2003, 102]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    raw = destination.with_name(destination.name + ".raw")
    axes = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # TorchScript-exporter deprecation and tracer warnings
            torch.onnx.export(
                Encoder(model),
                (ids, mask),
                str(raw),
                dynamo=False,
                input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                opset_version=OPSET,
                do_constant_folding=True,
            )
        with _quiet_onnxruntime_tools():
            import json

            from onnxruntime.transformers import optimizer

            config = json.loads((model_path / "config.json").read_text(encoding="utf-8"))
            fused = optimizer.optimize_model(
                str(raw), model_type="bert", num_heads=int(config["num_attention_heads"]), hidden_size=int(config["hidden_size"]), opt_level=1
            )
            fused.save_model_to_file(str(destination))
    finally:
        raw.unlink(missing_ok=True)


def _quantize(float_model: Path, destination: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_onnxruntime_tools():
        quantize_dynamic(
            str(float_model),
            str(destination),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


def _atomic(destination: Path, write: Any) -> None:
    """Call `write(tmp)` for a temporary sibling of `destination`, then rename it into place."""
    tmp = destination.with_name(f".{destination.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, destination)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _quiet_onnxruntime_tools() -> Iterator[None]:
    """onnxruntime's optimizer and quantizer log advice through the root logger; keep stderr clean."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)
