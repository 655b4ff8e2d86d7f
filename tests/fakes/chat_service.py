"""One ``ChatService`` stand-in for the adapter tests (Slack, Discord) and their benchmarks: it
records every call and answers from canned replies.

It follows ``bot.replies.ChatService`` exactly, so the adapter under test cannot lean on anything
the real service will not offer, and behaves like the service in the ways an adapter can notice:
briefs, digests and questions are slow; ``subscribe``/``schedule``/``mode`` need
``Requester.is_admin``; ``remember_posts`` ties message ids to articles, and a question inside the
thread of a remembered post is answered about that article.

Knobs: ``replies`` overrides the canned reply by verb (``"brief"``, ``"ask"``, ``"mode"`` …);
``gate`` holds every call open (to watch the adapter acknowledge before the work finishes);
``work`` and ``delay`` stand in for real work (benchmarks); ``fail_on`` (by verb) and
``fail_with`` (every call) make the work fail, answered as the real service answers a failure
(its own message for a ``BriefbotError``, the one apology for anything else); ``crash_with``
makes ``handle`` itself raise, breaking the service's promise, to see what a platform still
shows then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot import commands
from bot.commands import Ask, BriefArticle, Command, Digest, Feeds, Help, Invalid
from bot.replies import (
    APOLOGY,
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
from summarizer.errors import BriefbotError

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


def every_reply_of(text: str) -> list[Reply]:
    """Every kind of reply, with ``text`` in every field a renderer shows (it came from elsewhere)."""
    brief = Brief(
        id="odd",
        title=text,
        tldr=text,
        who=(Actor(text, role=text),),
        where=(Place(text, detail=text),),
        objectives=(text,),
        open_issues=(text,),
        url="https://news.example.org/odd",
        published=text,
    )
    source = Source(text, "https://news.example.org/odd", text, text)
    return [
        BriefReply(brief, "odd", source),
        DigestReply(text, (DigestItem(brief, "odd", (source,)),)),
        AnswerReply(text, Answer(text, (Citation("odd", text, None, text, text),))),
        ListReply(text, (ListItem("1", text, text),), empty_text=text),
        ListReply(text, (), empty_text=text),
        Confirmation(text),
        ErrorReply(text, text),
        HelpReply((HelpEntry(text, text, text),), intro=text),
    ]


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


class HandleCall(NamedTuple):
    req: Request
    command: Command


class AskCall(NamedTuple):
    req: Request
    question: str


class RememberCall(NamedTuple):
    channel: ChannelRef
    message_ids: list[str]
    reply: Reply


@dataclass
class FakeChatService:
    replies: dict[str, Reply] = field(default_factory=dict)
    gate: asyncio.Event | None = None
    # A stand-in for the real work (fetching, NLP), e.g. CPU work in a worker in a benchmark.
    work: Callable[[Command], Awaitable[object]] | None = None
    delay: float = 0.0
    fail_on: dict[str, Exception] = field(default_factory=dict)
    fail_with: Exception | None = None
    crash_with: Exception | None = None
    handled: list[HandleCall] = field(default_factory=list)
    remembered: list[RememberCall] = field(default_factory=list)
    finished: int = 0  # calls whose work is done
    most_at_once: int = 0  # the most calls at work at the same time
    _at_work: int = 0
    articles_by_message: dict[str, str] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)  # platform events seen (the store's record)

    @property
    def asked(self) -> list[AskCall]:
        """The questions among the commands handled (mentions, direct messages, /brief ask)."""
        return [AskCall(c.req, c.command.question) for c in self.handled if isinstance(c.command, Ask)]

    @property
    def commands(self) -> list[Command]:
        return [c.command for c in self.handled]

    async def handle(self, req: Request, command: Command) -> Reply:
        self.handled.append(HandleCall(req, command))
        if self.crash_with is not None:
            raise self.crash_with
        try:
            await self._work(command)
        except BriefbotError as exc:
            return ErrorReply(str(exc))
        except Exception:
            return ErrorReply(APOLOGY)
        if (reply := self.replies.get(command.verb)) is not None:
            return reply
        if commands.is_change(command) and not req.user.is_admin:
            place = "server" if req.channel.platform == "discord" else "workspace"
            return ErrorReply(
                f"Only {place} admins can change this channel's subscriptions, schedule and mode.",
                hint="Ask an admin, or ask your operator to add you to [chat] admins.",
            )
        match command:
            case Help():
                return HELP
            case BriefArticle():
                return ferry_brief(command.url) if command.url else ferry_brief()
            case Digest():
                return digest_reply()
            case Feeds():
                return FEEDS
            case Ask():
                return self._answer(req, command.question)
            case Invalid():
                return ErrorReply(command.text, hint=command.hint)
            case _:
                return Confirmation(f"Done: {command.verb}")

    async def remember_posts(self, channel: ChannelRef, message_ids: list[str], reply: Reply) -> None:
        self.remembered.append(RememberCall(channel, list(message_ids), reply))
        article = getattr(reply, "article_id", None)
        if article:
            for message_id in message_ids:
                self.articles_by_message[message_id] = article

    async def claim_event(self, keys: Sequence[str]) -> bool:
        if any(k in self.claimed for k in keys):
            return False
        self.claimed.update(keys)
        return True

    def _answer(self, req: Request, question: str) -> AnswerReply:
        """About the article whose post this question replies to, else "no answer"."""
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

    async def _work(self, command: Command) -> None:
        self._at_work += 1
        self.most_at_once = max(self.most_at_once, self._at_work)
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.work is not None:
                await self.work(command)
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            self._at_work -= 1
        self.finished += 1
        if command.verb in self.fail_on:
            raise self.fail_on[command.verb]
        if self.fail_with is not None:
            raise self.fail_with
