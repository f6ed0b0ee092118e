import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newsbot.index import onnx_backend
from newsbot.index.onnx_backend import OnnxTransformer, _atomic

TEXTS = [
    "Who attended the Kuala Lumpur talks?",
    "North Korean top-ranking officials held two-day unofficial talks with former U.S. officials in Malaysia.",
    "Sigal told reporters that his team reiterated the U.S. position that the scrapping of the nuclear program "
    "must come before any other issues, but he indicated that the two sides sought ways to resume dialogue.",
    "North Korea\nThe two-day talk came just a day after the North test-fired yet another medium-range missile.",
]


class TestAtomicWrite:
    def test_renames_into_place(self, tmp_path: Path) -> None:
        target = tmp_path / "model.onnx"
        _atomic(target, lambda tmp: tmp.write_bytes(b"onnx"))
        assert target.read_bytes() == b"onnx"
        assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]

    def test_failed_write_leaves_nothing(self, tmp_path: Path) -> None:
        def fail(tmp: Path) -> None:
            tmp.write_bytes(b"half")
            raise RuntimeError("export failed")

        with pytest.raises(RuntimeError, match="export failed"):
            _atomic(tmp_path / "model.onnx", fail)
        assert list(tmp_path.iterdir()) == []


class TestCacheLocation:
    def test_override_and_fingerprint(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        model = tmp_path / "model"
        model.mkdir()
        (model / "config.json").write_text('{"hidden_size": 384}')
        before = onnx_backend.export_fingerprint(model)
        assert onnx_backend.model_dir(model, tmp_path / "cache") == tmp_path / "cache" / "models" / before
        (model / "config.json").write_text('{"hidden_size": 768}')
        assert onnx_backend.export_fingerprint(model) != before

    def test_threads_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="threads must be > 0, got 0"):
            OnnxTransformer("unused", 0)


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("newsbot-cache")


QUESTIONS = TEXTS[:1] + ["short", "When did OPEC begin?", "How many legs does a spider have?"]


def _encode(backend: str, cache_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Questions one at a time (as the engine asks them) and passages in one batch (as it indexes).

    int8 activations are quantized per batch, so a vector depends a little on its batch companions;
    the engine batches passages of similar length, and each question alone.
    """
    from newsbot.index.embed import Embedder

    embedder = Embedder(backend=backend, cache_dir=cache_dir)
    questions = np.vstack([embedder.encode_queries([q]) for q in QUESTIONS])
    passages = embedder.encode_passages(TEXTS, [[(0, len(t))] for t in TEXTS]).passages
    return questions, passages


@pytest.fixture(scope="module")
def reference() -> tuple[np.ndarray, np.ndarray]:
    return _encode("torch")


@pytest.mark.model
class TestAgainstTorch:
    @pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
    def test_cosine_to_torch_vectors(
        self, backend: str, reference: tuple[np.ndarray, np.ndarray], onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        floor = 0.9999 if backend == "onnx" else 0.99
        for vectors, expected in zip(_encode(backend, onnx_cache), reference, strict=True):
            cosine = (vectors * expected).sum(axis=1)
            assert cosine.min() >= floor, cosine
        exported = list((onnx_cache / "models").glob("*/*.onnx"))
        assert exported and not list((onnx_cache / "models").glob("*/.*.tmp"))

    def test_int8_graph_quantizes_every_matmul(self, onnx_cache: Path) -> None:
        # The feed-forward output projections left in float were 37% of the encoder's time (issue 11).
        import onnx

        from newsbot.index.embed import default_model_path

        path = onnx_backend.ensure_exported(default_model_path(), quantized=True, cache_dir=onnx_cache)
        ops = [node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node]
        assert "MatMul" not in ops
        assert ops.count("MatMulInteger") == 18 and ops.count("QAttention") == 6  # 6 layers: 3 MatMuls + attention

    def test_padding_and_batch_shape(self, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from newsbot.index.embed import default_model_path

        transformer = OnnxTransformer(default_model_path(), threads=1, cache_dir=onnx_cache)
        ids = np.array([[101, 7592, 2088, 102, 0, 0], [101, 7592, 2088, 2003, 2088, 102]], dtype=np.int64)
        mask = (ids != 0).astype(np.int64)
        states = transformer(ids, mask)
        assert states.shape == (2, 6, 384) and states.dtype == np.float32
        alone = transformer(ids[:1, :4], mask[:1, :4])
        np.testing.assert_allclose(states[0, :4], alone[0], atol=1e-4)

    def test_answering_with_onnx_never_imports_torch(self, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from newsbot.index.embed import default_model_path

        onnx_backend.ensure_exported(default_model_path(), cache_dir=onnx_cache)  # exporting needs torch; answering must not
        script = (
            "import sys\n"
            "from newsbot.index.config import EngineConfig\n"
            "from newsbot.index.embed import Embedder\n"
            "config = EngineConfig.from_env()\n"
            "Embedder(backend='onnx', cache_dir=config.cache_dir).encode_queries(['Who attended the talks?'])\n"
            "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
        )
        env = {**os.environ, "NEWSBOT_CACHE_DIR": str(onnx_cache)}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120)
        assert out.stdout.split() == ["False", "False"]
