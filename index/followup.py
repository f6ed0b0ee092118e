"""Follow-up questions made self-contained from the question they follow.

After "Who attended the Kuala Lumpur talks?", "how long did they last?" and "and where?" mean
nothing alone. A `Thread` is what a follow-up is read against: the question answered and its
topic (what it asked about: "Kuala Lumpur talks"). `resolve` returns the follow-up as a
question of its own, in two forms: `question`, to ask the articles the thread cited, and
`standalone`, to ask all the articles when those don't answer it.

- "what about X?" asks the previous question again about X ("When were the talks held?" →
  "what about the missile test?" → "When the missile test?");
- a question that leans on the previous one (a pronoun such as "they", "it", "his", or an
  ellipsis such as "who else?" or "and where?") and names at most one thing of its own gets
  the topic in place of its pronoun, or before its "?": within the thread's articles the head
  of the topic is enough and reads best ("how long did the talks last?", "what was Koh
  Yoo-hwan's job?"; measured on the seed article, "how long did Kuala Lumpur talks last?" was
  declined where "how long did the talks last?" cited the "two-day meeting"), while over all
  the articles the whole topic is kept ("how long did the Kuala Lumpur talks last?");
- anything else is a question of its own and starts its own topic; the caller still asks the
  thread's articles first, which resolves a pronoun in a longer question too.

Pure functions on strings, no coreference model: the engine's retrieval does the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TOPIC_WORDS = 8  # a topic is a handful of words; more would drown the follow-up's own words

_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)
_PERSONAL = frozenset({"they", "them", "it", "he", "him", "she", "her"})
_POSSESSIVES = frozenset({"their", "theirs", "its", "his", "hers"})
_PRONOUNS = _PERSONAL | _POSSESSIVES | {"else"}
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those", "there", "then"})
_LEADING = re.compile(
    r"^(?:(?:and|but|so|also|ok(?:ay)?|then|well|hmm+|thanks|thx|thank\s+you|hi|hey|hello|great|cool)\b[\s,!.]*)+", re.IGNORECASE
)
_WHAT_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(?P<subject>.+)$", re.IGNORECASE)
_WH_PHRASE = re.compile(
    r"\b(?:how\s+(?:many|much|long|old|far|often|big)|what\s+(?:year|date|day|time|country|city|place)|"
    r"which\s+\w+|who(?:m|se)?|when|where|why|how|what)\b",
    re.IGNORECASE,
)
# "Who attended the talks?": the verb right after the wh-word is what was asked, not the topic;
# "When did the harbour reopen?": nor is the verb that ends a question with "did".
_ASKED_VERB = re.compile(r"^\s*(?:who|what|which)\s+(?P<verb>[^\W\d_]+)\b", re.IGNORECASE)
_AUXILIARY_FIRST = re.compile(r"^\s*(?:\w+\s+){1,2}(?:did|does|do|will|would|can|could|should|has|have|had)\b", re.IGNORECASE)
_FUNCTION_WORDS = frozenset(
    """a about after all also am an and any are as at be been before being but by can could did do
    does doing done during each ever exactly for from had has have having how i if in into is just
    long many me more much my no not now of on or other our out over same should so some such than
    the to too under up was we were what when where which while who whom whose why will with would
    yet you your few own tell please know thanks thx hi hey hello great cool""".split()  # noqa: SIM905
) | _PRONOUNS | _DEMONSTRATIVES


@dataclass(frozen=True)
class Thread:
    """A question as asked of the thread's articles, its topic (what a follow-up's "they" stands
    for), and the question to ask all the articles ("" when it is the same)."""

    question: str
    topic: str
    standalone: str = ""

    @property
    def question_for_all(self) -> str:
        return self.standalone or self.question


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
    """The thread a question of its own starts: its topic is what it asked about."""
    question = " ".join(question.split())
    words = content_words(question)
    asked_verb = _ASKED_VERB.match(question)
    if len(words) > 1 and asked_verb and words[0] == asked_verb.group("verb"):
        words = words[1:]
    if len(words) > 1 and _AUXILIARY_FIRST.match(question) and question.rstrip(" ?!.").endswith(words[-1]):
        words = words[:-1]
    return Thread(question, " ".join(words[:MAX_TOPIC_WORDS]))


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
        asked = f"{wh.group()} {subject}?" if wh else f"{subject}?"
        return Thread(asked, " ".join(content_words(subject)[:MAX_TOPIC_WORDS]))
    if not leans_on_context(question):
        return start_thread(question)
    own = content_words(core)
    if len(own) > 1:  # "what did he say about the treaty?": its own words, read in the thread's articles
        return Thread(question, previous.topic)
    known = {w.lower() for w in own}
    topic = [w for w in previous.topic.split() if w.lower() not in known]
    if not topic:
        return Thread(core, previous.topic)
    head = _head(topic)
    within = _with_topic(core, head)
    standalone = _with_topic(core, f"the {' '.join(topic)}" if head.startswith("the ") else " ".join(topic))
    return Thread(within, previous.topic, standalone if standalone != within else "")


def _head(topic: list[str]) -> str:
    """What stands for the topic in a sentence: a name at its end whole ("Koh Yoo-hwan"), else
    "the" and its last word ("Kuala Lumpur talks" → "the talks")."""
    name: list[str] = []
    for word in reversed(topic):
        if not word[0].isupper():
            break
        name.insert(0, word)
    return " ".join(name) if name else f"the {topic[-1]}"


def _with_topic(question: str, topic: str) -> str:
    """The question with `topic` in place of its first pronoun (else of a "that"), or before its "?"."""
    for replaceable in (_PERSONAL | _POSSESSIVES, _DEMONSTRATIVES - {"there", "then"}):
        for match in _WORD.finditer(question):
            word = match.group().lower()
            if word in replaceable:
                replacement = _possessive(topic) if word in _POSSESSIVES else topic
                return question[: match.start()] + replacement + question[match.end() :]
    stripped = question.rstrip(" ?!.")
    return f"{stripped} {topic}{question[len(stripped):].strip() or '?'}"


def _possessive(topic: str) -> str:
    return f"{topic}'" if topic.endswith("s") else f"{topic}'s"
