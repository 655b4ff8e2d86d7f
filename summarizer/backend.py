"""What every brief backend (local spaCy, LLM) offers the bot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from summarizer.brief import Article, Brief
from summarizer.errors import SummarizeError


class BriefBackend(Protocol):
    """Turns articles into briefs. Implementations never block the event loop."""

    @property
    def name(self) -> str:
        """What produced a brief, as in its ``backend`` field: ``local:<model>`` or ``llm:<model>``."""
        ...

    async def brief(self, article: Article) -> Brief:
        """Brief one article; raises ``SummarizeError`` with a user-facing reason."""
        ...

    async def brief_many(self, articles: Sequence[Article]) -> list[Brief | SummarizeError]:
        """Brief a batch; one result per article, in order, errors returned rather than raised."""
        ...
