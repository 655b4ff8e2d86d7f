"""``briefbot`` command line: ``run | brief | ingest | feeds | ask | doctor``.

Every command takes ``--config PATH`` before or after its name.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from bot.credentials import Credentials, load_credentials
from bot.ingest.canonical import is_web_url
from bot.ingest.files import InputError, read_inputs
from bot.logs import setup_logging
from bot.render.escape import json_line, terminal
from bot.render.text import render_brief
from bot.settings import INT_MAX, DiscordSettings, Settings, load_settings, parse_duration
from bot.textio import LineTooLong, bounded_lines, peekable, text_stream
from summarizer.answer import Answer
from summarizer.brief import Article, Brief
from summarizer.clean import load_json
from summarizer.errors import BriefbotError, ConfigError, SummarizeError

if TYPE_CHECKING:
    from bot.qa import AskScope
    from bot.store import Feed
    from summarizer.llm import Usage

log = logging.getLogger("briefbot")

BATCH = 64  # articles parsed per nlp.pipe call: keeps memory flat on huge JSONL files
ASK_LINE_MAX = 1_000_000  # a line of stdin (one question); a longer one is refused, not split


def build_parser() -> argparse.ArgumentParser:
    # --config is accepted before and after the command name; SUPPRESS keeps a sub-command's
    # absent option from overwriting one given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="TOML settings file")

    parser = argparse.ArgumentParser(
        prog="briefbot", description="Self-hosted news briefing bot.", parents=[common]
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", parents=[common], help="run the bot (terminal chat without tokens)")
    run.set_defaults(handler=cmd_run)

    brief = commands.add_parser(
        "brief",
        parents=[common],
        help="brief articles from files, stdin or web pages",
        description="Brief .txt/.md/.html files, .jsonl files of {id,title,text} articles, - for "
        "stdin, or http(s) URLs (fetched safely, stored and briefed). Exits 0 when at least one "
        "article was briefed and no URL failed, 1 otherwise.",
    )
    brief.add_argument("inputs", nargs="+", metavar="INPUT")
    brief.add_argument("--json", action="store_true", help="one JSON brief per line")
    brief.add_argument("--backend", choices=("local", "llm"), help="override [summarizer] backend")
    brief.set_defaults(handler=cmd_brief)

    ingest = commands.add_parser(
        "ingest",
        parents=[common],
        help="poll feeds once and brief what is new, or import article files",
        description="Without PATHs: poll every due feed once, store new articles and brief them "
        "(resuming whatever an interrupted run left). With PATHs: store and brief .txt/.html/.jsonl "
        "articles (a JSONL article's id is kept as its key) or http(s) URLs. Exits 1 when a feed, "
        "file or URL failed.",
    )
    ingest.add_argument("paths", nargs="*", metavar="PATH")
    ingest.add_argument("--all", action="store_true", help="poll every enabled feed, due or not")
    ingest.set_defaults(handler=cmd_ingest)

    feeds = commands.add_parser("feeds", parents=[common], help="add, list and remove feeds")
    actions = feeds.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        parents=[common],
        help="subscribe to an RSS/Atom feed (checked first)",
        description="Subscribe to a feed URL (or a local feed file). The feed is fetched and "
        "parsed first; nothing is stored if that fails.",
    )
    add.add_argument("url", metavar="URL")
    add.add_argument("--interval", type=_interval, help="poll interval, e.g. 15m or 1h (default [feeds])")
    actions.add_parser("list", parents=[common], help="show feeds, their state and failures")
    remove = actions.add_parser("remove", parents=[common], help="unsubscribe (stored articles stay)")
    remove.add_argument("id", type=_feed_id, metavar="ID")
    enable = actions.add_parser("enable", parents=[common], help="re-enable a disabled feed")
    enable.add_argument("id", type=_feed_id, metavar="ID")
    feeds.set_defaults(handler=cmd_feeds)
    ask = commands.add_parser(
        "ask",
        parents=[common],
        help="answer a question from the stored articles, with citations",
        description="Answer from what Briefbot has stored (see briefbot ingest). QUESTION may be - "
        'to read one question per line from stdin: a JSON object {"question", "thread"} (thread '
        "optional) or plain text; everything is loaded once and one answer printed per line.",
    )
    ask.add_argument("question", metavar="QUESTION", help="the question, or - for stdin")
    ask.add_argument("--json", action="store_true", help='JSON: {"answer", "citations": [...], "confidence"}')
    ask.add_argument(
        "--thread", metavar="ARTICLE_ID", help="ask about this article first (its brief's thread)"
    )
    ask.add_argument("--backend", choices=("local", "llm"), help="override [summarizer] backend")
    ask.add_argument(
        "--conversation", metavar="KEY", help="remember the turns under KEY, so follow-ups see them"
    )
    ask.set_defaults(handler=cmd_ask)

    doctor = commands.add_parser("doctor", parents=[common], help="check settings, model and environment")
    doctor.set_defaults(handler=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(getattr(args, "config", None))
    except BriefbotError as exc:
        _warn(str(exc))
        return 2
    setup_logging(settings.logging.level)
    try:
        if getattr(args, "backend", None):  # brief and ask: --backend overrides [summarizer] backend
            settings = settings.replace("summarizer", backend=args.backend)
        code: int = args.handler(args, settings, load_credentials(settings))
    except BriefbotError as exc:
        _warn(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`briefbot ask … | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code


def _interval(text: str) -> int:
    try:
        seconds = parse_duration(text).total_seconds()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds < 60:
        raise argparse.ArgumentTypeError("the interval must be at least 1m")
    return int(seconds)


def _feed_id(text: str) -> int:
    """A feed id as ``feeds list`` shows it: ASCII digits, within what the store can hold."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not 0 < int(text) <= INT_MAX:
        raise argparse.ArgumentTypeError(f"{text[:40]} is not a feed id (see `briefbot feeds list`)")
    return int(text)


def cmd_brief(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    if settings.summarizer.workers == 0:
        # "auto" briefs here in this process: the first brief comes soonest and memory stays
        # that of one model. Worker processes pay off for streams (ingest, run) or when asked for.
        settings = settings.replace("summarizer", workers=1)
    if any(is_web_url(i) for i in args.inputs):
        return asyncio.run(_brief_mixed(args, settings, credentials))
    return asyncio.run(_brief_inputs(args, settings, credentials))


async def _brief_mixed(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    """Inputs in order; URLs go through the Ingestor (safe fetch, store, brief)."""
    from bot.app import open_ingestor

    code = 1
    fetch_failed = False
    async with open_ingestor(settings, credentials) as ingestor:
        for group_is_url, group in itertools.groupby(args.inputs, is_web_url):
            if not group_is_url:
                sub = argparse.Namespace(**{**vars(args), "inputs": list(group)})
                code = min(code, await _brief_inputs(sub, settings, credentials))
                continue
            for url in group:
                try:
                    result = await ingestor.ingest_url(url)
                except BriefbotError as exc:
                    fetch_failed = True
                    _warn(str(exc))  # the message names the URL
                    if args.json:
                        sys.stdout.write(json_line({"url": url, "error": str(exc)}) + "\n")
                    continue
                _print_brief(result.brief, args.json, sys.stdout)
                sys.stdout.flush()
                code = 0
    return 1 if fetch_failed else code


async def _brief_inputs(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    from bot.app import open_briefer

    out = sys.stdout
    briefed = failed = 0
    async with open_briefer(settings, credentials) as backend:
        for chunk in _chunks(read_inputs(args.inputs, _stdin(), settings.fetch.max_bytes), BATCH):
            articles = [a for a in chunk if isinstance(a, Article)]
            results = iter(await backend.brief_many(articles))
            for item in chunk:
                result: Brief | BriefbotError = item if isinstance(item, InputError) else next(results)
                if isinstance(result, Brief):
                    briefed += 1
                    _print_brief(result, args.json, out)
                else:
                    failed += 1
                    key = item.key if isinstance(item, InputError) else item.id
                    _print_error(key, result, args.json, out)
            out.flush()
    if failed:
        log.warning("brief finished briefed=%d failed=%d", briefed, failed)
    return 0 if briefed else 1


def _stdin() -> BinaryIO:
    """Standard input as bytes: ``bot.textio`` decides how to read them."""
    return sys.stdin.buffer


def _warn(message: str) -> None:
    """One line on stderr. Messages quote what users and the web supplied (ids, titles, URLs):
    through the terminal sanitiser, so none can move the cursor or start a line of its own."""
    print(f"briefbot: {terminal(message, one_line=True)}", file=sys.stderr)


def _show(text: str, out: TextIO | None = None) -> None:
    """Our own lines on stdout (their layout kept), through the terminal sanitiser."""
    (out or sys.stdout).write(terminal(text) + "\n")


def _field(text: str) -> str:
    """One untrusted value inside one of our lines."""
    return terminal(text, one_line=True)


def _print_brief(brief: Brief, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json_line(brief.to_dict()) + "\n")
    else:
        _show(render_brief(brief) + "\n", out)


def _print_error(key: str | None, error: BriefbotError, as_json: bool, out: TextIO) -> None:
    _warn(f"{key}: {error}" if key else str(error))
    if as_json and key is not None:
        # Keep one line out per article in, so batch consumers can align results by id.
        out.write(json_line({"id": key, "error": str(error)}) + "\n")


def _chunks(items: Iterable[Article | InputError], size: int) -> Iterable[list[Article | InputError]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def cmd_ingest(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    if args.paths:
        return asyncio.run(_import(args.paths, settings, credentials))
    return asyncio.run(_poll(settings, credentials, only_due=not args.all))


async def _poll(settings: Settings, credentials: Credentials, only_due: bool) -> int:
    from bot.app import open_ingestor
    from bot.ingest.progress import ProgressBar

    bar = ProgressBar(sys.stderr, "briefing")
    try:
        async with open_ingestor(settings, credentials, progress=bar) as ingestor:
            if not await ingestor.has_feeds():
                _warn("no feeds yet: add one with `briefbot feeds add URL`")
            report = await ingestor.poll_feeds(only_due=only_due)
    finally:
        bar.close()
    for line in report.errors:
        _warn(line)
    print(
        f"polled {report.feeds_polled} feeds ({report.unchanged} unchanged, {report.feeds_failed} failed); "
        f"{report.new_articles} new articles; briefed {report.briefed}, failed {report.failed}"
    )
    return 1 if report.feeds_failed or report.failed else 0


async def _import(paths: list[str], settings: Settings, credentials: Credentials) -> int:
    """Archive import: store and brief files (and URLs), 64 articles at a time."""
    from bot.app import open_ingestor

    files = [p for p in paths if not is_web_url(p)]
    urls = [p for p in paths if is_web_url(p)]
    stored = new = failed = 0
    async with open_ingestor(settings, credentials) as ingestor:
        for chunk in _chunks(read_inputs(files, _stdin(), settings.fetch.max_bytes), BATCH):
            articles = [a for a in chunk if isinstance(a, Article)]
            results = iter(await ingestor.import_articles(articles))
            for item in chunk:
                if isinstance(item, InputError):
                    failed += 1
                    _warn(str(item))
                    continue
                result = next(results)
                if isinstance(result, InputError):  # not stored: its id names another article
                    failed += 1
                    _warn(f"{item.id}: {result}")
                    continue
                if isinstance(result, BriefbotError):
                    # Stored (unless empty), so it can be asked about; but it is no success, and
                    # whether it was there before is not known: it is counted as failed only.
                    failed += 1
                    _warn(f"{item.id}: not briefed: {result}")
                    continue
                stored += 1
                new += result.created
        for url in urls:
            try:
                outcome = await ingestor.ingest_url(url)
            except BriefbotError as exc:
                failed += 1
                _warn(str(exc))
                continue
            stored += 1
            new += outcome.created
    summary = f"stored {stored} articles ({new} new, {stored - new} already stored); briefed {stored}"
    print(summary + (f"; {failed} failed" if failed else ""))
    return 1 if failed else 0


def cmd_feeds(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    return asyncio.run(_feeds(args, settings, credentials))


async def _feeds(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    from bot.app import open_ingestor, open_store

    if args.action == "add":
        async with open_ingestor(settings, credentials) as ingestor:
            feed, created = await ingestor.add_feed(args.url, args.interval, local_files=True)
        what = "added" if created else "already subscribed:"
        title, url = _field(feed.title or "(untitled)"), _field(feed.url)
        _show(f"{what} feed {feed.id}: {title} <{url}> every {_span(feed.interval_s)}")
        return 0
    async with open_store(settings, credentials) as store:
        if args.action == "list":
            _print_feeds(await store.feeds.list_all())
            return 0
        if args.action == "enable":
            import time

            if await store.feeds.enable(args.id, time.time()):
                print(f"enabled feed {args.id}; it is polled on the next `briefbot ingest`")
                return 0
        elif await store.feeds.remove(args.id):
            print(f"removed feed {args.id}")
            return 0
        _warn(f"no feed with id {args.id} (see `briefbot feeds list`)")
        return 1


def _print_feeds(feeds: Sequence[Feed]) -> None:
    if not feeds:
        print("no feeds yet: add one with `briefbot feeds add URL`")
        return
    print(f"{'ID':>4}  {'EVERY':<6} {'LAST POLL (UTC)':<17} {'FAILS':>5}  {'STATUS':<8} TITLE <URL>")
    for f in feeds:
        polled = _when(f.last_polled_at)
        status = "disabled" if f.disabled else ("failing" if f.failures else "ok")
        _show(
            f"{f.id:>4}  {_span(f.interval_s):<6} {polled:<17} {f.failures:>5}  {status:<8} "
            f"{_field(f.title or '(untitled)')} <{_field(f.url)}>"
        )
        if f.disabled:
            _show(f"{'':>6}disabled: {_field(f.disabled_reason or 'by hand')}")
        elif f.last_error:
            _show(f"{'':>6}last error: {_field(f.last_error)}")


def _when(stamp: float | None) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M") if stamp else "never"


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def cmd_ask(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    path = _sqlite_path(settings)
    if path is not None and path != ":memory:" and not Path(path).is_file():
        raise ConfigError(f"nothing is stored yet: no database at {path} (add articles with briefbot ingest)")
    return asyncio.run(_ask(args, settings, credentials))


async def _ask(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    from bot.app import open_answerer
    from bot.qa import AskScope

    async with open_answerer(settings, credentials) as qa:
        if args.question != "-":
            scope = AskScope(thread_key=args.conversation, article_id=args.thread)
            _print_answer(await qa.ask(args.question, scope), args.json, sys.stdout)
            return 0
        for line in bounded_lines(text_stream(peekable(_stdin())), ASK_LINE_MAX):
            if isinstance(line, LineTooLong):
                _print_ask_error(str(line), args.json, sys.stdout)
                continue
            if not line.strip():
                continue
            try:
                question, scope = _ask_line(line, args)
            except ValueError as exc:
                _print_ask_error(str(exc), args.json, sys.stdout)
                continue
            _print_answer(await qa.ask(question, scope), args.json, sys.stdout)
    return 0


def _ask_line(line: str, args: argparse.Namespace) -> tuple[str, AskScope]:
    """One stdin line: ``{"question", "thread"?, "conversation"?}`` or a plain question."""
    from bot.qa import AskScope

    text = line.strip()
    if not text.startswith("{"):
        return text, AskScope(thread_key=args.conversation, article_id=args.thread)
    try:
        data = load_json(text)
    except ValueError as exc:
        raise ValueError(f"not a JSON object: {getattr(exc, 'msg', exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("question"), str):
        raise ValueError('each line needs {"question": "…"} (and optionally "thread")')
    thread = data.get("thread", args.thread)
    conversation = data.get("conversation", args.conversation)
    if thread is not None and not isinstance(thread, str | int):
        raise ValueError('"thread" must be an article id')
    if conversation is not None and not isinstance(conversation, str):
        raise ValueError('"conversation" must be a string')
    article = None if thread is None or thread == "" else str(thread)
    return data["question"], AskScope(thread_key=conversation or None, article_id=article)


def _print_answer(answer: Answer, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json_line(answer.to_dict()) + "\n")
    elif answer.answer is None:
        out.write("I don't know: nothing I have read answers that.\n\n")
    else:
        # Article text, all of it: quotes, titles and URLs each kept to one line; the whole
        # through the sanitiser (an answer of several paragraphs keeps them).
        lines = [answer.answer]
        for c in answer.citations:
            where = ", ".join(_field(x) for x in (c.title or c.id, c.url) if x)
            quoted = "" if c.quote in answer.answer else f'"{_field(c.quote)}" '
            lines.append(f"  — {quoted}({where})")
        _show("\n".join(lines) + "\n", out)
    out.flush()


def _print_ask_error(message: str, as_json: bool, out: TextIO) -> None:
    _warn(message)
    if as_json:  # keep one line out per question in
        out.write(json_line({"answer": None, "citations": [], "confidence": 0.0, "error": message}) + "\n")
        out.flush()


def cmd_run(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    from bot.app import run

    return run(settings, credentials)


def cmd_doctor(args: argparse.Namespace, settings: Settings, credentials: Credentials) -> int:
    from bot.app import make_local_backend

    _show(f"config: {settings.source or '(embedded defaults)'}")
    _show(f"python: {sys.version.split()[0]}")
    backend = make_local_backend(settings)
    try:
        _show(f"summarizer: {backend.name}")
    except SummarizeError as exc:
        _show(f"summarizer: ERROR {exc}")
        return 1
    finally:
        backend.close()
    chat = _doctor_chat(settings, credentials)
    store_ok, usage = _doctor_store(settings, credentials)
    return max(chat, _doctor_llm(settings, credentials, usage), 0 if store_ok else 1)


def _doctor_chat(settings: Settings, credentials: Credentials) -> int:
    """What ``briefbot run`` would start with these credentials, and what it would not, and why."""
    running = ["the terminal"]
    problem = credentials.slack.problem(settings.slack.mode) if credentials.slack else None
    if credentials.slack is not None and problem is None:
        running.append(f"Slack ({settings.slack.mode} mode)")
    if credentials.discord_token:
        running.append(settings.discord.platform_name)
    _show(f"chat: {', '.join(running)}")
    for note in credentials.notes:
        _show(f"chat: {note}")
    if credentials.discord_token:
        _show(f"chat: {_discord_replicas(settings.discord)}")
    if problem is not None:
        _show(f"chat: ERROR {problem}")
        return 1
    return 0


def _discord_replicas(discord: DiscordSettings) -> str:
    """How many processes may connect to Discord with these settings."""
    if discord.shard_count is None:
        return (
            "Discord is unsharded: run it in one replica only (several would each handle every "
            "command and mention); to split it, give each replica [discord] shard_count and its "
            "own shard_ids"
        )
    who = "this replica" if discord.registers_commands else "the replica holding shard 0"
    return f"Discord {discord.sharding}: slash commands are registered by {who}"


def _sqlite_path(settings: Settings) -> str | None:
    """The SQLite file ``[store]`` names; None for PostgreSQL."""
    from bot.settings import SQLiteLocation

    location = settings.store.location
    return location.path if isinstance(location, SQLiteLocation) else None


def _doctor_store(settings: Settings, credentials: Credentials) -> tuple[bool, dict[str, Usage]]:
    """Print which database, its engine and schema version (creating or migrating nothing);
    return whether it is usable, and the LLM tokens recorded in it."""
    from bot.app import open_store

    path = _sqlite_path(settings)
    shown = settings.store.url if path is None else f"sqlite:///{path}"
    if path is not None and (path == ":memory:" or not Path(path).is_file()):
        _show(f"store: {shown} (sqlite; no database yet: created at the first start)")
        return True, {}

    async def read() -> tuple[str, int, int, dict[str, Usage]]:
        async with open_store(settings, credentials, migrate=False) as store:
            version, target = await store.db.schema_version(), store.db.target_version
            usage = await store.llm.usage() if version == target else {}
            return store.db.dialect.name, version, target, usage

    try:
        engine, version, target, usage = asyncio.run(read())
    except BriefbotError as exc:
        _show(f"store: ERROR {exc}")
        return False, {}
    state = ""
    if version < target:
        state = ": migrated at the next start"
    elif version > target:
        state = ": newer than this Briefbot, upgrade it"
    _show(f"store: {shown} ({engine}, schema version {version} of {target}{state})")
    return version <= target, usage


def _doctor_llm(settings: Settings, credentials: Credentials, usage: dict[str, Usage]) -> int:
    """LLM settings, whether the server answers, and the token usage recorded so far."""
    from bot.app import make_llm_client, make_llm_http

    llm = settings.llm
    active = settings.summarizer.backend == "llm"
    key = "set" if credentials.llm_api_key else "not set"
    _show(
        f"llm: {'active' if active else 'inactive'} base_url={llm.base_url or '(none)'} "
        f"model={llm.model or '(none)'} api_key_env={llm.api_key_env} ({key}) "
        f"timeout={llm.timeout.total_seconds():g}s max_concurrency={llm.max_concurrency}"
    )
    for model, used in sorted(usage.items()):
        _show(
            f"llm usage: model={model} requests={used.requests} prompt_tokens={used.prompt_tokens} "
            f"completion_tokens={used.completion_tokens} total_tokens={used.total_tokens}"
        )
    if not active:
        return 0

    async def check() -> str:
        async with make_llm_http(settings) as http:
            models = await make_llm_client(settings, http, credentials).list_models()
        return "reachable" if llm.model in models else f"reachable, but it does not list {llm.model!r}"

    try:
        _show(f"llm server: {asyncio.run(check())}")
    except BriefbotError as exc:
        _show(f"llm server: ERROR {exc}")
        return 1
    return 0


def run_main() -> None:  # pragma: no cover - console entry for `python -m bot`
    raise SystemExit(main())


if __name__ == "__main__":  # pragma: no cover
    run_main()
