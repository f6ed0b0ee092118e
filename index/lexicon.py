"""What the corpus teaches about its own words, learned at index time and stored with the index.

- `counts`: how often each lowercased word occurs (the vocabulary that typo correction may
  correct towards: a user's word is only ever corrected into a word the articles use).
- `proper`: words the articles nearly always capitalise inside a sentence (names), so that a
  lowercase question still tells names from ordinary words.
- `abbreviations`: initials -> the capitalised phrases of the corpus they stand for, most
  frequent first ("KL" -> "Kuala Lumpur", "AG" -> "Attorney General"), from every run of
  capitalised words and from explicit "Long Name (LN)" definitions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.index.lexical import words
from newsbot.index.types import Document

FILE_NAME = "lexicon.json"
_TOKEN = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)
_SENTENCE_ENDERS = frozenset(".!?:;\"“”'‘’\n([—–-")
# Lowercase words that may sit inside a name ("Bank of America", "Leader of the Opposition").
_CONNECTORS = frozenset({"of", "the", "and", "for", "de", "du", "von", "van", "la", "le", "da", "al", "bin", "&"})
_EXPLICIT = re.compile(r"((?:[A-Z][\w'’\-]*\s+(?:(?:of|the|and|for|de)\s+)*){1,6}[A-Z][\w'’\-]*)\s+\(([A-Z][A-Za-z0-9&.]{1,9})\)")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")
MAX_PHRASE_WORDS = 6
MAX_EXPANSIONS = 3  # phrases kept per set of initials
PROPER_SHARE = 0.8  # capitalised at least this share of the time inside sentences
PROPER_MIN_SEEN = 2


@dataclass(frozen=True)
class Lexicon:
    counts: dict[str, int] = field(default_factory=dict)
    proper: frozenset[str] = frozenset()
    abbreviations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acronyms: frozenset[str] = frozenset()  # words the articles write in capitals ("NASA", "TNF")
    # Derived word lists, computed once per lexicon (the lexicon lives as long as its index).
    _derived: dict[int, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def vocabulary(self, min_count: int) -> list[str]:
        """The words the articles use at least `min_count` times: what a typo may be corrected to."""
        found = self._derived.get(min_count)
        if found is None:
            found = [w for w, n in self.counts.items() if n >= min_count and w.isalpha() and len(w) >= 3]
            self._derived[min_count] = found
        return found

    @classmethod
    def learn(cls, documents: Iterable[Document]) -> Lexicon:
        counts: Counter[str] = Counter()
        capital: Counter[str] = Counter()
        inside: Counter[str] = Counter()
        phrases: Counter[str] = Counter()
        explicit: Counter[tuple[str, str]] = Counter()
        capitals: Counter[str] = Counter()
        for document in documents:
            seen: Counter[str] = Counter()
            for text in (document.title, document.text):
                counts.update(words(text))
                capitals.update(m.group() for m in _ACRONYM.finditer(text))
                _learn_case_and_phrases(text, capital, inside, seen)
                for match in _EXPLICIT.finditer(text):
                    short = match.group(2).replace(".", "").upper()
                    phrase = _defined_phrase(match.group(1).split(), short)
                    if phrase:
                        explicit[(short, phrase)] += 1
            phrases.update(seen.keys())  # in how many articles: one article's name does not drown a common phrase
        proper = frozenset(w for w, n in inside.items() if n >= PROPER_MIN_SEEN and capital[w] >= PROPER_SHARE * n)
        found: dict[str, Counter[str]] = {}
        for phrase, n in phrases.items():
            for key in {initials(phrase), initials(phrase, connectors=True)}:
                if key:
                    found.setdefault(key, Counter())[phrase] += n
        for (short, phrase), n in explicit.items():
            # A definition in the text beats any number of co-occurring capitals.
            found.setdefault(short, Counter())[phrase] += 1000 * n
        abbreviations = {k: tuple(p for p, _ in c.most_common(MAX_EXPANSIONS)) for k, c in found.items()}
        return cls(dict(counts), proper, abbreviations, frozenset(capitals))

    def save(self, directory: Path) -> None:
        record = {"counts": self.counts, "proper": sorted(self.proper), "abbreviations": self.abbreviations, "acronyms": sorted(self.acronyms)}
        (directory / FILE_NAME).write_text(json.dumps(record, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Lexicon | None:
        """The lexicon stored in `directory`, or None when the index predates it."""
        path = directory / FILE_NAME
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            {str(k): int(v) for k, v in raw["counts"].items()},
            frozenset(raw["proper"]),
            {str(k): tuple(v) for k, v in raw["abbreviations"].items()},
            frozenset(raw.get("acronyms", ())),
        )


def _defined_phrase(tokens: list[str], short: str) -> str:
    """The shortest tail of `tokens` whose initials are `short` ("… for the United Nations (UN)")."""
    for start in range(len(tokens) - 2, -1, -1):
        phrase = " ".join(re.sub(r"['’]s$", "", t) for t in tokens[start:])
        if initials(phrase) == short:
            return phrase
    return ""


def initials(phrase: str, connectors: bool = False) -> str:
    """"Kuala Lumpur" -> "KL"; connectors ("of", "the") are skipped: "Bank of America" -> "BA", or
    kept whole with `connectors`: "BOFA" (as "BofA" is typed)."""
    words = phrase.split()
    parts = [p for p in words if p.lower() not in _CONNECTORS]
    if len(parts) < 2 or not all(p[:1].isupper() for p in parts):
        return ""
    if connectors:
        if len(parts) == len(words):
            return ""
        return "".join(w.upper() if w.lower() in _CONNECTORS else w[0].upper() for w in words)
    return "".join(p[0] for p in parts).upper()


def _learn_case_and_phrases(text: str, capital: Counter[str], inside: Counter[str], phrases: Counter[str]) -> None:
    """Count how often each word is capitalised inside a sentence, and runs of capitalised words."""
    run: list[str] = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        before = text[max(0, match.start() - 3) : match.start()].rstrip(" \t")
        starts_sentence = not before or before[-1] in _SENTENCE_ENDERS
        if not starts_sentence and token[:1].isalpha():
            inside[token.lower()] += 1
            if token[:1].isupper():
                capital[token.lower()] += 1
        gap = text[previous_end : match.start()]
        contiguous = bool(run) and bool(gap) and gap.strip(" \t") == ""
        capitalised = token[:1].isupper()
        if capitalised and (not run or contiguous) or contiguous and token.lower() in _CONNECTORS:
            run.append(token)
        else:
            _add_runs(run, phrases)
            run = [token] if capitalised else []
        previous_end = match.end()
    _add_runs(run, phrases)


def _add_runs(run: list[str], phrases: Counter[str]) -> None:
    """Count the run and its shorter spans ("Attorney General" inside "Attorney General Eric Holder")."""
    tokens = [re.sub(r"['’]s$", "", t) for t in run]
    for size in range(2, min(len(tokens), MAX_PHRASE_WORDS) + 1):
        for start in range(0, len(tokens) - size + 1):
            span = tokens[start : start + size]
            if span[0].lower() in _CONNECTORS or span[-1].lower() in _CONNECTORS:
                continue
            phrases[" ".join(span)] += 1
