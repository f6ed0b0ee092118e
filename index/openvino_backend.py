"""The encoder on OpenVINO, int8: quantized once with NNCF from the model's own ONNX export, cached per user.

The first use takes the float ONNX export of `index.onnx_backend` (exporting it first when needed),
reads it into OpenVINO and quantizes weights *and* activations to int8 with NNCF's post-training
quantization (`model_type=TRANSFORMER`), calibrated on a fixed sample of text shipped with newsbot
(`encoder_calibration.jsonl`: SQuAD *train* paragraphs and questions, written by
`bench/encoder_calibration.py`; never a benchmark set). The IR (`.xml` + `.bin`) is written
atomically beside the ONNX files, under a name that holds the recipe's version and the sample's hash;
later processes only read it, and need neither torch nor NNCF.

Static int8 activations let OpenVINO run every MatMul of the encoder on int8 kernels: on two cores,
1.2-1.3x the tokens per second of onnxruntime's dynamic int8, with vectors closer to the float
model's (docs/BENCHMARKS.md, issue 23).

openvino and nncf are the `fast` extra (about 190 MB); without them, or when OpenVINO fails on this
CPU, `Embedder` falls back to onnxruntime int8 with one log line.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import types
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.index.onnx_backend import _lock, _quiet_onnxruntime_tools, ensure_exported, model_dir

RECIPE_VERSION = "1"  # bump when the quantization recipe changes
CALIBRATION_FILE = Path(__file__).with_name("encoder_calibration.jsonl")
CALIBRATION_MAX_TOKENS = 256
QUESTION_PAD = 16


def calibration_texts(path: Path = CALIBRATION_FILE) -> list[str]:
    """The shipped calibration sample, one text per line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def quantized_path(model_path: Path, cache_dir: Path | None = None, calibration: Path = CALIBRATION_FILE) -> Path:
    """Where the int8 IR of this model lives: its name changes with the recipe and the sample."""
    sample = hashlib.sha256(calibration.read_bytes()).hexdigest()[:8]
    return model_dir(model_path, cache_dir) / f"openvino-int8-v{RECIPE_VERSION}-{sample}.xml"


def ensure_quantized(model_path: Path, cache_dir: Path | None = None, calibration: Path = CALIBRATION_FILE) -> Path:
    """The int8 IR's `.xml`, quantizing it first (needs nncf, and torch for the ONNX export) when not cached."""
    target = quantized_path(model_path, cache_dir, calibration)
    if target.is_file() and target.with_suffix(".bin").is_file():
        return target
    # The export takes the directory's lock itself: asked for under that lock, a second flock of the
    # same file by this process would wait for ever.
    float_model = ensure_exported(model_path, quantized=False, cache_dir=cache_dir)
    with _lock(target.parent / ".lock"):
        if target.is_file() and target.with_suffix(".bin").is_file():  # another process quantized it
            return target
        _quantize(model_path, float_model, target, calibration_texts(calibration))
    return target


class OpenVinoTransformer:
    """(input_ids int64 [b, t], attention_mask int64 [b, t]) -> last_hidden_state float32 [b, t, hidden]."""

    def __init__(self, model_path: Path | str, threads: int, cache_dir: Path | None = None) -> None:
        if threads <= 0:
            raise ValueError(f"threads must be > 0, got {threads}")
        silence_telemetry()
        import openvino as ov

        self.path = ensure_quantized(Path(model_path), cache_dir)
        core = ov.Core()
        # LATENCY: one stream using `threads` cores for each request, as onnxruntime's intra-op pool
        # does; the engine batches itself and asks from at most a few threads.
        config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
        self._compiled = core.compile_model(core.read_model(str(self.path)), "CPU", config)
        self._requests = threading.local()  # an infer request serves one thread at a time

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self._compiled.create_infer_request()
        tokens = input_ids.shape[1]
        width = tokens
        if input_ids.shape[0] == 1:
            # A question comes alone, and nearly each has a length of its own; OpenVINO prepares its
            # kernels per shape. Padded (masked) to a multiple of 16 tokens: question encoding p95
            # 24.7 -> 11.4 ms, p50 7.4 -> 6.0 ms on two busy cores (user_questions dev, 3 rounds).
            width = -(-tokens // QUESTION_PAD) * QUESTION_PAD
        ids = np.zeros((input_ids.shape[0], width), dtype=np.int64)
        mask = np.zeros_like(ids)
        ids[:, :tokens] = input_ids
        mask[:, :tokens] = attention_mask
        request.infer({"input_ids": ids, "attention_mask": mask})
        return np.array(request.get_output_tensor(0).data[:, :tokens], dtype=np.float32)  # a copy: the tensor is reused


def silence_telemetry() -> None:
    """openvino-telemetry sends usage events when a user has once opted in (nncf's quantization and
    OpenVINO's converter report through it). newsbot never lets it send: before nncf or openvino is
    imported, the module is replaced by one whose `Telemetry` does nothing. The user's consent file
    is neither read nor changed."""
    current = sys.modules.get("openvino_telemetry")
    if current is not None and getattr(current, "SILENCED_BY_NEWSBOT", False):
        return
    stub = types.ModuleType("openvino_telemetry")
    stub.Telemetry = _NoTelemetry  # type: ignore[attr-defined]
    stub.SILENCED_BY_NEWSBOT = True  # type: ignore[attr-defined]
    sys.modules["openvino_telemetry"] = stub
    wrapper = sys.modules.get("nncf.telemetry.wrapper")  # nncf imported before us: swap its instance too
    if wrapper is not None:
        silent = wrapper.NNCFTelemetryStub()
        setattr(wrapper, "telemetry", silent)  # noqa: B010 - a module attribute mypy can't see
        decorator = sys.modules.get("nncf.telemetry.decorator")
        if decorator is not None:
            setattr(decorator, "telemetry", silent)  # noqa: B010


class _NoTelemetry:
    """openvino_telemetry.Telemetry's interface, sending nothing and touching no file."""

    consent = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return _nothing


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


# -- quantization (needs nncf, once) -----------------------------------------------------------


def _quantize(model_path: Path, float_model: Path, destination: Path, texts: list[str]) -> None:
    """Quantize `float_model` with NNCF on `texts` and save the IR at `destination` (.xml, .bin) atomically."""
    silence_telemetry()
    import logging

    import nncf
    import openvino as ov
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=CALIBRATION_MAX_TOKENS)
    tokenizer.no_padding()
    samples = []
    for encoding in tokenizer.encode_batch(texts):  # one text a sample: no padding in the ranges
        ids = np.array([encoding.ids], dtype=np.int64)
        samples.append({"input_ids": ids, "attention_mask": np.ones_like(ids)})
    model = ov.Core().read_model(str(float_model))
    nncf_log = logging.getLogger("nncf")
    level = nncf_log.level
    nncf_log.setLevel(logging.ERROR)  # progress bars and per-step advice: the build's own progress says enough
    try:
        # nncf draws progress bars on stdout, which `ask --json` keeps for answers.
        with _quiet_onnxruntime_tools(), open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            quantized = nncf.quantize(
                model, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(samples),
            )
    finally:
        nncf_log.setLevel(level)
    tmp = destination.parent / f".{destination.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir()
    try:
        ov.save_model(quantized, str(tmp / "model.xml"), compress_to_fp16=False)
        for suffix in (".bin", ".xml"):  # the .xml last: its presence means the pair is whole
            with open(tmp / f"model{suffix}", "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp / f"model{suffix}", destination.with_suffix(suffix))
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()
