"""Normalise: the question as people type it, made into what the articles say.

Every lexical signal downstream (BM25, coverage, the "don't mention" check) reads the result, so
a surface form alone never decides an answer:
- chat noise goes: greetings and fillers ("hey bot", "pls", "omg"), emoji, "<3", HTML tags,
  runs of "??";
- numbers match whatever their form: "2" and "two", "4th" and "fourth", spoken years
  ("nineteen ninety four" -> 1994), via num2words;
- abbreviations and initials expand to the phrases this corpus uses (learned at index time,
  newsbot.index.lexicon: "KL" -> "Kuala Lumpur" where an article says Kuala Lumpur), and the
  common ones people type (US, UK, UN, PM, …) to theirs;
- a word the articles never use is corrected to the closest one they do (rapidfuzz, edit distance
  1, or 2 for long words; the most frequent wins), and the correction is added, never substituted
  for a word the corpus knows;
- names are names whatever their case: a word the articles capitalise counts as a name in a
  lowercase question.
Each rewrite gives a term an *equivalent*: a typed term is missing from an article only when the
term and all its equivalents are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from newsbot.index.answer_types import ASKING, is_list_question, question_type
from newsbot.index.language import COUNTING, HOW_MANY_MUCH, QUESTION_WORDS, WH_WORDS, WORD
from newsbot.index.lexical import STOPWORDS, shown_words, terms
from newsbot.index.lexicon import Lexicon
from newsbot.index.model_files import english_words
from newsbot.index.pipeline.records import Question
from newsbot.index.snapshot import Snapshot

# Abbreviations people type whose expansion a corpus may never spell out in capitals.
COMMON_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "US": ("United States",),
    "USA": ("United States",),
    "UK": ("United Kingdom", "Britain"),
    "UN": ("United Nations",),
    "EU": ("European Union",),
    "PM": ("Prime Minister",),
    "NYC": ("New York City",),
    "LA": ("Los Angeles",),
    "DC": ("Washington",),
    "WWII": ("World War II", "Second World War"),
    "WWI": ("World War I", "First World War"),
    "CEO": ("chief executive",),
    "GOP": ("Republican",),
    "NK": ("North Korea",),
    "SK": ("South Korea",),
}

# Quarters, as business news is asked about.
COMMON_ABBREVIATIONS.update({f"Q{n}": (f"{word} quarter",) for n, word in ((1, "first"), (2, "second"), (3, "third"), (4, "fourth"))})

# Chat spellings: what they stand for (a word of the question, never of the articles).
CHAT_WORDS = {
    "u": "you", "ur": "your", "r": "are", "ppl": "people", "bc": "because", "cuz": "because", "coz": "because",
    "tho": "though", "thru": "through", "whats": "what is", "whos": "who is", "wheres": "where is",
    "hows": "how is", "whens": "when is", "whys": "why is", "gonna": "going to", "wanna": "want to",
    "govt": "government", "gov": "government", "dept": "department", "intl": "international", "yr": "year",
    "yrs": "years", "bn": "billion", "mln": "million", "approx": "approximately", "w/": "with", "b4": "before",
    "isnt": "is not", "wasnt": "was not", "didnt": "did not", "doesnt": "does not", "dont": "do not",
    "cant": "cannot", "wont": "will not", "arent": "are not", "werent": "were not", "hasnt": "has not",
    "wat": "what", "wot": "what", "wut": "what", "wht": "what", "wats": "what is", "wen": "when", "whn": "when",
    "wher": "where", "whr": "where", "hw": "how", "abt": "about", "pple": "people", "bcoz": "because", "bcos": "because",
    "w/o": "without", "yday": "yesterday", "tmrw": "tomorrow", "tmr": "tomorrow", "wk": "week", "mil": "million",
}

# Verbs that only say an event took place ("when did the talks happen", "where did it occur"): the
# articles state the event, rarely that it happened, so these never count as terms the answer lacks.
_LIGHT_VERBS = frozenset(terms("happen happens happened happening occur occurs occurred occurring"))
# "where did the talks take place" asks what "where did the talks happen" asks
_TAKE_PLACE = re.compile(r"\b(take|takes|took|taken|taking)\s+place\b", re.IGNORECASE)
_HAPPEN = {"take": "happen", "takes": "happens", "took": "happened", "taken": "happened", "taking": "happening"}

_QUESTION_OPENERS = frozenset({"what", "when", "where", "who", "why", "how", "is", "are", "did", "does", "do"})

# Chat filler: removed where it stands alone; it never carries what is asked.
_FILLER = re.compile(
    r"\b(?:hey+|hi+|hello|yo|ok(?:ay)?|so|pls|plz|please|omg|lol|lmao|thx|thanks|thank\s+you|btw|idk|tbh|"
    r"bot|newsbot|quick\s+q(?:uestion)?|real\s+quick|question(?=\s*:)|any\s+idea|anyone\s+know|can\s+you\s+tell\s+me|do\s+you\s+know|"
    r"i\s+wonder|i\s+was\s+wondering)\b[,!.:]*",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(rf"^(?:\s*{_FILLER.pattern}\s*)+", re.IGNORECASE)
_TRAILING_FILLER = re.compile(r"(?:\s*\b(?:pls|plz|please|thx|thanks|thank\s+you|lol|omg)\b[!.?]*)+\s*$", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,40}>")
_HEART = re.compile(r"<3+|</3")
_LONE_SYMBOLS = re.compile(r"(?<!\w)[&*#~^|\\]+(?!\w)")
_REPEATED_PUNCT = re.compile(r"([?!.])[?!.]+")
# "the one cutting jobs", "a second look": words that are numbers too rarely to add digits for.
_AMBIGUOUS_NUMBER_WORDS = frozenset({"one", "second", "zero"})
_CHAT_WORD = re.compile(r"(?<![\w'’\-])[A-Za-z][A-Za-z0-9/]*(?![\w'’\-])")
_SCALED_NUMBER = re.compile(r"(?<![\w.,])([$€£¥]?)(\d+(?:\.\d+)?)\s?(k|K|bn|Bn|BN|mn|mln|m|M|b|B)(?![\w'’])")
# A two-digit year: "back in '07", or "in 94" ending the question or a clause.
_SHORT_YEAR = re.compile(r"['’‘](\d{2})\b|\b(?:in|since|from|until|till|by|before|after|around|circa)\s+(\d{2})(?=\s*(?:[?!.,;]|$))", re.IGNORECASE)
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$", re.IGNORECASE)


def _without_noise(text: str) -> tuple[str, str]:
    """`text` without emoji, hearts, HTML tags and repeated punctuation; and that without fillers."""
    text = _TAG.sub(" ", text)
    text = _HEART.sub(" ", text)
    text = "".join(" " if _is_symbol(ch) else ch for ch in text)
    text = _LONE_SYMBOLS.sub(" ", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    return text, _TRAILING_FILLER.sub("", _LEADING_FILLER.sub("", text))


_THANKS_WORDS = r"(?:thanks|thx|ty|cheers|thank\s+(?:you|u))"
# Thanks anywhere in a message ("thanks! 🙏", "thx lol"): the bot says you're welcome to chat alone that has it.
THANKS = re.compile(rf"\b{_THANKS_WORDS}\b", re.IGNORECASE)
# A whole message that only greets or thanks: "hi there", "good morning", "great, thanks a lot!"
_GREETING_OR_THANKS = re.compile(
    r"^(?:(?:hi+|hey+|hello|yo|good\s+(?:morning|afternoon|evening|day))(?:\s+(?:there|all|everyone|bot|newsbot))?"
    r"|(?:(?:great|awesome|cool|nice|perfect|ok(?:ay)?|got\s+it|many)\W*)*"
    rf"{_THANKS_WORDS}(?:\s+(?:a\s+lot|so\s+much|very\s+much|again|bot|newsbot))?)\W*$",
    re.IGNORECASE,
)


def only_chat(text: str) -> bool:
    """True when `text` is chat alone ("hi there", "thanks!", "hey bot 👋", "??"): nothing to look up."""
    cleaned, stripped = _without_noise(text)
    return not WORD.search(stripped) or bool(_GREETING_OR_THANKS.match(" ".join(cleaned.split())))


def strip_noise(text: str) -> str:
    """The question without emoji, hearts, HTML tags, fillers and repeated punctuation."""
    text, stripped = _without_noise(text)
    if WORD.search(stripped):  # a question made only of filler keeps its words
        text = stripped
    return " ".join(text.split())


def _is_symbol(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("So", "Sk", "Cs", "Co") or ch in "\u200d\ufe0f\ufe0e" or 0x1F3FB <= ord(ch) <= 0x1F3FF


@lru_cache(maxsize=1)
def _number_words() -> dict[str, int]:
    """Spoken numbers -> value: cardinals and ordinals to 100, and years 1900-2099 as said."""
    from num2words import num2words

    table: dict[str, int] = {}
    for n in range(0, 101):
        table[_plain(num2words(n))] = n
        table[_plain(num2words(n, to="ordinal"))] = n
    for year in range(1900, 2100):
        table[_plain(num2words(year, to="year"))] = year
        table[_plain(num2words(year))] = year
    return table


def _plain(words: str) -> str:
    return " ".join(words.replace("-", " ").replace(",", " ").split())


@lru_cache(maxsize=256)
def number_forms(value: int) -> tuple[str, ...]:
    """The ways an article may write `value`: digits, and words below 100 (cardinal, ordinal)."""
    forms = [str(value)]
    if value >= 1000:
        forms.append(f"{value:,}")  # "30000" as the article writes it: "30,000"
    if value < 100:
        from num2words import num2words

        forms += [num2words(value), num2words(value, to="ordinal")]
    return tuple(dict.fromkeys(forms))


@dataclass(frozen=True)
class NormaliseParams:
    max_typo_distance: int = 2  # for words of 8+ letters; 1 below
    min_typo_length: int = 4  # shorter words are never corrected
    min_vocabulary_count: int = 2  # a correction must be a word the articles use at least this often
    max_typo_lookups: int = 8  # per question: each costs about a millisecond over a 20,000-word vocabulary
    min_rare_target_length: int = 6  # words at least this long may be corrected to a word the articles use once

    def __post_init__(self) -> None:
        if self.max_typo_distance < 0 or self.min_typo_length < 1:
            raise ValueError(f"max_typo_distance must be >= 0 and min_typo_length >= 1, got {self.max_typo_distance}, {self.min_typo_length}")


class QuestionNormaliser:
    """Noise, numbers, abbreviations, typos and case: see the module docstring."""

    def __init__(self, params: NormaliseParams = NormaliseParams()) -> None:
        self.params = params

    def run(self, data: Snapshot | None, raw: str) -> Question:
        raw = " ".join(raw.split())
        lexicon = data.lexicon if data is not None else Lexicon()
        english = english_words(data.model_path if data is not None else None)  # of the configured model
        text = strip_noise(raw)
        rewrites: list[str] = []
        equivalents: dict[str, list[tuple[str, ...]]] = {}
        scaled: list[tuple[str, str]] = []
        text = self._spoken_numbers(self._chat_words(self._scaled_numbers(text, rewrites, scaled), rewrites), rewrites)
        tokens = list(WORD.finditer(text))
        short_years = frozenset(m.group(1) or m.group(2) for m in _SHORT_YEAR.finditer(text))
        dropped: list[str] = []  # terms of typos of question words ("wich")
        letters = [ch for ch in text if ch.isalpha()]
        shouting = bool(letters) and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)
        pieces: list[str] = []
        extra: list[str] = []
        lookups = [self.params.max_typo_lookups]  # left for this question (the normaliser is shared by threads)
        cursor = 0
        previous = ""
        for match in tokens:
            pieces.append(text[cursor : match.start()])
            word = match.group()
            replacement = self._rewrite(word, lexicon, rewrites, equivalents, extra, shouting, lookups, short_years, dropped, previous, english)
            previous = replacement.split()[-1].lower() if replacement.split() else ""
            pieces.append(replacement)
            cursor = match.end()
            # "Halloween-themed", a compound the articles never write, is present where they have its parts
            if "-" in word and word.lower() not in lexicon.counts:
                parts = terms(word)
                if len(parts) > 2:
                    equivalents.setdefault(parts[0], []).append(tuple(parts[1:]))
        pieces.append(text[cursor:])
        normalised = " ".join("".join(pieces).split())
        for typed_form, full in scaled:  # "10k" stays present where an article writes "10K"
            for t in terms(full):
                if not t.isdigit() or len(t) > 1:
                    equivalents.setdefault(t, []).append(tuple(terms(typed_form)))
        typed = tuple(dict.fromkeys(terms(text)))
        all_terms = tuple(dict.fromkeys((*terms(normalised), *extra, *typed)))
        light = (_LIGHT_VERBS | ASKING if HOW_MANY_MUCH.search(normalised) else _LIGHT_VERBS) | frozenset(dropped)
        if any(t not in light for t in all_terms):
            typed = tuple(t for t in typed if t not in light)
            all_terms = tuple(t for t in all_terms if t not in light)
        names = _names(text, lexicon)
        named = tuple(t for t in typed if t in names)
        return Question(
            raw=raw,
            text=normalised or raw,
            terms=all_terms,
            wanted=question_type(normalised),
            many=is_list_question(normalised),
            rewrites=tuple(rewrites),
            shown=shown_words(raw),
            typed_terms=typed,
            equivalents=tuple((t, tuple(v)) for t, v in equivalents.items()),
            named_terms=named,
        )

    # -- rewrites ------------------------------------------------------------------------------

    def _spoken_numbers(self, text: str, rewrites: list[str]) -> str:
        """"nineteen ninety four" -> "1994": the longest run of number words that names a number."""
        table = _number_words()
        words = text.split(" ")
        out: list[str] = []
        i = 0
        while i < len(words):
            found = None
            for size in range(min(6, len(words) - i), 1, -1):
                span = words[i : i + size]
                key = _plain(" ".join(w.strip("?,.!;:").lower() for w in span))
                if key in table and (size > 1 or table[key] >= 100):
                    found = (size, table[key], span[-1][len(span[-1].rstrip("?,.!;:")) :])
                    break
            if found:
                size, value, tail = found
                rewrites.append(f"{' '.join(words[i:i + size]).strip('?,.!;:')} -> {value}")
                out.append(f"{value}{tail}")
                i += size
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)

    @staticmethod
    def _scaled_numbers(text: str, rewrites: list[str], found: list[tuple[str, str]]) -> str:
        """"5k" -> "5000", "$2m" -> "$2 million", "1.5bn" -> "1.5 billion": amounts as chat writes them,
        as the articles do. A bare "m" or "b" is read as million or billion only after a currency sign
        ("2m" may be metres)."""

        def scaled(match: re.Match[str]) -> str:
            currency, number, suffix = match.group(1), match.group(2), match.group(3).lower()
            if suffix == "k":
                value = float(number) * 1000
                if value != int(value) or value >= 1e9:
                    return match.group()
                full = f"{currency}{int(value)}"
            elif suffix in ("m", "b") and not currency:
                return match.group()
            else:
                full = f"{currency}{number} {'billion' if suffix.startswith('b') else 'million'}"
            rewrites.append(f"{match.group().strip()} -> {full}")
            found.append((match.group(), full))
            return full

        return _SCALED_NUMBER.sub(scaled, text)

    @staticmethod
    def _chat_words(text: str, rewrites: list[str]) -> str:
        """"whos the ceo of gm" -> "who is the ceo of gm": chat spellings as the words they stand for."""

        def spelled(match: re.Match[str]) -> str:
            word = match.group()
            full = CHAT_WORDS.get(word.lower())
            if full is None or word.isupper() and len(word) > 1:  # "UR", "BN": maybe an acronym
                return word
            # "what did Wen Jiabao say", "Mil Mi-17": a name, unless a question opens with it ("Wat did ...")
            if word[0].isupper() and (match.start() > 0 or full.split()[0] not in _QUESTION_OPENERS):
                return word
            rewrites.append(f"{word} -> {full}")
            return full

        text = _CHAT_WORD.sub(spelled, text)
        if _TAKE_PLACE.search(text):
            rewrites.append("take place -> happen")
            text = _TAKE_PLACE.sub(lambda m: _HAPPEN[m.group(1).lower()], text)
        return text

    def _rewrite(
        self,
        word: str,
        lexicon: Lexicon,
        rewrites: list[str],
        equivalents: dict[str, list[tuple[str, ...]]],
        extra: list[str],
        shouting: bool,
        lookups: list[int],
        short_years: frozenset[str] = frozenset(),
        dropped: list[str] | None = None,
        previous: str = "",
        english: frozenset[str] = frozenset(),
    ) -> str:
        """`word` as the articles may write it; `previous`: the word before it ("" first); `english`:
        the words of the model's vocabulary (spelled right, whatever the corpus says)."""
        dropped = [] if dropped is None else dropped
        lower = word.lower().replace("’", "'")
        own = terms(word)
        # Numbers: each form the article may use is an equivalent of the one typed.
        ordinal = _ORDINAL_DIGITS.match(word)
        value = int(ordinal.group(1)) if ordinal else int(word) if word.isdigit() and len(word) <= 9 else _number_words().get(lower)
        if value is not None and (value < 100 or word.isdigit()) and lower not in _AMBIGUOUS_NUMBER_WORDS:
            forms = [f for f in number_forms(value) if f.lower() != lower]
            if word in short_years:  # "in 94", "back in '07": a year the articles write in full
                forms += [year for year in (f"19{word}", f"20{word}") if lexicon.counts.get(year, 0)]
            for form in forms:
                form_terms = tuple(terms(form))
                for t in own:
                    equivalents.setdefault(t, []).append(form_terms)
                extra.extend(form_terms)
            return word
        # Abbreviations: all capitals as typed, or a word the corpus never uses.
        known = lexicon.counts.get(lower, 0) >= self.params.min_vocabulary_count
        short = word.replace(".", "").upper()
        capitals = word.isupper() and not shouting  # a question typed all in capitals says nothing by it
        # "which ag was held in contempt": typed in lower case, an acronym the articles write in
        # capitals and spell out themselves. Only its spelled-out forms count it present: the word
        # may be no acronym at all ("3 pm", "it"), so it is never rewritten or searched for.
        if known and not capitals and short in lexicon.acronyms and lower not in STOPWORDS and short in lexicon.abbreviations:
            for phrase in lexicon.abbreviations[short][:3]:
                phrase_terms = tuple(terms(phrase))
                if phrase_terms:
                    for t in own or [lower]:
                        equivalents.setdefault(t, []).append(phrase_terms)
            return word
        if 2 <= len(short) <= 6 and short.isalnum() and (capitals or (not known and lower not in STOPWORDS)):
            phrases = _expansions(short, lexicon)
            # An acronym the articles write themselves ("NASA", "TNF") already matches as typed: its
            # expansions only count it present where an article spells it out (SciFact dev nDCG@10
            # 0.741 this way, 0.737 searching the expansions too).
            own_acronym = short in lexicon.acronyms and short not in COMMON_ABBREVIATIONS
            if phrases:
                for phrase in phrases:
                    phrase_terms = tuple(terms(phrase))
                    if phrase_terms:
                        for t in own or [lower]:
                            equivalents.setdefault(t, []).append(phrase_terms)
                        if not own_acronym:
                            extra.extend(phrase_terms)
                if own_acronym:
                    return word
                rewrites.append(f"{word} -> {phrases[0]}")
                return f"{word} ({phrases[0]})"
        # Typos: a word the articles never use, close to one they do. A word that is no English word
        # either ("befor") is read as the correction; an English word ("harbor" where the articles
        # write "harbour", "nickname" where they say "nicknamed") keeps its place in the question and
        # only counts as present where the one-letter variant is.
        if (
            not known
            and not capitals  # "NOLA" is an acronym, never a typo
            and lower not in STOPWORDS
            and word.isalpha()
            and len(word) >= self.params.min_typo_length
            and lexicon.counts
            and lookups[0] > 0
        ):
            # "wheere was he found", "in wich year", "hw mnay": the question word decides the answer type
            asking = _question_word_typo(lower, previous, english) if lexicon.counts.get(lower, 0) == 0 else None
            if asking:
                rewrites.append(f"{word} -> {asking}")
                dropped.extend(own)  # no term of the question any more
                return asking
            is_english = lower in english
            if is_english and len(word) < 5:
                return word
            lookups[0] -= 1
            correction = self._closest(lower, lexicon, 1 if is_english else None)
            if correction:
                rewrites.append(f"{word} ~ {correction}" if is_english else f"{word} -> {correction}")
                for t in own:
                    equivalents.setdefault(t, []).append(tuple(terms(correction)))
                extra.extend(terms(correction))
                return word if is_english else f"{word} {correction}"  # both, for the encoder: a rare word may be no typo
        return word

    def _closest(self, word: str, lexicon: Lexicon, at_most: int | None = None) -> str | None:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        distance = self.params.max_typo_distance if len(word) >= 8 else min(1, self.params.max_typo_distance)
        if at_most is not None:
            distance = min(distance, at_most)
        if distance == 0:
            return None
        # Optimal string alignment: two swapped letters ("newtork", "thoams") are one typo, as
        # people make them, not two (Levenshtein left every swap in a word under 8 letters alone).
        vocabulary = lexicon.vocabulary(self.params.min_vocabulary_count)
        found = process.extract(word, vocabulary, scorer=OSA.distance, score_cutoff=distance, limit=20)
        if not found and len(word) >= self.params.min_rare_target_length and word not in lexicon.counts:
            # A name the articles use once ("Bauhaus", "Kissinger") is still what "Bauhuas" meant:
            # one typo away, in a word long enough that a chance neighbour is unlikely.
            found = process.extract(word, lexicon.vocabulary(1), scorer=OSA.distance, score_cutoff=1, limit=20)
        if not found:
            return None
        best = min(score for _, score, _ in found)
        candidates = [choice for choice, score, _ in found if score == best and choice not in STOPWORDS]
        if any(terms(c) == terms(word) for c in candidates):  # "reopen" where the articles say "reopens": present
            return None
        return max(candidates, key=lambda c: lexicon.counts.get(c, 0)) if candidates else None


_BEFORE_WH = frozenset({"", "in", "at", "from", "to", "of", "by", "for", "on", "with", "and", "but", "so"})


def _question_word_typo(word: str, previous: str, english: frozenset[str]) -> str | None:
    """The question word `word` is one typo away from ("wheere", "wich", "waht"), if only one, where
    a question word stands: first, after a preposition, or "many"/"much" after "how". Never an
    English word ("show", "whole", "wheat") or a question word itself."""
    from rapidfuzz.distance import OSA

    if word in QUESTION_WORDS or word in english:
        return None
    allowed = COUNTING if previous == "how" else WH_WORDS if previous in _BEFORE_WH else ()
    close = [w for w in allowed if OSA.distance(word, w, score_cutoff=1) <= 1]
    return close[0] if len(close) == 1 else None


def _expansions(short: str, lexicon: Lexicon) -> tuple[str, ...]:
    found = list(lexicon.abbreviations.get(short, ()))
    for phrase in COMMON_ABBREVIATIONS.get(short, ()):
        if phrase not in found:
            found.append(phrase)
    return tuple(found[:3])




def _names(text: str, lexicon: Lexicon) -> set[str]:
    """Terms the question capitalises (not as its first word), that the articles always
    capitalise, or that are numbers."""
    found: set[str] = set()
    for match in WORD.finditer(text):
        word = match.group()
        if (match.start() > 0 and word[:1].isupper()) or word.lower() in lexicon.proper or word.isdigit():
            found.update(terms(word)[:1])
    return found
