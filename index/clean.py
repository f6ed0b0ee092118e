"""Remove the page furniture scraped articles carry, keeping every sentence of the article.

Cleaning works line by line: a line is dropped when it is navigation, a sharing or log-in prompt,
a comment box, a counter, or a short fragment with no sentence punctuation (breadcrumbs, icon
labels, bylines split over lines). Prompt words that prose uses too ("log in", "share",
"cookies", "copyright") drop a line only when it does not read as prose, so that an article
about hackers logging in to accounts keeps its sentences. A trailing block of sources,
categories or related links is cut at its heading. Lines are dropped whole, so what stays is
verbatim article text.
"""

from __future__ import annotations

import re

# Furniture whatever the line says around it: these never occur in article prose.
_FURNITURE = re.compile(
    r"""(
        ^\s*(home|main)\s*(>|›|»|/)          # breadcrumb
      | ^\s*copyright\s+(©\s*)?\d{4}\b
      | \ball\s+rights\s+reserved\.?\s*$
      | \bprint\s+dictionary\b
      | \(\s*\d+\s*/\s*\d+\s*\S{0,3}\)\s*$   # character counters like (0/250자)
      | ^\s*(category|categories|tags?)\s*:
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# Words of prompts and labels that article prose uses too ("hackers log in to Google accounts",
# "share prices fell"): such a line is furniture only when it does not read as prose (below).
_PROMPT = re.compile(
    r"""(
        \b(log\s?in|sign\s?in|sign\s?up|subscribe)\b.*\b(account|comment|newsletter|continue|facebook|twitter|google)\b
      | \b(please\s+)?(log|sign)\s?in\s+to\b
      | \bto\s+(write|post|leave|add)\s+(a\s+)?comments?\b
      | \b(social\s+comment|comment\s+box|comments?\s+policy|board\s+policy|community\s+guidelines)\b
      | ^\s*(share|tweet|e-?mail|print|comments?|advertisement|related\s+articles?|read\s+more|click\s+here)\b.{0,40}$
      | \bcookies?\b.*\b(accept|consent|policy|use)\b
      | ^\s*(©|copyright\b|all\s+rights\s+reserved)
      | \b(icon|image|photo)\s*$              # icon/image labels such as "lock icon"
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# A prompt speaks to the reader; reporting does not.
_READER = re.compile(r"\b(you|your|please|our)\b", re.IGNORECASE)
_LABEL_WORDS = 4  # "All rights reserved.", "Comments (12)", "lock icon"
_PROMPT_WORDS = 10

# Headings after which an article has only reference furniture left.
_TRAILER = re.compile(
    r"^\s*(sources?|references|external\s+links|related\s+news|see\s+also|related\s+stories)\s*:?\s*$",
    re.IGNORECASE,
)

# Removed from article text before anything else: NUL and other C0 controls (not tab or line
# breaks), DEL, a stray byte-order mark, and the bidirectional controls U+200E/F, U+202A-U+202E
# and U+2066-U+2069, with which an unclosed right-to-left override turns a quoted sentence
# around in the reader's client. Vertical tab and form feed become line breaks.
_CONTROLS = {**{c: None for c in [*range(0x00, 0x09), 0x0E, *range(0x0F, 0x20), 0x7F, 0xFEFF,
                                  0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]},
             0x0B: "\n", 0x0C: "\n"}


def remove_controls(text: str) -> str:
    """`text` without NUL, other control characters and bidirectional controls."""
    return text.translate(_CONTROLS)


_SENTENCE_END = re.compile(r"""[.!?…]["'”’)\]]*\s*$|[:;]\s*$""")
_SHORT_WORDS = 8


def is_furniture(line: str) -> bool:
    """True for a line that is navigation, a prompt or a label of the page around the article.

    A line with prompt words is kept when it reads as prose: more than a label's few words, not
    addressed to the reader, and either a finished sentence or longer than a prompt.
    """
    stripped = line.strip()
    if _FURNITURE.search(stripped):
        return True
    if not _PROMPT.search(stripped):
        return False
    words = len(stripped.split())
    return (
        words <= _LABEL_WORDS
        or bool(_READER.search(stripped))
        or (words <= _PROMPT_WORDS and not _SENTENCE_END.search(stripped))
    )


def is_fragment(block: str) -> bool:
    """True for a short block with no sentence punctuation: a breadcrumb, label or heading."""
    stripped = block.strip()
    return len(stripped.split()) <= _SHORT_WORDS and not _SENTENCE_END.search(stripped)


def clean_text(text: str, title: str = "") -> str:
    """Return `text` without furniture, a repeated title, or a trailing sources block.

    Works on blocks (paragraphs separated by blank lines) so that hard-wrapped paragraphs keep
    their short last lines: furniture lines are removed inside a block, then a block is dropped
    when what remains of it is a fragment.
    """
    kept: list[str] = []
    title_key = _key(title)
    normalised = remove_controls(text).replace("\r\n", "\n").replace("\r", "\n")
    for block in re.split(r"\n[ \t]*\n", normalised):
        if _TRAILER.match(block.strip().split("\n", 1)[0]) and kept:
            break
        lines = [line.rstrip() for line in block.split("\n") if line.strip() and not is_furniture(line)]
        remaining = "\n".join(lines)
        if not remaining or is_fragment(remaining):
            continue
        if title_key and _key(remaining) == title_key:
            continue
        kept.append(remaining)
    return "\n\n".join(kept)


def _key(line: str) -> str:
    return re.sub(r"\W+", " ", line).strip().lower()
