"""The platform-neutral command set: what ``/brief …`` does on Slack, Discord and the terminal.

``Service.handle`` parses one command line and calls one plain async method per command; each
returns a ``Reply`` value that a renderer turns into text, Block Kit or embeds. Nothing here
knows a chat platform. Bad input never raises: it gets a short ``ErrorReply`` that says what
would work instead.
"""

from __future__ import annotations

import functools
import logging
import re
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.digest import FilterError, check_keywords, check_pattern
from bot.ingest.canonical import canonical_url
from bot.qa import AskScope
from bot.replies import (
    AnswerReply,
    BriefReply,
    ChannelRef,
    Confirmation,
    ErrorReply,
    HelpEntry,
    HelpReply,
    ListItem,
    ListReply,
    Reply,
    Request,
    Source,
)
from bot.sample_feed import SAMPLE_NAMES, is_local_feed, is_sample_feed, sample_feed_path
from bot.scheduler import (
    collect_digest,
    describe_schedule,
    digest_title,
    next_digest_time,
    parse_time,
    parse_weekdays,
    reply_article,
    resolve_timezone,
)
from bot.settings import Settings
from bot.store import Feed, Store
from bot.store.channels import MODES, Channel, DigestSchedule, Mode, Subscription
from summarizer.answer import Answer
from summarizer.brief import Brief
from summarizer.errors import BriefbotError, FetchError

log = logging.getLogger(__name__)

URL_MAX = 2048
TEXT_MAX = 200_000  # pasted article text, in characters (what a chat's own limits count)
QUESTION_MAX = 1000
MIN_TEXT_WORDS = 8  # fewer words than this, not a known command: a typo, not an article


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


# -- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # "" for a bare URL or text to brief
    args: str


ALIASES = {
    "help": "help",
    "?": "help",
    "ask": "ask",
    "digest": "digest",
    "subscribe": "subscribe",
    "sub": "subscribe",
    "unsubscribe": "unsubscribe",
    "unsub": "unsubscribe",
    "feeds": "feeds",
    "subscriptions": "feeds",
    "list": "feeds",
    "schedule": "schedule",
    "mode": "mode",
    "brief": "brief",
}
SLOW = {"ask", "digest", "subscribe", "brief"}
EVENT_TTL_S = 3600.0  # platform events are remembered this long (Slack retries within minutes)
SORRY = "Something went wrong on my side; it has been logged. Please try again later."
_OFF = {"off", "none", "stop", "disable", "disabled", "never"}
_OPTION = re.compile(r"(?:^|\s)--([A-Za-z][\w-]*)(?=\s|=|$)=?")
_LABELLED_ID = re.compile(r"^(\d+)\s+—\s")
_BARE_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/\S*)?$", re.IGNORECASE)


def parse_command(text: str) -> Command:
    text = text.strip()
    if text.lower().startswith("/brief"):
        text = text[len("/brief") :].strip()
    if not text:
        return Command("help", "")
    first, _, rest = text.partition(" ")
    name = ALIASES.get(first.lower())
    if name is not None:
        return Command(name, rest.strip())
    return Command("", text)


def normalise_url(text: str) -> str | None:
    """An http(s) URL from what a user typed (Slack's ``<url|label>`` unwrapped, a bare domain
    given https://), or None when it is not one."""
    url = text.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].split("|", 1)[0]
    if "://" not in url and _BARE_DOMAIN.match(url):
        url = "https://" + url
    if len(url) > URL_MAX or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        return None
    del port
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def looks_like_url(text: str) -> bool:
    word = text.strip()
    return " " not in word and ("://" in word or word.startswith("<") or bool(_BARE_DOMAIN.match(word)))


def split_options(args: str) -> tuple[str, dict[str, str]]:
    """``"URL --keywords a,b --regex x"`` → ``("URL", {"keywords": "a,b", "regex": "x"})``.

    ``--name`` inside quotes is text, not an option: ``--keywords "a --regex b"`` is one value
    (Discord quotes what people type into an option box, and that must stay one value).
    """
    spans = _quoted_spans(args)
    found = [m for m in _OPTION.finditer(args) if not any(a <= m.start(1) - 2 < b for a, b in spans)]
    if not found:
        return args.strip(), {}
    options: dict[str, str] = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(args)
        options[match.group(1).lower()] = args[match.end() : end].strip()
    return args[: found[0].start()].strip(), options


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where quoted words are: a quote opens at the start of a word (not an apostrophe inside
    one) and closes at the next same quote; inside double quotes a backslash escapes."""
    spans: list[tuple[int, int]] = []
    quote = ""
    start = i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                spans.append((start, i + 1))
                quote = ""
        elif ch in "\"'`" and (i == 0 or text[i - 1].isspace() or text[i - 1] == "="):
            quote, start = ch, i
        i += 1
    if quote:
        spans.append((start, len(text)))
    return spans


def admin_key(platform: str, user_id: str) -> str:
    """How a ``[chat] admins`` entry and a requester are compared: ``slack:U012AB3CD`` as Slack
    shows ids (upper case, whatever case the operator typed), ``discord:80351110224678912``."""
    return f"{platform.strip().lower()}:{user_id.strip().upper()}"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"`":
        return value[1:-1]
    return value


def _keyword_items(value: str) -> list[str]:
    """``a b`` and ``a,b`` are two keywords; with commas, the words between them are one phrase
    (``port strike, ferry``); quotes keep a phrase too (``"port strike" ferry``)."""
    words = _words(value)
    if any("," in w for w in words):
        return [" ".join(words)]  # check_keywords splits at the commas
    return words


def _words(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


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

    async def handle(self, req: Request, text: str) -> Reply:
        command = parse_command(text)
        try:
            return await self._dispatch(req, command)
        except BriefbotError as exc:
            return ErrorReply(_sentence(str(exc)))
        except Exception:
            log.exception("command failed command=%s channel=%s", command.name or "brief", req.channel.key)
            return ErrorReply(SORRY)

    def is_slow(self, text: str) -> bool:
        command = parse_command(text)
        return command.name in SLOW or command.name == ""

    async def ask(self, req: Request, question: str) -> Reply:
        try:
            return await self.answer(req, question)
        except BriefbotError as exc:
            return ErrorReply(_sentence(str(exc)))
        except Exception:
            log.exception("question failed channel=%s", req.channel.key)
            return ErrorReply(SORRY)

    async def remember_posts(self, channel: ChannelRef, message_ids: list[str], reply: Reply) -> None:
        article = reply_article(reply)
        if article is not None and message_ids:
            await self._store.channels.remember_posts(channel.key, message_ids, article, self._clock())

    async def claim_event(self, keys: Sequence[str]) -> bool:
        try:
            return await self._store.events.first_time(keys, self._clock(), EVENT_TTL_S)
        except BriefbotError as exc:  # the store is unusable: answering twice beats not at all
            log.warning("cannot record a platform event keys=%s error=%s", ",".join(keys), exc)
            return True

    # -- dispatch -------------------------------------------------------------------------------

    async def _dispatch(self, req: Request, command: Command) -> Reply:
        match command.name:
            case "help":
                return self.help()
            case "ask":
                return await self.answer(req, command.args)
            case "digest":
                return await self.digest(req)
            case "subscribe":
                return await self.subscribe(req, command.args)
            case "unsubscribe":
                return await self.unsubscribe(req, command.args)
            case "feeds":
                return await self.feeds(req)
            case "schedule":
                return await self.schedule(req, command.args)
            case "mode":
                return await self.mode(req, command.args)
            case "brief":
                return await self.brief(req, command.args)
            case _:
                return await self.brief(req, command.args, explicit=False)

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

    def help(self) -> HelpReply:
        return HelpReply(
            intro="I read news feeds and links and turn each article into a short brief: who, where, "
            "objectives, open issues. I post a digest on schedule and answer questions with sources.",
            entries=(
                HelpEntry("/brief <url>", "brief a web article now", "/brief https://news.example/story"),
                HelpEntry("/brief <text>", "brief pasted article text"),
                HelpEntry(
                    "/brief ask <question>",
                    "answer from what I have read",
                    "/brief ask who reopened the bridge?",
                ),
                HelpEntry("/brief digest", "this channel's digest so far"),
                HelpEntry(
                    "/brief subscribe <feed-url> [--keywords a,b] [--regex …]",
                    "follow an RSS/Atom feed here, optionally filtered ('sample' = the bundled sample feed)",
                    "/brief subscribe https://news.example/rss --keywords climate,energy",
                    admin=True,
                ),
                HelpEntry(
                    "/brief unsubscribe <id>", "stop following a feed (ids in /brief feeds)", admin=True
                ),
                HelpEntry("/brief feeds", "this channel's subscriptions, schedule and mode"),
                HelpEntry(
                    "/brief schedule <HH:MM> [timezone] [days]",
                    "post the digest daily at that time",
                    "/brief schedule 08:30 Europe/Berlin mon-fri",
                    admin=True,
                ),
                HelpEntry("/brief schedule off", "stop the daily digest", admin=True),
                HelpEntry(
                    "/brief mode <digest|each|both>",
                    "digest only, post each brief as it arrives, or both",
                    admin=True,
                ),
                HelpEntry("/brief help", "this list"),
            ),
        )

    async def brief(self, req: Request, args: str, *, explicit: bool = True) -> Reply:
        target = args.strip()
        if not target:
            return ErrorReply(
                "Give me a link or paste an article.", hint="e.g. /brief https://news.example/story"
            )
        if looks_like_url(target):
            url = normalise_url(target)
            if url is None:
                return ErrorReply(
                    f"'{target[:100]}' is not a web address I can fetch.",
                    hint="Use a full http:// or https:// link, e.g. /brief https://news.example/story",
                )
            result = await self._ingest.ingest_url(url)
        else:
            if not explicit and len(target.split()) < MIN_TEXT_WORDS:
                word = target.split()[0][:40]
                return ErrorReply(
                    f"I don't know the command '{word}'.",
                    hint="Try /brief help. To brief an article, give its link or paste its whole text.",
                )
            if len(target) > TEXT_MAX:
                return ErrorReply(f"That text is too long to brief (at most {TEXT_MAX:,} characters).")
            result = await self._ingest.ingest_text(target)
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
        question = " ".join(question.split())
        if not question:
            return ErrorReply(
                "What would you like to know?", hint="e.g. /brief ask who signed the wind farm deal?"
            )
        if len(question) > QUESTION_MAX:
            return ErrorReply(f"That question is too long (at most {QUESTION_MAX} characters).")
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

    async def subscribe(self, req: Request, args: str) -> Reply:
        if not self._is_admin(req):
            return self._not_admin("change subscriptions")
        target, options = split_options(args)
        target = _unquote(target.strip())
        usage = "Usage: /brief subscribe <feed-url> [--keywords word,other] [--regex pattern]"
        unknown = [o for o in options if o not in ("keywords", "keyword", "regex", "pattern")]
        if unknown:
            return ErrorReply(f"Unknown option --{unknown[0][:30]}.", hint=usage)
        if not target or " " in target:
            return ErrorReply("Give one feed address to subscribe to.", hint=usage)
        try:
            keywords = check_keywords(_keyword_items(options.get("keywords", options.get("keyword", ""))))
            raw_pattern = _unquote(options.get("regex", options.get("pattern", "")))
            pattern = check_pattern(raw_pattern) if raw_pattern or "regex" in options else None
        except FilterError as exc:
            return ErrorReply(str(exc), hint=usage)
        if target.lower() in SAMPLE_NAMES:
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
            url = normalise_url(target)
            if url is None:
                return ErrorReply(f"'{target[:100]}' is not a feed address I can fetch.", hint=usage)
            feed, _ = await self._ingest.add_feed(url)
        channel = await self._channel(req)
        sub, created = await self._store.channels.subscribe(
            channel.key,
            feed.id,
            keywords=keywords,
            pattern=pattern,
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

    async def unsubscribe(self, req: Request, args: str) -> Reply:
        if not self._is_admin(req):
            return self._not_admin("change subscriptions")
        target = _unquote(args.strip()).strip().lstrip("#")
        if labelled := _LABELLED_ID.match(target):  # "3 — Valley Post", as suggestions show it
            target = labelled.group(1)
        channel = await self._channel(req)
        subs = await self._store.channels.subscriptions(channel.key)
        chosen: Subscription | None = None
        if target.isdigit():
            chosen = next((s for s in subs if s.id == int(target)), None)
        elif target:
            url = normalise_url(target)
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

    async def schedule(self, req: Request, args: str) -> Reply:
        words = [w for word in _words(args) for w in word.split()]
        channel = await self._channel(req)
        if not words:
            current = channel.schedule
            if current is None:
                return Confirmation(
                    "No digest time is set. Set one with /brief schedule 08:00 [timezone] [days]."
                )
            return Confirmation(f"Digest: {describe_schedule(current)}. {self._next_text(current)}")
        if not self._is_admin(req):
            return self._not_admin("change the digest schedule")
        usage = (
            "Usage: /brief schedule HH:MM [timezone] [days], e.g. /brief schedule 08:30 Europe/Berlin mon-fri"
        )
        if words[0].lower() in _OFF:  # "off" with a timezone or days (Discord's form) is still off
            await self._store.channels.set_schedule(channel.key, None, self._clock())
            await self._changed(channel)
            return Confirmation("Daily digest turned off for this channel.")
        at = parse_time(words[0])
        if at is None:
            return ErrorReply(f"'{words[0][:20]}' is not a time; use 24-hour HH:MM, e.g. 08:30.", hint=usage)
        zone: str | None = None
        day_words: list[str] = []
        for word in words[1:]:
            found = resolve_timezone(word)
            if found is not None and zone is None:
                zone = found
            else:
                day_words.append(word)
        try:
            days = parse_weekdays(day_words)
        except ValueError as exc:
            if zone is None and len(day_words) == 1:
                return ErrorReply(
                    f"I don't know the timezone '{day_words[0][:40]}'.",
                    hint="Use an IANA name such as Europe/Berlin, America/New_York, Asia/Tokyo or UTC.",
                )
            return ErrorReply(f"{str(exc)[:120]}.", hint=usage)
        schedule = DigestSchedule(
            at, zone or channel.timezone or self._settings.schedule.default_timezone, days
        )
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

    async def mode(self, req: Request, args: str) -> Reply:
        channel = await self._channel(req)
        wanted = args.strip().lower()
        if not wanted:
            return Confirmation(f"Mode: {channel.mode}. {_MODE_TEXT[channel.mode]}")
        if wanted not in MODES:
            return ErrorReply(f"'{wanted[:20]}' is not a mode.", hint="Use /brief mode digest, each or both.")
        if not self._is_admin(req):
            return self._not_admin("change the mode")
        mode = _MODES_BY_NAME[wanted]
        await self._store.channels.set_mode(channel.key, mode, self._clock())
        await self._changed(channel)
        return Confirmation(f"Mode set to {mode}. {_MODE_TEXT[mode]}")


_MODES_BY_NAME: dict[str, Mode] = {m: m for m in MODES}
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
