"""Who and where: the model's named entities, cleaned, relabelled by evidence, and merged.

The small English model finds most names but cuts them badly ("Luton 1 Rotherham 0",
"Bosnia 1996-08-31", "Interfax news agency"), labels the same name differently from one
sentence to the next ("Blinken" a person here and a place there), and knows nothing of
aliases. The steps here, in order:

1. cut each entity span into clean name pieces (``_pieces``);
2. add the dateline place the model rarely sees ("LONDON 1996-08-30", "PARIS (Reuters) -");
3. decide each distinct name's kind by a vote over all its mentions, with general knowledge
   (country names, honorifics) voting louder than a single label;
4. merge aliases into one entity: "Blinken" into "Antony Blinken", "CCP" into "Chinese
   Communist Party", "U.S." into "the United States", "State Department" into "U.S. State
   Department";
5. count every occurrence of every alias and rank by salience.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from summarizer.local.evidence import DATELINE, weigh
from summarizer.local.gazetteer import CITY_KEYS, COUNTRY_KEYS, ORGANIZATION_HEADS, PLACE_HEADS, name_key
from summarizer.local.mentions import CANDIDATE, LABEL_KIND, Kind, Mention, find_mentions

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc

_CORPORATE = frozenset("inc inc. corp corp. corporation co co. ltd ltd. limited plc llc ag sa nv".split())


@dataclass(frozen=True, slots=True)
class Entity:
    """One real-world person, organisation or place, with every form the article uses."""

    name: str
    kind: Kind
    label: str  # the dominant model label: places are GPE, LOC or FAC
    mentions: tuple[Mention, ...]
    aliases: tuple[str, ...] = ()
    count: int = 1  # occurrences of any of its forms in the text
    first_char: int = 0
    salience: float = 0.0
    keys: frozenset[str] = field(default=frozenset(), compare=False)


# --------------------------------------------------------------------------- grouping


@dataclass(slots=True)
class _Group:
    key: str
    mentions: list[Mention]
    votes: dict[str, float] = field(default_factory=dict)
    merged_keys: set[str] = field(default_factory=set)

    @property
    def kind(self) -> Kind:
        best = max(self.votes.items(), key=lambda kv: (kv[1], kv[0] == "person"))[0]
        return best  # type: ignore[return-value]

    @property
    def first(self) -> int:
        return min(m.start_char for m in self.mentions)

    @property
    def tokens(self) -> list[str]:
        return self.key.split()

    def absorb(self, other: _Group) -> None:
        self.mentions.extend(other.mentions)
        for kind, weight in other.votes.items():
            self.votes[kind] = self.votes.get(kind, 0.0) + weight
        self.merged_keys |= other.merged_keys | {other.key}


def group_key(text: str, label: str) -> str:
    key = name_key(text)
    country = COUNTRY_KEYS.get(key)
    if country is not None:
        return country
    words = key.split()
    if label == "ORG" and len(words) > 1 and words[-1] in _CORPORATE:
        words = words[:-1]
    return " ".join(words)


def _vote(mention: Mention) -> Iterable[tuple[str, float]]:
    if mention.label != CANDIDATE:
        yield LABEL_KIND[mention.label], 1.0
    yield from mention.votes


def group_mentions(mentions: Sequence[Mention], doc: Doc, original: str) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for m in mentions:
        key = group_key(m.text, m.label)
        if not key:
            continue
        group = groups.setdefault(key, _Group(key=key, mentions=[]))
        group.mentions.append(m)
        for kind, weight in _vote(m):
            group.votes[kind] = group.votes.get(kind, 0.0) + weight
    # A name seen only as an unlabelled candidate, with no evidence of its kind, is no name;
    # nor is a common noun capitalised only because it opens its sentences ("Attendance: 200").
    ordered = sorted(
        (g for g in groups.values() if g.votes and not _common_noun(g, doc)), key=lambda g: g.first
    )
    ordered = _merge_people(ordered)
    ordered = _merge_acronyms(ordered, doc)
    ordered = _merge_org_suffixes(ordered)
    _add_unlabelled(doc, original, ordered)
    return ordered


def _add_unlabelled(doc: Doc, original: str, groups: list[_Group]) -> None:
    """Occurrences of a known name the model did not label: "Solberg met Marques at ...".

    Each group's forms are looked for as proper nouns outside any mention, and so is the
    surname of a person named in full (unless two people share it).
    """
    covered = [False] * len(doc)
    for g in groups:
        for m in g.mentions:
            for i in range(m.start, m.end):
                covered[i] = True
    forms: dict[tuple[str, ...], _Group | None] = {}
    for g in groups:
        for m in g.mentions:
            forms.setdefault(tuple(t.text for t in doc[m.start : m.end]), g)
        if g.kind == "person" and len(g.tokens) >= 2:
            surname = (doc[g.mentions[0].end - 1].text,)
            if len(surname[0]) >= 3:
                owner = forms.get(surname, g)
                forms[surname] = g if owner is g else None  # shared surname: nobody's
    longest = max((len(f) for f in forms), default=0)
    sent_of = _sentence_starts(doc)
    words = [t.text for t in doc]  # once: each doc[i] builds a new Token
    i = 0
    while i < len(doc):
        found = None
        # The tagger calls "Marques" a plural noun; a capital and a noun tag will do.
        if not covered[i] and words[i][:1].isupper() and doc[i].tag_ in ("NNP", "NNPS", "NN", "NNS"):
            for size in range(min(longest, len(doc) - i), 0, -1):
                key = tuple(words[i : i + size])
                group = forms.get(key)
                if group is not None and not any(covered[i : i + size]):
                    found = (size, group)
                    break
        if found is None:
            i += 1
            continue
        size, group = found
        span = doc[i : i + size]
        group.mentions.append(
            Mention(
                text=original[span.start_char : span.end_char],
                label=CANDIDATE,
                start=i,
                end=i + size,
                start_char=span.start_char,
                end_char=span.end_char,
                sent=sent_of[i],
            )
        )
        i += size


def _sentence_starts(doc: Doc) -> list[int]:
    index = [0] * len(doc)
    for n, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            index[i] = n
    return index


def _common_noun(g: _Group, doc: Doc) -> bool:
    return all(
        m.end - m.start == 1 and doc[m.start].is_sent_start and doc[m.start].tag_ in ("NN", "NNS")
        for m in g.mentions
    )


def _merge_people(groups: list[_Group]) -> list[_Group]:
    """Surnames and shortened names join the full name: "Blinken", "Mohamed Farah".

    A one-word name the model labelled a place or an organisation joins a person too when it
    is that person's surname ("Blinken" tagged as a place once): the full name decides.
    """
    people = [g for g in groups if g.kind == "person" and len(g.tokens) >= 2]
    merged: set[int] = set()
    for g in sorted(groups, key=lambda g: len(g.tokens)):
        if g.kind != "person" and (len(g.tokens) != 1 or g.key in COUNTRY_KEYS.values()):
            continue
        candidates = [
            p for p in people if p is not g and id(p) not in merged and _names_same_person(g.tokens, p.tokens)
        ]
        if not candidates and g.kind == "person" and len(g.tokens) == 1:
            # "Dana Okafor" labelled an organisation once, "Okafor" a person four times:
            # a two- or three-word name ending in the surname, that no head word calls an
            # organisation or a place, is that person.
            named = [
                p
                for p in groups
                if p is not g
                and p.kind != "person"
                and id(p) not in merged
                and 2 <= len(p.tokens) <= 3
                and p.tokens[-1] == g.tokens[0]
                and p.tokens[0] not in COUNTRY_KEYS
                and not any(t in ORGANIZATION_HEADS or t in PLACE_HEADS for t in p.tokens)
            ]
            if len(named) == 1:
                named[0].absorb(g)
                named[0].votes["person"] = named[0].votes.get("person", 0.0) + 1.0
                merged.add(id(g))
                continue
        if not candidates and g.kind == "person":
            firsts = [
                p
                for p in people
                if p is not g and id(p) not in merged and _names_by_family_first(g.tokens, p.tokens)
            ]
            candidates = firsts if len(firsts) == 1 else []  # two Roberts: say nothing
        if not candidates:
            continue
        target = min(candidates, key=lambda p: p.first)
        target.absorb(g)
        target.votes["person"] = target.votes.get("person", 0.0) + 1.0
        merged.add(id(g))
    return [g for g in groups if id(g) not in merged]


def _names_same_person(short: list[str], full: list[str]) -> bool:
    """ "farah" or "mohamed farah" is short for "mohamed abdihamid farah"; "kilroy silk" too."""
    if len(short) >= len(full):
        return False
    if full[-len(short) :] == short:
        return True
    return len(short) >= 2 and short[0] == full[0] and short[-1] == full[-1]


def _names_by_family_first(short: list[str], full: list[str]) -> bool:
    """ "Xi" for "Xi Jinping", "Qin" for "Qin Gang" (family name first), "Robert" for "Robert
    Kilroy-Silk" (a first name alone): the first word of one full name."""
    return len(short) == 1 and len(full) >= 2 and full[0] == short[0]


def initials(text: str) -> str:
    """ "Chinese Communist Party" -> "CCP"; "UK Independence Party" -> "UKIP"."""
    out = []
    for word in re.split(r"[\s\-]+", text):
        word = word.strip(".,'’()")
        if not word or word.lower() in {"of", "the", "and", "for", "de", "du", "la", "&"}:
            continue
        out.append(word if word.isupper() and len(word) <= 3 else word[0])
    return "".join(out).upper()


def _acronym(g: _Group) -> str | None:
    for m in g.mentions:
        compact = m.text.replace(".", "")
        if 2 <= len(compact) <= 6 and compact.isalpha() and compact.isupper():
            return compact
    return None


def _merge_acronyms(groups: list[_Group], doc: Doc) -> list[_Group]:
    """An acronym joins the name it abbreviates, or the name it follows in brackets."""
    merged: set[int] = set()
    by_paren = _bracketed_after(groups, doc)
    for g in groups:
        acronym = _acronym(g)
        if acronym is None or g.kind == "person":
            continue
        target = by_paren.get(id(g))
        if target is None:
            for other in groups:
                if other is g or id(other) in merged or len(other.tokens) < 2:
                    continue
                if any(initials(m.text) == acronym for m in other.mentions):
                    target = other
                    break
        if target is not None and target is not g:
            target.absorb(g)
            merged.add(id(g))
    return [g for g in groups if id(g) not in merged]


def _bracketed_after(groups: list[_Group], doc: Doc) -> dict[int, _Group]:
    """ "Chinese Communist Party (CCP)": the bracketed group points at the name before it."""
    end_at: dict[int, _Group] = {}
    for g in groups:
        for m in g.mentions:
            end_at[m.end] = g
    found: dict[int, _Group] = {}
    for g in groups:
        for m in g.mentions:
            if m.start >= 2 and doc[m.start - 1].text == "(" and m.end < len(doc) and doc[m.end].text == ")":
                before = end_at.get(m.start - 1)
                if before is not None and before is not g:
                    found[id(g)] = before
    return found


def _merge_org_suffixes(groups: list[_Group]) -> list[_Group]:
    """ "State Department" joins "U.S. State Department" when the extra words name a country."""
    merged: set[int] = set()
    orgs = [g for g in groups if g.kind == "organization"]
    for g in orgs:
        for other in orgs:
            if other is g or id(other) in merged or len(other.tokens) <= len(g.tokens):
                continue
            if other.tokens[-len(g.tokens) :] != g.tokens:
                continue
            prefix = " ".join(other.tokens[: -len(g.tokens)])
            if len(g.tokens) >= 2 or prefix in COUNTRY_KEYS:
                other.absorb(g)
                merged.add(id(g))
                break
    return [g for g in groups if id(g) not in merged]


# --------------------------------------------------------------------------- entities


def _stated_in_body(g: _Group, body_start: int) -> bool:
    """A name found only in the headline counts when the headline can be trusted on it.

    Headlines capitalise every word, so the model finds "names" in them that are not
    ("Leicestershire Take"); a headline-only name is kept when it is a country or a world city.
    """
    if any(m.start_char >= body_start for m in g.mentions):
        return True
    return g.key in COUNTRY_KEYS.values() or g.key in CITY_KEYS


def build_entities(groups: Sequence[_Group], original: str, body_start: int, lead_end: int) -> list[Entity]:
    """Name, count and rank each group; most salient first.

    Salience is how often the article names it, with a bonus for the headline, the lead
    sentence and the dateline, and a small one for coming early.
    """
    entities = []
    counts = _occurrences(original, groups)
    for g in groups:
        kind = g.kind
        forms = Counter(m.text for m in g.mentions)
        name = _choose_name(kind, forms)
        count = max(len(g.mentions), counts[id(g)])
        first = g.first
        labels = Counter(m.label for m in g.mentions if m.label != CANDIDATE and LABEL_KIND[m.label] == kind)
        default = {"person": "PERSON", "organization": "ORG"}.get(kind, "GPE")
        label = labels.most_common(1)[0][0] if labels else default
        in_title = any(m.start_char < body_start for m in g.mentions)
        in_lead = any(body_start <= m.start_char < lead_end for m in g.mentions)
        dateline = any(
            kind == "place" and w >= DATELINE and k == "place" for m in g.mentions for k, w in m.votes
        )
        salience = (
            count + 2.0 * in_title + 1.5 * in_lead + 2.0 * dateline + (1.0 - first / max(len(original), 1))
        )
        aliases = tuple(sorted({f for f in forms if f != name}, key=lambda f: -forms[f]))
        entities.append(
            Entity(
                name=name,
                kind=kind,
                label=label,
                mentions=tuple(sorted(g.mentions, key=lambda m: m.start_char)),
                aliases=aliases,
                count=count,
                first_char=first,
                salience=salience,
                keys=frozenset(g.merged_keys | {g.key}),
            )
        )
    entities.sort(key=lambda e: (-e.salience, e.first_char))
    return entities


def _choose_name(kind: Kind, forms: Counter[str]) -> str:
    def shouting(form: str) -> bool:
        return form.isupper() and len(form.replace(".", "")) > 3

    def size(form: str) -> int:
        return len(name_key(form).split())

    if kind == "place":
        return max(forms, key=lambda f: (not shouting(f), forms[f], size(f)))
    if kind == "person":
        # "Syria Hanad Mustafe Musse": a caption run into the text; the name is the rest.
        plain = [f for f in forms if name_key(f).split()[0] not in COUNTRY_KEYS]
        forms = Counter({f: forms[f] for f in plain}) if plain else forms

    def acronym(form: str) -> bool:
        return form.replace(".", "").isupper() and size(form) == 1

    return max(forms, key=lambda f: (not acronym(f), not shouting(f), size(f), forms[f]))


def _occurrences(text: str, groups: Sequence[_Group], ignore_case: bool = False) -> Counter[int]:
    """How often each group's forms occur in ``text`` as whole words.

    Longer forms claim their place first, so "UK" inside "UK Independence Party" counts for the
    party, not for the country.
    """
    owner: dict[str, int] = {}
    for g in groups:
        for m in g.mentions:
            owner.setdefault(m.text.casefold() if ignore_case else m.text, id(g))
    haystack = text.casefold() if ignore_case else text
    taken: list[tuple[int, int]] = []
    counts: Counter[int] = Counter()
    for form in sorted(owner, key=len, reverse=True):
        start = haystack.find(form)
        while start >= 0:
            end = start + len(form)
            if _whole_word(haystack, start, end) and not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                counts[owner[form]] += 1
            start = haystack.find(form, start + 1)
    return counts


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "_.") and not (after.isalnum() or after == "_")


def find_entities(doc: Doc, original: str, body_start: int = 0, lead_end: int = 0) -> list[Entity]:
    """Every person, organisation and place in a parsed article, most salient first.

    ``doc`` is the parse of ``truecase(original)``: same length, so offsets are shared.
    """
    mentions = weigh(doc, original, find_mentions(doc, original, body_start))
    groups = group_mentions(mentions, doc, original)
    groups = [g for g in groups if _stated_in_body(g, body_start)]
    return build_entities(groups, original, body_start, lead_end)


VENUE_REACH = 3  # sentences back from a venue to the city it is in


def venue_details(entities: Sequence[Entity]) -> dict[int, str]:
    """Venues as details of their city: "talks in Beijing ... at the Diaoyutai State Guesthouse".

    A venue (FAC) belongs to the city named in the same sentence, else to the last city (a place
    that is not a country) named up to ``VENUE_REACH`` sentences before it. Returns the detail
    for each city, by its index in ``entities``.
    """
    cities = [
        (m.sent, m.start, n)
        for n, e in enumerate(entities)
        if e.kind == "place" and e.label == "GPE" and not (e.keys & set(COUNTRY_KEYS.values()))
        for m in e.mentions
    ]
    details: dict[int, str] = {}
    for venue in entities:
        if venue.kind != "place" or venue.label != "FAC" or not venue.mentions:
            continue
        first = venue.mentions[0]
        same = [c for c in cities if c[0] == first.sent]
        before = [c for c in cities if first.sent - VENUE_REACH <= c[0] <= first.sent and c[1] < first.start]
        chosen = min(same, key=lambda c: abs(c[1] - first.start)) if same else max(before, default=None)
        if chosen is not None:
            details.setdefault(chosen[2], venue.name)
    return details
