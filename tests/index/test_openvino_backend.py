import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from newsbot.index import config as config_module
from newsbot.index import onnx_backend, openvino_backend
from newsbot.index.config import EngineConfig
from newsbot.index.embed import Embedder

SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"


class FakeOnnx:
    """Stands in for onnxruntime's encoder: records how it was asked for."""

    def __init__(self, model_path: Path, threads: int, quantized: bool = False, cache_dir: Path | None = None) -> None:
        self.quantized = quantized

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return np.ones((*input_ids.shape, 384), dtype=np.float32)


def _fallback_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "openvino-int8 unavailable" in r.getMessage()]


class TestBackendChoice:
    @pytest.mark.parametrize(("installed", "expected"), [({"openvino", "nncf"}, "openvino-int8"), ({"nncf"}, "onnx-int8"), (set(), "onnx-int8")])
    def test_default_follows_the_fast_extra(self, installed: set[str], expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
        import importlib.util

        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object() if name in installed else None)
        assert config_module.default_backend() == expected

    def test_environment_and_command_line_name_it(self) -> None:
        from newsbot.cli.main import build_parser

        assert EngineConfig.from_env({"NEWSBOT_BACKEND": "openvino-int8"}).backend == "openvino-int8"
        args = build_parser().parse_args(["ask", "question", "--backend", "openvino-int8"])
        assert args.backend == "openvino-int8"


class TestFallback:
    def test_missing_openvino_is_one_line_and_onnx_int8(self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
        monkeypatch.setitem(sys.modules, "openvino", None)  # `import openvino` raises ImportError
        monkeypatch.setattr(onnx_backend, "OnnxTransformer", FakeOnnx)
        embedder = Embedder(backend="openvino-int8")
        with caplog.at_level(logging.WARNING):
            vectors = embedder.encode_queries(["Who attended the talks?"])
        (record,) = _fallback_records(caplog)
        assert "\n" not in record.getMessage() and 'pip install "newsbot[fast]"' in record.getMessage()
        assert record.exc_info is None
        assert embedder.backend == "onnx-int8" and isinstance(embedder.transformer, FakeOnnx) and embedder.transformer.quantized
        assert vectors.shape == (1, 384)

    def test_failing_openvino_says_why_in_one_line(self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
        def unsupported(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("Exception from src/inference/src/core.cpp:112:\n[ CPU ] the CPU lacks SSE4.2\n  at frame 3")

        monkeypatch.setattr(openvino_backend, "OpenVinoTransformer", unsupported)
        monkeypatch.setattr(onnx_backend, "OnnxTransformer", FakeOnnx)
        embedder = Embedder(backend="openvino-int8")
        with caplog.at_level(logging.WARNING):
            embedder.prepare()
            embedder.prepare()  # loaded once: one line, not one per use
        (record,) = _fallback_records(caplog)
        assert record.getMessage() == "openvino-int8 unavailable: Exception from src/inference/src/core.cpp:112:; using onnx-int8"
        assert embedder.backend == "onnx-int8"


class TestCache:
    def _model(self, tmp_path: Path) -> Path:
        model = tmp_path / "model"
        model.mkdir()
        (model / "config.json").write_text('{"hidden_size": 384}')
        return model

    def test_name_follows_model_recipe_and_sample(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        model = self._model(tmp_path)
        sample = tmp_path / "sample.jsonl"
        sample.write_text('{"text": "one"}\n')
        first = openvino_backend.quantized_path(model, tmp_path / "cache", sample)
        assert first.parent == onnx_backend.model_dir(model, tmp_path / "cache") and first.suffix == ".xml"
        monkeypatch.setattr(openvino_backend, "RECIPE_VERSION", "next")
        assert openvino_backend.quantized_path(model, tmp_path / "cache", sample) != first
        monkeypatch.undo()
        sample.write_text('{"text": "two"}\n')
        assert openvino_backend.quantized_path(model, tmp_path / "cache", sample) != first

    def test_cached_model_is_only_read(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        model = self._model(tmp_path)
        target = openvino_backend.quantized_path(model, tmp_path / "cache")
        target.parent.mkdir(parents=True)
        target.write_text("<net/>")
        target.with_suffix(".bin").write_bytes(b"\0")

        def never(*args: Any) -> None:
            raise AssertionError("quantized again")

        monkeypatch.setattr(openvino_backend, "_quantize", never)
        assert openvino_backend.ensure_quantized(model, tmp_path / "cache") == target

    def test_an_xml_without_its_weights_is_quantized_again(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        model = self._model(tmp_path)
        target = openvino_backend.quantized_path(model, tmp_path / "cache")
        target.parent.mkdir(parents=True)
        target.write_text("<net/>")  # a crash between the two renames can't leave this, a hand can
        calls: list[Path] = []
        monkeypatch.setattr(openvino_backend, "ensure_exported", lambda *a, **k: tmp_path / "model.onnx")
        monkeypatch.setattr(openvino_backend, "_quantize", lambda model_path, float_model, destination, texts: calls.append(destination))
        openvino_backend.ensure_quantized(model, tmp_path / "cache")
        assert calls == [target]

    def test_an_empty_cache_exports_then_quantizes(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import threading

        model = self._model(tmp_path)
        exported: list[Path] = []

        def export(model_path: Path, destination: Path) -> None:
            exported.append(destination)
            destination.write_bytes(b"onnx")

        def quantize(model_path: Path, float_model: Path, destination: Path, texts: list[str]) -> None:
            assert float_model.read_bytes() == b"onnx" and texts
            destination.with_suffix(".bin").write_bytes(b"\0")
            destination.write_text("<net/>")

        monkeypatch.setattr(onnx_backend, "_export", export)
        monkeypatch.setattr(openvino_backend, "_quantize", quantize)
        found: list[Path] = []
        # Both steps lock the model's cache directory: in a thread, so that a deadlock fails the test.
        worker = threading.Thread(target=lambda: found.append(openvino_backend.ensure_quantized(model, tmp_path / "cache")), daemon=True)
        worker.start()
        worker.join(timeout=20)
        assert found == [openvino_backend.quantized_path(model, tmp_path / "cache")], "ensure_quantized did not return"
        assert len(exported) == 1 and found[0].with_suffix(".bin").is_file()

    def test_threads_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="threads must be > 0, got 0"):
            openvino_backend.OpenVinoTransformer("unused", 0)


class TestCalibrationSample:
    def test_shipped_sample(self) -> None:
        texts = openvino_backend.calibration_texts()
        assert len(texts) == 300 and len(set(texts)) == 300
        assert sum(t.endswith("?") for t in texts) >= 50  # questions as well as passages

    @pytest.mark.shared
    def test_no_benchmark_text_in_it(self) -> None:
        if not SHARED.is_dir():
            pytest.skip("../shared/datasets is absent")
        sample = set(openvino_backend.calibration_texts())
        benchmark: set[str] = set()
        for name in ("news_wikinews/corpus.jsonl", "squad11_dev/corpus.jsonl", "scifact_beir/corpus.jsonl"):
            with (SHARED / name).open(encoding="utf-8") as handle:
                benchmark.update(json.loads(line)["text"] for line in handle)
        for folder in ("user_questions", "chat_questions", "squad11_dev", "scifact_beir"):
            for path in (SHARED / folder).glob("*questions_*.jsonl"):
                with path.open(encoding="utf-8") as handle:
                    benchmark.update(json.loads(line)["question"] for line in handle)
        assert not sample & benchmark


class TestTelemetry:
    def test_nothing_can_send(self) -> None:
        pytest.importorskip("nncf")
        # Outside pytest (nncf stubs its telemetry itself under pytest) and with no CI variable.
        script = (
            "from newsbot.index import openvino_backend\n"
            "openvino_backend.silence_telemetry()\n"
            "import openvino_telemetry, nncf.telemetry.wrapper as w\n"
            "print(openvino_telemetry.SILENCED_BY_NEWSBOT, type(w.telemetry._impl).__name__)\n"
        )
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "NNCF_CI", "NNCF_DEV")}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120)
        assert out.stdout.split() == ["True", "_NoTelemetry"]

    def test_silenced_after_nncf_was_imported(self) -> None:
        pytest.importorskip("nncf")
        script = (
            "import nncf, nncf.telemetry.wrapper as w, nncf.telemetry.decorator as d\n"
            "from newsbot.index import openvino_backend\n"
            "openvino_backend.silence_telemetry()\n"
            "print(type(w.telemetry).__name__, d.telemetry is w.telemetry)\n"
        )
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "NNCF_CI", "NNCF_DEV")}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120)
        assert out.stdout.split() == ["MagicMock", "True"]


@pytest.mark.model
class TestOnTheRealModel:
    def test_close_to_the_float_vectors_and_cached(self, monkeypatch: pytest.MonkeyPatch) -> None:
        pytest.importorskip("openvino")
        pytest.importorskip("nncf")
        texts = [
            "Who attended the Kuala Lumpur talks?",
            "North Korean top-ranking officials held two-day unofficial talks with former U.S. officials in Malaysia.",
            "The two-day talk came just a day after the North test-fired yet another medium-range missile.",
        ]
        float_vectors = Embedder(backend="onnx").encode_passages(texts, [[(0, len(t))] for t in texts]).passages
        embedder = Embedder(backend="openvino-int8")
        vectors = embedder.encode_passages(texts, [[(0, len(t))] for t in texts]).passages
        assert embedder.backend == "openvino-int8"
        assert ((vectors * float_vectors).sum(1) >= 0.99).all()

        def never(*args: Any) -> None:
            raise AssertionError("quantized again")

        monkeypatch.setattr(openvino_backend, "_quantize", never)
        again = Embedder(backend="openvino-int8").encode_passages(texts, [[(0, len(t))] for t in texts]).passages
        np.testing.assert_allclose(again, vectors, atol=1e-6)

    def test_padding_and_batch_shape(self) -> None:
        pytest.importorskip("openvino")
        pytest.importorskip("nncf")
        from newsbot.index.model_files import default_model_path

        transformer = openvino_backend.OpenVinoTransformer(default_model_path(), threads=1)
        ids = np.array([[101, 7592, 2088, 102, 0, 0], [101, 7592, 2088, 2003, 2088, 102]], dtype=np.int64)
        mask = (ids != 0).astype(np.int64)
        states = transformer(ids, mask)
        assert states.shape == (2, 6, 384) and states.dtype == np.float32
        alone = transformer(ids[:1, :4], mask[:1, :4])  # one row: padded to 16 tokens inside, cut back
        assert alone.shape == (1, 4, 384)
        np.testing.assert_allclose(states[0, :4], alone[0], atol=1e-3)

    def test_index_command_without_openvino(self, tmp_path: Path) -> None:
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        (corpus / "talks.txt").write_text("Talks in Kuala Lumpur\n\nFormer U.S. officials met North Korean officials in Kuala Lumpur.\n")
        script = (
            "import sys\n"
            "sys.modules['openvino'] = None\n"  # as on a machine without the fast extra
            "from newsbot.cli.main import main\n"
            f"sys.exit(main(['index', {str(corpus)!r}, '--index-dir', {str(tmp_path / 'index')!r}, '--backend', 'openvino-int8']))\n"
        )
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr
        assert [line for line in out.stderr.splitlines() if "openvino" in line.lower()] == [
            line for line in out.stderr.splitlines() if "openvino-int8 unavailable" in line
        ] and sum("openvino-int8 unavailable" in line for line in out.stderr.splitlines()) == 1
        manifests = list((tmp_path / "index").rglob("manifest.json"))
        assert manifests and json.loads(manifests[0].read_text())["backend"] == "onnx-int8"
