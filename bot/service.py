"""The platform-neutral command set: what ``/brief …`` does on Slack, Discord and the terminal.

``Service.handle`` takes one typed command (``bot.commands``: parsed from a typed line, or built
from Discord's options) and calls one plain async method for it; each returns a ``Reply`` value
that a renderer turns into text, Block Kit or embeds. Nothing here knows a chat platform.
``handle`` never raises: bad input gets a short ``ErrorReply`` that says what would work
instead, and anything unforeseen the one apology; no adapter catches the service's failures.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot import commands
from bot.commands import (
    Ask,
    BriefArticle,
    Command,
    Digest,
    Feeds,
    Help,
    Invalid,
    Schedule,
    SetMode,
    Subscribe,
    Unsubscribe,
)
from bot.digest.collect import collect_digest
from bot.ingest.canonical import canonical_url
from bot.qa import AskScope
from bot.replies import (
    APOLOGY,
    AnswerReply,
    BriefReply,
    ChannelRef,
    Confirmation,
    ErrorReply,
    ListItem,
    ListReply,
    Reply,
    Request,
    Source,
    followup_article,
)
from bot.sample_feed import SAMPLE_NAMES, is_local_feed, is_sample_feed, sample_feed_path
from bot.schedules import describe_schedule, digest_title, next_digest_time
from bot.settings import Settings
from bot.store import Feed, Store, StoreError
from bot.store.channels import Channel, DigestSchedule, Mode, Subscription
from summarizer.answer import Answer
from summarizer.brief import Brief
from summarizer.errors import BriefbotError, ConfigError, FetchError

log = logging.getLogger(__name__)


# -- what the service needs from others --------------------------------------------------------


class IngestOutcome(Protocol):
    @property
    def article_id(self) -> str: ...

    @property
    def created(self) -> bool: ...

    @property
    def brief(self) -> Brief: ...


class Ingest(Protocol):
    """The part of ``bot.ingest.pipeline.Ingestor`` the chat core uses."""

    async def ingest_url(self, url: str) -> IngestOutcome: ...

    async def ingest_text(self, text: str, title: str = "") -> IngestOutcome: ...

    async def add_feed(
        self, url: str, interval_s: int | None = None, *, local_files: bool = False
    ) -> tuple[Feed, bool]: ...

    async def poll_feeds(self, only_due: bool = True) -> Any: ...

    async def process_queue(self) -> int: ...


class Answerer(Protocol):
    async def ask(self, question: str, scope: AskScope = ...) -> Answer: ...


class ScheduleHook(Protocol):
    """The scheduler, as the service sees it: told when a channel changes."""

    async def channel_changed(self, key: str) -> None: ...

    def wake(self) -> None: ...


EVENT_TTL_S = 3600.0  # platform events are remembered this long (Slack retries within minutes)


def admin_key(platform: str, user_id: str) -> str:
    """How a ``[chat] admins`` entry and a requester are compared: ``slack:U012AB3CD`` as Slack
    shows ids (upper case, whatever case the operator typed), ``discord:80351110224678912``."""
    return f"{platform.strip().lower()}:{user_id.strip().upper()}"


# -- the service -------------------------------------------------------------------------------


class Service:
    def __init__(
        self,
        store: Store,
        ingest: Ingest,
        qa: Answerer,
        settings: Settings,
        *,
        schedules: ScheduleHook | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._ingest = ingest
        self._qa = qa
        self._settings = settings
        self._schedules = schedules
        self._clock = clock

    # -- ChatService ----------------------------------------------------------------------------

    async def handle(self, req: Request, command: Command) -> Reply:
        """The reply to one command. Never raises: a ``BriefbotError`` about what was asked (a
        page that cannot be fetched, a text too short) becomes its own polite message; the
        operator's trouble (the database, the configuration: their messages name files on this
        machine) and anything unforeseen become the one apology, and a log line."""
        try:
            return await self._dispatch(req, command)
        except (StoreError, ConfigError) as exc:
            log.error("command failed command=%s channel=%s error=%s", command.verb, req.channel.key, exc)
            return ErrorReply(APOLOGY)
        except BriefbotError as exc:
            return ErrorReply(_sentence(str(exc)))
        except Exception:
            log.exception("command failed command=%s channel=%s", command.verb, req.channel.key)
            return ErrorReply(APOLOGY)

    async def remember_posts(self, channel: ChannelRef, message_ids: list[str], reply: Reply) -> None:
        article = followup_article(reply)
        if article is None or not message_ids:
            return
        try:
            await self._store.channels.remember_posts(channel.key, message_ids, article, self._clock())
        except Exception:
            # The messages are out; failing here must not make anyone post them again.
            log.exception("remember_posts failed channel=%s messages=%s", channel.key, ",".join(message_ids))

    async def claim_event(self, keys: Sequence[str]) -> bool:
        try:
            return await self._store.events.first_time(keys, self._clock(), EVENT_TTL_S)
        except BriefbotError as exc:  # the store is unusable: answering twice beats not at all
            log.warning("cannot record a platform event keys=%s error=%s", ",".join(keys), exc)
            return True

    # -- dispatch -------------------------------------------------------------------------------

    async def _dispatch(self, req: Request, command: Command) -> Reply:
        if commands.is_change(command) and not self._is_admin(req):
            return self._not_admin(commands.VERBS[command.verb].changes)
        match command:
            case Help():
                return commands.help_reply()
            case BriefArticle():
                return await self.brief(command)
            case Ask():
                return await self.answer(req, command.question)
            case Digest():
                return await self.digest(req)
            case Subscribe():
                return await self.subscribe(req, command)
            case Unsubscribe():
                return await self.unsubscribe(req, command)
            case Feeds():
                return await self.feeds(req)
            case Schedule():
                return await self.schedule(req, command)
            case SetMode():
                return await self.mode(req, command.mode)
            case Invalid():
                return ErrorReply(command.text, hint=command.hint)

    def _is_admin(self, req: Request) -> bool:
        if not self._settings.chat.admin_only or req.user.is_admin:
            return True
        return admin_key(req.channel.platform, req.user.user_id) in self._admins

    @functools.cached_property
    def _admins(self) -> frozenset[str]:
        keys = set()
        for entry in self._settings.chat.admins:
            platform, _, user = entry.strip().partition(":")
            keys.add(admin_key(platform, user))
        return frozenset(keys)

    def _not_admin(self, what: str) -> ErrorReply:
        return ErrorReply(
            f"Only admins can {what} in this channel.",
            hint="Ask a channel or workspace admin, or have your id added to [chat] admins.",
        )

    async def _channel(self, req: Request) -> Channel:
        return await self._store.channels.ensure(req.channel, self._clock())

    async def _changed(self, channel: Channel) -> None:
        if channel.disabled:
            # Deliveries stopped when the platform refused a post here (the bot removed, the
            # channel archived). An admin changing things here means it is back: resume.
            await self._store.channels.enable(channel.key)
            log.info("channel deliveries resumed channel=%s", channel.key)
        if self._schedules is not None:
            await self._schedules.channel_changed(channel.key)

    # -- commands -------------------------------------------------------------------------------

    async def brief(self, command: BriefArticle) -> Reply:
        if command.url is not None:
            result = await self._ingest.ingest_url(command.url)
        else:
            result = await self._ingest.ingest_text(command.text)
        stored = await self._store.articles.get(result.article_id)
        brief = result.brief
        source = Source(
            title=(stored.title if stored else "") or brief.title,
            url=(stored.url if stored else None) or brief.url,
            outlet=stored.source if stored else None,
            published=(stored.published if stored else None) or brief.published,
        )
        return BriefReply(brief=brief, article_id=result.article_id, source=source)

    async def answer(self, req: Request, question: str) -> Reply:
        article = None
        if req.thread_id:
            article = await self._store.channels.article_of_post(req.channel.key, req.thread_id)
        scope = AskScope(thread_key=f"{req.channel.key}:{req.thread_id or 'main'}", article_id=article)
        answer = await self._qa.ask(question, scope)
        return AnswerReply(question=question, answer=answer)

    async def digest(self, req: Request) -> Reply:
        channel = await self._channel(req)
        now = self._clock()
        since = await self._store.channels.digest_since(channel.key, now)
        tz = ZoneInfo(channel.timezone or self._settings.schedule.default_timezone)
        reply = await collect_digest(
            self._store,
            channel.key,
            since,
            now,
            max_items=self._settings.chat.digest_max_items,
            title=digest_title("Digest so far", datetime.fromtimestamp(now, tz)),
        )
        if reply.items:
            return reply
        subs = await self._store.channels.subscriptions(channel.key)
        if not subs:
            return Confirmation(
                "This channel follows no feeds yet, so its digest is empty. "
                "Subscribe with /brief subscribe <feed-url>, or try /brief subscribe sample."
            )
        waiting = await self._store.articles.count("fetched") + await self._store.articles.count("new")
        unread = sum(1 for s in subs if not s.feed_polled and not s.feed_disabled)
        text = "Nothing new since the last digest."
        if waiting:
            are = "articles are" if waiting != 1 else "article is"
            text += f" {waiting} {are} still being read; try again in a moment."
        elif unread:
            feeds = "feeds are" if unread != 1 else "feed is"
            text += f" {unread} new {feeds} still being read; try again in a moment."
        return Confirmation(text)

    async def subscribe(self, req: Request, command: Subscribe) -> Reply:
        if command.url is None:
            if not self._settings.feeds.sample_feed:
                return ErrorReply("The sample feed is turned off here ([feeds] sample_feed = false).")
            path = sample_feed_path()
            if not path.is_file():
                log.warning("sample feed missing path=%s", path.resolve())
                return ErrorReply(
                    "The sample feed is missing from this installation (config/sample-feed.xml)."
                )
            # The one local file a chat command may reach: the bot names it, not the user.
            feed, _ = await self._ingest.add_feed(str(path), local_files=True)
        else:
            feed, _ = await self._ingest.add_feed(command.url)
        channel = await self._channel(req)
        sub, created = await self._store.channels.subscribe(
            channel.key,
            feed.id,
            keywords=command.keywords,
            pattern=command.pattern,
            created_by=f"{req.channel.platform}:{req.user.user_id}",
            now=self._clock(),
        )
        await self._changed(channel)
        if self._schedules is not None:
            self._schedules.wake()
        name = feed.title or _feed_address(feed.url)
        text = (
            f"Subscribed this channel to {name} (subscription {sub.id})."
            if created
            else (f"This channel already follows {name} (subscription {sub.id}); its filters are updated.")
        )
        if sub.keywords or sub.pattern:
            text += " Only articles matching " + _describe_filters(sub) + " are included."
        refreshed = await self._store.channels.get(channel.key)
        schedule = refreshed.schedule if refreshed else None
        if schedule is None:
            text += " No digest time is set: use /brief schedule 08:00 [timezone] to get a daily digest."
        else:
            text += f" Digest: {describe_schedule(schedule)}."
        return Confirmation(text)

    async def unsubscribe(self, req: Request, command: Unsubscribe) -> Reply:
        channel = await self._channel(req)
        subs = await self._store.channels.subscriptions(channel.key)
        chosen: Subscription | None = None
        target = command.address
        if command.subscription_id is not None:
            target = str(command.subscription_id)
            chosen = next((s for s in subs if s.id == command.subscription_id), None)
        elif target:
            url = commands.normalise_url(target)
            wanted = {target.lower(), (url or "").lower(), _canonical(url).lower()}
            chosen = next((s for s in subs if s.feed_url.lower() in wanted), None)
            if chosen is None and target.lower() in SAMPLE_NAMES:
                chosen = next((s for s in subs if is_sample_feed(s.feed_url)), None)
        if chosen is None:
            hint = "See the ids with /brief feeds." if subs else "This channel follows no feeds."
            what = f"no subscription {target[:40]}" if target else "which subscription to remove"
            return ErrorReply(f"This channel has {what}." if target else f"Tell me {what}.", hint=hint)
        await self._store.channels.unsubscribe(channel.key, chosen.id)
        return Confirmation(
            f"Unsubscribed this channel from {chosen.feed_title or _feed_address(chosen.feed_url)}."
        )

    async def feeds(self, req: Request) -> Reply:
        channel = await self._channel(req)
        subs = await self._store.channels.subscriptions(channel.key)
        schedule = channel.schedule
        when = f"digest {describe_schedule(schedule)}" if schedule else "no digest time"
        title = f"Feeds this channel follows ({when}; mode: {channel.mode})"
        if channel.disabled:
            title += (
                f" — posting stopped: {channel.disabled_reason or 'the channel was unreachable'}"
                " (an admin's next subscribe, schedule or mode here resumes it)"
            )
        items = []
        for sub in subs:
            detail = [_feed_address(sub.feed_url) if sub.feed_title else ""]
            if sub.keywords or sub.pattern:
                detail.append("filter: " + _describe_filters(sub))
            error = sub.feed_error
            if error and is_local_feed(sub.feed_url):  # its errors name paths on the bot's machine
                error = "the feed file cannot be read (the operator sees why in `briefbot feeds list`)"
            if sub.feed_disabled:
                detail.append(f"feed disabled: {error or 'too many failures'}")
            elif error:
                detail.append(f"last error: {error}")
            items.append(
                ListItem(
                    str(sub.id),
                    sub.feed_title or _feed_address(sub.feed_url),
                    " · ".join(d for d in detail if d),
                )
            )
        return ListReply(
            title=title,
            items=tuple(items),
            empty_text="None yet. Subscribe with /brief subscribe <feed-url>, or /brief subscribe sample.",
        )

    async def schedule(self, req: Request, command: Schedule) -> Reply:
        channel = await self._channel(req)
        if command.off:
            await self._store.channels.set_schedule(channel.key, None, self._clock())
            await self._changed(channel)
            return Confirmation("Daily digest turned off for this channel.")
        if command.at is None:
            current = channel.schedule
            if current is None:
                return Confirmation(
                    "No digest time is set. Set one with /brief schedule 08:00 [timezone] [days]."
                )
            return Confirmation(f"Digest: {describe_schedule(current)}. {self._next_text(current)}")
        zone = command.timezone or channel.timezone or self._settings.schedule.default_timezone
        schedule = DigestSchedule(command.at, zone, command.days)
        await self._store.channels.set_schedule(channel.key, schedule, self._clock())
        await self._changed(channel)
        text = f"Daily digest set: {describe_schedule(schedule)}. {self._next_text(schedule)}"
        if not await self._store.channels.subscriptions(channel.key):
            text += " This channel follows no feeds yet: /brief subscribe <feed-url>."
        return Confirmation(text)

    def _next_text(self, schedule: DigestSchedule) -> str:
        now = datetime.fromtimestamp(self._clock(), UTC)
        upcoming = next_digest_time(schedule, now)
        if upcoming is None:
            return ""
        local = upcoming.astimezone(ZoneInfo(schedule.timezone))
        text = f"Next: {local:%a %d %b %H:%M} {schedule.timezone}"
        if schedule.timezone != "UTC":
            text += f" ({upcoming.astimezone(UTC):%H:%M} UTC)"
        return text + "."

    async def mode(self, req: Request, mode: Mode | None) -> Reply:
        channel = await self._channel(req)
        if mode is None:
            return Confirmation(f"Mode: {channel.mode}. {_MODE_TEXT[channel.mode]}")
        await self._store.channels.set_mode(channel.key, mode, self._clock())
        await self._changed(channel)
        return Confirmation(f"Mode set to {mode}. {_MODE_TEXT[mode]}")


_MODE_TEXT: dict[str, str] = {
    "digest": "New articles go into the daily digest.",
    "each": "Each new brief is posted as it arrives (no digest).",
    "both": "Each new brief is posted as it arrives, and the daily digest sums them up.",
}


def _sentence(text: str) -> str:
    """An error's message as a chat sentence: capitalised, with a full stop."""
    text = text.strip()
    if not text:
        return "That did not work."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _canonical(url: str | None) -> str:
    """A URL as feeds are stored (see ``Ingestor.add_feed``), or "" when it has none."""
    try:
        return canonical_url(url) if url else ""
    except FetchError:
        return ""


def _feed_address(url: str) -> str:
    """How a feed is named in chat: its URL, but never a path on the bot's own machine."""
    if is_sample_feed(url):
        return "the bundled sample feed (/brief subscribe sample)"
    if is_local_feed(url):
        return "a local feed file"
    return url


def _describe_filters(sub: Subscription) -> str:
    parts = []
    if sub.keywords:
        parts.append("any of " + ", ".join(sub.keywords))
    if sub.pattern:
        parts.append(f"/{sub.pattern}/")
    return " and ".join(parts)
