"""The optional LLM backend: briefs and answers from any OpenAI-compatible endpoint.

client.py     LLMClient: /chat/completions with retries, concurrency limit, usage totals
brief.py      LLMBriefBackend: JSON brief → validated → grounded, local fallback
answer.py     LLMAnswerBackend: answers citing given passages only, extractive fallback
grounding.py  drop who/where/phrases the article does not support
budget.py     fit long articles into max_input_tokens (lead + salient passages)
prompts.py    system prompts, JSON schemas, untrusted text fenced as data
cache.py      BriefCache protocol (+ in-memory LRU), keys by content/model/prompt
"""

from summarizer.llm.answer import LLMAnswerBackend
from summarizer.llm.brief import LLMBriefBackend
from summarizer.llm.cache import BriefCache, MemoryBriefCache, brief_cache_key
from summarizer.llm.client import LLMClient, LLMConfig, LLMError, LLMRejected, LLMUnavailable, Usage
from summarizer.llm.grounding import GroundingReport, ground_brief
from summarizer.llm.prompts import PROMPT_VERSION

__all__ = [
    "PROMPT_VERSION",
    "BriefCache",
    "GroundingReport",
    "LLMAnswerBackend",
    "LLMBriefBackend",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "LLMRejected",
    "LLMUnavailable",
    "MemoryBriefCache",
    "Usage",
    "brief_cache_key",
    "ground_brief",
]
