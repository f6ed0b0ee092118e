"""Choose: the sentences to cite. The best one, those close to it, for list questions the
adjacent sentences that continue the list, and the sentence that carries on from the best one
("It is to be held at…", "Instead, …"); in reading order within each article."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsbot.index.answer_types import AnswerType
from newsbot.index.pipeline.records import Choice, Question, Scored
from newsbot.index.snapshot import Snapshot


@dataclass(frozen=True)
class ChoiceParams:
    margin: float = 0.3  # extra sentences must score within this of the best
    list_margin: float = 0.3
    list_cosine_ratio: float = 0.75  # a neighbour continues a list when this close to the best cosine
    max_sentences: int = 3
    max_list_sentences: int = 5
    duplicate_jaccard: float = 0.8
    follow_continuation: bool = True  # cite the next sentence too when it carries on the best one
    # When the best sentence holds no answer of the asked type (it restates the question: "A
    # helicopter under contract to PG&E struck power lines"), cite the nearest sentence of its
    # article that does ("The helicopter, a Bell 206, ...").
    typed_neighbour: bool = True
    typed_distance: int = 2
    # A declined question still gets the closest sentence when nothing it names is missing from
    # the articles and the sentence's window covers this share of its terms.
    closest_context: float = 0.5

    def __post_init__(self) -> None:
        if self.max_sentences <= 0 or self.max_list_sentences <= 0:
            raise ValueError(f"max_sentences must be > 0, got {self.max_sentences}/{self.max_list_sentences}")
        if self.margin < 0 or self.list_margin < 0:
            raise ValueError(f"margins must be >= 0, got {self.margin}/{self.list_margin}")


class SentenceChooser:
    def __init__(self, params: ChoiceParams = ChoiceParams()) -> None:
        self.params = params

    def run(self, data: Snapshot, question: Question, scored: Sequence[Scored]) -> Choice:
        if not scored:
            return Choice(())
        p = self.params
        many = question.many
        limit = p.max_list_sentences if many else p.max_sentences
        margin = p.list_margin if many else p.margin
        best = scored[0]
        chosen: list[Scored] = [best]
        for item in scored[1:]:
            if len(chosen) >= limit or item.score < best.score - margin:
                break
            if not _near_duplicate(item.candidate.text, [c.candidate.text for c in chosen], p.duplicate_jaccard):
                chosen.append(item)
        if many:
            top_cosine = max(s.cosine for s in scored)
            close = {
                s.candidate.sentence_id
                for s in scored
                if s.score >= best.score - p.list_margin * 2 or s.cosine >= p.list_cosine_ratio * top_cosine
            }
            chosen = _extend_adjacent(data, scored, close, chosen, limit, question.wanted)
        scores = {s.candidate.sentence_id: s.score for s in scored}
        ids = [c.candidate.sentence_id for c in chosen]
        follower = _continuation(data, best.candidate.sentence_id) if p.follow_continuation else None
        if follower is not None:
            _add(ids, scores, follower, best.score - p.margin, limit)
        answer = _typed_neighbour(scored, best, question.wanted, p.typed_distance) if p.typed_neighbour else None
        if answer is not None:
            _add(ids, scores, answer.candidate.sentence_id, answer.score, limit)
        ordered = _reading_order(data, ids, scores)
        return Choice(tuple(ordered), tuple(scores[i] for i in ordered))


def _add(ids: list[int], scores: dict[int, float], sentence_id: int, score: float, limit: int) -> None:
    """Cite `sentence_id` too; when the citation is full, the weakest extra gives way to it."""
    if sentence_id in ids:
        return
    if len(ids) >= max(limit, 2):
        ids.pop()
    ids.append(sentence_id)
    scores.setdefault(sentence_id, score)


def _typed_neighbour(scored: Sequence[Scored], best: Scored, wanted: AnswerType, distance: int = 2) -> Scored | None:
    """The best-scored candidate of the best sentence's article, at most `distance` sentences from
    it, that holds an answer of the asked type, when the best sentence holds none."""
    if wanted is AnswerType.OTHER or best.typed:
        return None
    sid, doc = best.candidate.sentence_id, best.candidate.document
    near = [s for s in scored if s.typed and s.candidate.document == doc and 0 < abs(s.candidate.sentence_id - sid) <= distance]
    return max(near, key=lambda s: s.score, default=None)


def _near_duplicate(text: str, others: list[str], threshold: float) -> bool:
    mine = set(text.lower().split())
    for other in others:
        theirs = set(other.lower().split())
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= threshold:
            return True
    return False


def _extend_adjacent(
    data: Snapshot, scored: Sequence[Scored], close: set[int], chosen: list[Scored], limit: int, wanted: AnswerType
) -> list[Scored]:
    """Add neighbours of chosen sentences that continue the list: same article, holding an item
    of the asked type (or any, when the type is open), and close to the question."""
    by_id = {s.candidate.sentence_id: s for s in scored}
    grown = list(chosen)
    changed = True
    while changed and len(grown) < limit:
        changed = False
        for item in sorted(grown, key=lambda s: -s.score):
            sid = item.candidate.sentence_id
            for neighbour in (sid - 1, sid + 1):
                other = by_id.get(neighbour)
                if other is None or other in grown or len(grown) >= limit:
                    continue
                same_doc = other.candidate.document == item.candidate.document
                continues = other.typed or wanted is AnswerType.OTHER
                if same_doc and continues and neighbour in close:
                    grown.append(other)
                    changed = True
    return grown


_CONTINUES = re.compile(
    r"^[\"“‘']?(he|she|it|they|this|these|those|his|her|its|their|instead|since then|later|then|afterwards|there)\b",
    re.IGNORECASE,
)


def _continuation(data: Snapshot, sentence_id: int) -> int | None:
    """The next sentence when it carries on from this one."""
    following = sentence_id + 1
    if following >= data.sentence_count or data.document_of(following) != data.document_of(sentence_id):
        return None
    return following if _CONTINUES.match(data.sentence(following).text) else None


def _reading_order(data: Snapshot, sentence_ids: list[int], scores: dict[int, float]) -> list[int]:
    """Articles by their best cited sentence (best first); sentences in reading order within each."""
    best_of_doc: dict[int, float] = {}
    for sid in sentence_ids:
        doc = data.document_of(sid)
        best_of_doc[doc] = max(best_of_doc.get(doc, float("-inf")), scores[sid])
    return sorted(sentence_ids, key=lambda sid: (-best_of_doc[data.document_of(sid)], sid))
