"""The clauses of an article that may state an objective or an open issue, and what they look like.

A clause here is a main verb with what hangs on it: each sentence's root, each verb
co-ordinated with it ("X plans to stand *but refused* to confirm ..."), and, when the root
reports speech ("X said (that) CLAUSE"), the reported clause and its co-ordinated verbs, with
the speaker kept aside so that the phrase can name them ("Davis says the bill is rushed").

``clause_features`` describes a clause for the learned classifier (``phrases``): its cue
words (``cues``), modality, negation, subject, position in the article, words, which of the
hand-written cue rules fired on it, and (for the open-issue model) its context: how its
sentence and the next one open, its place in its paragraph, what its subordinate clauses hang
on ("if", "although"). Nothing here decides; the weights do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.local import cues

if TYPE_CHECKING:  # spaCy is imported by the pipeline when a model loads, not by this module
    from spacy.tokens import Doc, Span, Token

_SUBJECTS = frozenset({"nsubj", "nsubjpass"})
_MODALS = frozenset(
    {"will", "would", "could", "may", "might", "should", "must", "can", "shall", "'ll", "’ll"}
)
# Verbs that introduce what someone says, thinks or reports: the clause they govern is the news.
REPORT_VERBS = cues.SPEECH_VERBS | frozenset(
    "believe think warn argue insist claim deny stress suggest reveal announce fear hope expect".split()
)
MIN_TOKENS = 4
POSSIBLE = frozenset({"could", "may", "might"})  # modals of possibility
# Features of the clause's context (its sentence's neighbours, its subordinate clauses' links):
# measured by cross-validation on the dev set, they help tell an open issue (a "But" after it, a
# conditional) and cost the objective model as much, so only the issue model is fitted on them.
CONTEXT = "ctx:"
_LEXICONS: dict[str, frozenset[str]] = {
    "aim": cues.AIM_VERBS,
    "persuade": cues.PERSUADE_VERBS,
    "demand": cues.DEMAND_VERBS,
    "goal": cues.GOAL_NOUNS,
    "dispute": cues.DISPUTE_HEADS,
    "clause_noun": cues.CLAUSE_NOUNS,
    "claim": cues.CLAIM_VERBS,
    "worried": cues.WORRIED_ADJECTIVES,
    "blame": cues.BLAME_VERBS,
    "refuse": cues.REFUSE_VERBS,
    "doubt": cues.DOUBT_ADJECTIVES,
    "trouble": cues.TROUBLE_NOUNS,
    "harm": cues.HARM_WORDS,
    "speech": cues.SPEECH_VERBS,
    "critical": cues.CRITICAL_WORDS,
    "problem": cues.PROBLEM_NOUNS,
    "against": cues.AGAINST_VERBS,
    "bleak": cues.BLEAK_ADJECTIVES,
}
_CUE_OF: dict[str, tuple[str, ...]] = {}
for _name, _words in _LEXICONS.items():
    for _word in _words:
        _CUE_OF[_word] = (*_CUE_OF.get(_word, ()), _name)


@dataclass(frozen=True, slots=True)
class Clause:
    """One candidate: ``head`` and its dependents, minus the verbs that are clauses of their own."""

    head: Token
    sent: Span
    index: int  # of its sentence among the body's sentences
    sentences: int  # in the body
    others: tuple[int, ...] = ()  # token indices of the heads of the sentence's other clauses
    speech: Token | None = None  # "said" in "X said CLAUSE"
    subject: Token | None = None  # the subject it shares with the verb it is co-ordinated with
    context: tuple[str, ...] = ()  # features of its sentence's place among its neighbours

    @property
    def first(self) -> int:
        return min(self.tokens())

    def tokens(self) -> list[int]:
        """Its own tokens: the head's subtree without the other clauses of the sentence."""
        skip: set[int] = set()
        doc = self.head.doc
        for i in self.others:
            if i != self.head.i and self.head.is_ancestor(doc[i]):
                skip.update(t.i for t in doc[i].subtree)
        return [t.i for t in self.head.subtree if t.i not in skip]


def find_clauses(doc: Doc, body_start: int) -> list[Clause]:
    """Every candidate clause of the body (not the headline), in article order."""
    sents = [s for s in doc.sents if s.start_char >= body_start and len(s) >= MIN_TOKENS]
    found: list[Clause] = []
    for index, sent in enumerate(sents):
        root = sent.root
        if not any(t.pos_ in ("VERB", "AUX") for t in sent):
            continue  # a dateline, a heading, a row of a table: no clause
        speech = None
        main = root
        # "X told reporters (that) Y said (that) CLAUSE": the innermost report frames the clause
        while main.lemma_.lower() in REPORT_VERBS:
            reported = next((c for c in main.children if c.dep_ == "ccomp"), None)
            if reported is None or reported.pos_ not in ("VERB", "AUX"):
                break
            speech, main = main, reported
        heads = [h for h in (main, *_verb_conjuncts(main)) if not says_nothing(h)]
        if not heads:
            continue
        others = tuple(h.i for h in heads)
        subject = _subject(main)
        context = _sentence_marks(sents, index)
        for head in heads:
            shared = subject if head is not main and _subject(head) is None else None
            found.append(Clause(head, sent, index, len(sents), others, speech, shared, context))
    return found


def _opening(sent: Span) -> str | None:
    """The linking word a sentence opens with ("But", "However", "If"), if any."""
    first = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if first is None or first.pos_ not in ("CCONJ", "SCONJ", "ADV"):
        return None
    return first.lower_


def _sentence_marks(sents: Sequence[Span], index: int) -> tuple[str, ...]:
    """Features of a sentence's place: its opening word and the next one's ("But" after a
    plan), a question before it, the first or last sentence of its paragraph."""
    sent = sents[index]
    marks = []
    text = sent.doc.text
    opening = _opening(sent)
    if opening is not None:
        marks.append(f"{CONTEXT}opens={opening}")
    if index + 1 < len(sents):
        following = _opening(sents[index + 1])
        if following is not None:
            marks.append(f"{CONTEXT}next_opens={following}")
        if "\n" in text[sent.end_char : sents[index + 1].start_char]:
            marks.append(f"{CONTEXT}para_last")
    if index > 0:
        before = sents[index - 1]
        if "?" in before.text[-3:]:
            marks.append(f"{CONTEXT}after_question")
        if "\n" in text[before.end_char : sent.start_char]:
            marks.append(f"{CONTEXT}para_first")
    return tuple(marks)


def says_nothing(head: Token) -> bool:
    """ "X declined to comment", "neither minister spoke to reporters": a refusal or a report
    with nothing refused or reported is no objective and no issue."""
    lemma = head.lemma_.lower()
    if lemma in cues.REFUSE_VERBS:
        xcomp = next((c for c in head.children if c.dep_ == "xcomp"), None)
        return xcomp is not None and sum(1 for _ in xcomp.subtree) <= 2
    if lemma in cues.SPEECH_VERBS | {"speak", "talk", "comment"}:
        return not any(c.dep_ in ("ccomp", "dobj", "xcomp", "attr") for c in head.children)
    return False


def conditional(head: Token) -> bool:
    """ "he would throw a party if the team won": a hypothesis, not an aim."""
    return any(
        c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless") for m in c.children)
        for c in head.children
    )


def possible(head: Token) -> bool:
    """ "the change could delay the launch", "talks may collapse": a possibility, not an aim.
    (In the silver briefs such clauses were written up as open issues 57 times, as objectives 32.)"""
    return any(c.dep_ == "aux" and c.lower_ in POSSIBLE for c in head.children)


def _verb_conjuncts(head: Token) -> Iterable[Token]:
    for child in head.children:
        if child.dep_ == "conj" and child.pos_ in ("VERB", "AUX"):
            yield child
            yield from _verb_conjuncts(child)


def _subject(verb: Token) -> Token | None:
    return next((c for c in verb.children if c.dep_ in _SUBJECTS), None)


def clause_features(clause: Clause, rule_kinds: Sequence[tuple[str, float]] = ()) -> dict[str, float]:
    """Named features of a clause; ``rule_kinds`` are the (kind, strength) of cue rules that
    fired inside it."""
    f: dict[str, float] = {}
    head = clause.head
    doc = head.doc
    index, total = clause.index, clause.sentences
    f[f"sent={min(index, 6)}"] = 1.0
    f["sent_rel"] = index / max(total - 1, 1)
    f["lead"] = 1.0 if index == 0 else 0.0
    f[f"head={head.lemma_.lower()}"] = 1.0
    f[f"head_tag={head.tag_}"] = 1.0
    f[f"head_dep={'main' if clause.others and head.i == clause.others[0] else 'conj'}"] = 1.0
    subject = _subject(head) or clause.subject
    if subject is None:
        f["subject=none"] = 1.0
    else:
        f[f"subject={subject.ent_type_ or subject.pos_}"] = 1.0
        if subject.lower_ in ("i", "we"):
            f["subject=first_person"] = 1.0
        if subject.dep_ == "nsubjpass":
            f["passive"] = 1.0
    if clause.speech is not None:
        f["reported"] = 1.0
        f[f"report={clause.speech.lemma_.lower()}"] = 1.0
        speaker = _subject(clause.speech)
        f[f"speaker={'none' if speaker is None else speaker.ent_type_ or speaker.pos_}"] = 1.0
    for child in head.children:
        if child.dep_ == "aux" and child.lower_ in _MODALS:
            f[f"modal={child.lower_}"] = 1.0
        elif child.dep_ == "neg":
            f["negated"] = 1.0
        elif child.dep_ in ("xcomp", "ccomp", "advcl", "dobj", "prep", "acomp", "attr"):
            f[f"child={child.dep_}"] = 1.0
            if child.dep_ == "xcomp":
                f[f"xcomp={child.lemma_.lower()}"] = 1.0
    indices = clause.tokens()
    size = sum(1 for i in indices if not doc[i].is_punct)
    f[f"size={min(size // 6, 6)}"] = 1.0
    quoted = False
    for i in indices:
        tok = doc[i]
        lemma = tok.lemma_.lower()
        if tok.is_alpha and not tok.is_stop:
            f[f"w={lemma}"] = 1.0
        elif tok.lower_ in ("whether", "if", "not", "no", "but", "although", "despite", "unless"):
            f[f"fw={tok.lower_}"] = 1.0
        for name in _CUE_OF.get(lemma, ()):
            f[f"cue={name}"] = 1.0
            f[f"cue={name}/{'head' if tok.i == head.i else tok.dep_}"] = 1.0
        if tok.ent_type_:
            f[f"ent={tok.ent_type_}"] = 1.0
        if tok.text in ('"', "“", "”"):
            quoted = True
        if tok.text == "?":
            f["question"] = 1.0
    if quoted:
        f["quoted"] = 1.0
    for child in head.children:
        if child.dep_ == "advcl":
            mark = next((m.lower_ for m in child.children if m.dep_ == "mark"), "none")
            f[f"{CONTEXT}advcl_mark={mark}"] = 1.0  # "if", "unless", "although", "because"
    for mark in clause.context:
        f[mark] = 1.0
    for kind, strength in rule_kinds:
        f[f"rule={kind}"] = max(f.get(f"rule={kind}", 0.0), strength)
    return f
