"""Digests: ``build`` groups a channel's new briefs into stories (pure functions); ``collect``
reads those briefs from the store for a period and builds the digest from them."""

from bot.digest.build import (
    Candidate,
    Filter,
    FilterError,
    apply_filters,
    build_digest,
    check_keywords,
    check_pattern,
    passes,
)

__all__ = [
    "Candidate",
    "Filter",
    "FilterError",
    "apply_filters",
    "build_digest",
    "check_keywords",
    "check_pattern",
    "passes",
]
