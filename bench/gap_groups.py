"""How well /gaps groups readers' questions: pairwise precision and recall of the grouping.

    python bench/gap_groups.py

Eight groups of reworded news questions, and six questions on the same subjects that ask
something else (each a group of its own), embedded by the shipped model as questions are. For
each linkage and threshold: of the pairs grouped together, how many ask the same thing
(precision); of the pairs that ask the same thing, how many were grouped (recall). The default of
index/grouping.py (average linkage, 0.60) comes from this table.
"""

from __future__ import annotations

import itertools

import numpy as np

from newsbot.index.embed import Embedder
from newsbot.index.grouping import SimilarityGrouper

REWORDED = [
    [
        "When will the harbour tunnel open?",
        "when does the harbour tunnel open",
        "Opening date of the harbour tunnel?",
        "harbour tunnel opening when??",
    ],
    [
        "Who will build the new bridge?",
        "who is building the new bridge",
        "Which company builds the bridge?",
        "who got the bridge contract",
    ],
    [
        "How much do ferry tickets cost?",
        "what's the price of a ferry ticket",
        "ferry fares how much",
        "How expensive is the ferry now?",
    ],
    ["Is the school closed tomorrow?", "will schools be closed tomorrow", "are the schools shut tomorrow"],
    [
        "What did the mayor say about the budget?",
        "mayor's comments on the budget",
        "what does the mayor think of the city budget",
    ],
    ["Who won the election in Ohio?", "Ohio election winner?", "who won in ohio"],
    ["What is the weather forecast for the weekend?", "will it rain this weekend", "weekend weather?"],
    ["How many people died in the fire?", "death toll of the fire", "how many were killed in the blaze"],
]
SAME_SUBJECT = [
    ["How much will the harbour tunnel cost?"],
    ["When will the new bridge open?"],
    ["When does the first ferry leave?"],
    ["Who won the election in Texas?"],
    ["What caused the fire?"],
    ["What did the mayor say about the tunnel?"],
]


def single_linkage(vectors: np.ndarray, threshold: float) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    return np.asarray(fcluster(linkage(pdist(vectors, "cosine"), "single"), 1 - threshold, "distance"))


def average_linkage(vectors: np.ndarray, threshold: float) -> np.ndarray:
    labels = np.zeros(len(vectors), dtype=np.int64)
    for number, group in enumerate(SimilarityGrouper(threshold).run(vectors)):
        labels[list(group.members)] = number
    return labels


def main() -> None:
    groups = REWORDED + SAME_SUBJECT
    texts = [text for group in groups for text in group]
    truth = np.array([number for number, group in enumerate(groups) for _ in group])
    vectors = Embedder(backend="onnx-int8").encode_queries(texts)
    print(f"{len(texts)} questions in {len(groups)} groups")
    print("| linkage | threshold | precision | recall | groups |\n|---|---|---|---|---|")
    for name, grouping in (("average", average_linkage), ("single", single_linkage)):
        for threshold in (0.55, 0.60, 0.65, 0.70, 0.75, 0.80):
            labels = grouping(vectors, threshold)
            pairs = [
                (truth[a] == truth[b], labels[a] == labels[b]) for a, b in itertools.combinations(range(len(texts)), 2)
            ]
            together = sum(same and grouped for same, grouped in pairs)
            precision = together / max(1, sum(grouped for _, grouped in pairs))
            recall = together / sum(same for same, _ in pairs)
            print(f"| {name} | {threshold:.2f} | {precision:.2f} | {recall:.2f} | {len(set(labels))} |")


if __name__ == "__main__":
    main()
