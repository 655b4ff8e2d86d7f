"""Invented news articles for the summarizer tests: every name and event here is made up.

Sentences are written as adjacent string literals so that each stays on one line of text.
"""

from __future__ import annotations

FISHING_TALKS = (
    "Norwegian Foreign Minister Ingrid Solberg on Monday opened two days of talks in Lisbon with her "
    "Portuguese counterpart, Tiago Marques, after months of tension over fishing rights in the North "
    "Atlantic.\n"
    "Solberg met Marques at the Belem Conference Centre for a working lunch. "
    "Neither minister spoke to reporters.\n"
    "Speaking in Oslo before she left, Solberg said the visit had three main objectives: setting up a "
    "joint committee on fishing quotas, reopening talks on port fees, and exploring new research on cod "
    "stocks.\n"
    "Norway and Portugal are at odds over fishing quotas, port access fees and the detention of two "
    "trawler crews, the Norwegian government said.\n"
    "The Nordic Fisheries Council (NFC) has urged both governments to publish their catch data before "
    "the summer.\n"
    '"We want a deal before the season starts," Solberg said.\n'
    "Marques, a former fisheries inspector, declined to comment.\n"
    "The NFC said it was not clear whether the crews would be released before the talks end.\n"
)

HARBOUR_VOTE = (
    "The Portvale city council on Tuesday approved a six-month trial of night ferries to the island of "
    "Kessing.\n"
    "Council leader Miriam Okafor said the trial aims to cut evening road traffic and to test whether "
    "demand justifies a permanent service.\n"
    "The ferry operator, Blue Gull Lines, plans to run two crossings an hour until midnight.\n"
    "Residents of Kessing remain divided over noise from the new terminal, and the question of who pays "
    "for extra harbour lighting is still unresolved.\n"
    "Okafor denied that the council had ignored the residents' complaints.\n"
)
