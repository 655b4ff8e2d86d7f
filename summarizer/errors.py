"""The one error tree of Briefbot.

    BriefbotError            anything we can explain to a user in one short sentence
     ├── ConfigError         a setting is missing, unknown or has a wrong value
     ├── FetchError          a URL could not be fetched (refused, too big, timed out, bad status)
     ├── ExtractError        a page was fetched but holds no article text
     └── SummarizeError      a text could not be briefed (empty, not English, backend failure)

``str(error)`` is the polite, user-facing message: adapters show it as it is, so it never
contains secrets or stack traces. It lives in ``summarizer`` because ``bot`` depends on
``summarizer`` and never the other way round.
"""

from __future__ import annotations


class BriefbotError(Exception):
    """Base of every error Briefbot reports to a person instead of crashing."""


class ConfigError(BriefbotError):
    """A configuration key or value is wrong; the message names it."""


class FetchError(BriefbotError):
    """A URL could not be fetched, or was refused by the safety rules."""


class ExtractError(BriefbotError):
    """A fetched document holds no extractable article text."""


class SummarizeError(BriefbotError):
    """A text could not be turned into a brief."""
