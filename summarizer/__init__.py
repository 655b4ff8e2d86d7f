"""Text in, structure out: Briefbot's pure summarization library.

No chat SDKs, no database, no scheduler; ``bot`` builds on this, never the reverse.
"""

from summarizer.backend import BriefBackend
from summarizer.brief import Actor, Article, Brief, Place
from summarizer.errors import BriefbotError, ConfigError, ExtractError, FetchError, SummarizeError

__all__ = [
    "Actor",
    "Article",
    "Brief",
    "BriefBackend",
    "BriefbotError",
    "ConfigError",
    "ExtractError",
    "FetchError",
    "Place",
    "SummarizeError",
]
