"""Answers from an OpenAI-compatible model that cite only the passages they were given.

The model sees numbered passages (as data) and returns ``{"answer", "citations"}``. Citations
to passages that were not given are dropped; an answer left without a citation, or sharing too
little with the passages it cites, counts as unsupported (``answer=None``, "I don't know"). When
the model fails, the fallback answer backend (the extractive one) answers instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence

from summarizer.answer import Answer, AnswerBackend, Citation, Passage, Turn
from summarizer.errors import SummarizeError
from summarizer.llm.budget import CHARS_PER_TOKEN
from summarizer.llm.client import LLMClient, LLMError
from summarizer.llm.parse import extract_json_object
from summarizer.llm.prompts import ANSWER_PROMPT_VERSION, ANSWER_SCHEMA, answer_messages, repair_messages
from summarizer.qa.question import analyse
from summarizer.qa.rank import rank
from summarizer.text import content_stems, sentences, support

log = logging.getLogger(__name__)

ANSWER_SUPPORT = 0.25  # share of the answer's content words that must occur in what it cites
MAX_PASSAGES = 12
MAX_HISTORY = 4
MAX_QUOTE_CHARS = 300
RANKED_FIRST = 24  # passages the offline ranker puts first (the model reads only the first few)
MAX_ANSWER_CHARS = 1500


class LLMAnswerBackend:
    """An ``AnswerBackend`` over an ``LLMClient``; ``fallback`` answers when the model fails."""

    def __init__(
        self,
        client: LLMClient,
        fallback: AnswerBackend,
        *,
        max_input_tokens: int = 6000,
        max_passages: int = MAX_PASSAGES,
        cache_size: int = 256,
    ) -> None:
        self._client = client
        self._fallback = fallback
        self._budget_chars = max_input_tokens * CHARS_PER_TOKEN
        self._max_passages = max_passages
        self._cache: OrderedDict[str, Answer] = OrderedDict()
        self._cache_size = cache_size
        self.fallbacks = 0
        self.dropped_citations = 0

    @property
    def name(self) -> str:
        return f"llm:{self._client.model}"

    async def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        history: Sequence[Turn] = (),
        *,
        in_thread: bool = False,
    ) -> Answer:
        given = self._fit(question, passages)
        if not given or not question.strip():
            return Answer(None, backend=self.name)
        recent = tuple(history)[-MAX_HISTORY:]
        key = _cache_key(self._client.model, question, given, recent)
        if (cached := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return cached
        try:
            answer = await self._ask_model(question, given, recent)
        except LLMError as exc:
            reason = str(exc)
        except SummarizeError as exc:
            reason = f"invalid output after repair: {exc}"
        except Exception as exc:  # a bug here must cost the LLM answer, not the reply
            log.exception("llm answer crashed")
            reason = type(exc).__name__
        else:
            self._cache[key] = answer
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return answer
        self.fallbacks += 1
        log.warning("llm answer failed reason=%s; falling back to %s", reason, self._fallback.name)
        return await self._fallback.answer(question, passages, history, in_thread=in_thread)

    def _fit(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        """The passages best first (the offline ranker's order: the model reads only the first
        few), as many as fit the budget (the first one always, cut)."""
        given: list[Passage] = []
        used = 0
        for p in _best_first(question, passages)[: self._max_passages]:
            if used + len(p.text) > self._budget_chars:
                if not given:
                    given.append(_with_text(p, p.text[: self._budget_chars]))
                break
            given.append(p)
            used += len(p.text)
        return given

    async def _ask_model(self, question: str, passages: list[Passage], history: Sequence[Turn]) -> Answer:
        messages = answer_messages(question, passages, history)
        completion = await self._client.chat(messages, ANSWER_SCHEMA)
        try:
            text, numbers = parse_answer(completion.text)
        except SummarizeError as exc:
            log.info("llm answer invalid error=%s; asking for a repair", exc)
            messages = repair_messages(messages, completion.text, str(exc))
            completion = await self._client.chat(messages, ANSWER_SCHEMA)
            text, numbers = parse_answer(completion.text)
        return self._grounded(question, text, numbers, passages)

    def _grounded(
        self, question: str, text: str | None, numbers: list[int], passages: list[Passage]
    ) -> Answer:
        if text is None:
            return Answer(None, backend=self.name)
        cited: list[Passage] = []
        for n in numbers:
            if 1 <= n <= len(passages) and passages[n - 1] not in cited:
                cited.append(passages[n - 1])
            elif not 1 <= n <= len(passages):
                self.dropped_citations += 1
                log.info("llm answer cited passage=%d of %d given; dropped", n, len(passages))
        if not cited:
            log.info("llm answer without a valid citation; treated as unsupported")
            return Answer(None, backend=self.name)
        stems = frozenset(s for p in cited for s in content_stems(p.text))
        confidence = support(text, stems) if content_stems(text) else support(question, stems)
        if confidence < ANSWER_SUPPORT:
            log.info("llm answer shares too little with its citations support=%.2f; unsupported", confidence)
            return Answer(None, backend=self.name)
        citations = tuple(
            Citation(
                id=p.article_id,
                title=p.title,
                url=p.url,
                quote=best_sentence(p.text, f"{text} {question}"),
                source=p.source,
            )
            for p in cited
        )
        if len(text) > MAX_ANSWER_CHARS:
            text = text[: MAX_ANSWER_CHARS - 1] + "…"
        return Answer(text, citations, confidence, self.name)


def _best_first(question: str, passages: Sequence[Passage]) -> list[Passage]:
    """The passages with the best-ranked sentences first, the rest in the order given."""
    ranked = rank(analyse(question), passages, limit=RANKED_FIRST)
    top = list({id(c.passage): c.passage for c in ranked}.values())  # a passage of several sentences once
    chosen = {id(p) for p in top}
    return top + [p for p in passages if id(p) not in chosen]


def parse_answer(reply: str) -> tuple[str | None, list[int]]:
    """``(answer or None, cited passage numbers)``; ``SummarizeError`` on a malformed reply."""
    data = extract_json_object(reply)
    if "answer" not in data:
        raise SummarizeError("missing key: answer")
    answer = data["answer"]
    if answer is not None and not isinstance(answer, str):
        raise SummarizeError("'answer' must be a string or null")
    raw = data.get("citations") or []
    if not isinstance(raw, list):
        raise SummarizeError("'citations' must be a list of passage numbers")
    numbers: list[int] = []
    for item in raw:
        if isinstance(item, bool):
            raise SummarizeError("'citations' must be a list of passage numbers")
        if isinstance(item, int):
            numbers.append(item)
        elif isinstance(item, str) and item.strip().lstrip("[").rstrip("]").isdigit():
            numbers.append(int(item.strip().lstrip("[").rstrip("]")))
        else:
            raise SummarizeError("'citations' must be a list of passage numbers")
    text = " ".join(answer.split()) if isinstance(answer, str) else ""
    return (text or None), numbers


def best_sentence(text: str, about: str) -> str:
    """The sentence of ``text`` sharing most content words with ``about`` (first on ties)."""
    candidates = sentences(text) or [" ".join(text.split())]
    wanted = frozenset(content_stems(about))
    best = max(candidates, key=lambda s: len(wanted.intersection(content_stems(s))))
    return best if len(best) <= MAX_QUOTE_CHARS else best[: MAX_QUOTE_CHARS - 1] + "…"


def _with_text(p: Passage, text: str) -> Passage:
    return Passage(p.article_id, text, p.title, p.url, p.source, p.published, p.score)


def _cache_key(model: str, question: str, passages: list[Passage], history: Sequence[Turn]) -> str:
    payload: list[object] = [
        ANSWER_PROMPT_VERSION,
        model,
        question,
        [[t.question, t.answer] for t in history],
        [[p.article_id, p.text] for p in passages],
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()
