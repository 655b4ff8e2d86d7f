"""The ``/brief`` commands as typed values, and the one definition of each verb.

Each verb has, side by side below: the frozen dataclass the service takes (``Subscribe``,
``Schedule``, …), its constructor, which checks what it is given (``subscribe(url, keywords,
regex)``), and its ``Verb``: the words that name it, its options, whether it changes the channel
(admins only), whether it is slow, whether its result is for the channel, and its lines of help.
From the ``Verb`` come the help on every platform (as typed, and as Discord's slash command),
the usage in error messages, and Discord's command and option descriptions.

Two ways in, one set of rules:

* Slack and the terminal send text: ``parse(line)`` turns it into one value, or an ``Invalid``
  saying what is wrong and how the command is used.
* Discord has typed slash-command options: it calls the same constructors directly, so a value
  means the same and a mistake is explained in the same words on every platform.

Adding an option to a verb touches its section here (a field, the constructor's parameter and
check, an ``Option``: typed lines, help and descriptions follow) and, when Discord offers it, a
parameter of its slash command in ``bot/adapters/discord_app.py``; then the service uses it.

Pure functions and values: nothing here knows a chat platform's API, the store or the clock.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import urlsplit

from bot.digest import FilterError, check_keywords, check_pattern
from bot.replies import ChannelRef, HelpEntry, HelpReply, Reply, Request
from bot.sample_feed import SAMPLE_NAMES
from bot.schedules import parse_time, parse_weekdays, resolve_timezone
from bot.store.channels import MODES, Mode

URL_MAX = 2048
TEXT_MAX = 200_000  # pasted article text, in characters (what a chat's own limits count)
QUESTION_MAX = 1000
MIN_TEXT_WORDS = 8  # fewer words than this, not a known command: a typo, not an article
OFF_WORDS = frozenset({"off", "none", "stop", "disable", "disabled", "never"})


# -- what every verb is made of ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    """One thing a verb takes: typed after the verb as a word (``positional``) or as
    ``--name value`` (``--alias value`` too); on Discord an option box called ``name``, unless
    ``slash`` is False. A ``words`` option's typed value is split into words, as a shell would
    (quotes keep a phrase)."""

    name: str
    placeholder: str  # what help shows in its place: "<feed-url>", "a,b", "timezone"
    description: str = ""  # Discord's description of the option box
    required: bool = False
    positional: bool = True
    slash: bool = True
    aliases: tuple[str, ...] = ()
    words: bool = False


@dataclass(frozen=True, slots=True)
class HelpLine:
    """One line of help: the verb with all its options, or with some of them ``given`` a fixed
    value (``/brief schedule off``); ``example`` fills options with sample values."""

    description: str
    given: Mapping[str, str] = field(default_factory=dict)
    example: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Verb:
    name: str  # the word typed after /brief
    words: tuple[str, ...]  # everything that may be typed for it (name first)
    summary: str  # Discord's description of its subcommand
    options: tuple[Option, ...]
    help: tuple[HelpLine, ...]
    parse: Callable[[str], Command]  # the text after the verb's word → a value
    slash_name: str = ""  # its Discord subcommand, when not ``name``
    bare: bool = False  # typed without its word (/brief <url>)
    changes: str = ""  # what it changes, when it does: admins only ("change the mode")
    slow: bool = False  # may take more than a moment: a "working on it" note first
    public: bool = True  # its result is normally for the channel, not only the asker

    @property
    def admin(self) -> bool:
        return bool(self.changes)

    @property
    def slash(self) -> str:
        return self.slash_name or self.name


@dataclass(frozen=True, slots=True)
class Invalid:
    """A command that cannot be carried out as given: what is wrong, and how it is used."""

    verb: str  # the verb it was meant for
    text: str
    hint: str | None = None


class UsageError(ValueError):
    """Raised inside a constructor's checks; the constructor returns it as an ``Invalid``."""

    def __init__(self, text: str, hint: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.hint = hint


_Value = TypeVar("_Value")


def _checked(verb: str, build: Callable[[], _Value]) -> _Value | Invalid:
    try:
        return build()
    except UsageError as exc:
        return Invalid(verb, exc.text, exc.hint)


def _no_args(value: Command) -> Callable[[str], Command]:
    return lambda _args: value


# -- typed lines ---------------------------------------------------------------------------------

_FLAG = re.compile(r"(?:^|\s)--([A-Za-z][\w-]*)(?=\s|=|$)=?")


def split_options(args: str) -> tuple[str, dict[str, str]]:
    """``"URL --keywords a,b --regex x"`` → ``("URL", {"keywords": "a,b", "regex": "x"})``.

    ``--name`` inside quotes is text, not an option: ``--keywords "a --regex b"`` is one value.
    """
    spans = _quoted_spans(args)
    found = [m for m in _FLAG.finditer(args) if not any(a <= m.start(1) - 2 < b for a, b in spans)]
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


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"`":
        return value[1:-1]
    return value


def shell_words(value: str) -> list[str]:
    """Words as a shell splits them (quotes keep a phrase), or at spaces when quotes don't match."""
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def _target_and_flags(verb_name: str, build: Callable[..., Command]) -> Callable[[str], Command]:
    """A typed line's parser for a verb that takes one word and ``--options``: each option is
    passed to ``build`` by its name, so a new ``Option`` needs no parsing of its own."""

    def parse_line(args: str) -> Command:
        verb = VERBS[verb_name]
        target, typed = split_options(args)
        flags = {name: o for o in verb.options if not o.positional for name in (o.name, *o.aliases)}
        values: dict[str, Any] = {}
        for name, value in typed.items():
            option = flags.get(name)
            if option is None:
                return Invalid(verb.name, f"Unknown option --{name[:30]}.", hint=usage_line(verb))
            values[option.name] = shell_words(value) if option.words else _unquote(value)
        return build(_unquote(target.strip()), **values)

    return parse_line


# -- help ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Help:
    verb: ClassVar[str] = "help"


HELP_VERB = Verb(
    "help",
    ("help", "?"),
    "What Briefbot can do, with examples",
    (),
    (HelpLine("this list"),),
    parse=_no_args(Help()),
    public=False,
)


# -- brief <url> | brief <text> --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BriefArticle:
    """Brief a web page (``url``) or pasted article text (``text``): exactly one is set."""

    verb: ClassVar[str] = "brief"
    url: str | None = None
    text: str = ""


_BARE_DOMAIN = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/\S*)?$", re.IGNORECASE)


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


def brief(url: str, *, explicit: bool = True) -> BriefArticle | Invalid:
    """A link, or pasted text, to brief (Discord's ``url`` box takes either). Not ``explicit``
    (a line that starts with no known command word): a few words are a mistyped command."""

    def build() -> BriefArticle:
        text = url.strip()
        if not text:
            raise UsageError("Give me a link or paste an article.", hint=f"e.g. {example_line(BRIEF_VERB)}")
        if looks_like_url(text):
            link = normalise_url(text)
            if link is None:
                raise UsageError(
                    f"'{text[:100]}' is not a web address I can fetch.",
                    hint=f"Use a full http:// or https:// link, e.g. {example_line(BRIEF_VERB)}",
                )
            return BriefArticle(url=link)
        if not explicit and len(text.split()) < MIN_TEXT_WORDS:
            raise UsageError(
                f"I don't know the command '{text.split()[0][:40]}'.",
                hint="Try /brief help. To brief an article, give its link or paste its whole text.",
            )
        if len(text) > TEXT_MAX:
            raise UsageError(f"That text is too long to brief (at most {TEXT_MAX:,} characters).")
        return BriefArticle(text=text)

    return _checked("brief", build)


BRIEF_VERB = Verb(
    "brief",
    ("brief",),
    "Brief an article now",
    (Option("url", "<url>", "Link to the article (http or https)", required=True),),
    (
        HelpLine("brief a web article now", example={"url": "https://news.example/story"}),
        HelpLine("brief pasted article text", given={"url": "<text>"}),
    ),
    parse=brief,
    slash_name="url",
    bare=True,
    slow=True,
)


# -- ask <question> ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ask:
    verb: ClassVar[str] = "ask"
    question: str


def ask(question: str) -> Ask | Invalid:
    def build() -> Ask:
        words = " ".join(question.split())
        if not words:
            raise UsageError("What would you like to know?", hint=f"e.g. {example_line(ASK_VERB)}")
        if len(words) > QUESTION_MAX:
            raise UsageError(f"That question is too long (at most {QUESTION_MAX} characters).")
        return Ask(words)

    return _checked("ask", build)


def mention(text: str) -> Ask | Help | Invalid:
    """What a mention or direct message asks: its question, or, with no words, the help."""
    return ask(text) if text.strip() else Help()


ASK_VERB = Verb(
    "ask",
    ("ask",),
    "Ask about what Briefbot has read",
    (
        Option(
            "question", "<question>", "Your question, e.g. who is negotiating the port deal?", required=True
        ),
    ),
    (HelpLine("answer from what I have read", example={"question": "who reopened the bridge?"}),),
    parse=ask,
    slow=True,
)


# -- digest --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Digest:
    verb: ClassVar[str] = "digest"


DIGEST_VERB = Verb(
    "digest",
    ("digest",),
    "This channel's digest, now",
    (),
    (HelpLine("this channel's digest so far"),),
    parse=_no_args(Digest()),
    slow=True,
)


# -- subscribe <feed-url> [--keywords a,b] [--regex …] ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Follow a feed here: ``url`` (normalised http(s)), or None for the bundled sample feed."""

    verb: ClassVar[str] = "subscribe"
    url: str | None
    keywords: tuple[str, ...] = ()
    pattern: str | None = None


def subscribe(url: str, keywords: Sequence[str] = (), regex: str | None = None) -> Subscribe | Invalid:
    """``keywords`` are words (``flood levee``) or, when any has a comma, comma-separated
    phrases (``port strike, ferry``); ``regex`` must compile and be quick."""

    def build() -> Subscribe:
        usage = usage_line(SUBSCRIBE_VERB)
        target = url.strip()
        if not target or any(ch.isspace() for ch in target):
            raise UsageError("Give one feed address to subscribe to.", hint=usage)
        try:
            words = [" ".join(keywords)] if any("," in k for k in keywords) else list(keywords)
            checked = check_keywords(words)
            pattern = check_pattern(regex) if regex is not None else None
        except FilterError as exc:
            raise UsageError(str(exc), hint=usage) from None
        if target.lower() in SAMPLE_NAMES:
            return Subscribe(None, checked, pattern)
        feed = normalise_url(target)
        if feed is None:
            raise UsageError(f"'{target[:100]}' is not a feed address I can fetch.", hint=usage)
        return Subscribe(feed, checked, pattern)

    return _checked("subscribe", build)


SUBSCRIBE_VERB = Verb(
    "subscribe",
    ("subscribe", "sub"),
    "Follow a feed in this channel (admins)",
    (
        Option("url", "<feed-url>", "RSS or Atom feed URL", required=True),
        Option(
            "keywords",
            "a,b",
            "Only articles with any of these words, e.g. flood, port strike",
            positional=False,
            aliases=("keyword",),
            words=True,
        ),
        Option("regex", "…", positional=False, slash=False, aliases=("pattern",)),
    ),
    (
        HelpLine(
            "follow an RSS/Atom feed here, optionally filtered ('sample' = the bundled sample feed)",
            example={"url": "https://news.example/rss", "keywords": "climate,energy"},
        ),
    ),
    parse=_target_and_flags("subscribe", subscribe),
    changes="change subscriptions",
    slow=True,
)


# -- unsubscribe <id> ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """Stop following a feed, named by its subscription id or by the address it was added with
    (neither: the person did not say which)."""

    verb: ClassVar[str] = "unsubscribe"
    subscription_id: int | None = None
    address: str = ""


_LABELLED_ID = re.compile(r"^(\w+)\s+—\s")  # "3 — Valley Post", as Discord's suggestions show it


def unsubscribe(subscription: str) -> Unsubscribe | Invalid:
    """A subscription id (``3``, ``#3``, ``3 — Valley Post``) or a feed's address. Ids are ASCII
    digits: other digits (``²``, ``①``, ``٣``) are refused with a usage line, not looked up."""

    def build() -> Unsubscribe:
        target = _unquote(subscription.strip()).strip().lstrip("#")
        if labelled := _LABELLED_ID.match(target):
            target = labelled.group(1)
        if target.isascii() and target.isdigit():
            return Unsubscribe(subscription_id=int(target))
        if target and all(ch.isnumeric() for ch in target):
            raise UsageError(
                f"'{target[:20]}' is not a subscription id: ids are written with the digits 0-9.",
                hint=f"{usage_line(UNSUBSCRIBE_VERB)}; see the ids with /brief feeds.",
            )
        return Unsubscribe(address=target)

    return _checked("unsubscribe", build)


UNSUBSCRIBE_VERB = Verb(
    "unsubscribe",
    ("unsubscribe", "unsub"),
    "Stop following a feed (admins)",
    (Option("subscription", "<id>", "The subscription to remove (see /brief feeds)", required=True),),
    (HelpLine("stop following a feed (ids in /brief feeds)"),),
    parse=unsubscribe,
    changes="change subscriptions",
)


# -- feeds ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feeds:
    verb: ClassVar[str] = "feeds"


FEEDS_VERB = Verb(
    "feeds",
    ("feeds", "subscriptions", "list"),
    "The feeds this channel follows",
    (),
    (HelpLine("this channel's subscriptions, schedule and mode"),),
    parse=_no_args(Feeds()),
    public=False,
)


# -- schedule <HH:MM> [timezone] [days] | schedule off ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    """Set the daily digest time (``at``), turn it ``off``, or, with neither, show it.
    ``timezone`` None keeps the channel's; ``days`` empty is every day."""

    verb: ClassVar[str] = "schedule"
    at: str | None = None
    timezone: str | None = None
    days: tuple[str, ...] = ()
    off: bool = False


def schedule(time: str = "", timezone: str | None = None, days: str | None = None) -> Schedule | Invalid:
    """The digest time (``08:30``, ``07:00:30``, or ``off``), an IANA timezone, and days
    (``mon-fri``, ``sat sun``, ``weekends``; none: every day). No time: show the schedule."""

    def build() -> Schedule:
        at_text = time.strip()
        if not at_text:
            return Schedule()
        if at_text.lower() in OFF_WORDS:  # "off" with a timezone or days (Discord's form) is still off
            return Schedule(off=True)
        usage = usage_line(SCHEDULE_VERB)
        at = parse_time(at_text)
        if at is None:
            raise UsageError(f"'{at_text[:20]}' is not a time; use 24-hour HH:MM, e.g. 08:30.", hint=usage)
        zone = None
        if timezone and timezone.strip():
            zone = resolve_timezone(timezone)
            if zone is None:
                raise UsageError(
                    f"I don't know the timezone '{timezone.strip()[:40]}'.",
                    hint="Use an IANA name such as Europe/Berlin, America/New_York, Asia/Tokyo or UTC.",
                )
        try:
            weekdays = parse_weekdays((days or "").split())
        except ValueError as exc:
            raise UsageError(f"{str(exc)[:120]}.", hint=usage) from None
        return Schedule(at=at, timezone=zone, days=weekdays)

    return _checked("schedule", build)


def _parse_schedule(args: str) -> Command:
    """``HH:MM`` first, then a timezone and days in any order: the first word that names a
    timezone is the timezone. A single word that is neither is taken for a timezone."""
    words = [w for word in shell_words(args) for w in word.split()]
    if not words:
        return schedule()
    zone: str | None = None
    days: list[str] = []
    for word in words[1:]:
        if zone is None and resolve_timezone(word) is not None:
            zone = word
        else:
            days.append(word)
    if zone is None and len(days) == 1:
        try:
            parse_weekdays(days)
        except ValueError:
            zone, days = days[0], []  # "08:00 Mars/Olympus": a timezone I don't know
    return schedule(words[0], zone, " ".join(days))


SCHEDULE_VERB = Verb(
    "schedule",
    ("schedule",),
    "When this channel gets its digest (admins)",
    (
        Option("time", "<HH:MM>", "HH:MM (24 h), or off", required=True),
        Option("timezone", "timezone", "IANA timezone, e.g. Europe/Berlin"),
        Option("days", "days", "e.g. mon-fri; every day when empty"),
    ),
    (
        HelpLine(
            "post the digest daily at that time",
            example={"time": "08:30", "timezone": "Europe/Berlin", "days": "mon-fri"},
        ),
        HelpLine("stop the daily digest", given={"time": "off"}),
    ),
    parse=_parse_schedule,
    changes="change the digest schedule",
)


# -- mode <digest|each|both> -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetMode:
    """Set the channel's mode, or, with None, show it."""

    verb: ClassVar[str] = "mode"
    mode: Mode | None = None


def mode(name: str = "") -> SetMode | Invalid:
    wanted = name.strip().lower()
    if not wanted:
        return SetMode()
    for known in MODES:
        if known == wanted:
            return SetMode(known)
    return Invalid("mode", f"'{wanted[:20]}' is not a mode.", hint="Use /brief mode digest, each or both.")


MODE_VERB = Verb(
    "mode",
    ("mode",),
    "Digest only, each brief as it arrives, or both (admins)",
    (Option("mode", "<digest|each|both>", "digest, each or both", required=True),),
    (HelpLine("digest only, post each brief as it arrives, or both"),),
    parse=mode,
    changes="change the mode",
)


# -- every command, and the service that takes them -------------------------------------------

Command = Help | BriefArticle | Ask | Digest | Subscribe | Unsubscribe | Feeds | Schedule | SetMode | Invalid

# In the order the help lists them.
VERBS: dict[str, Verb] = {
    v.name: v
    for v in (
        BRIEF_VERB,
        ASK_VERB,
        DIGEST_VERB,
        SUBSCRIBE_VERB,
        UNSUBSCRIBE_VERB,
        FEEDS_VERB,
        SCHEDULE_VERB,
        MODE_VERB,
        HELP_VERB,
    )
}
_BY_WORD = {word: verb for verb in VERBS.values() for word in verb.words}


def parse(text: str) -> Command:
    """A ``/brief`` command line as typed in Slack or the terminal (``/brief`` itself optional)."""
    line = text.strip()
    if line.lower().startswith("/brief"):
        line = line[len("/brief") :].strip()
    if not line:
        return Help()
    first, _, rest = line.partition(" ")
    verb = _BY_WORD.get(first.lower())
    if verb is None:
        return brief(line, explicit=False)
    return verb.parse(rest.strip())


def is_slow(command: Command) -> bool:
    return not isinstance(command, Invalid) and VERBS[command.verb].slow


def is_change(command: Command) -> bool:
    """Whether the command (or what it was meant to be) changes the channel: admins only.
    Showing a schedule or mode is open to everyone."""
    if isinstance(command, Schedule) and command.at is None and not command.off:
        return False
    if isinstance(command, SetMode) and command.mode is None:
        return False
    return VERBS[command.verb].admin


def likely_public(command: Command, *, asker_is_admin: bool) -> bool:
    """Whether the reply to ``command`` will most likely be for the channel (``is_public``), for
    a platform that must choose before the service answers (Discord's deferral): invalid
    commands and changes asked for by non-admins are most likely refused, which is private."""
    if isinstance(command, Invalid) or (is_change(command) and not asker_is_admin):
        return False
    return VERBS[command.verb].public


class ChatService(Protocol):
    """The command set every adapter drives (implemented by ``bot.service.Service``).

    Adapters turn platform events into the typed commands above, call ``handle`` and
    render what comes back; they hold no business logic of their own. ``handle`` never raises:
    whatever goes wrong comes back as an ``ErrorReply`` (the service is the one place that
    turns failures into replies).
    """

    async def handle(self, req: Request, command: Command) -> Reply:
        """One command: a ``/brief`` command, or a mention's question (``commands.mention``).
        Inside the thread of a posted brief (``req.thread_id``) a question is about that
        article first."""
        ...

    async def remember_posts(self, channel: ChannelRef, message_ids: list[str], reply: Reply) -> None:
        """Record the platform ids of messages that carried ``reply``, so follow-ups in their
        threads (or replies to them) find the article they were about (``followup_article``).
        Never raises: the messages are out, and must not be posted again."""
        ...

    async def claim_event(self, keys: Sequence[str]) -> bool:
        """Claim a platform event for handling: True the first time any of its ``keys`` (event
        id, message id) is seen — also after a restart, or by another replica — so that an
        event delivered twice is answered once."""
        ...


# -- help and usage, from the definitions ------------------------------------------------------------

INTRO = (
    "I read news feeds and links and turn each article into a short brief: who, where, "
    "objectives, open issues. I post a digest on schedule and answer questions with sources."
)


def _typed(verb: Verb, values: Mapping[str, str], optional: bool) -> str:
    words = ["/brief"] if verb.bare else ["/brief", verb.name]
    for option in verb.options:
        if option.name not in values:
            continue
        word = values[option.name] if option.positional else f"--{option.name} {values[option.name]}"
        words.append(f"[{word}]" if optional and not option.required else word)
    return " ".join(words)


def _slash(verb: Verb, values: Mapping[str, str], optional: bool) -> str:
    words = ["/brief", verb.slash]
    for option in verb.options:
        if option.name not in values or not option.slash:
            continue
        value = values[option.name]
        word = f"{option.name}:{'<' + value + '>' if value == option.name else value}"
        words.append(f"[{word}]" if optional and not option.required else word)
    return " ".join(words)


def _usage_values(verb: Verb, line: HelpLine) -> dict[str, str]:
    return dict(line.given) if line.given else {o.name: o.placeholder for o in verb.options}


def usage_line(verb: Verb) -> str:
    line = verb.help[0]
    text = f"Usage: {_typed(verb, _usage_values(verb, line), optional=True)}"
    if line.example is not None:
        text += f", e.g. {_typed(verb, line.example, optional=False)}"
    return text


def example_line(verb: Verb) -> str:
    return _typed(verb, verb.help[0].example or {}, optional=False)


def help_reply() -> HelpReply:
    """Every command, as typed in Slack and the terminal and as used on Discord."""
    entries = []
    for verb in VERBS.values():
        for line in verb.help:
            values = _usage_values(verb, line)
            example = line.example
            entries.append(
                HelpEntry(
                    usage=_typed(verb, values, optional=True),
                    description=line.description,
                    example=_typed(verb, example, optional=False) if example is not None else "",
                    admin=verb.admin,
                    slash_usage=_slash(verb, values, optional=True),
                    slash_example=_slash(verb, example, optional=False) if example is not None else "",
                )
            )
    return HelpReply(intro=INTRO, entries=tuple(entries))


def slash_descriptions(verb: str) -> dict[str, str]:
    """Discord's descriptions of a verb's option boxes (for ``app_commands.describe``)."""
    return {o.name: o.description for o in VERBS[verb].options if o.slash and o.description}
