"""Builds every long-lived dependency once, from settings, and runs them."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from bot.adapters.console import ConsoleChat
from bot.ingest.fetch import Fetcher, Resolver
from bot.ingest.pipeline import Ingestor, Progress
from bot.qa import QuestionAnswerer
from bot.scheduler import Scheduler
from bot.service import Service
from bot.settings import Settings
from bot.store import Store
from summarizer.answer import AnswerBackend
from summarizer.backend import BriefBackend
from summarizer.errors import ConfigError
from summarizer.llm import LLMAnswerBackend, LLMBriefBackend, LLMClient, LLMConfig, Usage
from summarizer.local import LocalBackend, auto_workers
from summarizer.qa import ExtractiveAnswerBackend

log = logging.getLogger(__name__)


def make_local_backend(settings: Settings) -> LocalBackend:
    workers = settings.summarizer.workers or auto_workers()
    return LocalBackend(model=settings.summarizer.spacy_model, workers=workers)


def make_llm_http(settings: Settings) -> httpx.AsyncClient:
    """The LLM's own HTTP client. Not the fetcher's: that one refuses loopback and private
    addresses, and a self-hosted model (Ollama) usually lives exactly there."""
    seconds = settings.llm.timeout.total_seconds()
    return httpx.AsyncClient(
        timeout=httpx.Timeout(seconds, connect=min(seconds, 10.0)),
        limits=httpx.Limits(max_connections=settings.llm.max_concurrency * 2),
        follow_redirects=False,
    )


def make_llm_client(
    settings: Settings, http: httpx.AsyncClient, env: Mapping[str, str] | None = None
) -> LLMClient:
    """The client for ``[llm]``; the key is read from the variable ``[llm] api_key_env`` names."""
    llm = settings.llm
    if not llm.base_url.startswith(("http://", "https://")):
        raise ConfigError(
            "[llm] base_url must be set to an http(s) URL, e.g. 'https://api.openai.com/v1' or "
            "'http://localhost:11434/v1' (or use [summarizer] backend = 'local')"
        )
    if not llm.model.strip():
        raise ConfigError("[llm] model must be set, e.g. 'gpt-4o-mini' or 'llama3.1:8b'")
    key = (os.environ if env is None else env).get(llm.api_key_env) or None
    config = LLMConfig(
        base_url=llm.base_url,
        model=llm.model,
        api_key=key,
        timeout=llm.timeout.total_seconds(),
        max_concurrency=llm.max_concurrency,
        max_retries=llm.max_retries,
    )
    return LLMClient(http, config)


def make_backend(settings: Settings, llm: LLMClient | None = None) -> BriefBackend:
    """The configured brief backend: local, or the LLM with the local backend as its fallback."""
    local = make_local_backend(settings)
    if settings.summarizer.backend == "local":
        return local
    if llm is None:
        raise ValueError("the llm backend needs an LLMClient (see open_llm)")
    return LLMBriefBackend(llm, local, max_input_tokens=settings.llm.max_input_tokens)


def make_answer_backend(
    settings: Settings, fallback: AnswerBackend, llm: LLMClient | None = None
) -> AnswerBackend:
    """The configured answer backend: ``fallback`` (extractive), or the LLM falling back to it."""
    if settings.summarizer.backend == "local":
        return fallback
    if llm is None:
        raise ValueError("the llm backend needs an LLMClient (see open_llm)")
    return LLMAnswerBackend(llm, fallback, max_input_tokens=settings.llm.max_input_tokens)


@contextlib.asynccontextmanager
async def open_llm(settings: Settings) -> AsyncIterator[LLMClient | None]:
    """The LLM client when ``[summarizer] backend = "llm"`` (else None), for the life of the
    block; its token usage is added to the usage record when the block ends."""
    if settings.summarizer.backend != "llm":
        yield None
        return
    async with make_llm_http(settings) as http:
        client = make_llm_client(settings, http)
        try:
            yield client
        finally:
            record_llm_usage(settings, client.model, client.usage)


def make_fetcher(settings: Settings, resolver: Resolver | None = None) -> Fetcher:
    """The one safe fetcher (its own guarded httpx.AsyncClient) for pages and feeds; share it,
    and ``await fetcher.aclose()`` at shutdown."""
    return Fetcher(settings.fetch, resolver=resolver)


def make_ingestor(
    settings: Settings,
    store: Store,
    fetcher: Fetcher,
    backend: BriefBackend,
    progress: Progress | None = None,
) -> Ingestor:
    """The Ingestor, for ``briefbot run`` (scheduler and chat share it) and the command line."""
    return Ingestor(store, fetcher, backend, settings, progress=progress)


@contextlib.asynccontextmanager
async def open_ingestor(settings: Settings, progress: Progress | None = None) -> AsyncIterator[Ingestor]:
    """Store, fetcher, brief backend and Ingestor for the life of the block (command-line use;
    ``briefbot run`` builds the same parts with ``make_fetcher``/``make_ingestor``)."""
    store = await Store.open(settings.store.path)
    try:
        async with open_llm(settings) as llm, make_fetcher(settings) as fetcher:
            yield make_ingestor(settings, store, fetcher, make_backend(settings, llm), progress)
    finally:
        await store.close()


def llm_usage_path(settings: Settings) -> Path:
    return Path(settings.store.path).parent / "llm-usage.json"


def read_llm_usage(settings: Settings) -> dict[str, Usage]:
    """Token usage recorded so far, per model (empty when none was recorded)."""
    try:
        data: Any = json.loads(llm_usage_path(settings).read_text(encoding="utf-8"))
        models = data["models"]
        return {
            str(model): Usage(int(u["requests"]), int(u["prompt_tokens"]), int(u["completion_tokens"]))
            for model, u in models.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def record_llm_usage(settings: Settings, model: str, usage: Usage) -> None:
    """Add one run's usage to the record (a small JSON file beside the database). Best effort:
    a read-only disk costs the statistics, never the run."""
    if not usage.requests:
        return
    totals = read_llm_usage(settings)
    totals[model] = totals.get(model, Usage()) + usage
    path = llm_usage_path(settings)
    data = {
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        "models": {m: dataclasses.asdict(u) for m, u in totals.items()},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot record llm usage path=%s error=%s", path, exc)


def run(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM (or ``quit`` in the terminal)."""
    return asyncio.run(serve(settings, sys.stdin, sys.stdout))


async def serve(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    """Everything in one event loop: store, ingestion, answers, scheduler, the terminal chat."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    store = await Store.open(settings.store.path)
    backend: BriefBackend | None = None
    try:
        async with open_llm(settings) as llm, make_fetcher(settings) as fetcher:
            backend = make_backend(settings, llm)
            # Loading the spaCy model takes a moment: off the loop, so signals still work.
            name = await loop.run_in_executor(None, lambda: backend.name if backend else "")
            ingest = make_ingestor(settings, store, fetcher, backend)
            qa = QuestionAnswerer(store, make_answer_backend(settings, ExtractiveAnswerBackend(), llm))
            scheduler = Scheduler(store, ingest, settings)
            service = Service(store, ingest, qa, settings, schedules=scheduler)
            console = ConsoleChat(
                service, stdin=stdin, stdout=stdout, interactive=stdin.isatty(), on_quit=stop.set
            )
            scheduler.add_poster(console.poster)
            # Slack and Discord adapters join here (when their tokens are set) in the integration step.
            console.say(await _greeting(store, settings, name))
            await scheduler.start()
            chat = asyncio.create_task(console.run())
            await stop.wait()
            log.info("stopping")
            chat.cancel()
            await scheduler.stop()
            await asyncio.gather(chat, return_exceptions=True)
    finally:
        if isinstance(backend, LocalBackend):
            backend.close()
        await store.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("stopped")
    return 0


async def _greeting(store: Store, settings: Settings, backend_name: str) -> str:
    text = f"Briefbot is running in this terminal ({backend_name}). Type /brief help; Ctrl-C stops it."
    if settings.feeds.sample_feed and not await store.feeds.list_all():
        text += (
            "\nNew here? Try: /brief subscribe sample, then /brief digest, "
            "/brief schedule 08:00 Europe/Berlin, or @briefbot who signed the wind farm deal?"
        )
    return text
