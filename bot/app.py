"""Builds every long-lived dependency once, from settings, and runs them."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp
import httpx

from bot.adapters.console import ConsoleChat
from bot.ingest.fetch import Fetcher, Resolver
from bot.ingest.pipeline import Ingestor, Progress
from bot.qa import QuestionAnswerer
from bot.replies import ChatService, Poster
from bot.scheduler import Scheduler
from bot.service import Service
from bot.settings import Settings
from bot.store import Store
from bot.textio import terminal_input
from summarizer.answer import AnswerBackend
from summarizer.backend import BriefBackend
from summarizer.errors import ConfigError
from summarizer.llm import BriefCache, LLMAnswerBackend, LLMBriefBackend, LLMClient, LLMConfig
from summarizer.local import LocalBackend, auto_workers, usable_cores
from summarizer.qa import ExtractiveAnswerBackend

if TYPE_CHECKING:  # imported where used: `briefbot brief` need not load the chat SDKs
    from bot.adapters.discord_app import DiscordAdapter
    from bot.adapters.slack_app import SlackAdapter

log = logging.getLogger(__name__)


def make_local_backend(settings: Settings) -> LocalBackend:
    workers = settings.summarizer.workers or auto_workers()
    cores = usable_cores()
    if workers > cores:
        # Bounded, not refused: the same settings may serve a larger machine. Past the cores,
        # each worker only adds a model's memory (~220 MB).
        log.warning(
            "[summarizer] workers = %d is more than the %d CPU cores here; using %d", workers, cores, cores
        )
        workers = cores
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


def make_backend(
    settings: Settings, llm: LLMClient | None = None, cache: BriefCache | None = None
) -> BriefBackend:
    """The configured brief backend: local, or the LLM with the local backend as its fallback.
    ``cache`` (the store's ``store.llm``) keeps LLM briefs across runs; without it, per process."""
    local = make_local_backend(settings)
    if settings.summarizer.backend == "local":
        return local
    if llm is None:
        raise ValueError("the llm backend needs an LLMClient (see open_llm)")
    return LLMBriefBackend(llm, local, cache=cache, max_input_tokens=settings.llm.max_input_tokens)


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
async def open_llm(settings: Settings, store: Store | None = None) -> AsyncIterator[LLMClient | None]:
    """The LLM client when ``[summarizer] backend = "llm"`` (else None), for the life of the
    block; its token usage is added to the store's record (``briefbot doctor``) when it ends."""
    if settings.summarizer.backend != "llm":
        yield None
        return
    async with make_llm_http(settings) as http:
        client = make_llm_client(settings, http)
        try:
            yield client
        finally:
            if store is not None:
                try:
                    await store.llm.add_usage(client.model, client.usage)
                except Exception:  # statistics must never cost the run
                    log.exception("cannot record llm usage model=%s", client.model)


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
        async with open_llm(settings, store) as llm, make_fetcher(settings) as fetcher:
            backend = make_backend(settings, llm, cache=store.llm)
            yield make_ingestor(settings, store, fetcher, backend, progress)
    finally:
        await store.close()


def run(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM (or ``quit`` in the terminal)."""
    # Bytes, decoded by us: a Latin-1 byte is read as such, not the end of the input. Unbuffered
    # and not closing fd 0: the reader thread may still be blocked in a read at exit, and a
    # buffered reader's lock held there would abort the interpreter's shutdown.
    stdin = io.FileIO(sys.stdin.fileno(), "rb", closefd=False)
    return asyncio.run(serve(settings, terminal_input(stdin), sys.stdout))


async def serve(
    settings: Settings, stdin: TextIO, stdout: TextIO, env: Mapping[str, str] | None = None
) -> int:
    """Everything in one event loop: store, ingestion, answers, scheduler, the terminal chat,
    and Slack and Discord when their tokens are in ``env`` (default: the environment).

    Returns 0 after SIGINT/SIGTERM (or ``quit``), 1 when a chat platform's connection ended for
    good while running. A platform that cannot start raises ``ConfigError`` naming it.
    """
    env = os.environ if env is None else env
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    store = await Store.open(settings.store.path)
    backend: BriefBackend | None = None
    code = 0
    try:
        async with open_llm(settings, store) as llm, make_fetcher(settings) as fetcher:
            backend = make_backend(settings, llm, cache=store.llm)
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
            async with open_chat_platforms(settings, service, env, stop) as platforms:
                if stop.is_set():  # signalled while connecting
                    return 0
                for poster in platforms.posters:
                    scheduler.add_poster(poster)
                console.say(await _greeting(store, settings, name, platforms.names))
                await scheduler.start()
                chat = asyncio.create_task(console.run())
                failure = await platforms.until_failed(stop)
                if failure:
                    log.error("stopping: %s", failure)
                    code = 1
                log.info("stopping")
                chat.cancel()
                await scheduler.stop(grace_s=STOP_GRACE_S)
                await asyncio.gather(chat, return_exceptions=True)
    finally:
        if isinstance(backend, LocalBackend):
            backend.close()
        await store.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("stopped")
    return code


# -- chat platforms ------------------------------------------------------------------------------

START_TIMEOUT_S = 30.0  # a platform that has not accepted the tokens and connected by then: an error
STOP_GRACE_S = 3.0  # work in progress (digests, commands) gets this long to finish at shutdown


@dataclass
class ChatPlatforms:
    """Slack and Discord, each when the environment enables it (``open_chat_platforms``)."""

    slack: SlackAdapter | None = None
    discord: DiscordAdapter | None = None

    @property
    def names(self) -> list[str]:
        names = []
        if self.slack is not None:
            names.append(f"Slack ({self.slack.mode} mode)")
        if self.discord is not None:
            names.append("Discord")
        return names

    @property
    def posters(self) -> list[Poster]:
        posters: list[Poster] = []
        if self.slack is not None:
            posters.append(self.slack.poster)
        if self.discord is not None:
            posters.append(self.discord.poster)
        return posters

    async def start(self) -> None:
        """Start every platform at once. The first failure (a ``ConfigError`` naming the
        platform and what went wrong) ends the other attempts and is raised."""
        starts = []
        if self.slack is not None:
            starts.append(_start("Slack", self.slack.start()))
        if self.discord is not None:
            starts.append(_start("Discord", self._start_discord(self.discord)))
        if not starts:
            return
        tasks = [asyncio.create_task(start) for start in starts]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks:
                task.cancel()  # the others, once one failed (or when start-up is abandoned)
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            if not task.cancelled() and (error := task.exception()) is not None:
                raise error

    @staticmethod
    async def _start_discord(discord: DiscordAdapter) -> None:
        await discord.start()
        await discord.wait_connected()

    async def until_failed(self, stop: asyncio.Event) -> str | None:
        """Wait for ``stop``; or, when a platform's connection ends for good before that, return
        why (a process that silently lost a platform is worse than one that exits)."""
        waits: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
        if self.discord is not None:
            waits.append(asyncio.create_task(self.discord.wait_failed()))
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
        if waits[0] in done:
            return None
        return str(next(iter(done)).result())

    async def stop(self) -> None:
        """Stop taking events, let work in progress finish (a few seconds at most), disconnect."""
        stops = []
        if self.slack is not None:
            stops.append(self.slack.stop(drain=STOP_GRACE_S))
        if self.discord is not None:
            stops.append(self.discord.stop(drain=STOP_GRACE_S))
        for result in await asyncio.gather(*stops, return_exceptions=True):
            if isinstance(result, BaseException):
                log.warning("chat platform did not stop cleanly error=%r", result)


async def _start(platform: str, starting: Awaitable[None]) -> None:
    try:
        await asyncio.wait_for(starting, START_TIMEOUT_S)
    except TimeoutError:
        raise ConfigError(
            f"{platform} did not connect within {START_TIMEOUT_S:g} s (is it reachable from here?)"
        ) from None
    log.info("chat platform started platform=%s", platform.lower())


def make_chat_platforms(
    settings: Settings, service: ChatService, env: Mapping[str, str], session: aiohttp.ClientSession | None
) -> ChatPlatforms:
    """The adapters the environment enables: Slack with ``SLACK_BOT_TOKEN`` (plus
    ``SLACK_APP_TOKEN`` in socket mode or ``SLACK_SIGNING_SECRET`` in http mode), Discord with
    ``DISCORD_TOKEN``. Slack needs ``session`` (its Web API connections). Raises ``ConfigError``
    when a token is there but what goes with it is not."""
    from bot.adapters.discord_app import DiscordAdapter
    from bot.adapters.slack_app import SlackAdapter, make_web_client, slack_tokens_from_env

    platforms = ChatPlatforms()
    tokens = slack_tokens_from_env(env, settings.slack.mode)
    if tokens is not None:
        if session is None:
            raise ValueError("Slack needs an aiohttp session")
        client = make_web_client(settings.slack.api_url, tokens.bot_token, session)
        platforms.slack = SlackAdapter(settings=settings.slack, tokens=tokens, service=service, client=client)
    platforms.discord = DiscordAdapter.from_env(service, settings.discord, env)
    return platforms


@contextlib.asynccontextmanager
async def open_chat_platforms(
    settings: Settings, service: ChatService, env: Mapping[str, str], stop: asyncio.Event | None = None
) -> AsyncIterator[ChatPlatforms]:
    """The enabled chat platforms, connected, for the life of the block; stopped at its end.

    Starting is abandoned when ``stop`` is set meanwhile (a signal during a slow connect): the
    block then runs with ``stop`` set, and the caller should leave it at once.
    """
    wants_slack = bool(env.get("SLACK_BOT_TOKEN", "").strip())
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession()) if wants_slack else None
        platforms = make_chat_platforms(settings, service, env, session)
        stack.push_async_callback(platforms.stop)
        starting = asyncio.create_task(platforms.start())
        stopping = asyncio.create_task((stop or asyncio.Event()).wait())
        try:
            await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not starting.done():
                starting.cancel()
            await asyncio.gather(starting, stopping, return_exceptions=True)
        if not starting.cancelled():
            starting.result()  # a platform that could not start: its ConfigError
            if platforms.names:
                log.info("chat platforms connected platforms=%s", ",".join(platforms.names))
        yield platforms


async def _greeting(
    store: Store, settings: Settings, backend_name: str, platforms: Sequence[str] = ()
) -> str:
    text = f"Briefbot is running in this terminal ({backend_name}). Type /brief help; Ctrl-C stops it."
    if platforms:
        text += f"\nAlso connected to {' and '.join(platforms)}."
    if settings.feeds.sample_feed and not await store.feeds.list_all():
        text += (
            "\nNew here? Try: /brief subscribe sample, then /brief digest, "
            "/brief schedule 08:00 Europe/Berlin, or @briefbot who signed the wind farm deal?"
        )
    return text
