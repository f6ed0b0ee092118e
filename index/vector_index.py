"""The FAISS index over chunk vectors, its type chosen by size (or by the caller)."""

from __future__ import annotations

from typing import Any

import numpy as np

FAISS_KINDS = ("auto", "flat", "hnsw", "ivf")
FLAT_UP_TO = 50_000  # exact search stays under a few ms up to about this many vectors


def make_faiss(vectors: np.ndarray, kind: str = "auto") -> Any:
    """An inner-product index over normalised `vectors`: flat when small, HNSW or IVF when large."""
    import faiss

    if kind not in FAISS_KINDS:
        raise ValueError(f"faiss index must be one of {', '.join(FAISS_KINDS)}, got {kind!r}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a (count, dimension) array, got shape {vectors.shape}")
    n, dim = vectors.shape
    if kind == "auto":
        # IVF kept recall@10 at 1.000 against flat at 100k and 1M vectors where HNSW fell to
        # 0.93 and 0.60 (docs/BENCHMARKS.md, section 3).
        kind = "flat" if n <= FLAT_UP_TO else "ivf"
    index: Any
    if kind == "flat" or n < 1000:
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        lists = max(16, int(4 * np.sqrt(n)))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors[np.random.default_rng(0).choice(n, min(n, lists * 40), replace=False)])
        index.nprobe = max(8, lists // 16)
    if n:
        index.add(vectors)
    return index
