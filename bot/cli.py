"""``briefbot`` command line: ``run | brief | ask | doctor`` (more commands arrive with their issues).

Every command takes ``--config PATH`` before or after its name.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from bot.ingest.files import InputError, read_inputs
from bot.logs import setup_logging
from bot.render.text import render_brief
from bot.settings import Settings, load_settings
from summarizer.answer import Answer
from summarizer.brief import Article, Brief
from summarizer.errors import BriefbotError, ConfigError, SummarizeError

if TYPE_CHECKING:
    from bot.qa import AskScope

log = logging.getLogger("briefbot")

BATCH = 64  # articles parsed per nlp.pipe call: keeps memory flat on huge JSONL files


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
        help="brief articles from files or stdin",
        description="Brief .txt/.md/.html files, .jsonl files of {id,title,text} articles, or - for "
        "stdin. Exits 0 when at least one article was briefed, 1 otherwise.",
    )
    brief.add_argument("inputs", nargs="+", metavar="INPUT")
    brief.add_argument("--json", action="store_true", help="one JSON brief per line")
    brief.add_argument("--backend", choices=("local", "llm"), help="override [summarizer] backend")
    brief.set_defaults(handler=cmd_brief)

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
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.logging.level)
    try:
        code: int = args.handler(args, settings)
    except BriefbotError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


def cmd_brief(args: argparse.Namespace, settings: Settings) -> int:
    if args.backend:
        settings = settings.replace("summarizer", backend=args.backend)
    return asyncio.run(_brief_inputs(args, settings))


async def _brief_inputs(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import make_backend, open_llm

    out = sys.stdout
    briefed = failed = 0
    async with open_llm(settings) as llm:
        backend = make_backend(settings, llm)
        for chunk in _chunks(read_inputs(args.inputs, sys.stdin), BATCH):
            articles = [a for a in chunk if isinstance(a, Article)]
            results = iter(await backend.brief_many(articles))
            for item in chunk:
                result: Brief | BriefbotError = item if isinstance(item, InputError) else next(results)
                if isinstance(result, Brief):
                    briefed += 1
                    _print_brief(result, args.json, out)
                else:
                    failed += 1
                    key = None if isinstance(item, InputError) else item.id
                    _print_error(key, result, args.json, out)
            out.flush()
    if failed:
        log.warning("brief finished briefed=%d failed=%d", briefed, failed)
    return 0 if briefed else 1


def _print_brief(brief: Brief, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(brief.to_json() + "\n")
    else:
        out.write(render_brief(brief) + "\n\n")


def _print_error(key: str | None, error: BriefbotError, as_json: bool, out: TextIO) -> None:
    label = f"{key}: " if key else ""
    print(f"briefbot: {label}{error}", file=sys.stderr)
    if as_json and key is not None:
        # Keep one line out per article in, so batch consumers can align results by id.
        out.write(json.dumps({"id": key, "error": str(error)}, ensure_ascii=False) + "\n")


def _chunks(items: Iterable[Article | InputError], size: int) -> Iterable[list[Article | InputError]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    if args.backend:
        settings = settings.replace("summarizer", backend=args.backend)
    path = settings.store.path
    if path != ":memory:" and not Path(path).is_file():
        raise ConfigError(f"nothing is stored yet: no database at {path} (add articles with briefbot ingest)")
    return asyncio.run(_ask(args, settings))


async def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import make_answer_backend, open_llm
    from bot.qa import AskScope, QuestionAnswerer
    from bot.store import Store
    from summarizer.qa import ExtractiveAnswerBackend

    store = await Store.open(settings.store.path)
    try:
        async with open_llm(settings) as llm:
            qa = QuestionAnswerer(store, make_answer_backend(settings, ExtractiveAnswerBackend(), llm))
            if args.question != "-":
                scope = AskScope(thread_key=args.conversation, article_id=args.thread)
                _print_answer(await qa.ask(args.question, scope), args.json, sys.stdout)
                return 0
            for line in sys.stdin:
                if not line.strip():
                    continue
                try:
                    question, scope = _ask_line(line, args)
                except ValueError as exc:
                    _print_ask_error(str(exc), args.json, sys.stdout)
                    continue
                _print_answer(await qa.ask(question, scope), args.json, sys.stdout)
    finally:
        await store.close()
    return 0


def _ask_line(line: str, args: argparse.Namespace) -> tuple[str, AskScope]:
    """One stdin line: ``{"question", "thread"?, "conversation"?}`` or a plain question."""
    from bot.qa import AskScope

    text = line.strip()
    if not text.startswith("{"):
        return text, AskScope(thread_key=args.conversation, article_id=args.thread)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a JSON object: {exc.msg}") from exc
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
        out.write(json.dumps(answer.to_dict(), ensure_ascii=False) + "\n")
    elif answer.answer is None:
        out.write("I don't know: nothing I have read answers that.\n\n")
    else:
        lines = [answer.answer]
        for c in answer.citations:
            where = ", ".join(x for x in (c.title or c.id, c.url) if x)
            quoted = "" if c.quote in answer.answer else f'"{c.quote}" '
            lines.append(f"  — {quoted}({where})")
        out.write("\n".join(lines) + "\n\n")
    out.flush()


def _print_ask_error(message: str, as_json: bool, out: TextIO) -> None:
    print(f"briefbot: {message}", file=sys.stderr)
    if as_json:  # keep one line out per question in
        out.write(json.dumps({"answer": None, "citations": [], "confidence": 0.0, "error": message}) + "\n")
        out.flush()


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import run

    return run(settings)


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import make_local_backend

    print(f"config: {settings.source or '(embedded defaults)'}")
    print(f"python: {sys.version.split()[0]}")
    try:
        print(f"summarizer: {make_local_backend(settings).name}")
    except SummarizeError as exc:
        print(f"summarizer: ERROR {exc}")
        return 1
    return _doctor_llm(settings)


def _doctor_llm(settings: Settings) -> int:
    """LLM settings, whether the server answers, and the token usage recorded so far."""
    import os

    from bot.app import make_llm_client, make_llm_http, read_llm_usage

    llm = settings.llm
    active = settings.summarizer.backend == "llm"
    key = "set" if os.environ.get(llm.api_key_env) else "not set"
    print(
        f"llm: {'active' if active else 'inactive'} base_url={llm.base_url or '(none)'} "
        f"model={llm.model or '(none)'} api_key_env={llm.api_key_env} ({key}) "
        f"timeout={llm.timeout.total_seconds():g}s max_concurrency={llm.max_concurrency}"
    )
    for model, usage in sorted(read_llm_usage(settings).items()):
        print(
            f"llm usage: model={model} requests={usage.requests} prompt_tokens={usage.prompt_tokens} "
            f"completion_tokens={usage.completion_tokens} total_tokens={usage.total_tokens}"
        )
    if not active:
        return 0

    async def check() -> str:
        async with make_llm_http(settings) as http:
            models = await make_llm_client(settings, http).list_models()
        return "reachable" if llm.model in models else f"reachable, but it does not list {llm.model!r}"

    try:
        print(f"llm server: {asyncio.run(check())}")
    except BriefbotError as exc:
        print(f"llm server: ERROR {exc}")
        return 1
    return 0


def run_main() -> None:  # pragma: no cover - console entry for `python -m bot`
    raise SystemExit(main())


if __name__ == "__main__":  # pragma: no cover
    run_main()
