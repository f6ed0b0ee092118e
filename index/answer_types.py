"""What kind of answer a question asks for, and whether a sentence holds one.

Used as a scoring feature, never as a filter: careful patterns for people and organisations
(who), dates (when), numbers and amounts (how many / how much), places (where).
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from newsbot.index.language import MONTH_PATTERN, WEEKDAY_PATTERN
from newsbot.index.lexical import terms


class AnswerType(Enum):
    PERSON = "person"
    DATE = "date"
    NUMBER = "number"
    PLACE = "place"
    ENTITY = "entity"  # "which hospital", "what model": a named thing the question doesn't name
    REASON = "reason"  # "why", "what caused": a cause or a purpose
    OTHER = "other"


_DATE = re.compile(
    rf"\b(?:{MONTH_PATTERN}\.?\s+\d{{1,2}}|\d{{1,2}}\s+{MONTH_PATTERN}|{MONTH_PATTERN}\s+\d{{4}}|(?:1[5-9]|20)\d{{2}}s?|"
    rf"{WEEKDAY_PATTERN}|yesterday|today|tomorrow|last\s+(?:week|month|year)|"
    r"(?:\d+|a|one|two|three)\s+(?:days?|weeks?|months?|years?|centur(?:y|ies))\s+(?:ago|later|earlier|before|after)|"
    r"(?:\d+(?:st|nd|rd|th)|[a-z]+(?:teenth|tieth))\s+century)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?:[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:%|percent|per\s?cent|million|billion|thousand|hundred)?|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b)",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’\-]+(?:\s+(?:[A-Z][\w'’\-]+|de|van|von|bin|al|of|the))*\s+[A-Z][\w'’\-]+")
# A capitalised word or run inside a sentence, or a quoted title: a named thing.
_ENTITY = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’\-]*(?:\s+(?:(?:and|of|the|for|de)\s+)?[A-Z0-9][\w'’\-]*)*|[\"“][^\"”]{2,60}[\"”]")
# A weekday or a month is a date, not a named person or thing.
_CALENDAR = re.compile(rf"^(?:{WEEKDAY_PATTERN}|{MONTH_PATTERN})$", re.IGNORECASE)
_CONNECTORS = frozenset({"and", "of", "the", "for", "de"})
_ACRONYM = re.compile(r"\b[A-Z][A-Z&.]*[A-Z]\b")
_NOT_INITIALS = frozenset({"AM", "PM", "EG", "IE", "AKA", "ETC", "VS"})  # "9 a.m.", "e.g."
_JOINED_INITIALS = re.compile(r"\b[a-z](?:[&.][a-z])+\b|\b[a-z]{1,3}&[a-z]{1,3}\b", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:in|at|from|near|to|across|outside|inside)\s+(?:the\s+)?[A-Z][\w'’\-]+")


# "Which Saturn models were covered when ...": a "which X" asks for a named X, whatever clause follows
_WHICH_X = re.compile(r"^which\s+(?!(?:of|is|was|are|were|do|does|did|has|have|had|will|would|can|could|way|one|ones)\b)[\w\-]+")
_TYPE_PATTERNS = (
    (AnswerType.REASON, re.compile(
        r"\bwhy\b|\bhow\s+come\b|\bfor\s+what\s+(?:reason|purpose)\b|\bwhat\s+(?:was|is|were|are)\s+the\s+(?:cause|reason|motive)s?\b|"
        r"\bwhat\s+(?:caused|causes|led\s+to|leads\s+to|set\s+off|sparked|triggered|prompted|made)\b"
    )),
    (AnswerType.NUMBER, re.compile(r"\bhow\s+(many|much|long|old|far|big|large|tall|often)\b|\bwhat\s+(?:was\s+|is\s+|were\s+)?(?:the\s+)?(?:final\s+)?(percentage|number|amount|proportion|score|total|price|cost)\b")),
    (AnswerType.DATE, re.compile(r"\bwhen\b|\bwhat\s+(year|date|day|month|time|century|decade)\b|\bwhich\s+(year|date|day|month|century)\b")),
    (AnswerType.PLACE, re.compile(
        r"\bwhere\b|\b(?:what|which)\s+(?:\w+\s+)?(country|countries|city|cities|place|town|state|region|location|suburb|district|"
        r"village|county|province|neighbou?rhood|borough|municipality|island|capital|continent|venue|stadium|port)\b"
    )),
    (AnswerType.PERSON, re.compile(
        r"\bwho(m|se)?\b|\bwhat\s+(company|organi[sz]ation|group|team|person|man|woman)\b|\bwhich\s+(?:\w+\s+)?(company|organi[sz]ation|group|team|person|people|"
        r"officials?|players?|firms?|candidates?|leaders?|ceo|president|minister|winners?|members?|actors?|actress|singers?|artists?|authors?|directors?|coach|judge|scientists?)\b"
    )),
    (AnswerType.ENTITY, re.compile(
        r"\b(?:which|what)\s+(?:\w+\s+){0,2}?(?:name[ds]?|called|nickname|title|brand|model|show|film|movie|book|album|song|bank|hospital|ship|"
        r"aircraft|airline|party|award|prize|honou?r|newspaper|channel|network|university|school|club|league|event|product|game)s?\b"
    )),
    (AnswerType.ENTITY, _WHICH_X),
)
# "When the defector phoned, who did he talk to?": the question is the clause after the comma.
_SUBORDINATE = re.compile(r"^(?:when|after|before|while|since|once|if|as|although|though)\b[^,?]{3,160},\s*(?=.*\b(?:who|whom|whose|what|where|which|when|how)\b)")


_SENTENCE_END = re.compile(r"(?:(?<=[a-z]{3}[.!?])|(?<=\d[.!?]))\s+(?=[A-Z\d\"“])")
_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|why|how)\b")


def main_clause(question: str) -> str:
    """What the question asks, without the clauses that only set it in context: "After Paris left
    the ship in 2007, where was she sent?" -> "where was she sent?"; "The plane was built in 1977.
    What model was it?" -> "What model was it?". The question itself when it has no such clause."""
    # A sentence ends after a word of three letters or more, or a number ("in 1977. What"), before
    # a capital: not "Mr. Obama", "U.S. Army", "9 a.m. Monday", "Apple Inc. announced".
    parts = _SENTENCE_END.split(question.strip())
    asking = [p for p in parts if p.rstrip().endswith("?") or _WH.search(p.lower())]
    last = asking[-1] if asking else question.strip()
    clause = _SUBORDINATE.match(last.lower())
    return last[clause.end() :] if clause else last


def question_type(question: str) -> AnswerType:
    """The answer type asked for: the first wh-phrase of the main clause decides ("what tv show
    was he on when he quit" asks for a show, not a date)."""
    q = _SUBORDINATE.sub("", question.strip().lower())
    found: tuple[int, AnswerType] | None = None
    for answer_type, pattern in _TYPE_PATTERNS:
        match = pattern.search(q)
        if match and (found is None or match.start() < found[0]):
            found = (match.start(), answer_type)
    return found[1] if found else AnswerType.OTHER


_AUX = r"(?:did|does|do|was|were|is|are|has|have|had|will|would|could|can)"
_ASKED_NOUN = re.compile(rf"\b(?:which|what)\s+(?!{_AUX}\b|else\b)(?:[a-z\-]+\s+){{0,3}}?([a-z]+)\b(?=\s+{_AUX}\b)")
_NOT_A_NOUN = frozenset({"kind", "type", "sort", "name", "one", "ones", "other", "time", "way", "part", "year", "day", "date"})
_INTRODUCING = frozenset({"of", "called", "named", "the"})
_STOP_CAPITALS = frozenset({"the", "a", "an", "in", "on", "at", "its", "his", "her", "their", "this", "that", "after", "before", "when", "but", "and"})


def asked_noun(question: str) -> str:
    """The noun a "which/what X" question asks for ("which hospital treated" -> "hospital", "what tv
    show was he on" -> "show"), or ""."""
    q = _SUBORDINATE.sub("", question.strip().lower())
    for answer_type, pattern in _TYPE_PATTERNS:
        if answer_type in (AnswerType.PLACE, AnswerType.PERSON, AnswerType.ENTITY) and pattern is not _WHICH_X:
            match = pattern.search(q)
            if match and match.group().startswith(("which", "what")):
                noun = match.group().split()[-1]
                return "" if noun in _NOT_A_NOUN else noun
    match = _ASKED_NOUN.search(q)
    return "" if match is None or match.group(1) in _NOT_A_NOUN else match.group(1)


def names_asked_noun(sentence: str, noun: str, question: str) -> bool:
    """True when `sentence` names a `noun` the question doesn't: the noun next to a capitalised name
    ("Madrid District Hospital", "talk show Morning Joe", "the port of Tanjung Priok")."""
    stem = terms(noun)
    if not stem:
        return False
    asked = frozenset(w.lower() for w in _WORD.findall(question))
    # Words, and the punctuation between them: a name ends at a comma ("taken to hospital, Reuters said").
    tokens = re.findall(r"[\w'’\-]+|[^\w\s]", sentence)

    def named(word: str) -> bool:
        return word[:1].isupper() and word.lower() not in _STOP_CAPITALS

    for i, word in enumerate(tokens):
        if not word.lower().startswith(noun[:3]) or terms(word) != stem:
            continue
        before: list[str] = []
        for w in reversed(tokens[max(0, i - 4) : i]):
            if not named(w):
                break
            before.append(w)
        after: list[str] = []
        j = i + 1
        while j < len(tokens) and tokens[j].lower() in _INTRODUCING and not after:
            j += 1
        while j < len(tokens) and named(tokens[j]) and len(after) < 5:
            after.append(tokens[j])
            j += 1
        if any(w.lower() not in asked for w in before + after):
            return True
    return False


def is_list_question(question: str) -> bool:
    """True when the question asks for several items ("who attended", "which chains", "list")."""
    q = question.strip().lower()
    if re.search(
        r"\b(list|name\s+(all|the)|what\s+are\s+the|who\s+(were|are|attended|participated|took\s+part|joined|met|was\s+among|"
        r"(?:was|were)\s+(?:at|there|present)|showed\s+up|turned\s+up|came\s+to))\b",
        q,
    ):
        return True
    match = re.search(r"\b(which|what)\s+(\w+)", q)
    return bool(match and match.group(2).endswith("s") and match.group(2) not in {"is", "was", "has", "does", "this", "its"})


_YEAR = re.compile(r"^(?:1[5-9]|20)\d\d$")
_MONEY_QUESTION = re.compile(
    r"\bhow\s+much\b.*\b(pay|paid|cost|costs|worth|price|fine[ds]?|spend|spent|salary|budget|fund|funding|debt|compensation|damages|raise[ds]?|sell|sold|earn|earned|owe[ds]?|settle|settlement|award(?:ed)?)\b"
    r"|\bhow\s+much\s+(money|cash)\b",
)
_MONEY = re.compile(r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|thousand|trillion)?\s*(?:dollars?|euros?|pounds?|yen|yuan|rupees?|francs?|USD|EUR|GBP)\b|\b(?:US|A|C|NZ|HK)\$", re.IGNORECASE)


_DURATION_QUESTION = re.compile(r"\bhow\s+long\b")
_DURATION = re.compile(
    r"\b(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|many|half\s+an?)"
    r"[\s-]+(?:(?:and\s+a\s+half|more|full)[\s-]+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)|"
    r"nights?|miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|inch(?:es)?)\b",
    re.IGNORECASE,
)


_AUXILIARIES = ("did", "do", "does", "were", "was", "are", "is", "have", "has", "had", "will", "would", "could", "can", "must", "should", "may", "might", "shall")
# The counted thing ends where the verb or a preposition begins: "how many [courses] must ...".
_HOW_MANY = re.compile(
    r"\bhow\s+many\s+((?:[\w\-'’]+\s+){0,3}?[\w\-'’]+?)"
    rf"(?=\s+(?:{'|'.join(_AUXILIARIES)}|in|of|on|at|for|from|to|that|who|which|"
    r"\w+ed|took|take|won|win|got|get|came|come|went|go|made|make|left|lost|saw|see|live|work|play|remain|die|exist)\b|[?,.!]|$)",
    re.IGNORECASE,
)
_NOT_A_THING = frozenset((*_AUXILIARIES, "of"))  # "how many did ...", "how many of ..." name no thing
_EXACT_COUNT = (
    r"\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|"
    r"(?:twen|thir|for|fif|six|seven|eigh|nine)ty(?:-\w+)?|dozens?|hundreds?|thousands?|millions?|billions?"
)
_COUNT = re.compile(rf"^(?:{_EXACT_COUNT}|several|many|few|all|both|no)$", re.IGNORECASE)
_NUMBER_COUNT = re.compile(rf"^(?:{_EXACT_COUNT})$", re.IGNORECASE)
_WORD = re.compile(r"[\w\-'’%]+")
_NUMBER_UNIT = re.compile(r"^\d[\d,.]*-([a-z]+)(?:-[a-z]+)*$", re.IGNORECASE)


def counted_thing(question: str) -> str:
    """What a "how many" question counts ("How many individual monarch butterflies were counted" ->
    "individual monarch butterflies"), or "" when it asks no count."""
    match = _HOW_MANY.search(re.sub(r"\s*\([^()]*\)", "", question))  # without "US (United States)" spelled out
    if not match:
        return ""
    thing = re.sub(r"^(?:of\s+(?:the|these|those|its|their|his|her)\s+)", "", match.group(1), flags=re.IGNORECASE)
    # "How many did the epidemic kill": the count's object is not named
    return "" if thing.split()[0].lower() in _NOT_A_THING else thing


# "How many people": "a crew of three", "killed 6,000" count people without the word.
ANY_COUNT = frozenset(terms("people persons person individuals times"))
# "How many", "how much": the asking, not what is asked about.
ASKING = frozenset(terms("many much"))


@lru_cache(maxsize=4096)  # asked of every candidate sentence of a question
def counted_head(question: str) -> str:
    """The term a "how many" question counts ("how many pre-orders" -> "pre-ord"), or "" when it
    counts nothing named or anything at all ("how many people")."""
    thing = terms(counted_thing(question))
    return thing[-1] if thing and thing[-1] not in ANY_COUNT else ""


def counts_after_number(sentence: str, exact: bool = False) -> list[str]:
    """The words that follow each number of `sentence` (up to four), lower-cased: what it counts;
    with `exact`, only numbers ("3", "three"), not "several" or "few"."""
    words = _WORD.findall(sentence)
    found: list[str] = []
    count = _NUMBER_COUNT if exact else _COUNT
    for i, word in enumerate(words):
        after = [w.lower() for w in words[i + 1 : i + 5]]
        if count.match(word):
            if after[:2] in (["years", "old"], ["year", "old"]):  # "82 years old" is an age, not years of anything
                continue
            found.extend(after)
        elif (unit := _NUMBER_UNIT.match(word)) and not word.lower().endswith("-old"):
            found.extend([unit.group(1).lower(), *after])  # "a 39-yard field goal" counts yards
    return found


_DISTANCE_QUESTION = re.compile(r"\bhow\s+far\b")
_DISTANCE = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|several|hundreds\s+of|thousands\s+of)"
    r"[\s-]+(?:(?:million|billion|thousand|hundred)[\s-]+)?(?:light[\s-]years?|miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|m|feet|foot|ft|"
    r"yards?|nautical\s+miles?|parsecs?|astronomical\s+units?|au)\b",
    re.IGNORECASE,
)
# "What was the final score": a score ("3-1", "16 to 10"), not any number ("the $50,000 prize").
_SCORE_QUESTION = re.compile(r"\bwhat\s+(?:was|is|were)\s+the\s+(?:final\s+|half[\s-]?time\s+)?score\b|\bby\s+what\s+(?:score|margin)\b")
_SCORE = re.compile(r"(?<![\d\-–—/.])\b\d{1,3}\s*[-–—]\s*\d{1,3}\b(?![-–—/.]\d)|\b\d{1,3}\s+to\s+\d{1,3}\b|\b\d+\s+(?:points?|goals?|runs?|votes?|seats?)\b", re.IGNORECASE)
_AGE_QUESTION = re.compile(r"\bhow\s+old\b|\bwhat\s+age\b|\bat\s+what\s+age\b")
_AGE = re.compile(
    r"\baged?\s+\d+|\b\d+[\s-]+years?[\s-]+old\b|\b\d+[\s-]+year[\s-]+old\b|\bat\s+the\s+age\s+of\s+\d+|,\s*\d{1,3}\s*,|\(\d{1,3}\)",
    re.IGNORECASE,
)

# Numbers of a kind, in the order tried: a score for "what was the score", money for "how much ... pay", a duration for "how long", a
# distance for "how far" (not "33 Earth days"), an age for "how old" ("aged 82", "82-year-old").
_NUMBER_KINDS = ((_SCORE_QUESTION, _SCORE), (_MONEY_QUESTION, _MONEY), (_DURATION_QUESTION, _DURATION), (_DISTANCE_QUESTION, _DISTANCE), (_AGE_QUESTION, _AGE))


# A cause or a purpose stated in a sentence ("because", "due to", "in order to", "to reduce the risk").
_REASON = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|thanks\s+to|as\s+a\s+result|result(?:ed|s|ing)?\s+(?:of|from)|caused\s+by|cause[ds]?|causing|"
    r"blam(?:ed|es|ing)|attribut(?:ed|es)\s+to|in\s+order\s+to|so\s+(?:that|as\s+to)|reasons?|motiv(?:e|ated|ation)|purpose|"
    r"trigger(?:ed|s)?|spark(?:ed|s)?|prompt(?:ed|s)?|led\s+to|amid|over\s+(?:concerns?|fears?)|"
    r"to\s+(?:reduce|prevent|avoid|protect|stop|help|allow|ensure|limit|lower|cut|save|keep|meet|comply|lessen|curb|ease|boost|raise|fund|pay))\b",
    re.IGNORECASE,
)


def has_type(sentence: str, wanted: AnswerType, question: str) -> bool:
    """True when `sentence` holds something of the wanted type that the question doesn't already name.

    Numbers: a year is not a count, and "how much" about money wants an amount of money."""
    if wanted is AnswerType.OTHER:
        return False
    asked = question.lower()
    if wanted is AnswerType.NUMBER:
        for asks, answers in _NUMBER_KINDS:  # the first kind the question asks for decides
            if asks.search(asked):
                return any(m.group().lower() not in asked for m in answers.finditer(sentence))
        if head := counted_head(asked):  # "how many pre-orders": a number of pre-orders
            return head in terms(" ".join(counts_after_number(sentence, exact=True)))
    pattern = {
        AnswerType.REASON: _REASON,
        AnswerType.DATE: _DATE,
        AnswerType.NUMBER: _NUMBER,
        AnswerType.PERSON: _NAME,
        AnswerType.PLACE: _PLACE,
        AnswerType.ENTITY: _ENTITY,
    }[wanted]
    asked_words = frozenset(_WORD.findall(asked)) if wanted is AnswerType.PERSON else frozenset()
    # "Pacific Gas and Electric" is the "PG&E" the question names
    shouted = question.isupper()  # "WHO LED IT" names no acronym
    acronyms: set[str] = set()
    if wanted in (AnswerType.PERSON, AnswerType.ENTITY):
        typed = [] if shouted else _ACRONYM.findall(question) + _JOINED_INITIALS.findall(question)  # "PG&E", "pg&e"
        acronyms = {re.sub(r"[&.]", "", a).upper() for a in typed} - _NOT_INITIALS
    for match in pattern.finditer(sentence):
        found = match.group().lower()
        if wanted is AnswerType.NUMBER and _YEAR.match(found.strip(" .,;")):
            continue
        if wanted in (AnswerType.PERSON, AnswerType.ENTITY):
            if _CALENDAR.match(found):
                continue
            if acronyms and "".join(w[0] for w in match.group().split() if w not in _CONNECTORS).upper() in acronyms:
                continue
        # "Chrysler Chief Executive Robert Nardelli" is the person "who replaced Robert Nardelli" names;
        # "Raul Castro" is not the "Fidel Castro" of "who succeeded Fidel Castro"
        if asked_words:
            parts = [re.sub(r"['’]s?$", "", w) for w in found.split()]
            if parts[-1] in asked_words and (len(parts) < 2 or parts[-2] in asked_words):
                continue
        if found not in asked and not all(part in asked for part in found.split()):
            return True
    return False
