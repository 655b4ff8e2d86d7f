"""The role an article gives a person or an organisation, in the article's own words.

News introduces people in a handful of fixed ways, tried here in this order, at each mention:

- a title before the name: "U.S. Secretary of State Antony Blinken", "UKIP leader Roger
  Knapman", "19-year-old Hamza Ahmed", "Environmental group Transport 2000" (not when the name
  is the object of the title: "the chief executive of Northway" is someone else's title);
- an apposition before it: "her Portuguese counterpart, Tiago Marques,", "the Bishop of Kessing,
  Dr Alan Marsh,";
- an apposition after it: "Wang Yi, China's top diplomat,", "Abdi Nur, a Minnesota man
  charged ...", "John Smith, the chairman of the club,", "Mike Hobday, from the League ...",
  "Mara Veldt, Fisheries and Harbours Minister,";
- a description it is called by: "a new political party called Veritas";
- the organisation a person speaks for: "said Tomas Brenner of Harwick Bank";
- a relative clause: "Penny Little, who monitored the Bicester Hunt,";

and, when none of these names a role, a definite description that stands for the last person
named: "Alun Michael has said ... The Green Party leader said ..."; and last, an age given
after the name ("Jo Bell, 21;" -> "21-year-old"). Words that lead on to what a role no longer
holds are cut from its end ("a state-owned oil company that" -> "state-owned oil company").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from summarizer.local.entities import Entity
from summarizer.local.gazetteer import HONORIFICS, ORG_ROLE_NOUNS, PERSON_NOUNS, ROLE_NOUNS, is_role_noun

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc, Token

MAX_ROLE_TOKENS = 9
DESCRIPTION_REACH = 5  # sentences a definite description may look back for its person
_AGE = re.compile(r"^\d{1,3}-year-old$")
_TITLE_TAGS = frozenset({"NNP", "NNPS", "NN", "NNS", "JJ", "HYPH", "POS", "CD", "NML"})
_CALLED = frozenset({"called", "named", "dubbed"})
_SPEECH = frozenset({"said", "says", "added", "told", "explained", "insisted", "stated", "argued", "warned"})


def find_roles(doc: Doc, original: str, entities: Sequence[Entity]) -> dict[int, str]:
    """The role of each person or organisation that has one, by its index in ``entities``."""
    roles: dict[int, str] = {}
    for n, entity in enumerate(entities):
        if entity.kind == "place":
            continue
        for m in entity.mentions:
            role = (
                _title_before(doc, original, m.start, entity.kind)
                or _apposed_before(doc, original, m.start, entity.kind)
                or _apposed_to_noun(doc, original, m.start, m.end, entity.kind)
                or _apposition(doc, original, m.end, entity.kind)
                or _noun_in_apposition(doc, original, m.end)
                or _predicate(doc, original, m.end, entity.kind)
                or _called(doc, original, m.start)
                or (entity.kind == "person" and _of_organisation(doc, original, m.end))
                or (entity.kind == "person" and _relative_clause(doc, original, m.end))
            )
            role = role and _tidy(role)
            if role:
                roles[n] = role
                break
    for n, role in _definite_descriptions(doc, original, entities, roles).items():
        roles.setdefault(n, role)
    lead = _lead_description(doc, original, entities, roles)
    if lead is not None:
        roles.setdefault(*lead)
    for n, entity in enumerate(entities):
        if n not in roles and entity.kind == "person":
            age = next((a for m in entity.mentions if (a := _age(doc, m.end))), None)
            if age:
                roles[n] = age
    return roles


_LOOSE_ENDS = frozenset({"that", "which", "who", "whose", "of", "to", "be", "and", "or", "-", "–", "—"})


def _tidy(role: str) -> str | None:
    """A role without the words that lead on to what it no longer holds: "oil company that",
    "executive director of", "film star - and" (a dash opens an aside)."""
    for dash in (" - ", " – ", " — "):
        role = role.split(dash)[0]
    words = role.split()
    while words and words[-1].lower() in _LOOSE_ENDS:
        words.pop()
    return " ".join(words) or None


def role_kind(role: str) -> str | None:
    """ "Environmental group" says its bearer is an organisation, whatever the model thought."""
    words = role.lower().split()
    last = words[-1] if words else ""
    if last in ORG_ROLE_NOUNS and last not in ROLE_NOUNS:
        return "organization"
    if last in ROLE_NOUNS or last in PERSON_NOUNS:
        return "person"
    return None


def _text(doc: Doc, original: str, start: int, end: int) -> str:
    span = doc[start:end]
    return " ".join(original[span.start_char : span.end_char].split())


def _role_nouns(kind: str) -> frozenset[str]:
    return ORG_ROLE_NOUNS if kind == "organization" else ROLE_NOUNS


def _title_before(doc: Doc, original: str, start: int, kind: str) -> str | None:
    """ "Chinese Foreign Minister Qin Gang": the words glued to the left of the name.

    A courtesy title between them is skipped ("the Attorney General Lord Goldsmith"), and a
    lower-case noun that the parse attaches to the name describes it even when it is no
    common job title ("technology giant Hewlett Packard", "comedian Ben Elton").
    """
    while start > 0 and doc[start - 1].lower_ in HONORIFICS:
        start -= 1
    i = start - 1
    while i >= 0 and start - i <= MAX_ROLE_TOKENS:
        tok = doc[i]
        if "\n" in tok.text or tok.is_space or tok.lower_ in HONORIFICS:
            break
        if tok.tag_ in _TITLE_TAGS or tok.lower_ == "of" or tok.text == "-":
            i -= 1
            continue
        if tok.dep_ in ("compound", "amod") and tok.is_lower and tok.i < tok.head.i < start + 4:
            i -= 1  # "managing director", "director of marketing research": tagged as verbs
            continue
        break
    first = i + 1
    while first < start and (doc[first].lower_ == "of" or doc[first].tag_ in ("POS", "HYPH")):
        first += 1
    if first >= start or doc[start - 1].lower_ == "of":
        return None  # "the chief executive of Northway": a title of someone else
    words = [t.lower_ for t in doc[first:start]]
    has_role = any(is_role_noun(w, "person") or is_role_noun(w, "organization") for w in words)
    last = doc[start - 1]
    described = last.tag_ in ("NN", "NNS") and last.is_lower and start <= last.head.i < start + 4
    has_role = has_role or described
    if not has_role and not _AGE.match("".join(t.text for t in doc[first:start])):
        return None
    # Keep from the first word that belongs to the title: drop a leading verb-like word.
    return _text(doc, original, first, start)


def _apposed_before(doc: Doc, original: str, start: int, kind: str) -> str | None:
    """ "with her Portuguese counterpart, Tiago Marques,": the noun phrase just before a comma
    (and a courtesy title: "the Bishop of Kessing, Dr Alan Marsh,")."""
    while start > 0 and doc[start - 1].lower_ in HONORIFICS:
        start -= 1
    if start < 3 or doc[start - 1].text != ",":
        return None
    end = start - 1
    head = doc[end - 1]
    if head.lower_ not in _role_nouns(kind) or head.tag_ not in ("NN", "NNS", "NNP"):
        return None
    first = end - 1
    while (
        first > 0
        and end - first < MAX_ROLE_TOKENS
        and doc[first - 1].tag_ in ("JJ", "NN", "NNP", "NNS", "HYPH", "POS")
    ):
        first -= 1
    return _text(doc, original, first, end)


def _apposed_to_noun(doc: Doc, original: str, start: int, end: int, kind: str) -> str | None:
    """ "the senior judge of the northern circuit, Lord Pellow,": the name in apposition to a role
    noun, whatever stands between them."""
    while start > 0 and doc[start - 1].lower_ in HONORIFICS:
        start -= 1  # "the Bishop of Kessing, Dr Alan Marsh"
    root = doc[end - 1]
    head = root.head
    if root.dep_ != "appos" or head.i >= start or not is_role_noun(head.lower_, kind):
        return None
    tokens = [t for t in head.subtree if t.i < start and not t.is_punct]
    while tokens and tokens[0].tag_ in ("DT", "PRP$"):
        tokens = tokens[1:]
    if not tokens or len(tokens) > MAX_ROLE_TOKENS or tokens[-1].i - tokens[0].i + 1 != len(tokens):
        return None
    return _text(doc, original, tokens[0].i, tokens[-1].i + 1)


def _noun_in_apposition(doc: Doc, original: str, end: int) -> str | None:
    """ "Graham Smith, senior consultant at a security firm,": a common noun the parse sets in
    apposition to the name, up to the next comma."""
    root = doc[end - 1]
    noun = next(
        (c for c in root.children if c.dep_ == "appos" and c.i > root.i and c.tag_ in ("NN", "NNS")), None
    )
    if noun is None or not noun.is_lower:
        return None
    return _phrase(doc, original, noun)


def _predicate(doc: Doc, original: str, end: int, kind: str) -> str | None:
    """ "Jane Doe has become a paid adviser to the firm": the role a copula gives the subject."""
    root = doc[end - 1]
    verb = root.head
    if root.dep_ != "nsubj" or verb.lemma_ not in ("be", "become", "remain"):
        return None
    noun = next((c for c in verb.children if c.dep_ == "attr" and c.tag_ in ("NN", "NNS")), None)
    if noun is None or not is_role_noun(noun.lower_, kind):
        return None
    return _phrase(doc, original, noun)


def _phrase(doc: Doc, original: str, noun: Token) -> str | None:
    """The noun phrase ``noun`` heads, without its article, up to a comma or a clause."""
    tokens: list[Token] = []
    for t in noun.subtree:
        if t.text in {",", ";", ":", "(", ")", '"', "“", "”"} or t.dep_ in ("relcl", "acl") or "\n" in t.text:
            if t.i > noun.i:
                break
            tokens = []
            continue
        tokens.append(t)
    while tokens and tokens[0].tag_ in ("DT", "PRP$"):
        tokens = tokens[1:]
    if not tokens or len(tokens) > MAX_ROLE_TOKENS:
        return None
    return _text(doc, original, tokens[0].i, tokens[-1].i + 1)


def _apposition(doc: Doc, original: str, end: int, kind: str) -> str | None:
    """ "Wang Yi, China's top diplomat," / "X, the chairman of Y," / "X, from the League ...,"."""
    if end + 1 >= len(doc) or doc[end].text != ",":
        return None
    start = end + 1
    if start + 2 < len(doc) and doc[start].text.isdigit() and doc[start + 1].text == ",":
        start += 2  # "Jane Doe, 45, a teacher from Leeds"
    if start + 1 < len(doc) and doc[start].lower_ == "who" and doc[start + 1].lemma_ == "be":
        start += 2  # "X, who is the chairman of Y"
    stop = start
    while stop < len(doc) and stop - start < MAX_ROLE_TOKENS + 4:
        tok = doc[stop]
        if tok.text in {",", ";", ".", ":", "(", ")", '"', "“", "”"} or "\n" in tok.text:
            break
        if tok.tag_ in ("VBN", "VBG", "VBD", "VBZ", "VBP", "WP", "WDT") or tok.lower_ in ("who", "which"):
            break  # "a Minnesota man charged previously with ...": keep "a Minnesota man"
        stop += 1
    if stop <= start:
        return None
    words = doc[start:stop]
    opener = words[0]
    if opener.lower_ in ("from", "for") and any(t.ent_type_ in ("ORG", "NORP") for t in words):
        return _text(doc, original, start, stop)
    if opener.tag_ not in ("DT", "PRP$", "NNP", "NNPS", "JJ", "NN") or opener.lower_ in ("this", "that"):
        return None
    # a role noun may be written with capitals: "Mara Veldt, Fisheries and Harbours Minister,"
    nouns = [t.lower_ for t in words if t.tag_ in ("NN", "NNS", "NNP", "NNPS")]
    if not any(is_role_noun(n, kind) for n in nouns):
        return None
    first = start + 1 if opener.tag_ == "DT" else start
    if first >= stop or stop - first > MAX_ROLE_TOKENS:
        return None
    return _text(doc, original, first, stop)


def _called(doc: Doc, original: str, start: int) -> str | None:
    """ "a new political party called Veritas": the description before "called"."""
    if start < 2 or doc[start - 1].lower_ not in _CALLED:
        return None
    end = start - 1
    i = end - 1
    while i >= 0 and doc[i].tag_ in ("JJ", "NN", "NNS", "NNP", "HYPH", "VBN") and end - i <= MAX_ROLE_TOKENS:
        i -= 1
    if i + 1 >= end or doc[end - 1].tag_ not in ("NN", "NNS"):
        return None
    return _text(doc, original, i + 1, end)


def _of_organisation(doc: Doc, original: str, end: int) -> str | None:
    """ "said Tomas Brenner of Harwick Bank", "Jane Doe at the Acme Institute": whom a person
    speaks for, when nothing else says what they are."""
    if end + 1 >= len(doc) or doc[end].lower_ not in ("of", "at"):
        return None
    first = end + 1
    if doc[first].lower_ == "the" and first + 1 < len(doc):
        first += 1
    if doc[first].ent_type_ != "ORG" or doc[first].ent_iob_ != "B":
        return None
    stop = first + 1
    while stop < len(doc) and doc[stop].ent_iob_ == "I":
        stop += 1
    return _text(doc, original, end, stop) if stop - end <= MAX_ROLE_TOKENS else None


def _age(doc: Doc, end: int) -> str | None:
    """ "Charged are Jo Bell, 21; Sam Reid, 19; ...": when the article says nothing else of a
    person, their age is how it describes them ("21-year-old")."""
    if end + 2 >= len(doc) or doc[end].text not in (",", "("):
        return None
    number, after = doc[end + 1], doc[end + 2]
    if not (number.text.isdigit() and 10 <= int(number.text) <= 110):
        return None
    if after.text not in (",", ";", ")", "."):
        return None
    return f"{number.text}-year-old"


def _relative_clause(doc: Doc, original: str, end: int) -> str | None:
    """ "Penny Little, who monitored the Bicester Hunt in Oxfordshire,": what the person did."""
    if end + 2 >= len(doc) or doc[end].text != "," or doc[end + 1].lower_ != "who":
        return None
    verb = doc[end + 2]
    if verb.tag_ not in ("VBD", "VBZ") or verb.lower_ in _SPEECH or verb.lemma_ in ("be", "have", "say"):
        return None
    stop = end + 2
    while stop < len(doc) and doc[stop].text not in {",", ".", ";", ":"} and "\n" not in doc[stop].text:
        stop += 1
    if stop - (end + 2) > MAX_ROLE_TOKENS:
        return None
    return _text(doc, original, end + 2, stop)


def _lead_description(
    doc: Doc, original: str, entities: Sequence[Entity], roles: dict[int, str]
) -> tuple[int, str] | None:
    """ "An Ohio man accused of ... has pleaded not guilty. John Doe, 27, ...": the lead's
    unnamed subject is the first person the next sentences name."""
    sents = list(doc.sents)
    if len(sents) < 2:
        return None
    lead = sents[0]
    if any(t.ent_type_ == "PERSON" for t in lead):
        return None
    subject = next((t for t in lead if t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ == "ROOT"), None)
    if subject is None or subject.lower_ not in PERSON_NOUNS | ROLE_NOUNS:
        return None
    tokens = list(subject.subtree)
    if not tokens or tokens[0].lower_ not in ("a", "an"):
        return None
    end = tokens[-1].i + 1
    for t in tokens:
        if t.text in {",", ";", "(", "—", "–"} and t.i > subject.i:
            end = t.i
            break
    if end - (tokens[0].i + 1) > MAX_ROLE_TOKENS + 3:
        return None
    candidates = [
        (m.start, n)
        for n, e in enumerate(entities)
        if e.kind == "person" and n not in roles
        for m in e.mentions
        if 1 <= m.sent <= 2
    ]
    if not candidates:
        return None
    return min(candidates)[1], _text(doc, original, tokens[0].i + 1, end)


def _definite_descriptions(
    doc: Doc, original: str, entities: Sequence[Entity], roles: dict[int, str]
) -> dict[int, str]:
    """ "The rural affairs minister said": a role for the last person named without one."""
    found: dict[int, str] = {}
    people = [(m.start, m.sent, n) for n, e in enumerate(entities) if e.kind == "person" for m in e.mentions]
    people.sort()
    sents = list(doc.sents)
    for sent_index, sent in enumerate(sents):
        for tok in sent:
            if tok.lower_ != "the" or tok.i + 1 >= len(doc):
                continue
            end = tok.i + 1
            while end < sent.end and (
                (doc[end].tag_ in ("JJ", "NN", "NNS", "HYPH") and doc[end].is_lower)
                # "the Green Party leader", "the Social Democrat leader"
                or (doc[end].tag_ in ("JJ", "NNP") and doc[end].dep_ in ("compound", "amod"))
            ):
                end += 1
            if end == tok.i + 1 or end >= sent.end:
                continue
            head = doc[end - 1]
            verb = end + 1 if doc[end].lower_ in ("has", "had") and end + 1 < sent.end else end
            if (
                head.lower_ not in ROLE_NOUNS
                or not head.is_lower
                or doc[verb].lower_ not in _SPEECH | {"told"}
            ):
                continue
            earlier = [
                n
                for start, sent_n, n in people
                if start < tok.i and sent_index - sent_n <= DESCRIPTION_REACH and n not in roles
            ]
            if earlier and earlier[-1] not in found:
                found[earlier[-1]] = _text(doc, original, tok.i + 1, end)
    return found
