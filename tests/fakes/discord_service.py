"""A ChatService stand-in for adapter tests: records every call, returns canned replies.

It follows ``bot.replies.ChatService`` exactly, so the adapter under test cannot lean on anything
the real service will not offer. ``gate`` lets a test hold ``handle`` open (to watch the adapter
acknowledge before the work finishes); ``delay`` makes every call take a while (benchmarks).
"""

from __future__ import annotations

import asyncio
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

# Invented news, written for these tests.
HARBOUR_BRIEF = Brief(
    id="art-harbour",
    title="Port of Valmora reopens after three-week dockworkers' strike",
    tldr="Dockworkers in Valmora ended a three-week strike after the port authority agreed to "
    "review night-shift pay; shipping lines expect backlogs to clear by the end of the month.",
    who=(
        Actor("Ines Marquart", "chair of the Valmora Port Authority", "person", 4),
        Actor("Coastal Dockers Union", None, "organization", 3),
    ),
    where=(Place("Valmora", "Pier 9 container terminal", 5),),
    objectives=("review night-shift pay by June", "clear the container backlog"),
    open_issues=("whether the pay review will be binding",),
    backend="fake",
    url="https://news.example/valmora-port",
    published="2026-03-02T08:15:00+00:00",
)
HARBOUR_SOURCE = Source(
    title=HARBOUR_BRIEF.title, url=HARBOUR_BRIEF.url, outlet="Example News", published=HARBOUR_BRIEF.published
)


def brief_reply(brief: Brief = HARBOUR_BRIEF, source: Source = HARBOUR_SOURCE) -> BriefReply:
    return BriefReply(brief=brief, article_id=brief.id, source=source)


def digest_reply(stories: int = 3, title: str = "Daily digest — Mon 2 Mar 2026") -> DigestReply:
    items = tuple(
        DigestItem(
            brief=Brief(
                id=f"art-{n}",
                title=f"Story {n}: council votes on the new tram line",
                tldr=f"Story {n}: the council approved funding for the northern tram extension.",
                who=(Actor("Teodor Brandt", "mayor", "person", 2),),
                where=(Place("Lindholm", None, 2),),
                objectives=("open the line by 2029",),
                open_issues=("cost overruns",),
            ),
            article_id=f"art-{n}",
            sources=(Source(f"Story {n}", f"https://news.example/story-{n}", "Example News"),),
        )
        for n in range(1, stories + 1)
    )
    return DigestReply(title=title, items=items, period="2026-03-02")


def answer_reply(question: str) -> AnswerReply:
    return AnswerReply(
        question=question,
        answer=Answer(
            answer="The strike ended after the port authority agreed to review night-shift pay.",
            citations=(
                Citation(
                    id="art-harbour",
                    title=HARBOUR_BRIEF.title,
                    url=HARBOUR_BRIEF.url,
                    quote="the port authority agreed to review night-shift pay",
                    source="Example News",
                ),
            ),
            confidence=0.8,
        ),
    )


FEEDS = ListReply(
    title="Subscriptions",
    items=(
        ListItem(id="sub-1", text="https://news.example/world.rss", detail="keywords: port strike"),
        ListItem(id="sub-2", text="https://news.example/city.rss"),
    ),
)
ADMIN_COMMANDS = ("subscribe", "unsubscribe", "schedule", "mode")


@dataclass
class HandleCall:
    req: Request
    text: str


@dataclass
class AskCall:
    req: Request
    question: str


@dataclass
class RememberCall:
    channel: ChannelRef
    message_ids: list[str]
    reply: Reply


@dataclass
class RecordingService:
    """``handle`` answers like the real command set would, in shape; ``replies`` overrides by
    command word (the first word of the text; a bare URL counts as ``brief``)."""

    replies: dict[str, Reply] = field(default_factory=dict)
    delay: float = 0.0
    gate: asyncio.Event | None = None
    fail_with: Exception | None = None
    handled: list[HandleCall] = field(default_factory=list)
    asked: list[AskCall] = field(default_factory=list)
    remembered: list[RememberCall] = field(default_factory=list)
    finished: int = 0

    async def handle(self, req: Request, text: str) -> Reply:
        self.handled.append(HandleCall(req, text))
        await self._work()
        word = command_word(text)
        if word in self.replies:
            return self.replies[word]
        if word in ADMIN_COMMANDS and not req.user.is_admin:
            return ErrorReply("Only server admins can change subscriptions, schedules and mode.")
        reply: Reply
        match word:
            case "brief":
                reply = brief_reply()
            case "digest":
                reply = digest_reply()
            case "feeds":
                reply = FEEDS
            case "ask":
                reply = answer_reply(text.partition(" ")[2])
            case "help":
                reply = HelpReply(entries=(HelpEntry("ask <question>", "Answer from what I've read"),))
            case _ if word in ADMIN_COMMANDS:
                reply = Confirmation(f"Done: {text}")
            case _:
                reply = ErrorReply(f"Unknown command: {word}")
        return reply

    def is_slow(self, text: str) -> bool:
        return command_word(text) in ("brief", "digest", "ask")

    async def ask(self, req: Request, question: str) -> Reply:
        self.asked.append(AskCall(req, question))
        await self._work()
        return self.replies.get("ask", answer_reply(question))

    async def remember_posts(self, channel: ChannelRef, message_ids: list[str], reply: Reply) -> None:
        self.remembered.append(RememberCall(channel, list(message_ids), reply))

    async def _work(self) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.finished += 1
        if self.fail_with is not None:
            raise self.fail_with


def command_word(text: str) -> str:
    word = text.strip().split(" ", 1)[0].lower()
    return "brief" if word.startswith(("http://", "https://")) else word
