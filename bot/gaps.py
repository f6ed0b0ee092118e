"""What readers ask that the articles don't answer: declined questions, similar ones grouped.

The questions of the last days that the bot declined are gathered (the same text typed again
counts again), embedded by the model as questions are, and grouped by average-linkage cosine
(index/grouping.py). Groups come most asked first, each with its count, its readers (distinct
keyed hashes) and its most asked wording as the example: what an editor can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from newsbot.bot.feedback import DECLINED, LoggedQuestion
from newsbot.bot.telegram_html import MESSAGE_LIMIT, escape, telegram_length
from newsbot.index.grouping import SimilarityGrouper

MAX_DISTINCT = 2000  # distinct wordings grouped at most (the newest): 2,000 vectors group in well under a second
SHOWN = 20


@dataclass(frozen=True)
class Gap:
    """A group of similar unanswered questions."""

    example: str
    asked: int  # times asked in all
    readers: int  # distinct readers who asked (0 when none is known)
    wordings: int  # distinct wordings grouped here


def _key(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(" ?!.")


def find_gaps(
    rows: Sequence[LoggedQuestion], embed: Callable[[list[str]], np.ndarray], grouper: SimilarityGrouper | None = None
) -> list[Gap]:
    """The declined questions of `rows` grouped, most asked first; `embed` gives unit vectors."""
    wordings: dict[str, list[LoggedQuestion]] = {}
    for row in rows:
        if row.outcome == DECLINED and row.question.strip():
            wordings.setdefault(_key(row.question), []).append(row)
    if not wordings:
        return []
    newest = sorted(wordings, key=lambda k: max(r.asked_at for r in wordings[k]), reverse=True)[:MAX_DISTINCT]
    examples = [_most_common_text(wordings[k]) for k in newest]
    weights = [float(len(wordings[k])) for k in newest]
    groups = (grouper or SimilarityGrouper()).run(embed(examples), weights)
    gaps = []
    for group in groups:
        asked = [row for i in group.members for row in wordings[newest[i]]]
        readers = {row.reader for row in asked if row.reader is not None}
        gaps.append(Gap(examples[group.members[0]], len(asked), len(readers), len(group.members)))
    return gaps


def _most_common_text(rows: Sequence[LoggedQuestion]) -> str:
    """The spelling typed most often; on a tie the one that reads as a question ('What …?' over 'what …')."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.question] = counts.get(row.question, 0) + 1
    return max(counts, key=lambda text: (counts[text], text.rstrip().endswith("?"), text[:1].isupper(), text))


def render_gaps(gaps: Sequence[Gap], days: int, shown: int = SHOWN, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The groups as Telegram HTML messages, most asked first."""
    if not gaps:
        return [
            f"<b>Unanswered questions</b>, last {days} day(s): none. Every question asked was answered (or was chat)."
        ]
    total = sum(g.asked for g in gaps)
    lines = [f"<b>Unanswered questions</b>, last {days} day(s): {total} asked, {len(gaps)} group(s), most asked first."]
    for number, gap in enumerate(gaps[:shown], start=1):
        who = f", {gap.readers} reader{'s' if gap.readers != 1 else ''}" if gap.readers else ""
        more = f" (and {gap.wordings - 1} similar)" if gap.wordings > 1 else ""
        lines.append(f"{number}. <b>×{gap.asked}</b>{who}: “{escape(gap.example[:300])}”{more}")
    if len(gaps) > shown:
        lines.append(f"… and {len(gaps) - shown} smaller group(s).")
    messages, current = [], ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if telegram_length(candidate) > limit:
            messages.append(current)
            candidate = line
        current = candidate
    return [*messages, current]
