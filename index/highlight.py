"""Answer spans: where in a cited sentence the words are that answer the question, for bold.

`answer_types` says *whether* a sentence holds the kind of answer asked for; this module says
*where*: the names for "who", the numbers (and durations, for "how long") for "how many", the
dates for "when", the places for "where", each as a character span of the sentence, leaving out
what the question already says. Careful patterns, no tagger: a span is only ever emphasis on
verbatim text, so a miss costs a little help and a wrong span costs a little noise, never a
wrong answer. On SQuAD dev (`bench/highlights.py`, the gold answer's sentence as the cited one)
the answer is bold for 74% of "when", 85% of "how many", 65% of "who" and 51% of "where"
questions; 70%, 58%, 45% and 51% of the bold spans are (part of) the answer. "Which X" questions
about other named things get no spans: bolding every name there was right for 27% of spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from newsbot.index.answer_types import AnswerType, question_type
from newsbot.index.language import MONTHS, WEEKDAYS
from newsbot.index.types import Answer, CitedSentence

Span = tuple[int, int]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+(?:[-'’][^\W_]+)*\.?", re.UNICODE)
_ABBREVIATION = re.compile(r"(?:[^\W\d_]\.){2,}")  # U.S., U.K.: a qualifier, not a name
_POSSESSIVE = re.compile(r"['’]s?$")
# Lowercase words that may sit inside a name ("Bank of England", "Ludwig van Beethoven").
_CONNECTORS = _word_set("of de van von der den bin al la le du da del di")
# Capitalized only because they start a sentence or a clause; never part of a name.
_FUNCTION_WORDS = _word_set(
    """a about after against along also although among an and another any as at before but by
    despite during each either even for from he her here his however i if in into it its last
    many meanwhile more most my neither next no nor not now of on once one only or our over
    several she since so some such than that the their then there these they this those though
    through to under unlike until we what when where whether which while who why with yet you"""
)
_MONTHS = frozenset(MONTHS)  # names and abbreviations, lower case
_WEEKDAYS = frozenset(WEEKDAYS)
# A capitalized run ending in one of these is an adjective ("North Korean officials"), not a name.
_DEMONYMS = _word_set(
    """african american arab argentine asian australian austrian belgian brazilian british
    canadian chinese colombian cuban czech danish dutch egyptian english european filipino
    finnish french german greek indian indonesian iranian iraqi irish israeli italian japanese
    korean malaysian mexican nigerian norwegian pakistani palestinian polish portuguese russian
    saudi scottish spanish swedish swiss syrian taiwanese thai turkish ukrainian vietnamese
    welsh western eastern northern southern"""
)
# After a sentence's first word, what makes it a name: "Sigal, director of…", "Sigal told reporters…".
_SAYS = re.compile(
    r",|\s(?:also\s)?(?:said|says|told|tells|added|adds|wrote|writes|argued|argues|explained|noted|stated|warned|"
    r"announced|asked|replied|insisted|claimed|confirmed|denied)\b"
)
# Before a place: "in Malaysia", "fled to Khanbaliq", "on Mount Wilson" (with "to" and "on", 8 points more
# SQuAD dev "where" answers in bold, the same share of bold spans right). A name after the first
# few is a place or an institution, not a person ("deputy ambassador to the United Nations").
_PLACE_PREPOSITIONS = _word_set("in at near from across outside inside into throughout around to on towards toward via within off along through")
_NOT_A_PERSON_AFTER = _word_set("in at near from across outside inside into throughout around")

_SMALL_NUMBERS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
)
_NUMBER_WORD = rf"(?:{'|'.join(_SMALL_NUMBERS.split())})(?:-(?:one|two|three|four|five|six|seven|eight|nine))?"
_MAGNITUDE = r"(?:hundred|thousand|million|billion|trillion|dozen)s?"
_CURRENCY_WORDS = r"(?:pounds?|dollars?|euros?|yen|yuan|rupees?|won|francs?)"
_NUMBER = re.compile(
    rf"[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:{_MAGNITUDE}|bn|m)\b)?"
    rf"|\b\d[\d,]*(?:\.\d+)?(?:\s?(?:%|per\s?cent\b|percent\b))?(?:\s{_MAGNITUDE}\b)?(?:\s{_CURRENCY_WORDS}\b)?"
    rf"|\b(?:a\s)?(?:{_NUMBER_WORD}\s)?(?:{_NUMBER_WORD}|{_MAGNITUDE})\b(?![-‐])(?:\s{_MAGNITUDE}\b)?(?:\s{_CURRENCY_WORDS}\b)?",
    re.IGNORECASE,
)
_UNIT = r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|centur(?:y|ies))"
_DURATION = re.compile(
    rf"\b(?:(?:\d+(?:\.\d+)?|{_NUMBER_WORD}|a|an|several|a\sfew|many)[\s‐-]{_UNIT}(?:[\s‐-]long)?"
    rf"|(?:for|over)\s(?:{_UNIT}|decades|ages)|overnight)\b",
    re.IGNORECASE,
)
_LENGTH_UNIT = re.compile(r"[\s-]?(?:km|kilomet(?:re|er)s?|met(?:re|er)s?|m|miles?|feet|foot|ft|yards?|inch(?:es)?|cm|centimet(?:re|er)s?)\b", re.IGNORECASE)
_AUXILIARIES = _word_set("am is are was were be been do does did have has had will would can could shall should may might must")
_YEAR = re.compile(r"(?:1[5-9]|20)\d{2}")
_MONTH_NAME = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_MONTH_NAME}\.?\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s(?:1[5-9]|20)\d{{2}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTH_NAME}(?:,?\s(?:1[5-9]|20)\d{{2}})?"
    rf"|(?:(?:early|mid|late)[\s-])?{_MONTH_NAME}(?:\s(?:1[5-9]|20)\d{{2}})?(?=\W|$)"
    r"|(?:(?:early|mid|late)[\s-])?(?:1[5-9]|20)\d{2}s?"
    r"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day(?:\s(?:morning|afternoon|evening|night))?"
    r"|yesterday|today|tonight|tomorrow"
    r"|(?:this|next|last|that|earlier\sthis|later\sthis)\s(?:week(?:end)?|month|year|spring|summer|autumn|fall|winter|morning|afternoon|evening)"
    r"|(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|a\sfew)\s(?:days?|weeks?|months?|years?|decades?|centur(?:y|ies))\s(?:ago|later|earlier)"
    r"|(?:\d+(?:st|nd|rd|th)|[a-z]+(?:teenth|tieth))\scentury)\b",
    re.IGNORECASE,
)
# Spans of one kind separated only by these are one answer ("Friday, March 4", "Kuala Lumpur, Malaysia").
_DATE_GAP = re.compile(r",?\s|\s(?:and|or|to)\s|\s?[–-]\s?")  # "Friday and Saturday", "1961 to 1972"
_PLACE_GAP = re.compile(r",\s|\s(?:and|or)\s")  # "Geneva, Switzerland"; "from Karakorum to Khanbaliq" stays two


def answer_spans(question: str, sentence: str) -> tuple[Span, ...]:
    """Character spans of `sentence` that answer `question`, in order, not overlapping."""
    wanted = question_type(question)
    asked = _asked_words(question)
    if wanted is AnswerType.PERSON:
        institution = re.search(r"\b(?:company|compan|organi[sz]ation|group|team|firm|party|club|band)", question, re.IGNORECASE)
        spans = _person_spans(sentence, asked, institutions=bool(institution))
    elif wanted is AnswerType.PLACE:
        places = list(_place_spans(sentence, asked))
        if not places and re.search(r"\b(?:which|what)\s+(?:country|city|town|state|region|nation)", question, re.IGNORECASE):
            places = _person_spans(sentence, asked, institutions=True)  # "Which country…?" "The Netherlands…"
        spans = _merged(sentence, places, _PLACE_GAP)
    elif wanted is AnswerType.DATE:
        spans = _merged(sentence, _new(sentence, _matches(_DATE, sentence), asked), _DATE_GAP)
    elif wanted is AnswerType.NUMBER:
        spans = _merged(sentence, _new(sentence, _amount_spans(question, sentence), asked))
    else:
        return ()
    return tuple(spans)


def add_highlights(answer: Answer) -> Answer:
    """The answer with each cited sentence's answer spans filled in (`CitedSentence.highlights`)."""
    if not answer.sentences:
        return answer
    sentences = tuple(_highlighted(answer.question, sentence) for sentence in answer.sentences)
    return replace(answer, sentences=sentences)


def _highlighted(question: str, sentence: CitedSentence) -> CitedSentence:
    return replace(sentence, highlights=answer_spans(question, sentence.text))


# -- kinds of answer -------------------------------------------------------------------------


def _person_spans(sentence: str, asked: set[str], institutions: bool) -> list[Span]:
    """Names of people (and, with `institutions`, of "the" companies and groups): capitalized
    runs that are not places, adjectives or what the question names."""
    names: list[Span] = []
    for start, end in _capitalized_runs(sentence):
        words = _words_of(sentence[start:end])
        before = _word_before(sentence, start, keep_case=True)  # "The Ashby Singers won…" is a name
        if before in _NOT_A_PERSON_AFTER or (before == "the" and not institutions) or words[-1] in _DEMONYMS:
            continue
        if any(word in _MONTHS or word in _WEEKDAYS for word in words):
            continue
        if any(word in asked for word in words if word not in _CONNECTORS):
            continue  # the person or place the question is about is not its answer
        if len(words) == 1 and not sentence[:start].strip(" “\"'‘(") and not _SAYS.match(sentence, end):
            continue  # "Trade ministers attended…": capitalized for starting the sentence; "Sigal told…" is a name
        names.append((start, end))
    # A lone capitalized word ("Sigal", "Pyongyang") is a name only where no full name is cited.
    full = [span for span in names if len(_words_of(sentence[span[0] : span[1]])) > 1]
    return full or names


def _place_spans(sentence: str, asked: set[str]) -> Iterator[Span]:
    """Capitalized runs right after "in", "at", "near", "from"… (an optional "the" between)."""
    last_end = -1
    for start, end in _capitalized_runs(sentence):
        continues = last_end >= 0 and sentence[last_end:start] == ", "  # "in Geneva, Switzerland"
        if not continues and _word_before(sentence, start, past_the=True) not in _PLACE_PREPOSITIONS:
            continue
        words = _words_of(sentence[start:end])
        if words[0] in _MONTHS or words[0] in _WEEKDAYS or words[-1] in _DEMONYMS:
            continue
        last_end = end
        if all(word in asked or word in _CONNECTORS for word in words):
            continue
        yield start, end


def _amount_spans(question: str, sentence: str) -> list[Span]:
    """For "how long": durations and lengths; for "how many X": the numbers followed by most of
    X, or every number where the sentence doesn't name X."""
    if re.search(r"\bhow\s+long\b", question, re.IGNORECASE):
        lengths = [(start, end) for start, end in _number_spans(sentence) if _LENGTH_UNIT.match(sentence, end)]
        found = [*_matches(_DURATION, sentence), *lengths]
        return found or _merged(sentence, _matches(_DATE, sentence), _DATE_GAP)  # "from 1961 to 1972"
    numbers = list(_number_spans(sentence))
    counted = _counted_words(question)
    if not counted or not any(word[:5] in counted for word in _words_of(sentence)):
        return numbers  # the sentence doesn't name what is counted ("The storm killed 12.")
    # "five North Korean officials" over "four U.S. former officials": the most words of what is counted.
    overlap = [len(counted & {word[:5] for word in _words_of(sentence[end : end + 60])[:4]}) for _, end in numbers]
    best = max(overlap, default=0)
    return [span for span, shared in zip(numbers, overlap, strict=True) if shared and shared == best]


def _counted_words(question: str) -> set[str]:
    """The stems (first five letters) of what "how many …" counts: "how many officials met?" → {"offic"}."""
    match = re.search(r"\bhow\s+(?:many|much)\s+((?:[^\W\d_][\w'’.-]*\s*){1,4})", question, re.IGNORECASE)
    if not match:
        return set()
    words = []
    for word in _words_of(match.group(1)):
        if word in _AUXILIARIES:
            break
        words.append(word[:5])
    return set(words)


def _number_spans(sentence: str) -> Iterator[Span]:
    """Amounts, counts and percentages; not years ("in 1994"), not "one of"."""
    for start, end in _matches(_NUMBER, sentence):
        text = sentence[start:end]
        if _YEAR.fullmatch(text) and (_word_before(sentence, start) in {"in", "since", "until", "by", "of", "before", "after"}
                                      or _word_before(sentence, start) in _MONTHS):
            continue
        if text.lower() == "one" and (sentence[end:].startswith(" of") or _word_before(sentence, start) in {"no", "any", "every", "the"}):
            continue
        yield start, end


# -- helpers ---------------------------------------------------------------------------------


def _capitalized_runs(sentence: str) -> Iterator[Span]:
    """Maximal runs of capitalized words (connectors such as "of" allowed inside), possessives off."""
    run: list[tuple[int, int, str]] = []  # (start, end, word) of the current run

    def finish() -> Iterator[Span]:
        while run and run[-1][2].lower() in _CONNECTORS:
            run.pop()
        if run:
            start, end = run[0][0], run[-1][1]
            trimmed = _POSSESSIVE.search(sentence, start, end)
            if trimmed and sentence[trimmed.start() - 1 : trimmed.start()] not in {"", " "}:
                end = trimmed.start()
            yield start, end
        run.clear()

    for match in _WORD.finditer(sentence):
        word = match.group()
        start, end = match.span()
        if word.endswith(".") and not _ABBREVIATION.fullmatch(word) and len(word) > 2:
            end -= 1  # a sentence's full stop, not part of the word
            word = word[:-1]
        gap = sentence[run[-1][1] : start] if run else ""
        capitalized = word[0].isupper() and not _ABBREVIATION.fullmatch(word) and word.lower() not in _FUNCTION_WORDS
        connector = bool(run) and word.lower() in _CONNECTORS and gap == " "
        if run and gap != " " and not connector:
            yield from finish()
        if (capitalized and (not run or gap == " ")) or connector:
            run.append((start, end, word))
        else:
            yield from finish()
    yield from finish()


def _matches(pattern: re.Pattern[str], sentence: str) -> Iterator[Span]:
    for match in pattern.finditer(sentence):
        if match.end() > match.start():
            yield match.span()


def _new(sentence: str, spans: Iterable[Span], asked: set[str]) -> list[Span]:
    """The spans with a word the question doesn't have (a date the question names is no answer)."""
    return [(start, end) for start, end in spans if not set(_words_of(sentence[start:end])) <= asked]


def _merged(sentence: str, spans: Iterable[Span], gap: re.Pattern[str] | None = None) -> list[Span]:
    """Sorted, overlaps united; with `gap`, neighbours separated only by a match of it too."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged:
            last_start, last_end = merged[-1]
            if start <= last_end or (gap and gap.fullmatch(sentence[last_end:start])):
                merged[-1] = (last_start, max(last_end, end))
                continue
        merged.append((start, end))
    return merged


def _asked_words(question: str) -> set[str]:
    return set(_words_of(question))


def _words_of(text: str) -> list[str]:
    found: list[str] = []
    for match in _WORD.finditer(text.lower()):
        word = _POSSESSIVE.sub("", match.group().rstrip(".")) or match.group()
        found.append(word.replace("’", "'"))
    return found or [text.lower()]


def _word_before(sentence: str, position: int, past_the: bool = False, keep_case: bool = False) -> str:
    """The lowercased word just before `position` ("" at the start or after punctuation);
    with `past_the`, the word before a "the" there."""
    pattern = r"([^\W_]+)\s+(?:the\s+)?$" if past_the else r"([^\W_]+)\s+$"
    match = re.search(pattern, sentence[:position], re.IGNORECASE)
    if not match:
        return ""
    return match.group(1) if keep_case else match.group(1).lower()
