"""Briefbot in Slack: slack-bolt's ``AsyncApp`` as a thin adapter over the ``ChatService``.

It translates and delivers, nothing more: a ``/brief`` command's text is parsed into a typed
command (``bot.commands``), a mention or direct message becomes its question, both go to
``service.handle``, and whatever comes back is rendered by ``bot.render.slack`` and posted where
the reply policy (``bot.replies.is_public``) says. Decisions about what a command means, who may
change what, or which article a thread is about all belong to the service.

Two connections, chosen by ``[slack] mode``, both inside the caller's running event loop:

* ``socket`` (default): Socket Mode over a websocket; needs ``SLACK_BOT_TOKEN`` and
  ``SLACK_APP_TOKEN``, no public URL. The SDK reconnects after a dropped connection.
* ``http``: the Events API at ``http://host:port/slack/events`` (plus ``/healthz``); needs
  ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET``. The port is open to anyone, so until a
  connection has sent a correctly signed request it gets little (``HttpLimits``): its request
  head and body must arrive in time, only so many such connections stay open (the oldest is
  closed), and an unsigned body is never parsed. Bolt then verifies every request again.

Slack wants an answer to a command within 3 seconds, so commands are acknowledged first and
worked on afterwards in tracked tasks. Events are answered once even when Slack retries them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import aiohttp
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands
from bot.commands import ChatService
from bot.credentials import SLACK_APP_TOKEN, SLACK_SIGNING_SECRET, SlackTokens
from bot.render.slack import SlackMessage, from_slack, render, render_working
from bot.replies import (
    APOLOGY,
    ChannelGone,
    ChannelRef,
    Platform,
    Reply,
    Request,
    Requester,
    followup_article,
    is_public,
)
from bot.settings import SlackSettings
from summarizer.errors import ConfigError

log = logging.getLogger("briefbot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

# Errors after which a channel cannot take our posts any more (the scheduler stops delivering).
GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", "account_inactive"})
# Errors that mean "this message cannot be edited": post the result as a new message instead.
UPDATE_FAILED = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


# --------------------------------------------------------------------------- what Slack sends


class SlashCommand(TypedDict):
    """The fields of a slash command's payload that Briefbot reads."""

    text: NotRequired[str]
    channel_id: str
    team_id: NotRequired[str]
    user_id: str
    user_name: NotRequired[str]


class EventBody(TypedDict):
    """The Events API envelope around an event (only what Briefbot reads)."""

    event_id: NotRequired[str]
    team_id: NotRequired[str]


class MessageEvent(TypedDict):
    """An ``app_mention`` or ``message`` event (only what Briefbot reads)."""

    channel: NotRequired[str]
    channel_type: NotRequired[str]
    user: NotRequired[str]
    bot_id: NotRequired[str]
    subtype: NotRequired[str]
    text: NotRequired[str]
    ts: NotRequired[str]
    thread_ts: NotRequired[str]
    team: NotRequired[str]


class UserProfile(TypedDict):
    display_name: NotRequired[str]
    real_name: NotRequired[str]


class SlackUser(TypedDict):
    """``users.info``'s ``user`` (only what Briefbot reads)."""

    name: NotRequired[str]
    is_admin: NotRequired[bool]
    is_owner: NotRequired[bool]
    is_primary_owner: NotRequired[bool]
    profile: NotRequired[UserProfile]


# --------------------------------------------------------------------------- construction


def make_web_client(
    api_url: str, bot_token: str, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """The one Web API client (built by ``bot/app.py``): 429s wait for Retry-After and retry.

    Pass one ``aiohttp.ClientSession`` (created inside the running loop, closed at shutdown) so
    that calls reuse connections; without it every call pays DNS, TCP and TLS again.
    """
    base = api_url if api_url.endswith("/") else api_url + "/"
    return AsyncWebClient(
        token=bot_token,
        base_url=base,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


# --------------------------------------------------------------------------- small parts


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """What HTTP mode grants a connection that has not (yet) sent a correctly signed request."""

    header_timeout: float = 10.0  # to send a request head, after connecting or after an answer
    body_timeout: float = 10.0  # to send the body, once the head is in
    max_strangers: int = 256  # such connections open at once; beyond, the oldest is closed


class _GuardedServer(web.Server):
    """aiohttp's low-level server, keeping the connections not yet trusted ("strangers") in the
    order they came: beyond ``max_strangers`` the oldest is closed, so a flood of idle or slow
    connections cannot exhaust file descriptors, and a new connection (Slack's) always gets in."""

    def __init__(
        self,
        handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
        *,
        max_strangers: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, **kwargs)
        self._strangers: OrderedDict[RequestHandler, None] = OrderedDict()
        self._max_strangers = max_strangers

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        self._strangers[handler] = None
        while len(self._strangers) > self._max_strangers:
            oldest, _ = self._strangers.popitem(last=False)
            oldest.force_close()

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        self._strangers.pop(handler, None)
        super().connection_lost(handler, exc)

    def trust(self, handler: RequestHandler) -> None:
        """The connection sent a correctly signed request: it is Slack's, and stays."""
        self._strangers.pop(handler, None)


class _SameTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that it is unused
    because we pass our client; that client holds the very same token, so the warning would
    only worry operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class _Requesters:
    """``users.info`` answers (name, admin/owner flags), cached for ``ttl`` seconds."""

    def __init__(self, client: AsyncWebClient, ttl: float, clock: Callable[[], float], size: int = 5000):
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._size = size
        self._cache: OrderedDict[str, tuple[float, Requester]] = OrderedDict()

    async def get(self, user_id: str, fallback_name: str = "") -> Requester:
        now = self._clock()
        hit = self._cache.get(user_id)
        if hit and hit[0] > now:
            return hit[1]
        try:
            response = await self._client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            # Fail closed: without Slack's word the user is not an admin. Not cached, so the
            # next command asks again.
            reason = _error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("users.info failed user=%s error=%s", user_id, reason)
            return Requester(user_id=user_id, name=fallback_name, is_admin=False)
        user: SlackUser = response.get("user") or SlackUser()
        profile: UserProfile = user.get("profile") or UserProfile()
        name = profile.get("display_name") or profile.get("real_name") or user.get("name") or fallback_name
        is_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        requester = Requester(user_id=user_id, name=str(name), is_admin=is_admin)
        self._cache[user_id] = (now + self._ttl, requester)
        self._cache.move_to_end(user_id)
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return requester


def _error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or "unknown")
    except AttributeError:
        return "unknown"


class SlackChannelGone(ChannelGone):
    """``ChannelGone`` with Slack's reason and the ts of messages posted before it happened."""

    def __init__(self, channel_id: str, code: str, posted: Sequence[str] = ()) -> None:
        super().__init__(f"slack channel {channel_id}: {code}")
        self.code = code
        self.posted = list(posted)


async def post_messages(
    client: AsyncWebClient, channel_id: str, messages: Sequence[SlackMessage], thread_ts: str | None = None
) -> list[str]:
    """chat.postMessage each message in order; return their ts.

    Raises ``SlackChannelGone`` for the errors in ``GONE_ERRORS``, carrying the ts of the
    messages already posted. A message Slack refuses as ``invalid_blocks`` is sent again as its plain text,
    so a rendering bug costs formatting, not the message.
    """
    posted: list[str] = []
    for message in messages:
        try:
            posted.append(await _post_one(client, channel_id, message, thread_ts))
        except SlackApiError as exc:
            code = _error_code(exc)
            if code in GONE_ERRORS:
                raise SlackChannelGone(channel_id, code, posted) from exc
            raise
    return posted


async def _post_one(
    client: AsyncWebClient, channel_id: str, message: SlackMessage, thread_ts: str | None
) -> str:
    try:
        response = await client.chat_postMessage(
            channel=channel_id,
            text=message.text,
            blocks=list(message.blocks),
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        if _error_code(exc) != "invalid_blocks":
            raise
        log.error("slack refused our blocks channel=%s errors=%s", channel_id, exc.response.get("errors"))
        response = await client.chat_postMessage(
            channel=channel_id, text=message.text, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False
        )
    return str(response["ts"])


# --------------------------------------------------------------------------- posting


class SlackPoster:
    """``Poster`` for scheduled output (briefs as they arrive, digests). Recording which article
    the posted messages carry is the caller's part (the scheduler's), so it happens once."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    @property
    def platform(self) -> Platform:
        return "slack"

    async def post(self, channel: ChannelRef, reply: Reply, thread_id: str | None = None) -> list[str]:
        return await post_messages(self._client, channel.channel_id, render(reply), thread_id)


# --------------------------------------------------------------------------- the adapter


class SlackAdapter:
    """The running Slack side of Briefbot. ``await start()`` inside a running loop; ``stop()``."""

    def __init__(
        self,
        *,
        settings: SlackSettings,
        tokens: SlackTokens,
        service: ChatService,
        client: AsyncWebClient,
        ping_interval: float = 10.0,
        admin_ttl: float = 600.0,
        max_busy: int = 8,
        clock: Callable[[], float] = time.monotonic,
        http_limits: HttpLimits | None = None,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._service = service
        self._client = client
        self._ping_interval = ping_interval
        self._requesters = _Requesters(client, admin_ttl, clock)
        self._tasks: set[asyncio.Task[None]] = set()
        # Work after the ack runs at most ``max_busy`` at a time: a burst of commands then
        # cannot crowd the loop so much that the acks of the next ones are late.
        self._busy = asyncio.Semaphore(max_busy)
        self._bot_user_id: str | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.ServerRunner | None = None
        self._server: _GuardedServer | None = None
        self._limits = http_limits or HttpLimits()
        self.poster = SlackPoster(client)

        http = settings.mode == "http"
        if http and not tokens.signing_secret:
            # An empty secret would make any request "correctly signed".
            raise ConfigError(f"[slack] mode = 'http' needs {SLACK_SIGNING_SECRET} in the environment")
        if not http and not tokens.app_token:
            raise ConfigError(f"[slack] mode = 'socket' needs {SLACK_APP_TOKEN} in the environment")
        self._verifier = SignatureVerifier(tokens.signing_secret) if http else None
        bolt_log = logging.getLogger("slack_bolt")
        if not any(isinstance(f, _SameTokenNotice) for f in bolt_log.filters):
            bolt_log.addFilter(_SameTokenNotice())
        self._app = AsyncApp(
            client=client,
            signing_secret=tokens.signing_secret,
            # Socket Mode requests come over our own authenticated websocket, unsigned.
            request_verification_enabled=http,
            logger=bolt_log,
        )
        self._app.command("/brief")(self._on_command)
        self._app.event("app_mention")(self._on_mention)
        self._app.event("message")(self._on_message)
        # Source buttons open a URL; if interactivity is on, Slack still posts the click here.
        self._app.action(re.compile(r"source_\d+$"))(self._on_link_click)

    # -- lifecycle

    @property
    def mode(self) -> str:
        return self._settings.mode

    @property
    def http_port(self) -> int | None:
        """The port HTTP mode listens on (useful with ``port = 0``); None in Socket Mode."""
        if self._runner is None or not self._runner.addresses:
            return None
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Check the tokens with Slack, then connect (Socket Mode) or listen (HTTP mode)."""
        try:
            auth = await self._client.auth_test()
        except SlackApiError as exc:
            raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({_error_code(exc)})") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConfigError(
                f"cannot reach the Slack Web API at {self._settings.api_url} ({type(exc).__name__})"
            ) from None
        self._bot_user_id = str(auth.get("user_id") or "") or None
        log.info(
            "slack authorised team=%s bot_user=%s mode=%s",
            auth.get("team_id"),
            self._bot_user_id,
            self._settings.mode,
        )
        if self._settings.mode == "socket":
            await self._start_socket()
        else:
            await self._start_http()

    async def _start_socket(self) -> None:
        # Ask for the first websocket URL ourselves: with a bad app token the SDK would retry
        # forever, while we want start-up to stop with a clear message.
        try:
            opened = await self._client.apps_connections_open(app_token=self._tokens.app_token)
        except SlackApiError as exc:
            raise ConfigError(f"Slack refused {SLACK_APP_TOKEN} ({_error_code(exc)})") from None
        handler = AsyncSocketModeHandler(
            self._app,
            app_token=self._tokens.app_token,
            web_client=self._client,
            ping_interval=self._ping_interval,
        )
        handler.client.wss_uri = str(opened["url"])
        self._socket = handler
        await handler.connect_async()  # type: ignore[no-untyped-call]  # (untyped in slack_bolt)
        log.info("slack socket mode connected")

    async def _start_http(self) -> None:
        server = _GuardedServer(
            self._http,
            max_strangers=self._limits.max_strangers,
            # aiohttp closes a connection that has sent no complete request head this long after
            # connecting (or after its last answer); no lingering over unread bodies.
            keepalive_timeout=self._limits.header_timeout,
            lingering_time=0,
            access_log=None,
        )
        runner = web.ServerRunner(server)
        await runner.setup()
        site = web.TCPSite(runner, self._settings.host, self._settings.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(
                f"[slack] cannot listen on {self._settings.host}:{self._settings.port}: {exc.strerror}"
            ) from None
        self._runner, self._server = runner, server
        log.info("slack http mode listening port=%s path=%s", self.http_port, EVENTS_PATH)

    async def stop(self, drain: float = 5.0) -> None:
        """Stop taking events, give work in progress ``drain`` seconds, then cancel it."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = self._server = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=drain)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def _http(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return web.json_response({"ok": True})
        if request.path != EVENTS_PATH:
            return web.json_response({"error": "not found"}, status=404)
        if request.method != "POST":
            return web.json_response({"error": "method not allowed"}, status=405, headers={"Allow": "POST"})
        return await self._http_events(request)

    async def _http_events(self, request: web.BaseRequest) -> web.StreamResponse:
        try:
            async with asyncio.timeout(self._limits.body_timeout):
                body = (await request.read()).decode("utf-8", "replace")
        except TimeoutError:
            request.protocol.force_close()
            return web.json_response({"error": "request body too slow"}, status=408)
        if not self._signed(request, body):
            return web.json_response({"error": "invalid request"}, status=401)
        if self._server is not None:
            self._server.trust(request.protocol)
        bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
        bolt_response = await self._app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    def _signed(self, request: web.BaseRequest, body: str) -> bool:
        """Slack's signature, checked before bolt parses anything: a timestamp that is not a
        number is refused here (bolt would raise on it), and an unsigned body is never parsed."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return False
        return self._verifier is not None and self._verifier.is_valid(body, timestamp, signature)

    def _spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.create_task(self._bounded(work), name=f"slack-{what}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    async def _bounded(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            async with self._busy:
                await work
        finally:
            work.close()  # cancelled while queued: it never ran, and must not warn about it

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("slack task failed task=%s error=%r", task.get_name(), exc, exc_info=exc)

    # -- listeners (bolt passes arguments by name)

    async def _on_command(self, ack: AsyncAck, command: SlashCommand, respond: AsyncRespond) -> None:
        await ack()  # first, always: Slack shows an error after 3 seconds without it
        self._spawn(self._run_command(command, respond), "command")

    async def _on_mention(self, body: EventBody, event: MessageEvent, request: AsyncBoltRequest) -> None:
        if self._should_answer(event):
            self._spawn(self._answer_once(body, event, request, always_thread=True), "mention")

    async def _on_message(self, body: EventBody, event: MessageEvent, request: AsyncBoltRequest) -> None:
        # Only direct messages; edits, joins and other subtypes are not questions.
        if event.get("channel_type") != "im" or event.get("subtype") not in (None, "file_share"):
            return
        if self._should_answer(event):
            self._spawn(self._answer_once(body, event, request, always_thread=False), "dm")

    async def _on_link_click(self, ack: AsyncAck) -> None:
        await ack()

    def _should_answer(self, event: MessageEvent) -> bool:
        if event.get("bot_id") or event.get("subtype") == "bot_message" or not event.get("user"):
            return False  # other bots (and our own posts): never a conversation between bots
        return not (self._bot_user_id and event.get("user") == self._bot_user_id)

    async def _answer_once(
        self, body: EventBody, event: MessageEvent, request: AsyncBoltRequest, always_thread: bool
    ) -> None:
        # One answer per message: Slack retries (same event_id, also after our restart) and a
        # DM that is also a mention (two events, same channel and ts) must not be answered
        # twice. The service claims the event in the store.
        keys = [f"slack:msg:{event.get('channel')}:{event.get('ts')}"]
        if event_id := body.get("event_id"):
            keys.append(f"slack:event:{event_id}")
        if await self._service.claim_event(keys):
            await self._answer(body, event, always_thread)
            return
        retry = (request.headers.get("x-slack-retry-num") or [""])[0]
        log.info("slack duplicate event ignored event_id=%s retry=%s", body.get("event_id"), retry or "-")

    # -- work after the ack

    async def _run_command(self, command: SlashCommand, respond: AsyncRespond) -> None:
        try:
            await self._command(command, respond)
        except Exception:
            # The service answered (it never raises), but Slack would not take the answer: the
            # person who typed the command still hears that it failed.
            log.exception("slack command failed channel=%s", command.get("channel_id"))
            await self._respond_raw(respond, text=APOLOGY, response_type="ephemeral")

    async def _command(self, command: SlashCommand, respond: AsyncRespond) -> None:
        text = from_slack(command.get("text") or "", self._bot_user_id)
        channel = ChannelRef("slack", command.get("channel_id", ""), command.get("team_id") or "")
        user = await self._requesters.get(command.get("user_id", ""), command.get("user_name") or "")
        request = Request(channel=channel, user=user)
        log.info("slack command channel=%s user=%s", channel.channel_id, user.user_id)
        parsed = commands.parse(text)

        working_ts: str | None = None  # the "working on it" note in the channel
        private_note = False  # the note shown to the asker alone (through the response URL)
        reachable = True  # whether chat.postMessage reaches this channel
        if commands.is_slow(parsed):
            working = render_working(text, user.name)
            # Where the note goes follows the reply policy: a change asked for by a non-admin
            # is most likely refused, and a refusal is for the asker alone, note and all.
            if commands.likely_public(parsed, asker_is_admin=user.is_admin):
                try:
                    working_ts = (await post_messages(self._client, channel.channel_id, [working]))[0]
                except SlackChannelGone as exc:
                    # Not a member here (a private channel, a DM between two people): the
                    # response URL still reaches the person who asked.
                    log.info(
                        "slack working note via response_url channel=%s reason=%s",
                        channel.channel_id,
                        exc.code,
                    )
                    reachable = False
            if working_ts is None:
                private_note = True
                await self._respond(respond, [working], public=False)

        reply = await self._service.handle(request, parsed)
        messages = render(reply)
        public = is_public(reply)
        ids: list[str] = []
        if working_ts is not None and not public and await self._withdraw(channel.channel_id, working_ts):
            # An error (a page that could not be fetched, say) is for the person who asked, like
            # every other non-public reply: the channel's note goes away.
            await self._respond(respond, messages, public=False)
        elif working_ts is not None:
            ids = await self._replace(channel.channel_id, working_ts, messages)
        elif public:
            if private_note:
                await self._respond_raw(respond, delete_original=True)  # the asker's own note
            if reachable:
                try:
                    ids = await post_messages(self._client, channel.channel_id, messages)
                except SlackChannelGone:
                    reachable = False
            if not reachable:
                await self._respond(respond, messages, public=True)
        else:
            await self._respond(respond, messages, public=False, replace_first=private_note)
        if ids and followup_article(reply) is not None:
            await self._service.remember_posts(channel, ids, reply)

    async def _answer(self, body: EventBody, event: MessageEvent, always_thread: bool) -> None:
        thread_ts = event.get("thread_ts")
        team = body.get("team_id") or event.get("team") or ""
        channel = ChannelRef("slack", event.get("channel", ""), team)
        user = await self._requesters.get(event.get("user", ""))
        request = Request(channel=channel, user=user, thread_id=thread_ts or None)
        question = from_slack(event.get("text") or "", self._bot_user_id)
        log.info("slack question channel=%s user=%s thread=%s", channel.channel_id, user.user_id, thread_ts)
        reply = await self._service.handle(request, commands.mention(question))
        reply_in = (thread_ts or event.get("ts")) if (always_thread or thread_ts) else None
        try:
            ids = await post_messages(self._client, channel.channel_id, render(reply), reply_in)
        except SlackChannelGone as exc:
            log.warning("slack cannot answer channel=%s reason=%s", channel.channel_id, exc.code)
            return
        if followup_article(reply) is not None:
            await self._service.remember_posts(channel, ids, reply)

    async def _withdraw(self, channel_id: str, ts: str) -> bool:
        """Delete our working note; False when Slack would not (the note is then replaced)."""
        try:
            await self._client.chat_delete(channel=channel_id, ts=ts)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            reason = _error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("slack could not delete working note channel=%s error=%s", channel_id, reason)
            return False
        return True

    async def _replace(self, channel_id: str, ts: str, messages: Sequence[SlackMessage]) -> list[str]:
        """Put the first message in place of the working note; post the rest after it."""
        first, rest = messages[0], messages[1:]
        try:
            await self._client.chat_update(
                channel=channel_id, ts=ts, text=first.text, blocks=list(first.blocks)
            )
        except SlackApiError as exc:
            if _error_code(exc) not in UPDATE_FAILED | {"invalid_blocks"}:
                raise
            log.warning(
                "slack could not replace working note channel=%s error=%s", channel_id, _error_code(exc)
            )
            return await post_messages(self._client, channel_id, messages)
        return [ts, *await post_messages(self._client, channel_id, rest)]

    async def _respond(
        self,
        respond: AsyncRespond,
        messages: Sequence[SlackMessage],
        public: bool,
        replace_first: bool = False,
    ) -> None:
        for n, message in enumerate(messages):
            await self._respond_raw(
                respond,
                text=message.text,
                blocks=list(message.blocks),
                response_type="in_channel" if public else "ephemeral",
                replace_original=replace_first and n == 0,
            )

    async def _respond_raw(self, respond: AsyncRespond, **message: Any) -> None:
        response = await respond(**message)
        if response.status_code != 200:
            log.warning(
                "slack response_url refused status=%s body=%s", response.status_code, response.body[:200]
            )
