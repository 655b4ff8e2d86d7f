"""The platform-neutral vocabulary between adapters, the service and renderers.

An adapter turns a platform event into a ``Request`` and calls the service; the service returns
a ``Reply``; a renderer (``bot/render/``) turns the reply into plain text, Block Kit or embeds.
Scheduled output (digests, briefs as they arrive) goes the other way through a ``Poster``.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    the terminal (``/brief ask <question>``); renderers put ``/brief `` in front when it is
    missing, so every platform shows the same form (Discord maps it to its options)."""

    usage: str
    description: str
    example: str = ""
    admin: bool = False


@dataclass(frozen=True, slots=True)
class HelpReply:
    entries: tuple[HelpEntry, ...]
    intro: str = ""


Reply = BriefReply | DigestReply | AnswerReply | ListReply | Confirmation | ErrorReply | HelpReply


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


class ChatService(Protocol):
    """The command set every adapter drives (implemented by ``bot.service.Service``).

    Adapters translate platform events into these calls and render what comes back; they hold
    no business logic of their own.
    """

    async def handle(self, req: Request, text: str) -> Reply:
        """A ``/brief`` command line without the command name: ``"https://…"``, ``"ask …"``,
        ``"subscribe URL --keywords …"``, ``"schedule 08:30 Europe/Berlin mon-fri"``, ``"help"``."""
        ...

    def is_slow(self, text: str) -> bool:
        """Whether ``handle(text)`` may take more than a moment (fetching, briefing, digests),
        so the adapter shows a short "working on it" message first."""
        ...

    async def ask(self, req: Request, question: str) -> Reply:
        """A mention or direct message. Inside the thread of a posted brief (``req.thread_id``)
        the question is about that article first."""
        ...

    async def remember_posts(self, channel: ChannelRef, message_ids: list[str], reply: Reply) -> None:
        """Record the platform ids of messages that carried ``reply``, so follow-ups in their
        threads (or replies to them) find the article they were about."""
        ...

    async def claim_event(self, keys: Sequence[str]) -> bool:
        """Claim a platform event for handling: True the first time any of its ``keys`` (event
        id, message id) is seen — also after a restart, or by another replica — so that an
        event delivered twice is answered once."""
        ...
