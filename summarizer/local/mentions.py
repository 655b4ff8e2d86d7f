"""Name mentions: the model's entity spans cut into clean names, plus names it missed.

The small English model finds most names but cuts them badly: "Luton 1 Rotherham 0" is one
span, so are "Bosnia 1996-08-31", "Interfax news agency" and "Yuri Kushko\\nTAVILDARA". Each
span is split where it runs over a line end, a score, a bracket or a list, and trimmed of
articles, honorifics and lower-case words. Proper nouns the model left unlabelled (common in
tables and score lines) become *candidates* without a label: they are kept only when the
context gives them a kind (see ``evidence``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from summarizer.local.gazetteer import (
    COUNTRY_KEYS,
    EVENT_HEADS,
    HONORIFICS,
    NOT_NAMES,
    ROLE_NOUNS,
    WEEKDAYS_MONTHS,
    name_key,
)

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc

Kind = Literal["person", "organization", "place"]
LABEL_KIND: dict[str, Kind] = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}
CANDIDATE = ""  # the label of a proper noun the model did not label
_OTHER_NAMES = frozenset({"PRODUCT", "WORK_OF_ART", "EVENT", "LAW", "FAC_OR_ORG"})

_BOUNDARY_TEXTS = frozenset('( ) [ ] { } , ; : | " “ ” « » v v. vs vs. + = * #'.split())
_DASHES = frozenset("- – — / \\".split())
# "Yorkshire at Headingley": small words in lower case join two names, never one.
_LOWER_BOUNDARIES = frozenset({"at", "in", "on", "v", "vs", "versus", "against", "beat"})
_LEADING_JUNK = frozenset(
    "the a an ex former late his her their its our my your this that these those".split()
)
_NAME_PARTICLES = frozenset(
    "van von de der den du da di la le del della bin ibn al el dos das ter ten".split()
)
_TRAILING_JUNK = frozenset({"'s", "’s", "'", "’", "s"})
# Letters after a name that are honours or offices, not part of it: "Jane Doe QC", "John Roe MP".
_POST_NOMINALS = frozenset("QC KC MP MEP MSP MLA AM MBE OBE CBE KBE DBE PhD Jr Jr. Sr Sr.".split())
_NOT_NAME_TAGS = frozenset(
    "JJ JJR JJS RB RBR RBS VB VBD VBG VBN VBP VBZ DT PRP PRP$ IN CD MD UH WDT WP".split()
)
# All-capital words that are not names of organisations.
_NOT_ACRONYMS = frozenset(
    """
    AM PM TV OK ID GP PC DJ CEO CFO COO CTO MP MEP MPS GMT EST EDT BST CET UTC HIV AIDS DNA GDP GNP VAT IPO
    PCT GB RBI ERA AVG HR NB PS RIP FAQ USD EUR GBP JPY CHF PLC LTD INC CO II III IV VI VII VIII IX XI
    XII NO AND THE FOR NOT BUT ALL NEW OF TO IN ON AT BY OR IT IS BE AS AN UP MW KW KM KG MPH ST
    """.split()
)
# A dateline's place: louder than any other evidence, and told apart from a country's vote.
DATELINE_VOTE = 5.5
_NOT_DATELINE = frozenset(
    "breaking update updated exclusive analysis watch live opinion editorial photo video".split()
)
_DATELINE = re.compile(
    r"[ \t]*(?P<city>[A-Z][A-Z.'’\-]*[A-Z.](?:[ \t]+[A-Z][A-Z.'’\-]*[A-Z.]){0,3})"
    r"(?:[ \t]*,[ \t]*(?P<region>[A-Z][A-Za-z.'’\-]*(?:[ \t]+[A-Z][A-Za-z.'’\-]*){0,2}))?"
    r"(?=[ \t]*(?:,[^\n]{0,40}?)?[ \t]*(?:\d{4}-\d\d-\d\d|\(|[-–—]|\n|$))"
)


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of a name: where it is in the parsed text, and what it was labelled."""

    text: str  # as the article writes it
    label: str  # PERSON, ORG, GPE, LOC, FAC, or CANDIDATE
    start: int  # token indices in the doc
    end: int
    start_char: int
    end_char: int
    sent: int  # index of its sentence
    votes: tuple[tuple[Kind, float], ...] = ()  # evidence for a kind, besides the label

    @property
    def key(self) -> str:
        return name_key(self.text)


def find_mentions(doc: Doc, original: str, body_start: int = 0) -> list[Mention]:
    """Clean name mentions from the model's entities, the dateline and unlabelled proper nouns."""
    sent_of = _sentence_index(doc)
    mentions: list[Mention] = []
    covered = [False] * len(doc)
    for ent in doc.ents:
        for i in range(ent.start, ent.end):
            covered[i] = True  # "Americans" (a nationality) is labelled, just not a name we list
        if ent.label_ in _OTHER_NAMES:
            # "a campaign group called Tide Watch" labelled a product: a candidate for evidence
            for start, end in _pieces(doc, ent.start, ent.end, CANDIDATE):
                mention = _mention(doc, original, start, end, CANDIDATE, sent_of)
                if mention is not None:
                    mentions.append(mention)
            continue
        if ent.label_ not in LABEL_KIND:
            continue
        begin = ent.start
        if ent.label_ == "ORG":
            # "UK" + "Independence Party": proper nouns just before an organisation belong to it.
            while begin > 0 and doc[begin - 1].tag_ == "NNP" and not doc[begin - 1].ent_type_:
                begin -= 1
                covered[begin] = True
        for start, end in _pieces(doc, begin, ent.end, ent.label_):
            mention = _mention(doc, original, start, end, ent.label_, sent_of)
            if mention is not None:
                mentions.append(mention)
    for start, end in _proper_noun_runs(doc, covered) + _score_line_names(doc, original, covered):
        for a, b in _pieces(doc, start, end, CANDIDATE):
            mention = _mention(doc, original, a, b, CANDIDATE, sent_of)
            if mention is not None:
                mentions.append(mention)
    for place in _dateline(doc, original, sent_of, body_start):
        mentions = [m for m in mentions if m.end_char <= place.start_char or m.start_char >= place.end_char]
        mentions.append(place)
    mentions.sort(key=lambda m: m.start_char)
    return mentions


def _sentence_index(doc: Doc) -> list[int]:
    index = [0] * len(doc)
    for n, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            index[i] = n
    return index


def _proper_noun_runs(doc: Doc, covered: Sequence[bool]) -> list[tuple[int, int]]:
    """Runs of capitalised proper nouns that no entity covers (names in tables, score lines)."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, tok in enumerate(doc):
        capital = tok.text[:1].isupper() and not (tok.is_space or "\n" in tok.text)
        proper = (
            not covered[i]
            and capital
            and (
                tok.tag_ in ("NNP", "NNPS")
                or (start is not None and not tok.is_sent_start and tok.pos_ in ("NOUN", "PROPN", "ADJ"))
            )
        )
        glue = start is not None and tok.text == "." and len(doc[i - 1].text) == 1
        if proper or glue:
            start = i if start is None else start
            continue
        if start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(doc)))
    return runs


_SCORE_LINE = re.compile(
    r"^[ \t]*(?P<home>[A-Z][\w.'’&-]*(?:[ \t]+[A-Z][\w.'’&-]*){0,3})[ \t]+\d{1,3}[ \t]+"
    r"(?P<away>[A-Z][\w.'’&-]*(?:[ \t]+[A-Z][\w.'’&-]*){0,3})[ \t]+\d{1,3}\b",
    re.MULTILINE,
)


def _score_line_names(doc: Doc, original: str, covered: Sequence[bool]) -> list[tuple[int, int]]:
    """Both sides of a results line ("Bury 4 Bristol City 0"), whatever the tagger made of them."""
    spans = []
    for match in _SCORE_LINE.finditer(original):
        for side in ("home", "away"):
            span = doc.char_span(match.start(side), match.end(side))
            if span is not None and not any(covered[span.start : span.end]):
                spans.append((span.start, span.end))
    return spans


def _is_boundary(doc: Doc, i: int) -> bool:
    tok = doc[i]
    text = tok.text
    if tok.is_space or "\n" in text or text.lower() in _BOUNDARY_TEXTS or text in _LOWER_BOUNDARIES:
        return True
    if text.lower().strip(".") in WEEKDAYS_MONTHS and text[:1].isupper():
        return True  # "the Commons on Thursday", "London June 16"
    if text in _DASHES:
        # "Kilroy-Silk" is one name; "Belgium - Marc Degryse" is two.
        return bool(tok.whitespace_) or (i > 0 and bool(doc[i - 1].whitespace_))
    return any(c.isdigit() for c in text)


def _pieces(doc: Doc, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """Split a span where it runs over a line end, a score, a bracket or a list; trim each piece."""
    pieces: list[tuple[int, int]] = []
    cur = start
    for i in range(start, end):
        tok = doc[i]
        # "Transport 2000": a year-like number that ends a name is part of it.
        if i == end - 1 and i > start and tok.text.isdigit() and len(tok.text) == 4:
            continue
        if _is_boundary(doc, i):
            if cur < i:
                pieces.append((cur, i))
            cur = i + 1
    if cur < end:
        pieces.append((cur, end))
    out = []
    for a, b in pieces:
        if label == "PERSON":
            a = _after_leading_country(doc, a, b)
        trimmed = _trim(doc, a, b, label)
        if trimmed is not None:
            out.append(_extend_hyphenated(doc, *trimmed))
    return out


def _after_leading_country(doc: Doc, start: int, end: int) -> int:
    """ "Syria Hanad Mustafe Musse" (a caption run into the text): the person starts after Syria."""
    for cut in (start + 1, start + 2):
        if end - cut >= 2 and name_key(doc[start:cut].text) in COUNTRY_KEYS:
            return cut
    return start


def _extend_hyphenated(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """ "Kilroy" cut from "Kilroy-Silk": a name runs on over a hyphen with no spaces."""
    while (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and doc[end + 1].text[:1].isupper()
        and doc[end + 1].is_alpha
    ):
        end += 2
    return start, end


def _trim(doc: Doc, start: int, end: int, label: str) -> tuple[int, int] | None:
    while start < end:
        tok = doc[start]
        low = tok.lower_
        particle = low in _NAME_PARTICLES and start + 1 < end and doc[start + 1].text[:1].isupper()
        junk = tok.is_punct or tok.is_space or low in _LEADING_JUNK or low in HONORIFICS
        if junk or (tok.is_lower and not particle):
            start += 1
        elif (
            label in ("PERSON", CANDIDATE)
            and end - start > 1
            and (
                low in ROLE_NOUNS
                or tok.tag_ in _NOT_NAME_TAGS
                or (tok.tag_ in ("NN", "NNS") and tok.is_title)
            )
        ):
            start += 1  # "Fullback Andre Joubert", "Controversial Australian X"
        else:
            break
    while end > start:
        tok = doc[end - 1]
        post_nominal = tok.text in _POST_NOMINALS and end - start > 1 and label in ("PERSON", CANDIDATE)
        if (
            tok.is_punct
            or tok.is_space
            or tok.text in _TRAILING_JUNK
            or (tok.is_lower and tok.is_alpha)
            or post_nominal
        ):
            end -= 1
        else:
            break
    return (start, end) if start < end else None


def _mention(
    doc: Doc, original: str, start: int, end: int, label: str, sent_of: Sequence[int]
) -> Mention | None:
    span = doc[start:end]
    text = original[span.start_char : span.end_char]
    if not _looks_like_name(doc, start, end, text, label):
        return None
    return Mention(
        text=text,
        label=label,
        start=start,
        end=end,
        start_char=span.start_char,
        end_char=span.end_char,
        sent=sent_of[start],
    )


def _looks_like_name(doc: Doc, start: int, end: int, text: str, label: str) -> bool:
    if not any(c.isalpha() for c in text) or len(text) < 2:
        return False
    tokens = doc[start:end]
    if all(t.tag_ in ("JJ", "JJR", "JJS") for t in tokens):
        return False  # "Dutch" left of "the Dutch transport ministry"
    words = name_key(text).split()
    if words and words[-1] in EVENT_HEADS:
        return False  # "the Atlanta Games", "the African Nations Cup": events, not actors or places
    after = doc[end] if end < len(doc) else None
    if (
        label == "ORG"
        and after is not None
        and after.text[:1].isupper()
        and after.lower_ in ROLE_NOUNS
        and not text.replace(".", "").isupper()
    ):
        return False  # "Education" in "Education Minister X": part of a title
    if not any(t.text[:1].isupper() for t in tokens):
        return False  # "congress", "crown": all lower case
    if all(len(t.text) <= 3 and t.text.isupper() for t in tokens) and len(tokens) > 1:
        return False  # table headings: "W L PCT GB"
    if end - start == 1:
        tok = doc[start]
        low = name_key(tok.text)
        if low in NOT_NAMES or (len(tok.text) <= 2 and tok.text.endswith(".")):
            return False
        if tok.text.isupper() and tok.text.replace(".", "") in _NOT_ACRONYMS:
            return False
        if tok.is_sent_start and tok.tag_ in ("NN", "NNS") and label != "PERSON":
            return False  # "Concerns mount that ...": a capital only because it opens the sentence
        # "State" in "Secretary of State", "Treasury" in "Secretary of the Treasury"
        back = start - 1
        if back >= 0 and doc[back].lower_ == "the":
            back -= 1
        if back >= 1 and doc[back].lower_ == "of" and doc[back - 1].lower_ in ROLE_NOUNS:
            return low in COUNTRY_KEYS
    return True


def _dateline(doc: Doc, original: str, sent_of: Sequence[int], body_start: int = 0) -> list[Mention]:
    """The place in capitals that opens a news story: "LONDON 1996-08-30", "PARIS (AP) -"."""
    line_start = body_start
    while line_start < len(original) and original[line_start] in " \t\r\n":
        line_start += 1
    match = _DATELINE.match(original, line_start)
    if match is None:
        return []
    city = match.group("city")
    if any(w.lower().strip(".") in _NOT_DATELINE for w in city.split()) or len(city) < 3:
        return []
    places = []
    for group in ("city", "region"):
        if match.group(group) is None:
            continue
        span = doc.char_span(match.start(group), match.end(group), alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        places.append(
            Mention(
                text=original[span.start_char : span.end_char],
                label="GPE",
                start=span.start,
                end=span.end,
                start_char=span.start_char,
                end_char=span.end_char,
                sent=sent_of[span.start],
                votes=(("place", DATELINE_VOTE),),
            )
        )
    return places
