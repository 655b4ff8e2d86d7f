"""Turning a set of parsed tokens into a short phrase: cut, trimmed, split, rendered.

Phrases keep the article's own words, in its order. Rendering only drops words (quotes,
attributions such as "the State Department said", leading conjunctions, articles when a phrase
runs long) and turns a leading gerund into its base form ("Setting up mechanisms" -> "set up
mechanisms"), so that the items of a list read alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from summarizer.local.cues import CONTAINER_NOUNS, SPEECH_VERBS

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc, Token

MAX_WORDS = 15
MIN_WORDS = 2

_QUOTES = frozenset({'"', "“", "”", "‘", "’", "``", "''", "'", "«", "»"})
_LEADING = frozenset(
    "and or but nor so then also that although though while because since as yet still thus "
    "however moreover meanwhile currently already".split()
)
_TRAILING = frozenset("and or but that which who , ; : - – — ( [".split())
_FILLERS = frozenset("the a an also currently already still just really very even however indeed".split())
_BOUNDARIES = frozenset(
    ", ; — – including which who whom whose because after when while although though since "
    "so before until unless whereas".split()
)
_LIST_OPENERS = ("from", "including", "such as", "like", "notably", "especially", "namely")
_ITEM_OPENERS = ("and", "or", "from", "to", "including", "as well as", "plus", "such as", "and also")


def subtree(tok: Token, skip: Iterable[Token] = ()) -> list[int]:
    """Indices of ``tok``'s subtree, leaving out the subtrees of the ``skip`` tokens."""
    skipped: set[int] = set()
    for s in skip:
        skipped.update(t.i for t in s.subtree)
    return [t.i for t in tok.subtree if t.i not in skipped]


def clean_indices(doc: Doc, indices: Iterable[int]) -> list[int]:
    """Sorted, without quotes or line breaks, trimmed of leading conjunctions and attributions."""
    out = sorted(
        {i for i in indices if (doc[i].text not in _QUOTES or doc[i].tag_ == "POS") and not doc[i].is_space}
    )
    out = [i for i in out if "\n" not in doc[i].text]
    out = _cut_attribution(doc, out)
    out = _drop_asides(doc, out)
    while out and (doc[out[0]].is_punct or doc[out[0]].lower_ in _LEADING):
        out = out[1:]
    while out and (doc[out[-1]].is_punct or doc[out[-1]].lower_ in _TRAILING) and not _closes(doc, out):
        out = out[:-1]
    return out


def _closes(doc: Doc, indices: list[int]) -> bool:
    """Whether the last token closes a bracket opened among ``indices``: "the Office (SFO)"."""
    if doc[indices[-1]].text != ")":
        return False
    brackets = [doc[i].text for i in indices[:-1] if doc[i].text in ("(", ")")]
    return bool(brackets) and brackets[-1] == "("


def _cut_attribution(doc: Doc, indices: list[int]) -> list[int]:
    """ "..., the State Department said" / "..., he added" / "according to X": not the phrase."""
    for pos, i in enumerate(indices):
        if doc[i].lower_ == "according" and pos + 1 < len(indices) and doc[indices[pos + 1]].lower_ == "to":
            return indices[:pos]
        if doc[i].text != ",":
            continue
        rest = [doc[j] for j in indices[pos + 1 :]]
        if 0 < len(rest) <= 8 and any(t.lemma_.lower() in SPEECH_VERBS and t.pos_ == "VERB" for t in rest):
            return indices[:pos]
    return indices


def _drop_asides(doc: Doc, indices: list[int]) -> list[int]:
    """ "make sure, as we do, that ..." / "the law, he said, is clear": asides after a comma.

    An aside ends at the next comma, or where the chosen tokens jump over words of the sentence.
    """
    for pos, i in enumerate(indices):
        if doc[i].text != ",":
            continue
        end = pos + 1
        while end < len(indices) and doc[indices[end]].text != "," and indices[end] == indices[end - 1] + 1:
            end += 1
        inner = [doc[j] for j in indices[pos + 1 : end]]
        if not inner or len(inner) > 4:
            continue
        speech = any(t.lemma_.lower() in SPEECH_VERBS for t in inner)
        as_we_do = inner[0].lower_ == "as" and inner[-1].pos_ in ("AUX", "VERB")
        dangling = end == len(indices) and not any(t.pos_ in ("NOUN", "PROPN", "NUM") for t in inner)
        if speech or as_we_do or dangling:
            closing = end + 1 if end < len(indices) and doc[indices[end]].text == "," else end
            return _drop_asides(doc, indices[:pos] + indices[closing:])
    return indices


def words(doc: Doc, indices: Sequence[int]) -> int:
    """Words as a reader counts them: "doesn't" is one word, "," none."""
    return sum(1 for i in indices if not doc[i].is_punct and not _clitic(doc[i]))


def _clitic(tok: Token) -> bool:
    return tok.lower_ in ("n't", "n’t", "'s", "’s", "'ll", "’ll", "'re", "’re", "'ve", "’ve", "'d", "’d")


def shorten(doc: Doc, indices: list[int], limit: int = MAX_WORDS) -> list[int]:
    """At most ``limit`` words: drop fillers, else cut at a clause boundary, else at the limit."""
    if words(doc, indices) <= limit:
        return indices
    lean = [i for i in indices if doc[i].lower_ not in _FILLERS]
    if words(doc, lean) <= limit:
        return lean
    count = 0
    strong = weak = None
    for pos, i in enumerate(lean):
        tok = doc[i]
        if not tok.is_punct and not _clitic(tok):
            count += 1
        if count > limit:
            break
        nxt = doc[lean[pos + 1]].lower_ if pos + 1 < len(lean) else ""
        as_well_as = tok.lower_ == "as" and nxt == "well"
        if pos >= 4 and (tok.lower_ in _BOUNDARIES or as_well_as):
            strong = pos
        elif pos >= 4 and tok.tag_ in ("IN", "TO") and count >= 8:
            weak = pos
    # Prefer a clause boundary that keeps a useful phrase; else cut before a late preposition.
    cut = strong if strong is not None and words(doc, lean[:strong]) >= 5 else weak or strong
    if cut is None:
        kept: list[int] = []
        count = 0
        for i in lean:
            count += 0 if doc[i].is_punct or _clitic(doc[i]) else 1
            if count > limit:
                break
            kept.append(i)
        return _trim_tail(doc, kept)
    return _trim_tail(doc, lean[:cut])


def _trim_tail(doc: Doc, indices: list[int]) -> list[int]:
    while indices and (
        doc[indices[-1]].is_punct or doc[indices[-1]].lower_ in _TRAILING | {"the", "a", "an"}
    ):
        indices = indices[:-1]
    while indices and doc[indices[-1]].tag_ in ("IN", "TO", "DT", "CC"):
        indices = indices[:-1]
    return indices


def render(doc: Doc, original: str, indices: Sequence[int], base_form: bool = True) -> str:
    """The tokens as the article writes them, a leading gerund (and its parallels) in base form."""
    if not indices:
        return ""
    parts: list[str] = []
    gerunds = _parallel_gerunds(doc, indices) if base_form else set()
    for pos, i in enumerate(indices):
        tok = doc[i]
        text = tok.lemma_ if i in gerunds else original[tok.idx : tok.idx + len(tok.text)]
        if pos:
            prev = doc[indices[pos - 1]]
            adjacent = prev.i + 1 == i
            gap = original[prev.idx + len(prev.text) : tok.idx] if adjacent else " "
            parts.append(" " if gap and not gap.isspace() else (" " if gap else ""))
        parts.append(text)
    return " ".join("".join(parts).split())


def _parallel_gerunds(doc: Doc, indices: Sequence[int]) -> set[int]:
    """ "Setting up X, advancing Y and speaking Z" -> "set up X", "advance Y", "speak Z"."""
    first = doc[indices[0]]
    if first.tag_ != "VBG" or first.dep_ in ("prep", "amod", "compound", "nsubj", "dobj", "pobj"):
        return set()  # "Following his visit, ...": a preposition, not an action
    found = {first.i}
    for pos, i in enumerate(indices[1:], 1):
        tok = doc[i]
        prev = doc[indices[pos - 1]]
        if tok.tag_ == "VBG" and (
            prev.lower_ in ("and", "or", ",") or (tok.dep_ == "conj" and tok.head.i in found)
        ):
            found.add(i)
    return found


def split_list(doc: Doc, indices: list[int]) -> list[list[int]]:
    """ "a range of issues, from A and B, to C, D, and E" -> [A and B], [C], [D], [E]."""
    indices = _skip_container(doc, indices)
    pieces: list[list[int]] = [[]]
    depth = 0
    for i in indices:
        text = doc[i].text
        if text in "([":
            depth += 1
        elif text in ")]":
            depth = max(0, depth - 1)
        if depth == 0 and text in {",", ";"}:
            pieces.append([])
            continue
        pieces[-1].append(i)
    pieces = [p for p in pieces if p]
    if len(pieces) >= 2 and doc[pieces[-1][0]].lower_ not in ("and", "or"):
        # "A, B and C" (no comma before "and"): the last piece holds two items
        pieces = pieces[:-1] + _split_at_last_and(doc, pieces[-1])
    pieces = [_strip_opener(doc, p) for p in pieces]
    pieces = [p for p in pieces if p]
    if len(pieces) >= 2:
        return pieces
    return _split_coordination(doc, indices)


def _split_at_last_and(doc: Doc, piece: list[int]) -> list[list[int]]:
    for pos in range(len(piece) - 2, 0, -1):
        if doc[piece[pos]].lower_ in ("and", "or"):
            left, right = piece[:pos], piece[pos + 1 :]
            if any(doc[i].pos_ in ("NOUN", "PROPN") for i in left) and any(
                doc[i].pos_ in ("NOUN", "PROPN") for i in right
            ):
                return [left, right]
            break
    return [piece]


def _skip_container(doc: Doc, indices: list[int]) -> list[int]:
    """Drop "a range of issues, from" before the list it announces."""
    for pos, i in enumerate(indices[:6]):
        if doc[i].lemma_.lower() in CONTAINER_NOUNS:
            rest = indices[pos + 1 :]
            for k, j in enumerate(rest[:6]):
                low = doc[j].lower_
                nxt = doc[rest[k + 1]].lower_ if k + 1 < len(rest) else ""
                if low in _LIST_OPENERS or f"{low} {nxt}" in _LIST_OPENERS:
                    skip = 2 if f"{low} {nxt}" in _LIST_OPENERS else 1
                    return rest[k + skip :]
    return indices


def _strip_opener(doc: Doc, piece: list[int]) -> list[int]:
    changed = True
    while piece and changed:
        changed = False
        for opener in _ITEM_OPENERS:
            n = len(opener.split())
            if " ".join(doc[i].lower_ for i in piece[:n]) == opener and len(piece) > n:
                piece = piece[n:]
                changed = True
    return clean_indices(doc, piece)


def _split_coordination(doc: Doc, indices: list[int]) -> list[list[int]]:
    """ "over trade and chips" -> [trade], [chips], using the parse's conjuncts."""
    inside = set(indices)
    heads = [doc[i] for i in indices if doc[i].head.i not in inside or doc[i].head.i == i]
    if len(heads) != 1:
        return [indices]
    head = heads[0]
    conjuncts = [head]
    frontier = [head]
    while frontier:
        tok = frontier.pop()
        for child in tok.children:
            if child.dep_ == "conj" and child.i in inside:
                conjuncts.append(child)
                frontier.append(child)
    if len(conjuncts) < 2:
        return [indices]
    out = []
    for c in conjuncts:
        skip = [
            ch for ch in c.children if ch.dep_ in ("conj", "cc") or (ch.dep_ == "punct" and ch.text == ",")
        ]
        part = clean_indices(doc, [i for i in subtree(c, skip) if i in inside])
        if part:
            out.append(part)
    return out if len(out) >= 2 else [indices]
