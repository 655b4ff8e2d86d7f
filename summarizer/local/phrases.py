"""Objectives and open issues: learned choice of clauses, learned compression, cue rules as evidence.

For every clause of the article (``clauses``) two logistic models give the chance that a
careful reader would list it as an objective and as an open issue. Both were fitted on the
268 silver briefs (``make train``): a clause is a positive example of a kind when it is the
one a silver item of that kind was written from (it holds at least half of the item's content
words, as the scorer counts them). A clause goes to the kind it is likelier to be (but a
hypothesis, "would do X if Y", or a possibility, "X could do Y", is an open issue, as the
silver briefs mostly file them), when that chance clears the kind's threshold; the article
decides how many there are, between ``min_items`` and ``max_items`` (settings chosen on the
gold dev set by cross-validation).
Each chosen clause is cut to a short phrase by ``compress``.

The hand-written cue rules below are kept as evidence, not as the decision: which rule fired
inside a clause, and how explicit its cue was, are features of the clause.

objectives
  - "X plans / aims / seeks to VP"          -> "plans to VP"               (with X when named)
  - "X urged / challenged Y to VP"          -> "urged Y to VP"
  - "X called / pushed for NP"              -> "called for NP"
  - "the policy / aim is to VP"             -> "VP"
  - "three main objectives: A, B, and C"    -> "A", "B", "C"
  - "in a bid / an effort to VP"            -> "VP"
  - "X will / would VP" (a stated intent)   -> "VP"                        (weaker)
  - "... to VP" (a purpose clause)          -> "VP"                        (weakest)
open issues
  - "at odds / a dispute / concerns over A, B and C"  -> "A", "B", "C"
  - "concerns / fears / claims that CLAUSE" -> "concerns that CLAUSE"
  - "X denied / claimed / warned CLAUSE"    -> "X denied CLAUSE"
  - "X accused Y of Z", "X refused to VP", "X rejected the idea CLAUSE"
  - "it is unclear whether CLAUSE", "NP remains unresolved"
  - "prospects for NP are slim", "threats of NP", "alleged NP"
  - "X could / may VP" where VP is a harm   -> "X could VP"
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from summarizer.local import cues
from summarizer.local.clauses import POSSIBLE, Clause, clause_features, conditional, find_clauses, possible
from summarizer.local.compress import Phrase, compress
from summarizer.local.entities import Entity
from summarizer.local.gazetteer import is_role_noun
from summarizer.local.learned import ModelFile, load_models
from summarizer.local.spans import (
    MIN_WORDS,
    clean_indices,
    render,
    shorten,
    split_list,
    subtree,
    words,
)
from summarizer.text import item_words

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.strings import StringStore
    from spacy.tokens import Doc, Token

ItemKind = Literal["objective", "issue"]
KINDS: tuple[ItemKind, ...] = ("objective", "issue")
EXPLICIT = 3.0  # a noun that names the thing: "objectives:", "at odds over", "concerns that"
DIRECT = 2.5  # a verb of intent or conflict: "plans to", "denied"
IMPLIED = 1.5  # "alleged", "threats of", a possible harm
WEAK = 1.0  # "will VP"
WEAKEST = 0.8  # a purpose clause
NEAR_COPY = 0.7  # share of content words above which two items say the same
_SUBJECTS = ("nsubj", "nsubjpass")
_FUTURE = frozenset({"will", "would", "shall", "'ll", "’ll"})
_FIRST_PERSON = frozenset({"i", "we", "you"})
MODEL_FILE = "brief"


@dataclass(frozen=True, slots=True)
class Item:
    kind: ItemKind
    text: str
    strength: float
    position: int
    tokens: frozenset[int]


@dataclass(frozen=True, slots=True)
class _Context:
    doc: Doc
    original: str
    names: dict[int, tuple[int, int]]  # token index -> token span of the name it is part of

    def item(
        self, kind: ItemKind, indices: Iterable[int], strength: float, position: int, limit: bool = True
    ) -> Item | None:
        cleaned = clean_indices(self.doc, indices)
        if limit:
            cleaned = shorten(self.doc, cleaned)
        if words(self.doc, cleaned) < MIN_WORDS:
            return None
        text = render(self.doc, self.original, cleaned)
        return Item(kind, text, strength, position, frozenset(cleaned)) if text else None

    def subject_name(self, verb: Token) -> list[int]:
        """The named subject of ``verb`` (through "X quit and accused ..."), as its name tokens."""
        while verb.dep_ in ("conj", "xcomp") and not any(c.dep_ in _SUBJECTS for c in verb.children):
            verb = verb.head
        subject = next((c for c in verb.children if c.dep_ in _SUBJECTS), None)
        if subject is None or subject.i not in self.names:
            return []
        start, end = self.names[subject.i]
        return list(range(start, end))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A clause with its chance of being an objective and an open issue."""

    clause: Clause
    chances: dict[ItemKind, float]
    antecedent: str | None  # the surname a leading "he" or "she" stands for
    # What an explicit cue rule cut from this clause, by kind: "at odds over A, B and C" split
    # into its items, "concerns that X"; used instead of the compressor's phrase
    rule_items: dict[ItemKind, tuple[str, ...]] = field(default_factory=dict)

    @property
    def kind(self) -> ItemKind:
        if conditional(self.clause.head) or possible(self.clause.head):
            return "issue"  # "would do X if Y", "X could do Y" state no aim; they may state a risk
        return max(KINDS, key=lambda k: self.chances[k])


def find_phrases(
    doc: Doc, original: str, entities: Sequence[Entity], body_start: int = 0
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The article's objectives and open issues, as short phrases."""
    models = load_models(MODEL_FILE)
    candidates = score_clauses(doc, original, entities, body_start, models)
    cut = models.setting("compress_threshold")

    def shorten(c: Candidate) -> Phrase | None:
        return compress(c.clause, original, models, cut, c.antecedent)

    chosen = choose(candidates, models.settings, shorten)
    return tuple(chosen["objective"]), tuple(chosen["issue"])


def score_clauses(
    doc: Doc, original: str, entities: Sequence[Entity], body_start: int, models: ModelFile
) -> list[Candidate]:
    """Every clause of the body with the models' chances for each kind."""
    features = candidate_features(doc, original, entities, body_start)
    people = _person_mentions(entities)
    out = []
    for clause, feats, lists in features:
        chances = {kind: models.model(kind).probability(feats) for kind in KINDS}
        out.append(Candidate(clause, chances, _antecedent(people, clause.first), lists))
    return out


def candidate_features(
    doc: Doc, original: str, entities: Sequence[Entity], body_start: int
) -> list[tuple[Clause, dict[str, float], dict[ItemKind, tuple[str, ...]]]]:
    """Every clause of the body with its features (the cue rules' findings among them) and the
    items an explicit cue rule cut from it."""
    clauses = find_clauses(doc, body_start)
    found: list[list[tuple[str, float]]] = [[] for _ in clauses]
    lists: list[dict[ItemKind, tuple[str, ...]]] = [{} for _ in clauses]
    owner: dict[int, int] = {}
    for n, clause in enumerate(clauses):
        for i in clause.tokens():
            owner[i] = n
    for group in cue_items(doc, original, entities, body_start):
        at = owner.get(group[0].position)
        if at is None:
            continue
        n = at
        for item in group:
            found[n].append((item.kind, item.strength / EXPLICIT))
        if len(group) >= 2:
            found[n].append(("list", 1.0))
            lists[n][group[0].kind] = lists[n].get(group[0].kind, ()) + tuple(i.text for i in group)
        elif group[0].strength >= EXPLICIT and group[0].kind not in lists[n]:
            # "concerns that X", "at odds over X": the cue rule's own cut of an explicit item
            lists[n][group[0].kind] = (group[0].text,)
    return [
        (clause, clause_features(clause, kinds), split)
        for clause, kinds, split in zip(clauses, found, lists, strict=True)
    ]


def choose(
    candidates: Sequence[Candidate],
    settings: Mapping[str, float],
    shorten: Callable[[Candidate], Phrase | None],
) -> dict[ItemKind, list[str]]:
    """The phrases of each kind: the clauses likeliest to be of it, as many as clear its
    threshold (within the article's bounds), shortened, near-copies dropped, in article order."""
    least, most = int(settings["min_items"]), int(settings["max_items"])
    result: dict[ItemKind, list[str]] = {}
    for kind in KINDS:
        taken: list[set[str]] = []
        pool = sorted((c for c in candidates if c.kind == kind), key=lambda c: -c.chances[kind])
        threshold = settings[f"{kind}_threshold"]
        picked: list[tuple[int, int, str]] = []
        for cand in pool:
            if len(picked) >= most or (len(picked) >= least and cand.chances[kind] < threshold):
                break
            split = cand.rule_items.get(kind, ())
            texts = list(split) if split else [p.text for p in (shorten(cand),) if p is not None]
            for text in texts:
                if _near_copy(text, taken):
                    continue
                taken.append(item_words(text))
                picked.append((cand.clause.first, len(picked), text))
        result[kind] = [text for _, _, text in sorted(picked)]
    return result


def _near_copy(text: str, taken: Sequence[set[str]]) -> bool:
    mine = item_words(text)
    if not mine:
        return True
    return any(len(mine & other) / max(1, min(len(mine), len(other))) >= NEAR_COPY for other in taken)


def _person_mentions(entities: Sequence[Entity]) -> tuple[list[int], list[str]]:
    pairs = sorted((m.start, e.name.split()[-1]) for e in entities if e.kind == "person" for m in e.mentions)
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _antecedent(people: tuple[list[int], list[str]], position: int) -> str | None:
    starts, names = people
    at = bisect.bisect_left(starts, position)
    return names[at - 1] if at else None


def cue_items(doc: Doc, original: str, entities: Sequence[Entity], body_start: int = 0) -> list[list[Item]]:
    """What the hand-written cue rules find, as evidence for the clause models: the items of
    each rule that fired, several when it split a list."""
    names: dict[int, tuple[int, int]] = {}
    for entity in entities:
        for m in entity.mentions:
            for i in range(m.start, m.end):
                names[i] = (m.start, m.end)
    ctx = _Context(doc, original, names)
    items: list[list[Item]] = []
    tried: set[tuple[Rule, int]] = set()
    for tok in _cue_tokens(doc):
        if tok.idx < body_start:
            continue  # the headline: its capitals and ellipses make poor phrases
        lower = tok.lower_
        lemma = tok.lemma_.lower()
        rules = _RULE_INDEX.get(lower, []) + (_RULE_INDEX.get(lemma, []) if lemma != lower else [])
        for rule, on_head in rules:
            target = tok.head if on_head else tok
            if (rule, target.i) in tried:
                continue
            tried.add((rule, target.i))
            found = [i for i in rule(ctx, target) if i is not None]
            if found:
                items.append(found)
    return items


# --------------------------------------------------------------------------- objectives


def _aims(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "X plans to VP", "X urged Y to VP", "X called on Y to VP"."""
    lemma = tok.lemma_.lower()
    if tok.pos_ != "VERB" or lemma not in cues.AIM_VERBS | cues.PERSUADE_VERBS:
        return []
    xcomp = next((c for c in tok.children if c.dep_ == "xcomp" and _is_infinitive(c)), None)
    if xcomp is None and lemma in cues.PERSUADE_VERBS:
        # "challenged Mr X to stand down": parsed as a clause with its own subject
        xcomp = next((c for c in tok.children if c.dep_ == "ccomp" and _is_infinitive(c)), None)
    if xcomp is None or _conditional(tok):
        return []
    if tok.tag_ == "VBN" and (tok.dep_ in ("acl", "amod") or any(c.dep_ == "auxpass" for c in tok.children)):
        return []  # "the trial, expected to last five months": an estimate, not an aim
    if tok.tag_ == "VBG" and tok.dep_ in ("csubj", "pcomp", "pobj", "acl", "amod"):
        return []  # "like trying to climb Everest", "Trying to succeed saw me ...": no actor
    if any(t.tag_ in ("WP", "WDT") for t in xcomp.subtree):
        return []  # "what they try to do to him"
    particles = [c.i for c in tok.children if c.dep_ == "prt"]
    # "want to make sure, as we do, that X": the that-clause completes the aim
    middle_after = [
        i for c in tok.children if c.dep_ == "ccomp" and c is not xcomp and c.i > xcomp.i for i in subtree(c)
    ]
    middle: list[int] = []
    if lemma in cues.PERSUADE_VERBS:
        target = next((c for c in tok.children if c.dep_ == "dobj"), None)
        on = next(
            (c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("on", "upon") and c.i == tok.i + 1),
            None,
        )
        for part in (target, on):
            if part is not None:
                middle += subtree(part)
    elif lemma not in cues.AIM_VERBS:
        return []
    indices = [*ctx.subject_name(tok), tok.i, *particles, *middle, *subtree(xcomp), *middle_after]
    return [ctx.item("objective", indices, DIRECT, tok.i)]


def _demands(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "X called for NP", "X pushed for NP"."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in cues.DEMAND_VERBS or tok.dep_ in ("acl", "amod"):
        return []
    prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "for"), None)
    if prep is None or not any(c.dep_ in ("pobj", "pcomp") for c in prep.children):
        return []
    indices = [*ctx.subject_name(tok), tok.i, *subtree(prep)]
    return [ctx.item("objective", indices, DIRECT, tok.i)]


def _goal_nouns(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "the policy is to VP", "three main objectives: A, B, and C", "in a bid to VP"."""
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in cues.GOAL_NOUNS:
        return []
    doc = ctx.doc
    head = tok.head
    if tok.dep_ == "nsubj" and head.lemma_ == "be":
        xcomp = next((c for c in head.children if c.dep_ == "xcomp" and _is_infinitive(c)), None)
        if xcomp is not None:
            return [ctx.item("objective", _drop_to(doc, subtree(xcomp)), EXPLICIT, tok.i)]
    colon = _colon_after(doc, tok)
    if colon is not None:
        sent = tok.sent
        region = clean_indices(doc, range(colon + 1, sent.end))
        return [
            ctx.item("objective", _drop_to(doc, piece), EXPLICIT, piece[0])
            for piece in split_list(doc, region)
            if piece
        ]
    acl = next((c for c in tok.children if c.dep_ == "acl" and _is_infinitive(c)), None)
    if (
        acl is not None
        and head.lower_ in ("in", "as")
        and tok.lemma_.lower() in ("bid", "effort", "attempt", "drive")
    ):
        return [ctx.item("objective", _drop_to(doc, subtree(acl)), DIRECT, tok.i)]
    if acl is not None and tok.lemma_.lower() in ("plan", "proposal") and tok.dep_ in ("dobj", "nsubj"):
        return [ctx.item("objective", [tok.i, *subtree(acl)], DIRECT, tok.i)]
    return []


def _stated_intent(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "he would be raising the issue of X", "the visit will pave the way for Y"; and "could
    impact global security" as a risk."""
    if tok.pos_ not in ("VERB", "AUX") or tok.dep_ not in ("ROOT", "ccomp", "conj"):
        return []
    modals = [c for c in tok.children if c.dep_ == "aux" and c.lower_ in _FUTURE | POSSIBLE]
    if not modals or any(c.dep_ == "neg" for c in tok.children):
        return []
    subject = next((c for c in tok.children if c.dep_ in _SUBJECTS), None)
    if subject is not None and subject.lower_ in _FIRST_PERSON:
        return []
    if subject is None or (subject.dep_ == "nsubj" and not _is_actor(ctx, subject)):
        return []  # "the trial will cost $4m": a forecast about a thing, not an actor's intent
    if _quoted(ctx.original, tok):
        return []  # "he would 'break open the champagne'": a quip, not a plan
    harmful = _harmful(tok)
    maybe = modals[0].lower_ in POSSIBLE
    if maybe and not harmful:
        kind: ItemKind = "objective"
        strength = WEAKEST
    elif harmful:
        kind, strength = "issue", IMPLIED
    else:
        kind, strength = "objective", WEAK
    if tok.lemma_ in ("be", "become", "seem", "appear") and not harmful:
        return []  # "it would be obvious": a state, not an aim
    # Left of the verb only its subject (and a passive's "be") belongs to the phrase.
    skip = [c for c in tok.children if c.i < tok.i and c.dep_ not in (*_SUBJECTS, "auxpass", "neg")]
    keep_subject = subject is not None and (subject.dep_ == "nsubjpass" or kind == "issue")
    if subject is not None and not keep_subject:
        skip.append(subject)
    skip += [c for c in tok.children if c.dep_ in ("advcl", "ccomp") and c.i > tok.i and _is_clause(c)]
    indices = subtree(tok, skip)
    if subject is not None and not keep_subject:
        indices = ctx.subject_name(tok) + indices
    if keep_subject and tok.dep_ == "ccomp":
        indices += _reason_of(tok.head)
    if keep_subject or kind == "issue" or ctx.subject_name(tok):
        indices += [m.i for m in modals]
    return [ctx.item(kind, indices, strength, tok.i)]


_ACTOR_PRONOUNS = frozenset({"he", "she", "they"})


def _is_actor(ctx: _Context, subject: Token) -> bool:
    """A named entity, a personal pronoun, a word for people or an organisation, or something
    a named actor owns ("Blinken's visit")."""
    if subject.i in ctx.names or subject.lower_ in _ACTOR_PRONOUNS:
        return True
    if is_role_noun(subject.lower_, "person") or is_role_noun(subject.lower_, "organization"):
        return True
    return subject.lemma_.lower() in _ACTOR_NOUNS or any(
        c.dep_ == "poss" and c.i in ctx.names for c in subject.children
    )


_ACTOR_NOUNS = frozenset(
    "government administration authority official police court council minister ministry army "
    "people voter worker resident protester prosecutor lawyer investigator".split()
)


def _purpose(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "... travel to London for the conference to encourage support for Ukraine"."""
    if tok.pos_ != "VERB" or tok.dep_ not in ("advcl", "acl") or not _is_infinitive(tok):
        return []
    head = tok.head
    if head.dep_ in ("xcomp",) or head.lemma_.lower() in cues.AIM_VERBS | cues.PERSUADE_VERBS:
        return []  # already part of an aim
    if tok.dep_ == "acl" and head.pos_ != "PROPN":
        return []
    if any(c.lower_ == "for" for c in tok.children) or _conditional(tok):
        return []  # "support for him to form a party": not the actor's purpose
    if tok.i >= 2 and ctx.doc[tok.i - 2].lower_ in ("than", "rather"):
        return []  # "other than to add to the coverage"
    verb = head
    while verb.dep_ == "conj":
        verb = verb.head
    subject = next((c for c in verb.children if c.dep_ in _SUBJECTS), None)
    if subject is not None and subject.lower_ in _FIRST_PERSON:
        return []
    item = ctx.item("objective", _drop_to(ctx.doc, subtree(tok)), WEAKEST, tok.i)
    return [item] if item is not None and len(item.text.split()) >= 3 else []


# --------------------------------------------------------------------------- open issues


def _disputes(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "at odds over A, B and C", "a dispute over NP", "concerns about NP"."""
    if not _is(tok, cues.DISPUTE_HEADS):
        return []
    prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ in cues.DISPUTE_PREPOSITIONS), None)
    if prep is None or not any(c.dep_ in ("pobj", "pcomp") for c in prep.children):
        return []
    doc = ctx.doc
    region = _region_after(doc, prep)
    pieces = split_list(doc, region)
    if len(pieces) >= 2:
        return [ctx.item("issue", piece, EXPLICIT, piece[0], limit=True) for piece in pieces]
    lead = [tok.head.i] if tok.head.lower_ == "at" else []
    return [ctx.item("issue", [*lead, tok.i, prep.i, *region], EXPLICIT, tok.i)]


def _claims(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "concerns that CLAUSE", "claims that CLAUSE", "the risk that CLAUSE"."""
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in cues.CLAUSE_NOUNS:
        return []
    clause = next((c for c in tok.children if c.dep_ in ("acl", "ccomp", "relcl") and _has_that(c)), None)
    if clause is None and tok.dep_ == "nsubj" and tok.head.pos_ == "VERB":
        clause = next((c for c in tok.head.children if c.dep_ == "ccomp" and _has_that(c)), None)
    if clause is None:
        return []
    return [ctx.item("issue", [tok.i, *subtree(clause)], EXPLICIT, tok.i)]


def _claim_verbs(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "Jackson denied there was any intimidation", "the League claimed the act was broken"."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in cues.CLAIM_VERBS:
        return []
    comps = [c for c in tok.children if c.dep_ == "ccomp"]
    if tok.lemma_.lower() in ("deny", "dispute", "question"):
        comps += [c for c in tok.children if c.dep_ == "dobj"]
    if not comps:
        return []
    indices = ctx.subject_name(tok) + [tok.i] + [i for c in comps for i in subtree(c)]
    return [ctx.item("issue", indices, DIRECT, tok.i)]


def _worries(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "We are concerned that CLAUSE", "officials are worried that CLAUSE"."""
    if tok.pos_ != "ADJ" or tok.lower_ not in cues.WORRIED_ADJECTIVES:
        return []
    clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
    if clause is None:
        return []
    return [ctx.item("issue", [tok.i, *subtree(clause)], EXPLICIT, tok.i)]


def _against(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "many motorists campaigned against the rises"."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in cues.AGAINST_VERBS:
        return []
    prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "against"), None)
    if prep is None:
        return []
    subject = next((c for c in tok.children if c.dep_ in _SUBJECTS), None)
    lead = subtree(subject) if subject is not None and subject.pos_ in ("NOUN", "PROPN") else []
    return [ctx.item("issue", [*lead, tok.i, *subtree(prep)], DIRECT, tok.i)]


def _criticism(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "X said the freeze sends the wrong message": a reported criticism, without "X said"."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in cues.SPEECH_VERBS:
        return []
    clause = next((c for c in tok.children if c.dep_ == "ccomp"), None)
    if clause is None or not any(_is(t, cues.CRITICAL_WORDS) for t in clause.subtree):
        return []
    return [ctx.item("issue", subtree(clause), IMPLIED, clause.i)]


def _problems(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "there had been widespread intimidation of activists", "prompted a formal complaint"."""
    if tok.pos_ != "NOUN" or not _is(tok, cues.PROBLEM_NOUNS) or tok.dep_ in ("compound", "amod"):
        return []
    head = tok.head
    if tok.dep_ == "dobj" and head.lemma_.lower() in cues.CAUSE_VERBS:
        return [ctx.item("issue", [*ctx.subject_name(head), head.i, *subtree(tok)], DIRECT, tok.i)]
    if tok.dep_ in ("attr", "nsubj") and any(c.dep_ == "expl" for c in head.children):
        return [ctx.item("issue", subtree(tok), IMPLIED, tok.i)]  # "there had been X"
    if tok.dep_ in ("dobj", "pobj") and any(c.dep_ == "prep" for c in tok.children):
        return [ctx.item("issue", subtree(tok), IMPLIED - 0.3, tok.i)]
    return []


def _absences(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "court records listed no attorney for him", "there were no policies"."""
    if tok.lower_ != "no" or tok.dep_ != "det":
        return []
    noun = tok.head
    verb = noun.head
    if noun.dep_ not in ("dobj", "attr") or verb.pos_ not in ("VERB", "AUX"):
        return []
    if any(c.dep_ == "expl" for c in verb.children):
        return [ctx.item("issue", subtree(noun), IMPLIED - 0.3, tok.i)]  # "there is no cure"
    subject = next((c for c in verb.children if c.dep_ in _SUBJECTS), None)
    lead = subtree(subject) if subject is not None and subject.pos_ in ("NOUN", "PROPN") else []
    skip = [c for c in verb.children if c.dep_ in ("advcl", "ccomp", "conj", "cc", "punct", "mark")]
    rest = [i for i in subtree(verb, skip) if i >= verb.i or i in lead]
    return [ctx.item("issue", [*lead, *rest], IMPLIED - 0.3, tok.i)]


def _blame(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "X accused Y of Z", "Y is accused of Z", "X criticised Y for Z"."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in cues.BLAME_VERBS:
        return []
    prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("of", "for", "with")), None)
    if prep is None:
        return []
    target = next((c for c in tok.children if c.dep_ == "dobj"), None)
    middle = subtree(target) if target is not None else []
    indices = [*ctx.subject_name(tok), tok.i, *middle, *subtree(prep)]
    if target is None:
        # "Six men have been charged with terrorism": a prosecution's case, what it seeks to prove
        return [ctx.item("objective", indices, IMPLIED, tok.i)]
    return [ctx.item("issue", indices, DIRECT, tok.i)]


def _refusals(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "X refused to confirm CLAUSE", "X failed to VP", "X rejected the idea CLAUSE"."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in cues.REFUSE_VERBS:
        return []
    xcomp = next((c for c in tok.children if c.dep_ == "xcomp" and _is_infinitive(c)), None)
    if xcomp is not None:
        if len(list(xcomp.subtree)) <= 2:
            return []  # "declined to comment": no issue named
        return [ctx.item("issue", [*ctx.subject_name(tok), tok.i, *subtree(xcomp)], DIRECT, tok.i)]
    idea = next((c for c in tok.children if c.dep_ == "dobj" and c.lemma_.lower() in cues.IDEA_NOUNS), None)
    if idea is None:
        return []
    # The idea's clause is often parsed outside it: take the words up to the clause's end.
    end = idea.i + 1
    doc = ctx.doc
    while end < tok.sent.end and end - idea.i < 14:
        t = doc[end]
        if t.text in {",", ";", ".", ":"} or (
            t.lower_ == "and" and end + 1 < len(doc) and doc[end + 1].tag_ == "VBD"
        ):
            break
        end += 1
    indices = [*ctx.subject_name(tok), tok.i, *subtree(idea), *range(idea.i + 1, end)]
    return [ctx.item("issue", indices, DIRECT, tok.i)]


def _doubts(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "it was not clear whether CLAUSE", "the question ... is still unresolved"."""
    lemma = tok.lemma_.lower()
    negated_clear = lemma == "clear" and any(
        c.dep_ == "neg" for c in tok.head.children if tok.dep_ == "acomp"
    )
    if tok.pos_ != "ADJ" or not (lemma in cues.DOUBT_ADJECTIVES or negated_clear):
        return []
    doc = ctx.doc
    cue = [c.i for c in tok.head.children if c.dep_ == "neg"] + [tok.i] if negated_clear else [tok.i]
    whether = next(
        (t for t in doc[tok.i + 1 : tok.sent.end] if t.lower_ in ("whether", "if", "why", "how")), None
    )
    if whether is not None:
        clause = whether.head if whether.dep_ == "mark" else whether
        return [ctx.item("issue", [*cue, whether.i, *subtree(clause)], EXPLICIT, tok.i)]
    if tok.dep_ == "acomp" and tok.head.lemma_ in ("be", "remain", "stay"):
        subject = next((c for c in tok.head.children if c.dep_ in _SUBJECTS), None)
        if subject is not None and subject.pos_ in ("NOUN", "PROPN") and subject.lower_ != "it":
            keep = [c.i for c in tok.head.children if c.dep_ == "advmod" and c.i < tok.i]
            return [ctx.item("issue", [*subtree(subject), tok.head.i, *keep, tok.i], EXPLICIT, tok.i)]
    if tok.dep_ == "amod" and tok.head.pos_ == "NOUN" and lemma != "open":
        return [ctx.item("issue", subtree(tok.head), IMPLIED, tok.i)]
    return []


def _bleak_prospects(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "prospects for any significant breakthroughs are slim"."""
    if tok.pos_ != "ADJ" or tok.lemma_.lower() not in cues.BLEAK_ADJECTIVES or tok.dep_ != "acomp":
        return []
    subject = next((c for c in tok.head.children if c.dep_ in _SUBJECTS), None)
    if subject is None or subject.lemma_.lower() not in cues.CHANCE_NOUNS:
        return []
    return [ctx.item("issue", [*subtree(subject), tok.head.i, tok.i], EXPLICIT, tok.i)]


def _troubles(ctx: _Context, tok: Token) -> list[Item | None]:
    """ "threats of more protests", "the risk of conflict", "alleged hunting of hares"."""
    lemma = tok.lemma_.lower()
    if tok.lower_ in ("alleged", "suspected") and tok.dep_ == "amod":
        return [ctx.item("issue", subtree(tok.head), IMPLIED, tok.i)]
    if tok.lower_ == "allegedly" and tok.dep_ == "advmod" and tok.head.pos_ == "VERB":
        verb = tok.head
        skip = [c for c in verb.children if c.dep_ in _SUBJECTS]
        return [ctx.item("issue", ctx.subject_name(verb) + subtree(verb, skip), IMPLIED, tok.i)]
    if tok.pos_ != "NOUN" or lemma not in cues.TROUBLE_NOUNS:
        return []
    prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
    if prep is None or (tok.dep_ in ("pobj",) and tok.head.lower_ == "of"):
        return []
    skip = [c for c in tok.children if c.dep_ in ("det", "relcl", "acl")]
    return [ctx.item("issue", subtree(tok, skip), IMPLIED, tok.i)]


Rule = Callable[[_Context, "Token"], list[Item | None]]

# Each rule with the words (lemma or lower case) that can trigger it. Rules marked ``True`` are
# tried on the head of the triggering word: the verb of a modal, the verb of an infinitive "to".
_RULES: tuple[tuple[Rule, frozenset[str], bool], ...] = (
    (_aims, cues.AIM_VERBS | cues.PERSUADE_VERBS, False),
    (_demands, cues.DEMAND_VERBS, False),
    (_goal_nouns, cues.GOAL_NOUNS, False),
    (_stated_intent, _FUTURE | POSSIBLE, True),
    (_purpose, frozenset({"to"}), True),
    (_disputes, cues.DISPUTE_HEADS, False),
    (_claims, cues.CLAUSE_NOUNS, False),
    (_claim_verbs, cues.CLAIM_VERBS, False),
    (_worries, cues.WORRIED_ADJECTIVES, False),
    (_against, cues.AGAINST_VERBS, False),
    (_criticism, cues.SPEECH_VERBS, False),
    (_problems, cues.PROBLEM_NOUNS, False),
    (_absences, frozenset({"no"}), False),
    (_blame, cues.BLAME_VERBS, False),
    (_refusals, cues.REFUSE_VERBS, False),
    (_doubts, cues.DOUBT_ADJECTIVES | {"clear"}, False),
    (_bleak_prospects, cues.BLEAK_ADJECTIVES, False),
    (_troubles, cues.TROUBLE_NOUNS | {"alleged", "suspected", "allegedly"}, False),
)


def _cue_tokens(doc: Doc) -> list[Token]:
    """Tokens whose word or lemma can trigger a rule, found on arrays of string hashes."""
    from spacy.attrs import LEMMA, LOWER

    strings = doc.vocab.strings
    triggers = _trigger_hashes(strings)
    hashes = doc.to_array([LOWER, LEMMA])
    return [
        doc[i] for i, (lower, lemma) in enumerate(hashes.tolist()) if lower in triggers or lemma in triggers
    ]


_TRIGGER_HASHES: dict[int, frozenset[int]] = {}


def _trigger_hashes(strings: StringStore) -> frozenset[int]:
    cached = _TRIGGER_HASHES.get(id(strings))
    if cached is None:
        cached = frozenset(strings[w] for w in _RULE_INDEX)
        _TRIGGER_HASHES[id(strings)] = cached
    return cached


def _index_rules() -> dict[str, list[tuple[Rule, bool]]]:
    index: dict[str, list[tuple[Rule, bool]]] = {}
    for rule, words_, on_head in _RULES:
        for word in words_:
            index.setdefault(word, []).append((rule, on_head))
    return index


_RULE_INDEX = _index_rules()


# --------------------------------------------------------------------------- helpers


_OPENING_QUOTE = re.compile(r"“|‘|(?:(?<=^)|(?<=[\s(\[]))['\"](?=\w)")
_CLOSING_QUOTE = re.compile(r"”|(?<=[\w.,!?])’(?=[\s.,;:!?)]|$)|(?<=[\w.,!?])['\"](?=[\s.,;:!?)]|$)")


def _quoted(original: str, tok: Token) -> bool:
    """Whether ``tok`` stands inside quotation marks (double or single) on its line."""
    line_start = original.rfind("\n", 0, tok.idx) + 1
    before = original[line_start : tok.idx + 1]  # with the word's first letter, for the look-ahead
    return len(_OPENING_QUOTE.findall(before)) > len(_CLOSING_QUOTE.findall(before))


def _conditional(tok: Token) -> bool:
    """In an "if" or "unless" clause: a hypothesis, not an aim."""
    for _ in range(3):
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in tok.children):
            return True
        if tok.head is tok:
            return False
        tok = tok.head
    return False


def _is_infinitive(tok: Token) -> bool:
    return tok.pos_ in ("VERB", "AUX") and any(c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children)


def _is_clause(tok: Token) -> bool:
    return tok.pos_ in ("VERB", "AUX") and any(c.dep_ in _SUBJECTS for c in tok.children)


def _has_that(tok: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ == "that" for c in tok.children) or (
        tok.dep_ == "ccomp" and tok.pos_ in ("VERB", "AUX")
    )


def _is(tok: Token, lexicon: frozenset[str]) -> bool:
    return tok.lemma_.lower() in lexicon or tok.lower_ in lexicon


def _drop_to(doc: Doc, indices: list[int]) -> list[int]:
    out = sorted(indices)
    while out and doc[out[0]].lower_ == "to":
        out = out[1:]
    return out


def _colon_after(doc: Doc, tok: Token) -> int | None:
    """The index of a colon that closes the noun phrase ``tok`` heads ("objectives:")."""
    end = max(t.i for t in tok.subtree) + 1
    for i in (tok.i + 1, end):
        if i < len(doc) and doc[i].text == ":":
            return int(i)
    return None


def _region_after(doc: Doc, prep: Token) -> list[int]:
    """What a preposition governs, to the end of a list that may run on past the parse."""
    own = [i for i in subtree(prep) if i != prep.i]
    sent_end = prep.sent.end
    rest = list(range(prep.i + 1, sent_end))
    tail = [doc[i].lower_ for i in rest[len(own) : len(own) + 2]]
    runs_on = bool(tail) and (tail[0] in (",", "from", "including", "such") or "from" in tail)
    if not runs_on:
        return own
    region = []
    for i in rest:
        tok = doc[i]
        if i not in own and tok.dep_ in ("ccomp", "advcl", "relcl") and tok.tag_ in ("VBD", "VBZ", "VBP"):
            break
        region.append(i)
    return clean_indices(doc, region)


def _reason_of(verb: Token) -> list[int]:
    """ "this financial year, because of volatility": when and why, from the reporting verb."""
    out: list[int] = []
    for c in verb.children:
        if c.dep_ == "npadvmod" or (c.dep_ in ("prep", "advcl") and c.lower_ in ("because", "due")):
            out += subtree(c)
    return out


def _harmful(tok: Token) -> bool:
    lemmas = {tok.lemma_.lower()} | {c.lemma_.lower() for c in tok.subtree}
    return bool(lemmas & cues.HARM_WORDS)
