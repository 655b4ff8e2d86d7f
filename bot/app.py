"""The one wiring place: builds every long-lived object once, from settings and credentials,
hands it to what needs it, and closes it again.

Store, LLM client, fetcher, brief and answer backends, ingestion, scheduler, service and the
chat platforms are built here and nowhere else (``open_store`` is the one place a store is
made from settings), each closed by the ``AsyncExitStack`` that opened it, in reverse order —
the local backend's worker processes too, also when they stand behind the LLM as its fallback.
``briefbot run`` uses ``serve``; the other commands use ``open_store``, ``open_briefer``,
``open_ingestor`` and ``open_answerer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp
import httpx

from bot.adapters.console import ConsoleChat
from bot.commands import ChatService
from bot.credentials import Credentials
from bot.ingest.fetch import Fetcher, Resolver
from bot.ingest.pipeline import Ingestor, Progress
from bot.qa import QuestionAnswerer
from bot.replies import Poster
from bot.scheduler import Scheduler
from bot.service import Service
from bot.settings import Settings
from bot.store import Store
from bot.store.leases import LOCAL_OWNER, new_owner
from bot.textio import terminal_input
from summarizer.answer import AnswerBackend
from summarizer.backend import BriefBackend
from summarizer.errors import BriefbotError, ConfigError
from summarizer.llm import BriefCache, LLMAnswerBackend, LLMBriefBackend, LLMClient, LLMConfig
from summarizer.local import LocalBackend, auto_workers, usable_cores
from summarizer.qa import ExtractiveAnswerBackend

if TYPE_CHECKING:  # imported where used: `briefbot brief` need not load the chat SDKs
    from bot.adapters.discord_app import DiscordAdapter
    from bot.adapters.slack_app import SlackAdapter

log = logging.getLogger(__name__)


# -- the parts ------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def open_store(
    settings: Settings, credentials: Credentials, *, migrate: bool = True
) -> AsyncIterator[Store]:
    """The store ``[store]`` names (SQLite or PostgreSQL), for the life of the block; its
    schema brought up to date unless ``migrate`` is false."""
    store = await Store.open(settings.store.location, password=credentials.db_password, migrate=migrate)
    try:
        yield store
    finally:
        await store.close()


def make_local_backend(settings: Settings) -> LocalBackend:
    """The offline backend; ``close()`` it (``open_brief_backend`` does) to end its workers."""
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


def make_llm_client(settings: Settings, http: httpx.AsyncClient, credentials: Credentials) -> LLMClient:
    """The client for ``[llm]``, with the key from the variable ``[llm] api_key_env`` names."""
    llm = settings.llm
    if not llm.base_url.startswith(("http://", "https://")):
        raise ConfigError(
            "[llm] base_url must be set to an http(s) URL, e.g. 'https://api.openai.com/v1' or "
            "'http://localhost:11434/v1' (or use [summarizer] backend = 'local')"
        )
    if not llm.model.strip():
        raise ConfigError("[llm] model must be set, e.g. 'gpt-4o-mini' or 'llama3.1:8b'")
    config = LLMConfig(
        base_url=llm.base_url,
        model=llm.model,
        api_key=credentials.llm_api_key,
        timeout=llm.timeout.total_seconds(),
        max_concurrency=llm.max_concurrency,
        max_retries=llm.max_retries,
    )
    return LLMClient(http, config)


@contextlib.asynccontextmanager
async def open_llm(
    settings: Settings, credentials: Credentials, store: Store | None = None
) -> AsyncIterator[LLMClient | None]:
    """The LLM client when ``[summarizer] backend = "llm"`` (else None), for the life of the
    block; its token usage is added to the store's record (``briefbot doctor``) when it ends."""
    if settings.summarizer.backend != "llm":
        yield None
        return
    async with make_llm_http(settings) as http:
        client = make_llm_client(settings, http, credentials)
        try:
            yield client
        finally:
            if store is not None:
                try:
                    await store.llm.add_usage(client.model, client.usage)
                except Exception:  # statistics must never cost the run
                    log.exception("cannot record llm usage model=%s", client.model)


@contextlib.contextmanager
def open_brief_backend(
    settings: Settings, llm: LLMClient | None = None, cache: BriefCache | None = None
) -> Iterator[BriefBackend]:
    """The configured brief backend for the life of the block: local, or the LLM with the local
    backend as its fallback. ``cache`` (the store's ``store.llm``) keeps LLM briefs across runs.
    The local backend's threads and worker processes end with the block, in both cases."""
    local = make_local_backend(settings)
    try:
        if settings.summarizer.backend == "local":
            yield local
        elif llm is None:
            raise ValueError("the llm backend needs an LLMClient (see open_llm)")
        else:
            yield LLMBriefBackend(llm, local, cache=cache, max_input_tokens=settings.llm.max_input_tokens)
    finally:
        local.close()


def make_answer_backend(
    settings: Settings, fallback: AnswerBackend, llm: LLMClient | None = None
) -> AnswerBackend:
    """The configured answer backend: ``fallback`` (extractive), or the LLM falling back to it."""
    if settings.summarizer.backend == "local":
        return fallback
    if llm is None:
        raise ValueError("the llm backend needs an LLMClient (see open_llm)")
    return LLMAnswerBackend(llm, fallback, max_input_tokens=settings.llm.max_input_tokens)


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
    owner: str = LOCAL_OWNER,
) -> Ingestor:
    """The Ingestor, for ``briefbot run`` (scheduler and chat share it) and the command line."""
    return Ingestor(store, fetcher, backend, settings, progress=progress, owner=owner)


@dataclass(frozen=True)
class Core:
    """What every way of running Briefbot shares: the store and everything that reads into it
    or answers from it."""

    store: Store
    backend: BriefBackend
    ingestor: Ingestor
    answerer: QuestionAnswerer
    owner: str  # this process's id in its claims on shared work (bot.store.leases)


@contextlib.asynccontextmanager
async def open_core(
    settings: Settings, credentials: Credentials, progress: Progress | None = None
) -> AsyncIterator[Core]:
    """Store, LLM client, fetcher, brief and answer backends and Ingestor, for the life of the
    block; closed in reverse order when it ends."""
    async with contextlib.AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(settings, credentials))
        llm = await stack.enter_async_context(open_llm(settings, credentials, store))
        fetcher = await stack.enter_async_context(make_fetcher(settings))
        backend = stack.enter_context(open_brief_backend(settings, llm, cache=store.llm))
        answers = make_answer_backend(settings, ExtractiveAnswerBackend(), llm)
        # Each process is its own replica: `briefbot run` several times, or `briefbot ingest`
        # beside it, on one database share the work by claims under this id.
        owner = new_owner()
        ingestor = make_ingestor(settings, store, fetcher, backend, progress, owner)
        stack.push_async_callback(_release_claims, ingestor)
        yield Core(
            store=store,
            backend=backend,
            ingestor=ingestor,
            answerer=QuestionAnswerer(store, answers),
            owner=owner,
        )


async def _release_claims(ingestor: Ingestor) -> None:
    """Stopping: the feeds and articles this process held are free for others at once."""
    try:
        await ingestor.release_claims()
    except BriefbotError as exc:  # the database is away: the claims run out by themselves
        log.warning("claims not released error=%s", exc)


@contextlib.asynccontextmanager
async def open_ingestor(
    settings: Settings, credentials: Credentials, progress: Progress | None = None
) -> AsyncIterator[Ingestor]:
    """The Ingestor and its parts for the life of the block (``briefbot ingest``, ``feeds add``,
    ``brief URL``)."""
    async with open_core(settings, credentials, progress) as core:
        yield core.ingestor


@contextlib.asynccontextmanager
async def open_answerer(settings: Settings, credentials: Credentials) -> AsyncIterator[QuestionAnswerer]:
    """The question answerer over the store (``briefbot ask``): no fetcher, no brief backend."""
    async with contextlib.AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(settings, credentials))
        llm = await stack.enter_async_context(open_llm(settings, credentials, store))
        yield QuestionAnswerer(store, make_answer_backend(settings, ExtractiveAnswerBackend(), llm))


@contextlib.asynccontextmanager
async def open_briefer(settings: Settings, credentials: Credentials) -> AsyncIterator[BriefBackend]:
    """The brief backend alone (``briefbot brief`` on files): local briefs need no database; LLM
    briefs use the store's cache and usage record."""
    async with contextlib.AsyncExitStack() as stack:
        store = None
        if settings.summarizer.backend == "llm":
            store = await stack.enter_async_context(open_store(settings, credentials))
        llm = await stack.enter_async_context(open_llm(settings, credentials, store))
        yield stack.enter_context(open_brief_backend(settings, llm, cache=store.llm if store else None))


# -- briefbot run ---------------------------------------------------------------------------------


def run(settings: Settings, credentials: Credentials) -> int:
    """Run the bot until SIGINT/SIGTERM (or ``quit`` in the terminal)."""
    # Bytes, decoded by us: a Latin-1 byte is read as such, not the end of the input. Unbuffered
    # and not closing fd 0: the reader thread may still be blocked in a read at exit, and a
    # buffered reader's lock held there would abort the interpreter's shutdown.
    stdin = io.FileIO(sys.stdin.fileno(), "rb", closefd=False)
    return asyncio.run(serve(settings, credentials, terminal_input(stdin), sys.stdout))


async def serve(settings: Settings, credentials: Credentials, stdin: TextIO, stdout: TextIO) -> int:
    """Everything in one event loop: store, ingestion, answers, scheduler, the terminal chat,
    and Slack and Discord when ``credentials`` enable them.

    Returns 0 after SIGINT/SIGTERM (or ``quit``), 1 when a chat platform's connection ended for
    good while running. A platform that cannot start raises ``ConfigError`` naming it.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    code = 0
    async with contextlib.AsyncExitStack() as stack:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
            stack.callback(loop.remove_signal_handler, sig)
        stack.callback(log.info, "stopped")
        core = await stack.enter_async_context(open_core(settings, credentials))
        # The model loads (a second or two of CPU) while the chat platforms connect, and before
        # the scheduler takes any work: otherwise the first batch pays for it, and a replica
        # starting beside busy ones claims work that waits for its model.
        loading = asyncio.ensure_future(_load_model(core.backend))
        stack.push_async_callback(_cancel, loading)
        name = await loop.run_in_executor(None, lambda: core.backend.name)
        scheduler = Scheduler(core.store, core.ingestor, settings, owner=core.owner)
        service = Service(core.store, core.ingestor, core.answerer, settings, schedules=scheduler)
        console = ConsoleChat(
            service, stdin=stdin, stdout=stdout, interactive=stdin.isatty(), on_quit=stop.set
        )
        scheduler.add_poster(console.poster)
        _say_what_runs(settings, credentials)
        platforms = await stack.enter_async_context(open_chat_platforms(settings, service, credentials, stop))
        if stop.is_set():  # signalled while connecting
            return 0
        for poster in platforms.posters:
            scheduler.add_poster(poster)
        console.say(await _greeting(core.store, settings, name, platforms.names))
        await loading
        await scheduler.start()
        stack.push_async_callback(scheduler.stop, STOP_GRACE_S)  # digests finish before platforms go
        chat = asyncio.create_task(console.run())
        stack.push_async_callback(_cancel, chat)
        failure = await platforms.until_failed(stop)
        if failure:
            log.error("stopping: %s", failure)
            code = 1
        log.info("stopping")
    return code


async def _load_model(backend: BriefBackend) -> None:
    """The local model loaded before work comes (not with the LLM backend: its local fallback
    may never be needed, and loads when it is)."""
    if isinstance(backend, LocalBackend) and backend.workers == 1:  # else each worker loads its own
        began = time.monotonic()
        await backend.load()
        log.info("brief model loaded seconds=%.1f", time.monotonic() - began)


async def _cancel(task: asyncio.Future[Any]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _say_what_runs(settings: Settings, credentials: Credentials) -> None:
    """A log line for each token that is set but not used, naming what runs instead."""
    running = ["the terminal chat"]
    if credentials.slack is not None:
        running.append(f"Slack ({settings.slack.mode} mode)")
    if credentials.discord_token:
        running.append(settings.discord.platform_name)
    for note in credentials.notes:
        log.warning("%s; running: %s", note, ", ".join(running))


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
            names.append(self.discord.settings.platform_name)
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
    settings: Settings,
    service: ChatService,
    credentials: Credentials,
    session: aiohttp.ClientSession | None,
) -> ChatPlatforms:
    """The adapters the credentials enable: Slack with ``SLACK_BOT_TOKEN`` (plus
    ``SLACK_APP_TOKEN`` in socket mode or ``SLACK_SIGNING_SECRET`` in http mode), Discord with
    ``DISCORD_TOKEN``. Slack needs ``session`` (its Web API connections). Raises ``ConfigError``
    when a token is there but what goes with it is not."""
    from bot.adapters.discord_app import DiscordAdapter
    from bot.adapters.slack_app import SlackAdapter, make_web_client

    platforms = ChatPlatforms()
    tokens = credentials.slack
    if tokens is not None:
        if problem := tokens.problem(settings.slack.mode):
            raise ConfigError(problem)
        if session is None:
            raise ValueError("Slack needs an aiohttp session")
        client = make_web_client(settings.slack.api_url, tokens.bot_token, session)
        platforms.slack = SlackAdapter(settings=settings.slack, tokens=tokens, service=service, client=client)
    if credentials.discord_token:
        platforms.discord = DiscordAdapter(service, credentials.discord_token, settings.discord)
    return platforms


@contextlib.asynccontextmanager
async def open_chat_platforms(
    settings: Settings,
    service: ChatService,
    credentials: Credentials,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[ChatPlatforms]:
    """The enabled chat platforms, connected, for the life of the block; stopped at its end.

    Starting is abandoned when ``stop`` is set meanwhile (a signal during a slow connect): the
    block then runs with ``stop`` set, and the caller should leave it at once.
    """
    async with contextlib.AsyncExitStack() as stack:
        session = None
        if credentials.slack is not None:
            session = await stack.enter_async_context(aiohttp.ClientSession())
        platforms = make_chat_platforms(settings, service, credentials, session)
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
