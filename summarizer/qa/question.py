"""What a question asks for, and which of its words matter.

``analyse`` reads a question without any model: its kind (who → a person or organisation,
where → a place, when → a date, how much/many → a number, why → a cause, else a clause), its
terms with a prior weight (names and numbers weigh most, words that only frame the question
least) and its names. ``resolve`` turns a follow-up ("and what about Raimondo?", "what did she
say?") into a question that stands on its own, from the thread's earlier turns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from summarizer.answer import Turn
from summarizer.text import (
    MONTHS,
    PAST_FORMS,
    STOPWORDS,
    WEEKDAYS,
    is_content,
    squash,
    stem,
    words,
)

# "which" asks for a named thing ("Which club …?"), answered like "who" by a name.
Kind = Literal["who", "which", "where", "when", "number", "why", "how", "what", "yesno"]

MAX_QUESTION_CHARS = 600  # a question longer than this is cut; only its start is read
MAX_TERMS = 24

NAME_WEIGHT = 1.6
NUMBER_WEIGHT = 1.6
WORD_WEIGHT = 1.0
FRAME_WEIGHT = 0.35

# Chat markup that is not part of the question: user/channel mentions, broadcast pings, links.
_MARKUP = re.compile(r"<[@#!][^>]*>|@(?:here|everyone|channel)\b|<https?://[^>]*>", re.IGNORECASE)
_LEAD = re.compile(r"^(?:(?:and|but|so|ok|okay|also|then|well|hey|hi|please|briefbot)\b[\s,:]*)+", re.I)
_ELLIPSIS = re.compile(
    r"^(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*\??$|^and\s+(?P<y>[^?]{1,60}?)\s*\?$", re.I
)
# A capitalised word ("iPhone" and "eBay" too); a possessive ends a name ("Google's AutoLink" is two).
_CAP_WORD = (
    r"(?:[A-Z](?:\.[A-Z])+\.?|(?:[A-Z]|[a-z]{1,2}[A-Z])[\w\-]*(?:['’](?!s\b)\w+)*"
    r"(?:['’]s\b(?!\s+[A-Z]))?)"
)
_NAME_LINK = r"(?:of|for|de|da|van|von|al|bin|of the)"
_NAME_RUN = re.compile(rf"{_CAP_WORD}(?:\s+(?:{_NAME_LINK}\s+)?{_CAP_WORD})*(?:\s\d{{1,2}}\b(?![.,:]\d))?")
_NUMBER = re.compile(r"\d")

_PERSON_NOUNS = frozenset(
    (
        "person people man men woman women official officials minister ministers secretary "
        "president leader leaders chairman chairwoman chair chief head boss spokesman spokeswoman "
        "spokesperson company companies firm firms organisation organization group team club "
        "party player players coach manager director executive ceo founder owner judge lawyer "
        "prosecutor attorney officer officers agency body country countries nation side band "
        "singer actor actress author writer star champion winner candidate mp mps"
    ).split()
)
_PLACE_NOUNS = frozenset(
    "country city town village place region state province venue county capital area island "
    "continent location stadium site".split()
)
_TIME_NOUNS = frozenset("time date day year month week season decade century hour".split())
_NUMBER_NOUNS = frozenset(
    "percentage percent proportion share price cost amount number figure total sum fee salary "
    "fine score rate value size age budget turnout majority margin population attendance "
    "temperature distance height weight capacity revenue revenues profit profits income loss "
    "losses debt deficit growth inflation unemployment bill bail ransom tally toll sentence".split()
)
_AUX = frozenset(
    "is are was were do does did will would can could has have had should shall may might must".split()
)
_MALE = frozenset(("he", "him", "his", "himself"))
_FEMALE = frozenset(("she", "her", "hers", "herself"))
_PLURAL = frozenset(("they", "them", "their", "theirs"))
_THING = frozenset(("it", "its"))
_POSSESSIVE = frozenset(("his", "their", "its", "hers", "theirs"))
_DETERMINERS = frozenset(("the", "a", "an", "its", "his", "her", "their", "this", "that", "these", "those"))
_PRONOUNS = _MALE | _FEMALE | _PLURAL | _THING
_QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())
_CALENDAR = MONTHS | WEEKDAYS
_TITLES = frozenset(
    "mr mrs ms miss dr prof professor sir dame lord lady rev father sister brother mayor governor "
    "senator councillor captain general colonel sergeant prime foreign home deputy former "
    "chancellor commerce treasury defence defense interior justice health education".split()
)
# Words in the names of bodies and places rather than people.
_BODY_WORDS = frozenset(
    (
        "council party government ministry department university club united city county association "
        "committee court police school college hospital agency authority office group company house "
        "street road state national international federal royal bank union league conference "
        "commission parliament assembly senate congress board trust fund service services airport "
        "station port river lake mountain island north south east west new"
    ).split()
)
# Words that frame a question rather than name its subject ("What does the name X mean?").
FRAME_WORDS = frozenset(
    (
        "name named mean means meaning meant happen happened happens happening reason reasons "
        "kind type sort thing things exactly actually really according expected know known "
        "describe described call called think thought plan planned much many long far old often "
        "big large amount number time times year years day days date moment place take took "
        "taken taking part new want wants wanted need needs needed try tried"
    ).split()
)

_NOT_NAMES = STOPWORDS | _AUX | _QUESTION_WORDS | _CALENDAR


@dataclass(frozen=True, slots=True)
class Term:
    stem: str
    word: str  # the first surface form seen in the question
    weight: float  # prior importance before any corpus statistics
    key: bool  # a name or number: the answer's article must contain it


@dataclass(frozen=True, slots=True)
class Question:
    text: str  # cleaned (markup removed, cut to MAX_QUESTION_CHARS)
    kind: Kind
    terms: tuple[Term, ...]
    names: tuple[str, ...]  # capitalised names in the question ("Gina Raimondo", "UKIP")
    past: bool = False  # asks what happened ("did", "was", a past-tense verb), not what will
    verb: str | None = None  # stem of the action asked about ("leave" in "When did X leave Y?")
    # For a number: what it measures ("money", "percent", "duration", "distance", "age") or the
    # stem of what it counts ("woman" in "How many women …?"), when the question says.
    measure: str | None = None

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(t.stem for t in self.terms)

    @property
    def search_words(self) -> tuple[str, ...]:
        """Words to look the question up by, most important first."""
        ranked = sorted(self.terms, key=lambda t: -t.weight)
        return tuple(t.word for t in ranked if t.weight > FRAME_WEIGHT)


def clean(question: str) -> str:
    """The question without chat markup, leading filler or excess length."""
    text = _MARKUP.sub(" ", question[: MAX_QUESTION_CHARS * 4])
    text = squash(text)[:MAX_QUESTION_CHARS]
    return _LEAD.sub("", text).strip()


def analyse(question: str) -> Question:
    text = clean(question)
    tokens = words(text)
    lowered = [t.casefold() for t in tokens]
    names = tuple(names_in(text, question=True))
    name_stems = {stem(w) for n in names for w in words(n)}
    terms: dict[str, Term] = {}
    for word, low in zip(tokens, lowered, strict=True):
        if not is_content(word) or low in _QUESTION_WORDS:
            continue
        s = stem(word)
        if s in terms:
            continue
        if _NUMBER.search(word):
            weight, key = NUMBER_WEIGHT, True
        elif low in _CALENDAR:
            weight, key = WORD_WEIGHT, False
        elif s in name_stems:
            weight, key = NAME_WEIGHT, True
        elif low in FRAME_WORDS:
            weight, key = FRAME_WEIGHT, False
        else:
            weight, key = WORD_WEIGHT, False
        terms[s] = Term(s, word, weight, key)
        if len(terms) >= MAX_TERMS:
            break
    verb = _main_verb(tokens, lowered, name_stems)
    kind = _kind(lowered)
    measure = _measure(lowered) if kind == "number" else None
    return Question(text, kind, tuple(terms.values()), names, _asks_past(lowered), verb, measure)


_MONEY_WORDS = frozenset(
    "cost costs costing pay paid pays spend spent worth price prices priced sell sold buy bought raise "
    "raised fine fined charge charged invest invested earn earned earns owe owed offer offered bid "
    "value valued fee fees salary budget revenue revenues profit profits loss losses debt bill "
    "bail ransom damages compensation funding fund loan".split()
)
_PERCENT_WORDS = frozenset("percentage percent proportion share rate".split())
_MEASURES = {"long": "duration", "far": "distance", "old": "age", "high": "distance", "tall": "distance"}


def _measure(lowered: Sequence[str]) -> str | None:
    """What a "how much / how many / what share" question measures, read off its words."""
    if any(w in _PERCENT_WORDS for w in lowered):
        return "percent"
    for i, w in enumerate(lowered[:-1]):
        if w != "how":
            continue
        nxt = lowered[i + 1]
        if nxt in _MEASURES:
            return _MEASURES[nxt]
        if nxt == "many" and i + 2 < len(lowered) and lowered[i + 2] not in _AUX:
            return stem(lowered[i + 2])  # the thing counted
        if nxt == "much":
            break
    return "money" if any(w in _MONEY_WORDS for w in lowered) else None


def _main_verb(tokens: Sequence[str], lowered: Sequence[str], name_stems: set[str]) -> str | None:
    """The action a question asks about, found by position, without a tagger: the word after
    "who" ("Who won …") or after "which films" ("Which films hurt …"), or the first ordinary
    word after the auxiliary and its subject ("When did Jose Mourinho leave Chelsea?")."""
    start = next((i for i, w in enumerate(lowered) if w in _QUESTION_WORDS), None)
    if start is None:
        return None
    i = start + 1
    if (
        i < len(lowered)
        and lowered[start] == "how"
        and lowered[i] in ("many", "much", "long", "old", "far", "big", "often")
    ):
        i += 1
    if i < len(lowered) and lowered[start] in ("which", "what", "how") and lowered[i] not in _AUX:
        i += 1  # "Which films hurt …", "How many hunts met …": past the noun asked about
    if i >= len(lowered):
        return None
    if lowered[i] not in _AUX:
        word = lowered[i]
        return None if word in STOPWORDS or not word.isalpha() else _verb_stem(word)
    if lowered[i] in ("is", "are", "was", "were") and lowered[start] in ("who", "what", "which"):
        return None  # "Who is the chairman …?" asks for a name, not an action
    for j in range(i + 1, len(lowered)):
        word = lowered[j]
        if word in STOPWORDS or word in _AUX or tokens[j][:1].isupper() or not word.isalpha():
            continue
        if stem(tokens[j]) in name_stems:
            continue
        before = lowered[j - 1]
        if j + 1 < len(lowered) and (before in _DETERMINERS or before.endswith(("'s", "’s"))):
            continue  # "did the council …", "did Nestle's sales …": a noun; the verb comes later
        return _verb_stem(word)
    return None


def _verb_stem(word: str) -> str | None:
    return None if word in FRAME_WORDS or word in _AUX else stem(word)


def _asks_past(lowered: Sequence[str]) -> bool:
    if any(
        w in ("will", "would", "could", "might", "may", "expected", "plan", "plans", "going") for w in lowered
    ):
        return False
    return any(w in ("did", "was", "were", "had") for w in lowered) or any(
        (w.endswith("ed") and len(w) > 4) or w in PAST_FORMS for w in lowered[1:4]
    )


def _kind(lowered: Sequence[str]) -> Kind:
    if not lowered:
        return "what"
    # The question word may come late: "Blinken met whom?", "The bill costs how much?"
    first = next((i for i, w in enumerate(lowered) if w in _QUESTION_WORDS), None)
    if first is None:
        return "yesno" if lowered[0] in _AUX else "what"
    word = lowered[first]
    after = lowered[first + 1 : first + 4]
    nxt = after[0] if after else ""
    if word in ("who", "whom", "whose"):
        return "who"
    if word == "where":
        return "where"
    if word == "when":
        return "when"
    if word == "why":
        return "why"
    if word == "how":
        if nxt in ("many", "much", "old", "far", "big", "large", "tall", "high", "often", "fast"):
            return "number"
        if nxt == "long":
            return "when" if "ago" in lowered else "number"
        if nxt == "come":
            return "why"
        return "how"
    # what / which + the noun phrase asked about, perhaps after "was the", "other", an adjective…;
    # its head is its last word ("What annual profit did …", "What interest rate does …").
    phrase = _noun_phrase(lowered[first + 1 : first + 7])
    noun = phrase[0] if phrase else ""
    for head in reversed(phrase):
        if head in _PLACE_NOUNS:
            return "where"
        if head in _TIME_NOUNS:
            return "when"
        if head in _NUMBER_NOUNS:
            return "number"
        if head in ("reason", "reasons", "cause", "caused", "prompted", "led"):
            return "why"
    if any(w in _PERSON_NOUNS for w in (*after, *phrase)):
        return "who"
    return "which" if word == "which" and noun else "what"


def _noun_phrase(after: Sequence[str]) -> list[str]:
    """The words of the noun phrase that follows "what"/"which": past a leading auxiliary and
    determiners, up to the next auxiliary or function word (at most three)."""
    i = 0
    while i < len(after) and (after[i] in _AUX or after[i] in STOPWORDS):
        i += 1
    phrase: list[str] = []
    for w in after[i:]:
        if w in _AUX or w in STOPWORDS or len(phrase) == 3:
            break
        phrase.append(w)
    return phrase


def names_in(text: str, question: bool = False) -> list[str]:
    """Capitalised word runs that look like names ("Mara Lindqvist", "NATO", "Bank of Lakeport")."""
    return [name for _, _, name in name_spans(text, question)]


def name_spans(text: str, question: bool = False) -> list[tuple[int, int, str]]:
    """Names with their character spans. At a sentence start a capital proves nothing: a
    leading function word is dropped ("The Countryside Alliance"), and a lone word is no name
    unless it is an acronym."""
    found: list[tuple[int, int, str]] = []
    for m in _NAME_RUN.finditer(text):
        parts = m.group(0).split()
        before = text[: m.start()].rstrip(" \"'“‘([")
        at_start = not before or before[-1] in ".!?:;"
        while parts and parts[0].casefold() in _NOT_NAMES:
            parts.pop(0)
            at_start = False
        if len(parts) > 1 and parts[-1].isdigit() and parts[-2].casefold().rstrip(".") in _CALENDAR:
            parts.pop()  # "June 16" is a date; "PlayStation 4" is a name
        while parts and parts[-1].casefold().rstrip(".") in _CALENDAR:  # "London June 16"
            parts.pop()
        if not parts:
            continue
        if at_start and len(parts) == 1 and not parts[0].isupper():
            continue
        if question and len(parts) == 1 and parts[0].casefold() in _QUESTION_WORDS | _AUX:
            continue
        phrase = re.sub(r"['’]s?$", "", " ".join(parts))
        if phrase:
            start = m.start() + m.group(0).find(parts[0])
            found.append((start, start + len(phrase), phrase))
    return found


def resolve(question: str, history: Sequence[Turn], subject: str | None = None) -> str:
    """A follow-up made self-contained from the previous turn (or the thread's ``subject``, e.g.
    the main person of the article): "and what about Raimondo?" after "Is Yellen going to
    China?" becomes "Is Raimondo going to China?"; "what did she say?" names whom she is."""
    text = clean(question)
    previous = next((t for t in reversed(history) if t.question.strip()), None)
    m = _ELLIPSIS.match(text)
    if m and previous is not None:
        new = (m.group("x") or m.group("y") or "").strip()
        before = clean(previous.question)
        old = names_in(before, question=True)
        if old and new:
            return before.replace(old[0], new, 1)
        return f"{before.rstrip('?')} {new}?".strip()
    tokens = text.split()
    pronouns = [i for i, t in enumerate(tokens) if t.casefold().strip("?,.!") in _PRONOUNS]
    if not pronouns:
        return text
    i = pronouns[0]  # the first pronoun names the subject; later ones usually agree
    raw = tokens[i]
    word = raw.casefold().strip("?,.!")
    possessive = word in _POSSESSIVE or (word == "her" and _followed_by_noun(tokens, i))
    if possessive and names_in(" ".join(tokens[:i]), question=True):
        return text  # "Where will Veltra build its factory?": its = the question's own name
    # "he"/"she" may mean the thread's main person; "it"/"they" only something said before.
    person = word in _MALE | _FEMALE
    referent = _referent(previous, subject if person else None, person)
    if referent is None:
        return text
    tail = raw[len(raw.rstrip("?,.!")) :]
    tokens[i] = (f"{referent}'s" if possessive else referent) + tail
    return " ".join(tokens)


def _referent(previous: Turn | None, subject: str | None, person: bool) -> str | None:
    """Whom a pronoun means: a name from the previous question, else from its answer. For
    "he"/"she" a person's name ("Sophie Marchetti") beats a place or body ("Northmere")."""
    if previous is None:
        return subject
    asked = names_in(clean(previous.question), question=True)
    told = names_in(clean(previous.answer or ""))
    if person:
        for names in (asked, told):
            people = [_untitled(n) for n in names if _looks_like_a_person(n)]
            if people:
                return people[0]
    if asked:
        return max(asked[:3], key=lambda n: len(n.split()))
    if told and not person:
        return told[0]
    return subject


def _untitled(name: str) -> str:
    """ "Owner Priya Nandi" → "Priya Nandi": the role is not part of the name."""
    parts = name.split()
    while len(parts) > 2 and (
        parts[0].casefold().rstrip(".") in _TITLES or parts[0].casefold() in _PERSON_NOUNS
    ):
        parts.pop(0)
    return " ".join(parts)


def _looks_like_a_person(name: str) -> bool:
    """Two or more words, none of them the kind that names a body or a place."""
    parts = name.split()
    return len(parts) >= 2 and not any(p.casefold() in _BODY_WORDS for p in parts) and not name.isupper()


def _followed_by_noun(tokens: Sequence[str], i: int) -> bool:
    if i + 1 >= len(tokens) or tokens[i].endswith(("?", ",", ".", "!")):
        return False
    nxt = tokens[i + 1].casefold().strip("?,.!")
    return nxt not in STOPWORDS and nxt not in _AUX
