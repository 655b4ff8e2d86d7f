"""The platform-neutral vocabulary between adapters, the service and renderers.

An adapter turns a platform event into a ``Request`` and a command (``bot.commands``, where the
``ChatService`` it calls is described too); the service returns a ``Reply``; a renderer
(``bot/render/``) turns the reply into plain text, Block Kit or embeds. How a reply is shown,
and what is remembered of it, is decided here, once for every platform (the reply policy).
Scheduled output (digests, briefs as they arrive) goes the other way through a ``Poster``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from summarizer.answer import Answer
from summarizer.brief import Brief

Platform = Literal["slack", "discord", "console"]


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where a conversation happens. ``workspace_id``: Slack team id, Discord guild id, or ""."""

    platform: Platform
    channel_id: str
    workspace_id: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace_id}:{self.channel_id}"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked. ``is_admin`` is what the platform says (Slack admin/owner, Discord Manage Server)."""

    user_id: str
    name: str = ""
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    channel: ChannelRef
    user: Requester
    # The platform message this belongs to: Slack thread_ts, Discord id of the message replied
    # to (or of the thread). A question asked there is about that message's article first.
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str | None
    outlet: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class BriefReply:
    brief: Brief
    article_id: str
    source: Source


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One story: the brief of its lead article and every outlet that covered it."""

    brief: Brief
    article_id: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class DigestReply:
    title: str  # e.g. "Daily digest — Mon 30 Nov 2026"
    items: tuple[DigestItem, ...]
    period: str = ""  # the period key this digest covers, e.g. "2026-11-30"


@dataclass(frozen=True, slots=True)
class AnswerReply:
    question: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class ListItem:
    id: str
    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ListReply:
    title: str
    items: tuple[ListItem, ...]
    empty_text: str = "Nothing here yet."


@dataclass(frozen=True, slots=True)
class Confirmation:
    text: str


@dataclass(frozen=True, slots=True)
class ErrorReply:
    text: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class HelpEntry:
    """One command in the help. ``usage`` and ``example`` are command lines as typed in Slack or
    the terminal (``/brief ask <question>``; renderers put ``/brief `` in front when it is
    missing); ``slash_usage`` and ``slash_example`` the same command as Discord's slash command
    with its options (``/brief ask question:<question>``), when it differs."""

    usage: str
    description: str
    example: str = ""
    admin: bool = False
    slash_usage: str = ""
    slash_example: str = ""


@dataclass(frozen=True, slots=True)
class HelpReply:
    entries: tuple[HelpEntry, ...]
    intro: str = ""


Reply = BriefReply | DigestReply | AnswerReply | ListReply | Confirmation | ErrorReply | HelpReply


# -- the reply policy: the same on every platform -------------------------------------------------

# The one apology, for whatever failed that nobody foresaw (the details go to the log).
APOLOGY = "Something went wrong on my side; it has been logged. Please try again later."


def is_public(reply: Reply) -> bool:
    """Whether a command's result is for the whole channel (briefs, digests, answers, changes
    made) or only for the person who asked (errors and refusals, help, lists)."""
    return isinstance(reply, BriefReply | DigestReply | AnswerReply | Confirmation)


def followup_article(reply: Reply) -> str | None:
    """The one article a posted reply is about, if there is exactly one: a question asked in
    the thread of (or in reply to) its messages is about that article first."""
    if isinstance(reply, BriefReply):
        return reply.article_id
    if isinstance(reply, DigestReply) and len(reply.items) == 1:
        return reply.items[0].article_id
    if isinstance(reply, AnswerReply) and len({c.id for c in reply.answer.citations}) == 1:
        return reply.answer.citations[0].id
    return None


class ChannelGone(Exception):
    """The bot can no longer post to a channel (deleted, kicked, no permission)."""


class Poster(Protocol):
    """What each chat adapter offers the scheduler for unprompted posts."""

    @property
    def platform(self) -> Platform: ...

    async def post(self, channel: ChannelRef, reply: Reply, thread_id: str | None = None) -> list[str]:
        """Post a reply (split as the platform needs); return the ids of the messages posted.

        Raises ``ChannelGone`` when the channel is no longer reachable, so that deliveries to
        it stop instead of retrying forever.
        """
        ...
