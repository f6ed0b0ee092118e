"""Grouping similar texts by their vectors (average linkage on cosine)."""

from __future__ import annotations

import numpy as np
import pytest

from newsbot.index.grouping import SimilarityGrouper


def unit(*rows: list[float]) -> np.ndarray:
    found = np.array(rows, dtype=np.float32)
    return found / np.linalg.norm(found, axis=1, keepdims=True)


class TestSimilarityGrouper:
    def test_close_vectors_group_and_the_most_weighed_group_comes_first(self):
        vectors = unit([1, 0, 0], [0, 1, 0], [0.95, 0.1, 0], [0, 0.97, 0.2], [0, 0, 1])
        groups = SimilarityGrouper(0.6).run(vectors, weights=[1, 2, 3, 1, 1])
        assert [g.members for g in groups] == [(2, 0), (1, 3), (4,)]
        assert [g.weight for g in groups] == [4.0, 3.0, 1.0]

    def test_a_high_threshold_keeps_everything_apart(self):
        vectors = unit([1, 0], [0.9, 0.3], [0.8, 0.5])
        assert len(SimilarityGrouper(0.999).run(vectors)) == 3
        assert len(SimilarityGrouper(0.5).run(vectors)) == 1

    def test_nothing_and_one(self):
        assert SimilarityGrouper().run(np.zeros((0, 3))) == []
        assert [g.members for g in SimilarityGrouper().run(unit([1, 2, 3]))] == [(0,)]

    def test_bad_values_are_named(self):
        with pytest.raises(ValueError, match="threshold must be a cosine between -1 and 1, got 1.5"):
            SimilarityGrouper(1.5)
        with pytest.raises(ValueError, match="one value per vector: 1 for 2"):
            SimilarityGrouper().run(unit([1, 0], [0, 1]), weights=[1])
