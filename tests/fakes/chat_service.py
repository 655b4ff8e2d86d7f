"""A small ``ChatService`` that follows the protocol, records every call and answers from
canned replies — what the chat adapters are tested against until the real service is wired in.

It behaves like the service in the ways an adapter can notice: URLs and digests are slow,
``subscribe``/``schedule`` need ``Requester.is_admin``, ``remember_posts`` ties message ids
to articles, and ``ask`` inside the thread of a remembered post answers about that article.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.replies import (
    AnswerReply,
    BriefReply,
    ChannelRef,
    Confirmation,
    DigestItem,
    DigestReply,
    ErrorReply,
    HelpEntry,
    HelpReply,
    ListItem,
    ListReply,
    Reply,
    Request,
    Source,
)
from summarizer.answer import Answer, Citation
from summarizer.brief import Actor, Brief, Place


def ferry_brief(url: str = "https://news.example.org/2026/ferry-trial") -> BriefReply:
    brief = Brief(
        id="art-ferry",
        title="Lakeport approves a year-long trial of electric night ferries",
        tldr="Lakeport's transit board approved a twelve-month trial of electric ferries running "
        "after midnight between the old harbour and Pine Island.",
        who=(
            Actor("Dana Whitlock", role="transit board chair", mentions=4),
            Actor("Lakeport Transit Board", kind="organization", mentions=3),
        ),
        where=(Place("Lakeport", detail="the old harbour", mentions=5), Place("Pine Island", mentions=2)),
        objectives=("cut late-night road traffic across the causeway", "test demand for a permanent service"),
        open_issues=("who pays for extra dock lighting", "noise complaints from island residents"),
        backend="fake",
        url=url,
    )
    return BriefReply(brief=brief, article_id="art-ferry", source=Source(brief.title, url, "Lakeport Ledger"))


def reservoir_brief(n: int = 0) -> DigestItem:
    url = f"https://water.example.net/stories/reservoir-{n}"
    brief = Brief(
        id=f"art-res-{n}",
        title=f"Northgate water utility delays reservoir upgrade (story {n})",
        tldr="The utility pushed the reservoir upgrade back by a year after bids came in over budget.",
        who=(Actor("Priya Olsen", role="utility director"), Actor("Northgate Water", kind="organization")),
        where=(Place("Northgate"), Place("Cold Creek Reservoir")),
        objectives=("rebid the contract in spring", "keep summer water restrictions short"),
        open_issues=("whether rates will rise", "the state grant deadline"),
        backend="fake",
        url=url,
    )
    sources = (
        Source(brief.title, url, "Northgate Courier"),
        Source(brief.title, url + "?amp", "Valley Wire"),
    )
    return DigestItem(brief=brief, article_id=brief.id, sources=sources)


HELP = HelpReply(
    intro="Briefbot turns articles into short briefs.",
    entries=(
        HelpEntry("<url>", "brief an article", "https://news.example.org/story"),
        HelpEntry("ask <question>", "ask about what I have read"),
        HelpEntry("digest", "the digest for this channel now"),
        HelpEntry("subscribe <feed-url>", "follow a feed in this channel", admin=True),
        HelpEntry("schedule HH:MM [timezone]", "when the daily digest is posted", admin=True),
    ),
)


@dataclass
class FakeChatService:
    calls: list[tuple[str, Request | ChannelRef, str]] = field(default_factory=list)
    remembered: list[tuple[ChannelRef, list[str], Reply]] = field(default_factory=list)
    digest_items: int = 2
    # When set, handle() waits for it: lets a test look at the "working on it" note.
    gate: asyncio.Event | None = None
    # A stand-in for the real work (fetching, NLP), e.g. CPU work in a worker in a benchmark.
    work: Callable[[str], Awaitable[object]] | None = None
    replies: dict[str, Reply] = field(default_factory=dict)
    raise_on: dict[str, Exception] = field(default_factory=dict)
    articles_by_message: dict[str, str] = field(default_factory=dict)

    def is_slow(self, text: str) -> bool:
        return text.startswith(("http://", "https://", "digest"))

    async def handle(self, req: Request, text: str) -> Reply:
        self.calls.append(("handle", req, text))
        if self.gate is not None:
            await self.gate.wait()
        if self.work is not None:
            await self.work(text)
        if text in self.raise_on:
            raise self.raise_on[text]
        if text in self.replies:
            return self.replies[text]
        command, _, rest = text.partition(" ")
        if not text or command == "help":
            return HELP
        if command.startswith(("http://", "https://")):
            return ferry_brief(command)
        if command == "digest":
            items = tuple(reservoir_brief(i) for i in range(self.digest_items))
            return DigestReply(title="Daily digest — Mon 30 Nov 2026", items=items, period="2026-11-30")
        if command == "ask":
            return await self.ask(req, rest)
        if command == "feeds":
            return ListReply(
                "Feeds in this channel", (ListItem("f1", "https://news.example.org/rss", "every 15m"),)
            )
        if command in {"subscribe", "schedule", "mode"}:
            if not req.user.is_admin:
                return ErrorReply(
                    "Only workspace admins can change this channel's subscriptions and schedule.",
                    hint="Ask an admin, or ask your operator to add you to [chat] admins.",
                )
            return Confirmation(f"Done: {command} {rest}".strip())
        return ErrorReply(f"I don't know the command “{command}”.", hint="Try /brief help.")

    async def ask(self, req: Request, question: str) -> Reply:
        self.calls.append(("ask", req, question))
        article = self.articles_by_message.get(req.thread_id or "")
        if article is None:
            return AnswerReply(question, Answer(answer=None, backend="fake"))
        citation = Citation(
            id=article,
            title="Lakeport approves a year-long trial of electric night ferries",
            url="https://news.example.org/2026/ferry-trial",
            quote="electric ferries running after midnight",
        )
        return AnswerReply(
            question,
            Answer(
                answer=f"About {article}: the ferries run after midnight.",
                citations=(citation,),
                confidence=0.8,
                backend="fake",
            ),
        )

    async def remember_posts(self, channel: ChannelRef, message_ids: list[str], reply: Reply) -> None:
        self.calls.append(("remember_posts", channel, ",".join(message_ids)))
        self.remembered.append((channel, list(message_ids), reply))
        article = getattr(reply, "article_id", None)
        if article:
            for message_id in message_ids:
                self.articles_by_message[message_id] = article

    # -- inspection

    def handled(self) -> list[tuple[Request, str]]:
        return [(r, t) for kind, r, t in self.calls if kind == "handle" and isinstance(r, Request)]

    def asked(self) -> list[tuple[Request, str]]:
        return [(r, t) for kind, r, t in self.calls if kind == "ask" and isinstance(r, Request)]
