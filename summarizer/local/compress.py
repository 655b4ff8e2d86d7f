"""A clause cut down to a short phrase that still says who does what: learned pruning of the parse.

The phrase keeps the article's words in the article's order. It is the clause's head with a
subset of its dependents, chosen on the dependency tree:

- some dependents always go with their head, because without them the words do not read
  ("the", "has", "not", "up" in "set up", "of" with its object, the parts of a name);
- the others are *scored*: a logistic model (``learned``) gives the chance that the subtree
  holds words a human summary keeps, from the dependency, the parts of speech, the side and
  depth, the size, and whether it sits behind a comma or in brackets. It was fitted on the
  clauses the silver briefs' items were written from (``make train``);
- complements (subject, object, adjectives, names) are kept unless the phrase runs long;
  adjuncts only when the model rates them;
- while the phrase is over ``MAX_WORDS``, the branch that costs least per word goes. A second
  model (``keep``) gives each content word the chance that a summary of the clause keeps that
  very word, from its place in the parse (which branch of the clause it sits in, how deep,
  behind how many prepositions, how far along); a branch costs the sum of its words' chances.
  Cutting by words rather than by branches keeps the words a reader (and the scorer) looks for:
  "the new bypass could cut trade at the small shops along the old high street", not "the bypass
  could cut trade at the shops by a third within years".

Two edits make a phrase stand alone: a reporting frame is put first ("the bill is rushed,
Davis said" -> "Davis said the bill is rushed"; "he said" is dropped), and a leading "he" or
"she" becomes the surname of the last person named before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.local.clauses import Clause
from summarizer.local.gazetteer import HONORIFICS
from summarizer.local.learned import LinearModel, ModelFile
from summarizer.local.spans import MAX_WORDS, clean_indices, render, words
from summarizer.text import item_words

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc, Token

# Dependents that cannot be left behind by their head.
_BOUND = frozenset(
    {"det", "aux", "auxpass", "neg", "prt", "case", "pobj", "pcomp", "predet", "expl", "fixed", "flat"}
)
# Dependents kept by default: the arguments and the words that describe them.
_CORE = frozenset(
    {
        "nsubj",
        "nsubjpass",
        "csubj",
        "dobj",
        "attr",
        "acomp",
        "xcomp",
        "oprd",
        "agent",
        "amod",
        "compound",
        "nummod",
        "poss",
        "quantmod",
        "conj",
    }
)
# Dependents never kept: punctuation, discourse words, loose attachments.
_NEVER = frozenset({"punct", "cc", "intj", "meta", "parataxis", "preconj", "dep"})
_PRONOUNS = frozenset({"he", "she"})


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    tokens: frozenset[int]


def _kept_always(tok: Token) -> bool:
    dep = tok.dep_
    if dep == "compound":
        return tok.pos_ == "PROPN" and tok.head.pos_ == "PROPN"
    return dep in _BOUND


def _never(tok: Token) -> bool:
    if dep_is_to(tok):
        return False
    return tok.dep_ in _NEVER or (tok.lower_ in HONORIFICS and tok.dep_ == "compound")


def dep_is_to(tok: Token) -> bool:
    return tok.dep_ == "mark" and tok.tag_ == "TO"


def edge_features(child: Token, head_of_clause: Token, depth: int) -> dict[str, float]:
    """What the compressor's model sees of one dependent and the branch it heads."""
    head = child.head
    head_dep = "HEAD" if head.i == head_of_clause.i else head.dep_
    side = "L" if child.i < head.i else "R"
    dep = child.dep_
    f = {
        f"dep={dep}": 1.0,
        f"pos={child.pos_}": 1.0,
        f"dep_hpos={dep}_{head.pos_}": 1.0,
        f"hdep={head_dep}": 1.0,
        f"hdep_dep={head_dep}_{dep}": 1.0,
        f"dep_side={dep}_{side}": 1.0,
        f"depth={min(depth, 4)}": 1.0,
        f"dep_depth={dep}_{min(depth, 3)}": 1.0,
    }
    size = sum(1 for _ in child.subtree)
    f[f"size={min(size // 3, 5)}"] = 1.0
    if child.ent_type_:
        f[f"ent={child.ent_type_}"] = 1.0
        f[f"ent_dep={child.ent_type_}_{dep}"] = 1.0
    if child.is_stop or child.pos_ in ("ADP", "SCONJ", "CCONJ", "ADV", "PART"):
        f[f"lemma={child.lower_}"] = 1.0
    if dep == "prep":
        f[f"prep={child.lower_}_{head.pos_}"] = 1.0
    doc = child.doc
    left = child.left_edge.i
    if left > 0 and doc[left - 1].text == ",":
        f["comma_before"] = 1.0
    if any(t.text in ("(", ")") for t in child.subtree):
        f["brackets"] = 1.0
    return f


def counts_as_word(tok: Token) -> bool:
    """Whether ``tok`` is a word that items are compared on (not a stopword, not punctuation)."""
    return bool(item_words(tok.text))


def word_features(tok: Token, head_of_clause: Token) -> dict[str, float]:
    """What the ``keep`` model sees of one content word of a clause: where it sits in the parse."""
    path: list[Token] = []
    node = tok
    while node.i != head_of_clause.i and node.head.i != node.i:
        path.append(node)
        node = node.head
    top = path[-1] if path else tok
    top_dep = "HEAD" if not path else top.dep_
    if top_dep == "prep":
        top_dep = f"prep_{top.lower_}"
    preps = sum(1 for t in path if t.dep_ == "prep")
    f = {
        f"dep={tok.dep_}": 1.0,
        f"pos={tok.pos_}": 1.0,
        f"dep_hpos={tok.dep_}_{tok.head.pos_}": 1.0,
        f"top={top_dep}": 1.0,
        f"top_pos={top_dep}_{tok.pos_}": 1.0,
        f"depth={min(len(path), 5)}": 1.0,
        f"preps={min(preps, 3)}": 1.0,
        f"side={'L' if tok.i < head_of_clause.i else 'R'}": 1.0,
        f"far={min(abs(tok.i - head_of_clause.i) // 4, 5)}": 1.0,
    }
    if tok.ent_type_:
        f[f"ent={tok.ent_type_}"] = 1.0
    if tok.like_num:
        f["number"] = 1.0
    doc = tok.doc
    if any(t.left_edge.i > 0 and doc[t.left_edge.i - 1].text == "," for t in path):
        f["behind_comma"] = 1.0
    return f


def scored_edges(clause: Clause) -> list[tuple[Token, int]]:
    """The dependents the model decides on, with their depth below the clause head."""
    own = set(clause.tokens())
    out: list[tuple[Token, int]] = []

    def walk(tok: Token, depth: int) -> None:
        for child in tok.children:
            if child.i not in own or _never(child):
                continue
            if not _kept_always(child):
                out.append((child, depth))
            walk(child, depth + 1)

    walk(clause.head, 1)
    return out


def compress(
    clause: Clause, original: str, models: ModelFile, threshold: float, antecedent: str | None = None
) -> Phrase | None:
    """The clause as a phrase of at most ``MAX_WORDS`` words, or None when nothing is left.
    ``models`` holds the branch model (``compress``) and the word model (``keep``)."""
    head = clause.head
    doc = head.doc
    own = set(clause.tokens())
    model = models.model("compress")
    chance = {c.i: model.probability(edge_features(c, head, d)) for c, d in scored_edges(clause)}
    keep: set[int] = set()

    def add(tok: Token) -> None:
        keep.add(tok.i)
        for child in tok.children:
            if child.i not in own or _never(child):
                continue
            if _kept_always(child) or child.dep_ in _CORE or chance.get(child.i, 0.0) >= threshold:
                add(child)

    add(head)
    if clause.subject is not None:
        add(clause.subject)
    prefix = _speaker(clause, original, antecedent)
    budget = MAX_WORDS - len(prefix.split())
    indices = _tidy(doc, keep)
    value = _word_values(doc, keep, head, models.model("keep")) if words(doc, indices) > budget else {}
    while words(doc, indices) > budget:
        droppable = [i for i in keep if i in chance]
        if not droppable:
            break
        worst = _cheapest_cut(doc, keep, droppable, value, words(doc, indices) - budget)
        keep -= {t.i for t in doc[worst].subtree}
        indices = _tidy(doc, keep)
    if words(doc, indices) > budget:
        indices = _truncate(doc, indices, budget)
    if not indices:
        return None
    first = doc[indices[0]]
    lead = prefix
    if first.lower_ in _PRONOUNS and first.dep_ in ("nsubj", "nsubjpass") and not prefix and antecedent:
        lead, indices = antecedent, indices[1:]
    text = render(doc, original, indices)
    text = f"{lead} {text}".strip() if lead else text
    if len(text.split()) < 2:
        return None
    return Phrase(text=text, tokens=frozenset(indices))


def _word_values(doc: Doc, keep: set[int], head: Token, model: LinearModel) -> dict[int, float]:
    """The ``keep`` model's chance for each kept content word."""
    return {i: model.probability(word_features(doc[i], head)) for i in keep if counts_as_word(doc[i])}


def _cheapest_cut(
    doc: Doc, keep: set[int], droppable: list[int], value: dict[int, float], excess: int
) -> int:
    """The next branch to drop so that ``excess`` words go at the least loss of likely words:
    the cheapest single branch that saves enough, unless branches taken cheapest-per-word first
    save as much for less (a long low-value tail, or a few stray modifiers)."""
    size: dict[int, int] = {}
    cost: dict[int, float] = {}
    for i in droppable:
        kept = [t.i for t in doc[i].subtree if t.i in keep and not t.is_punct]
        size[i] = len(kept)
        cost[i] = sum(value.get(k, 0.0) for k in kept)
    by_density = sorted(droppable, key=lambda i: (cost[i] / max(size[i], 1), -i))
    taken: list[int] = []
    saved, spent = 0, 0.0
    for i in by_density:
        if saved >= excess:
            break
        if any(doc[t].is_ancestor(doc[i]) for t in taken):
            continue
        taken.append(i)
        saved += size[i]
        spent += cost[i]
    enough = [i for i in droppable if size[i] >= excess]
    single = min(enough, key=lambda i: (cost[i], -i)) if enough else None
    if single is not None and cost[single] <= spent:
        return single
    return by_density[0]


def _speaker(clause: Clause, original: str, antecedent: str | None) -> str:
    """ "Davis said" for "X, Davis said" and "Davis said X"; nothing for "he said" without one."""
    verb = clause.speech
    if verb is None:
        return ""
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None:
        return ""
    if subject.lower_ in _PRONOUNS:
        name = antecedent or ""
    elif subject.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") or subject.pos_ == "PROPN":
        name = short_name(subject, original)
    else:
        return ""
    return f"{name} {_word(verb, original)}" if name else ""


def short_name(tok: Token, original: str) -> str:
    """The name ``tok`` is part of as the article writes it; a person by their surname."""
    doc = tok.doc
    start = end = tok.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end + 1 < len(doc) and doc[end + 1].ent_iob_ == "I":
        end += 1
    if tok.ent_type_ == "PERSON":
        return _word(doc[end], original)
    while start < end and doc[start].lower_ in ("the", *HONORIFICS):
        start += 1
    span = doc[start : end + 1]
    return " ".join(original[span.start_char : span.end_char].split())


def _word(tok: Token, original: str) -> str:
    return original[tok.idx : tok.idx + len(tok.text)]


def _tidy(doc: Doc, keep: set[int]) -> list[int]:
    """The kept tokens in order, with the commas and "and"s that join kept conjuncts, the
    hyphens that join kept words and the brackets around kept words ("the Office (SFO)")."""
    joined = set(keep) | _brackets(doc, keep)
    for i in keep:
        if i + 2 in keep and doc[i + 1].tag_ == "HYPH":
            joined.add(i + 1)  # "six-month", "long-term"
        tok = doc[i]
        conjuncts = [c.i for c in tok.children if c.dep_ == "conj" and c.i in keep]
        if not conjuncts:
            continue
        last = max(conjuncts)
        for child in tok.children:
            if (
                child.dep_ in ("cc", "punct")
                and tok.i < child.i < last
                and child.text in (",", "and", "or", "but")
            ):
                joined.add(child.i)
    return clean_indices(doc, joined)


def _brackets(doc: Doc, keep: set[int]) -> set[int]:
    """The pairs of brackets that hold a kept word."""
    if not keep:
        return set()
    out: set[int] = set()
    opened: int | None = None
    for i in range(max(min(keep) - 1, 0), min(max(keep) + 2, len(doc))):
        if doc[i].text == "(":
            opened = i
        elif doc[i].text == ")" and opened is not None:
            if any(j in keep for j in range(opened + 1, i)):
                out |= {opened, i}
            opened = None
    return out


def _truncate(doc: Doc, indices: Sequence[int], budget: int) -> list[int]:
    kept: list[int] = []
    count = 0
    for i in indices:
        if not doc[i].is_punct:
            count += 1
        if count > budget:
            break
        kept.append(i)
    return clean_indices(doc, kept)
