"""What the context says about a name's kind, beyond the model's label.

A label from the small model is one weak vote. Louder votes come from general knowledge and
from the way news is written:

- a country name is a place ("Slovakia" labelled an organisation in a results table), and so,
  less loudly, is a world city ("London" labelled an organisation);
- a courtesy title ("Mr", "Dr"), an initial ("R. Ponting"), an age ("Jane Doe, 41,") or an
  apposition naming a job ("her counterpart, Tiago Marques") marks a person;
- "Name (Country)" is a competitor or a person, never the place itself;
- a place name that plays a match is a team: it is followed by a score in a results line
  ("Cincinnati 18 Colorado 7"), stands on either side of "v" ("Birmingham v Barnsley") or
  beats, draws with or loses to another name ("Leicestershire beat Somerset");
- the last word of a name says what it names: "the X Party", "the Y Guesthouse";
- "the island of X", "the capital X" name a place;
- names in one comma-separated list are of one kind ("Given, Breen, Staunton, Irwin").

Unlabelled proper nouns (candidates) count only when some rule here gives them a kind, or
when the same name is labelled elsewhere in the article.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from summarizer.local.casing import is_shouting
from summarizer.local.gazetteer import (
    CITY_KEYS,
    COUNTRY_KEYS,
    HONORIFICS,
    ORGANIZATION_HEADS,
    PERSON_NOUNS,
    PLACE_HEADS,
    ROLE_NOUNS,
    is_role_noun,
    name_key,
)
from summarizer.local.mentions import CANDIDATE, DATELINE_VOTE, LABEL_KIND, Kind, Mention

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc

COUNTRY = 5.0
CITY = 2.0
DATELINE = DATELINE_VOTE
HONORIFIC = 3.0
INITIAL = 3.0
AGE = 3.0
APPOSITION = 2.0
HEAD_NOUN = 2.0
COMPETITOR = 2.5
LIST = 1.5
ACRONYM = 1.0
MIN_LIST = 3

_COMPETE_VERBS = frozenset(
    "beat defeat edge thrash rout overcome overpower outplay draw lose tie trail eliminate upset whip "
    "crush hammer down outclass outscore oust stun hold".split()
)
_VERSUS = frozenset({"v", "v.", "vs", "vs."})
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:/\-]\d+)*(?![\w])")
_LOWER_WORD = re.compile(r"(?<![\w'’.-])[a-z]+(?![\w'’-])")
_INITIAL = re.compile(r"^[A-Z]\.\s?[A-Z]")
_SCORE = re.compile(r"^\d{1,3}(?:-\d{1,3})?$")
TABLE_MIN_NUMBERS = 2
TABLE_MAX_LOWER = 3


def weigh(doc: Doc, original: str, mentions: Sequence[Mention]) -> list[Mention]:
    """Each mention with the votes its context gives; candidates without any are dropped."""
    extra: list[list[tuple[Kind, float]]] = [[] for _ in mentions]
    by_start = {m.start: i for i, m in enumerate(mentions)}
    by_end = {m.end: i for i, m in enumerate(mentions)}
    for i, m in enumerate(mentions):
        votes = extra[i]
        if m.key in COUNTRY_KEYS:
            votes.append(("place", COUNTRY))
            continue
        if m.key in CITY_KEYS:
            votes.append(("place", CITY))  # below a team's score line, which says "club"
        if m.start > 0 and doc[m.start - 1].lower_ in HONORIFICS:
            votes.append(("person", HONORIFIC))
        if _INITIAL.match(m.text):
            votes.append(("person", INITIAL))
        if _followed_by_age(doc, m):
            votes.append(("person", AGE))
        if _apposed_to_person_noun(doc, m):
            votes.append(("person", APPOSITION))
        if _named_as_place(doc, m):
            votes.append(("place", APPOSITION))
        named = _kind_it_is_called(doc, m)
        if named is not None:
            votes.append((named, APPOSITION))
        head = m.key.split()[-1] if " " in m.key else ""
        if (head in ORGANIZATION_HEADS and head != "bank") or (head == "bank" and m.label == "ORG"):
            votes.append(("organization", HEAD_NOUN))
        elif head in PLACE_HEADS:
            votes.append(("place", HEAD_NOUN))
        if m.label in ("PERSON", CANDIDATE) and _followed_by_minute(doc, m):
            votes.append(("person", COMPETITOR))
        if _followed_by_country(doc, m):
            votes.append(("organization" if m.label == "ORG" else "person", COMPETITOR))
        elif _competes(doc, original, m, by_start, by_end):
            votes.append(("person" if m.label == "PERSON" else "organization", COMPETITOR))
        if m.label == CANDIDATE and _is_acronym(m.text) and not _in_shouting_line(original, m):
            votes.append(("organization", ACRONYM))
    for run in _list_runs(doc, mentions):
        kinds = Counter(LABEL_KIND[mentions[i].label] for i in run if mentions[i].label != CANDIDATE)
        if not kinds:
            continue
        kind, count = kinds.most_common(1)[0]
        unanimous = len(kinds) == 1
        for i in run:
            if mentions[i].key in COUNTRY_KEYS:
                continue
            # "Rachel and Severine": an unlabelled name takes the kind the others agree on;
            # a labelled one is outvoted only by a clear majority of a longer list.
            if (mentions[i].label == CANDIDATE and unanimous) or (
                len(run) >= MIN_LIST and count * 2 > len(run)
            ):
                extra[i].append((kind, LIST))
    # Candidates without votes stay: they count when the same name is found labelled elsewhere.
    return [
        dataclasses.replace(m, votes=m.votes + tuple(votes)) if votes else m
        for m, votes in zip(mentions, extra, strict=True)
    ]


def _followed_by_age(doc: Doc, m: Mention) -> bool:
    """ "Keith Allen, 27, of Columbus", "Guled Omar, 20;": an age in commas marks a person."""
    if m.end + 2 >= len(doc) or doc[m.end].text != ",":
        return False
    age, after = doc[m.end + 1], doc[m.end + 2]
    return age.text.isdigit() and 0 < int(age.text) < 120 and after.text in {",", ";", ")", ".", "and"}


_PERSON_WORDS = ROLE_NOUNS | PERSON_NOUNS


def _apposed_to_person_noun(doc: Doc, m: Mention) -> bool:
    """ "her counterpart, Tiago Marques," / "Marques, a former inspector,": a person."""
    if m.start >= 2 and doc[m.start - 1].text == "," and doc[m.start - 2].lower_ in _PERSON_WORDS:
        return True
    if m.end + 1 < len(doc) and doc[m.end].text == "," and doc[m.end + 1].lower_ in ("a", "an", "the"):
        for tok in doc[m.end + 2 : min(m.end + 8, len(doc))]:
            if tok.text in {",", ".", ";"}:
                break
            if tok.lower_ in _PERSON_WORDS and tok.tag_ in ("NN", "NNS"):
                return True
    return False


_PLACE_NOUNS = frozenset(
    "island city town village province region state county district capital port republic "
    "territory enclave suburb neighbourhood neighborhood municipality".split()
)


def _named_as_place(doc: Doc, m: Mention) -> bool:
    """ "the Arctic island of Spitzbergen", "the capital Dushanbe", "the town of Kessing"."""
    if m.start >= 2 and doc[m.start - 1].lower_ == "of" and doc[m.start - 2].lower_ in _PLACE_NOUNS:
        return True
    return m.start >= 1 and doc[m.start - 1].lower_ in _PLACE_NOUNS and doc[m.start - 1].is_lower


def _kind_it_is_called(doc: Doc, m: Mention) -> Kind | None:
    """ "a new campaign group called Tide Watch": the noun before "called" says what it is."""
    if m.start < 2 or doc[m.start - 1].lower_ not in ("called", "named", "dubbed"):
        return None
    noun = doc[m.start - 2].lower_
    if is_role_noun(noun, "organization"):
        return "organization"
    if is_role_noun(noun, "person"):
        return "person"
    if noun in PLACE_HEADS:
        return "place"
    return None


def _followed_by_minute(doc: Doc, m: Mention) -> bool:
    """ "Jan Allan Mueller (60th minute)", "Luis Lazo (61st)": a scorer."""
    if m.end + 2 >= len(doc) or doc[m.end].text != "(":
        return False
    inside = doc[m.end + 1]
    return bool(_ORDINAL.match(inside.text)) or inside.lower_ in ("minute", "min", "pen", "penalty")


_ORDINAL = re.compile(r"^\d{1,3}(?:st|nd|rd|th)$")


def _followed_by_country(doc: Doc, m: Mention) -> bool:
    """ "Sandrine Testud (France)", "Lance Armstrong (U.S.)": a competitor, not the place."""
    if m.end + 2 >= len(doc) or doc[m.end].text != "(":
        return False
    close = next((j for j in range(m.end + 1, min(m.end + 6, len(doc))) if doc[j].text == ")"), None)
    return close is not None and name_key(doc[m.end + 1 : close].text) in COUNTRY_KEYS


def _line(original: str, m: Mention) -> str:
    start = original.rfind("\n", 0, m.start_char) + 1
    end = original.find("\n", m.end_char)
    return original[start : end if end >= 0 else len(original)]


def _in_shouting_line(original: str, m: Mention) -> bool:
    return is_shouting(_line(original, m))


def _table_like(line: str) -> bool:
    return (
        len(_NUMBER.findall(line)) >= TABLE_MIN_NUMBERS and len(_LOWER_WORD.findall(line)) <= TABLE_MAX_LOWER
    )


def _competes(doc: Doc, original: str, m: Mention, by_start: dict[int, int], by_end: dict[int, int]) -> bool:
    after = doc[m.end] if m.end < len(doc) else None
    before = doc[m.start - 1] if m.start > 0 else None
    # "Cincinnati 18 Colorado 7", "Bolton 5 3 1 1 9 6 10"
    if after is not None and _SCORE.match(after.text) and _table_like(_line(original, m)):
        return True
    # "Birmingham v Barnsley"
    if after is not None and after.lower_ in _VERSUS and m.end + 1 in by_start:
        return True
    if before is not None and before.lower_ in _VERSUS and m.start - 1 in by_end:
        return True
    # "Baltimore at Seattle" on a line of its own
    line = _line(original, m).strip()
    words = line.split()
    if 3 <= len(words) <= 7 and any(w.lower() == "at" for w in words) and not _NUMBER.search(line):
        others = [w for w in words if w.lower() != "at"]
        if all(w[:1].isupper() for w in others) and is_shouting(line):
            return True
    return _competition_argument(doc, m, by_start)


def _competition_argument(doc: Doc, m: Mention, by_start: dict[int, int]) -> bool:
    """Subject or object of "beat", "drew with", "lost to", with another name on the other side."""
    root = doc[m.end - 1]
    head = root.head
    if root.dep_ == "pobj" and head.lower_ in ("to", "with", "against"):
        head = head.head
    if head.pos_ not in ("VERB", "AUX") or head.lemma_.lower() not in _COMPETE_VERBS:
        return False
    if root.dep_ not in ("nsubj", "dobj", "pobj", "nsubjpass"):
        return False
    return any(
        (tok.i < m.start or tok.i >= m.end)
        and tok.dep_ in ("nsubj", "dobj", "pobj", "nsubjpass")
        and tok.pos_ == "PROPN"
        for tok in head.subtree
    )


def _is_acronym(text: str) -> bool:
    compact = text.replace(".", "")
    return 2 <= len(compact) <= 6 and compact.isalpha() and compact.isupper()


def _list_runs(doc: Doc, mentions: Sequence[Mention]) -> list[list[int]]:
    """Mentions separated only by commas, semicolons or "and": "Given, Breen, Staunton and Irwin"."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, m in enumerate(mentions):
        if current:
            prev = mentions[current[-1]]
            gap = doc[prev.end : m.start]
            if (
                prev.end <= m.start
                and len(gap) <= 2
                and all(t.text in {",", ";", "and", "&"} for t in gap)
                and len(gap) > 0
            ):
                current.append(i)
                continue
            if len(current) >= 2:
                runs.append(current)
        current = [i]
    if len(current) >= 2:
        runs.append(current)
    return runs
