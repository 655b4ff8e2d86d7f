"""Briefs from an OpenAI-compatible model, validated and grounded, with a local fallback.

For each article: cache → fit to the token budget → ask for JSON (schema) → validate as a
``Brief`` (one repair round on invalid output) → ground against the article text → cache.
Whenever the model fails — unreachable, rate-limited past the retries, nonsense twice — the
fallback backend (the local one) briefs the article instead, and its ``backend`` field says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import ParamSpec, TypeVar

from summarizer.backend import BriefBackend
from summarizer.brief import ACTOR_KINDS, Article, Brief
from summarizer.errors import SummarizeError
from summarizer.llm.budget import fit_to_budget
from summarizer.llm.cache import BriefCache, MemoryBriefCache, brief_cache_key, restamp
from summarizer.llm.client import LLMClient, LLMError
from summarizer.llm.grounding import ground_brief
from summarizer.llm.parse import extract_json_object
from summarizer.llm.prompts import BRIEF_SCHEMA, PROMPT_VERSION, brief_messages, repair_messages
from summarizer.local.language import check_briefable

log = logging.getLogger(__name__)

OFFLOAD_CHARS = 50_000
P = ParamSpec("P")
T = TypeVar("T")
_MODEL_KEYS = ("tldr", "who", "where", "objectives", "open_issues")
_KIND_SYNONYMS = {"organisation": "organization", "org": "organization", "company": "organization"}


class LLMBriefBackend:
    """A ``BriefBackend`` over an ``LLMClient``; ``fallback`` briefs what the model cannot."""

    def __init__(
        self,
        client: LLMClient,
        fallback: BriefBackend,
        *,
        cache: BriefCache | None = None,
        max_input_tokens: int = 6000,
    ) -> None:
        self._client = client
        self._fallback = fallback
        self._cache: BriefCache = MemoryBriefCache() if cache is None else cache
        self._max_input_tokens = max_input_tokens
        self.dropped_items = 0  # items removed by grounding, over all briefs
        self.fallbacks = 0  # articles the fallback briefed because the model failed
        self.cache_hits = 0

    @property
    def name(self) -> str:
        return f"llm:{self._client.model}"

    @property
    def client(self) -> LLMClient:
        return self._client

    async def brief(self, article: Article) -> Brief:
        check_briefable(article.text)
        brief = await self._try_model(article)
        if brief is None:
            return await self._fallback.brief(article)
        return brief

    async def brief_many(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        """All articles at once (the client bounds concurrency); failures go to the fallback in
        one batch. Never raises for a misbehaving model."""
        results: list[Brief | SummarizeError | None] = await asyncio.gather(*(self._one(a) for a in articles))
        retry = [i for i, r in enumerate(results) if r is None]
        if retry:
            try:
                local = await self._fallback.brief_many([articles[i] for i in retry])
            except Exception as exc:  # the fallback failing must still cost only these articles
                log.exception("fallback brief_many failed count=%d", len(retry))
                local = [SummarizeError(f"could not brief this article ({type(exc).__name__})")] * len(retry)
            for i, result in zip(retry, local, strict=True):
                results[i] = result
        return [r if r is not None else SummarizeError("could not brief this article") for r in results]

    async def _one(self, article: Article) -> Brief | SummarizeError | None:
        try:
            check_briefable(article.text)
        except SummarizeError as exc:
            return exc
        return await self._try_model(article)

    async def _try_model(self, article: Article) -> Brief | None:
        """The model's grounded brief, or None (logged) when the fallback must take over."""
        key = brief_cache_key(article, self._client.model, PROMPT_VERSION)
        try:
            cached = await self._cache.get(key)
        except Exception:
            log.exception("brief cache get failed id=%s", article.id)
            cached = None
        if cached is not None:
            self.cache_hits += 1
            return restamp(cached, article)
        try:
            brief = await self._ask_model(article)
        except LLMError as exc:
            reason = str(exc)
        except SummarizeError as exc:
            reason = f"invalid output after repair: {exc}"
        except Exception as exc:  # a bug here must cost one brief its LLM, not the digest
            log.exception("llm brief crashed id=%s", article.id)
            reason = type(exc).__name__
        else:
            try:
                await self._cache.put(key, brief)
            except Exception:
                log.exception("brief cache put failed id=%s", article.id)
            return brief
        self.fallbacks += 1
        log.warning("llm brief failed id=%s reason=%s; falling back to the local backend", article.id, reason)
        return None

    async def _ask_model(self, article: Article) -> Brief:
        # Trimming and grounding are linear in the text: ~50 ms for 200 KB. Off the event loop
        # for long articles, so that chat events are not kept waiting.
        offload = len(article.text) > OFFLOAD_CHARS
        fitted = await _run(offload, fit_to_budget, article.text, self._max_input_tokens, article.title)
        if fitted.trimmed:
            log.info(
                "llm input trimmed id=%s tokens=%d budget=%d kept=%d",
                article.id,
                fitted.original_tokens,
                self._max_input_tokens,
                fitted.tokens,
            )
        messages = brief_messages(article.title, fitted.text)
        completion = await self._client.chat(messages, BRIEF_SCHEMA)
        try:
            brief = parse_brief(completion.text, article, self.name)
        except SummarizeError as exc:
            log.info("llm brief invalid id=%s error=%s; asking for a repair", article.id, exc)
            messages = repair_messages(messages, completion.text, str(exc))
            completion = await self._client.chat(messages, BRIEF_SCHEMA)
            brief = parse_brief(completion.text, article, self.name)
        grounded, report = await _run(offload, ground_brief, brief, article.text, fitted.stems)
        if report.count or report.cleared:
            self.dropped_items += report.count
            log.info(
                "llm brief grounded id=%s dropped=%d cleared=%d items=%s",
                article.id,
                report.count,
                len(report.cleared),
                "|".join(x[:60] for x in report.dropped),
            )
        return grounded


async def _run(offload: bool, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await asyncio.to_thread(func, *args, **kwargs) if offload else func(*args, **kwargs)


def parse_brief(text: str, article: Article, backend: str) -> Brief:
    """Validate a model's reply as a brief of ``article``; ``SummarizeError`` says what is wrong.

    Only the model's own keys are read: id, title, URL and date always come from the article.
    """
    data = extract_json_object(text)
    missing = [k for k in _MODEL_KEYS if k not in data]
    if missing:
        raise SummarizeError(f"missing keys: {', '.join(missing)}")
    if not isinstance(data["tldr"], str) or not data["tldr"].strip():
        raise SummarizeError("'tldr' must be a non-empty string")
    fields: dict[str, object] = {k: data[k] for k in _MODEL_KEYS}
    fields["who"] = _normalise_items(data["who"], kinds=True)
    fields["where"] = _normalise_items(data["where"], kinds=False)
    fields |= {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "published": article.published,
        "backend": backend,
    }
    return Brief.from_dict(fields)


def _normalise_items(items: object, kinds: bool) -> object:
    """Accept "Organisation", "ORG" …; drop the model's ``mentions`` (grounding counts them).
    Anything else wrong still fails validation, with the field's name."""
    if not isinstance(items, list):
        return items
    out: list[object] = []
    for item in items:
        if isinstance(item, dict):
            item = {k: v for k, v in item.items() if k != "mentions"}
            given = item.get("kind")
            if kinds and isinstance(given, str):
                kind = _KIND_SYNONYMS.get(given.strip().lower(), given.strip().lower())
                item["kind"] = kind if kind in ACTOR_KINDS else given
        out.append(item)
    return out
