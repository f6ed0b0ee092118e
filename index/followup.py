"""Follow-up questions made self-contained from the question they follow.

After "Who attended the Kuala Lumpur talks?", "how long did they last?" and "and where?" mean
nothing alone. A `Thread` is what a follow-up is read against: the question answered and its
topic (its content words, what "they" or "it" stand for). `resolve` returns the follow-up as a
question of its own, and the thread it continues:

- "what about X?" asks the previous question again about X ("When were the talks held?" →
  "what about the missile test?" → "When the missile test?");
- a question that leans on the previous one (a pronoun such as "they", "it", "he", or an
  ellipsis such as "who else?" or "and where?") and names at most one thing of its own gets
  the topic added: "how long did they last? (attended Kuala Lumpur talks)";
- anything else is a question of its own and starts its own topic; the caller still answers it
  from the thread's articles first, which resolves a pronoun in a longer question too.

Pure functions on strings: the engine's retrieval does the rest, so no coreference model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TOPIC_WORDS = 8  # a topic is a handful of words; more would drown the follow-up's own words

_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)
_PRONOUNS = frozenset({"they", "them", "their", "theirs", "it", "its", "he", "him", "his", "she", "her", "hers", "else"})
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those", "there", "then"})
_LEADING = re.compile(r"^(?:(?:and|but|so|also|ok(?:ay)?|then|well|hmm+)\b[\s,]*)+", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(?P<subject>.+)$", re.IGNORECASE)
_WH_PHRASE = re.compile(
    r"\b(?:how\s+(?:many|much|long|old|far|often|big)|what\s+(?:year|date|day|time|country|city|place)|"
    r"which\s+\w+|who(?:m|se)?|when|where|why|how|what)\b",
    re.IGNORECASE,
)
_FUNCTION_WORDS = frozenset(
    """a about after all also am an and any are as at be been before being but by can could did do
    does doing done during each else ever exactly for from had has have having how i if in into is
    just long many me more much my no not now of on or other our out over same should so some such
    than the then to too under up was we were what when where which while who whom whose why will
    with would yet you your few own tell please know""".split()  # noqa: SIM905
) | _PRONOUNS | _DEMONSTRATIVES


@dataclass(frozen=True)
class Thread:
    """A question that was answered, and its topic: the words a follow-up's "they" stands for."""

    question: str
    topic: str


def content_words(text: str) -> list[str]:
    """The words of `text` that name something (not wh-words, pronouns or function words), once each, in order."""
    seen: set[str] = set()
    kept: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        key = word.lower()
        if key in _FUNCTION_WORDS or key in seen:
            continue
        seen.add(key)
        kept.append(word)
    return kept


def start_thread(question: str) -> Thread:
    """The thread a question of its own starts."""
    question = " ".join(question.split())
    return Thread(question, _topic(content_words(question)))


def leans_on_context(question: str) -> bool:
    """True when the question means little alone: a pronoun or "else", a bare "and where?", or a
    "this"/"that"/"there" with at most two words of its own."""
    words = [w.lower() for w in _WORD.findall(question)]
    own = content_words(question)
    if not own or any(word in _PRONOUNS for word in words):
        return True
    return len(own) <= 2 and any(word in _DEMONSTRATIVES for word in words)


def resolve(question: str, previous: Thread | None) -> Thread:
    """`question` made self-contained against `previous` (None: a question of its own)."""
    question = " ".join(question.split())
    if previous is None:
        return start_thread(question)
    core = _LEADING.sub("", question).strip() or question
    what_about = _WHAT_ABOUT.match(core)
    if what_about:
        subject = what_about.group("subject").rstrip(" ?!.")
        wh = _WH_PHRASE.search(previous.question)
        asked = wh.group() if wh else "what about"
        return Thread(f"{asked} {subject}?", _topic(content_words(subject)))
    if not leans_on_context(question):
        return start_thread(question)
    own = content_words(core)
    if len(own) > 1:  # "what did he say about the treaty?": its own words, read in the thread's articles
        return Thread(question, previous.topic)
    known = {w.lower() for w in own}
    added = [w for w in previous.topic.split() if w.lower() not in known]
    if not added:
        return Thread(core, previous.topic)
    return Thread(f"{core} ({' '.join(added)})", previous.topic)


def _topic(words: list[str]) -> str:
    return " ".join(words[:MAX_TOPIC_WORDS])
